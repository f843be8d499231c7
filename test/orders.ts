import { eq } from "drizzle-orm";
import { seedCatalog } from "../domain/orders/catalog/seed.js";
import {
  labTests,
  medicines,
  prescriptionItems,
  prescriptionLabTests,
  prescriptions,
} from "../db/schema/index.js";
import type { TestApp } from "./app.js";
import { careTeamAppointment, signUp, type Session } from "./factories.js";

/** Factories for the clinical-orders tests: catalog, care team, prescriptions written straight to the tables. */

export async function withCatalog(t: TestApp): Promise<void> {
  await seedCatalog(t.database.db);
}

export async function patient(t: TestApp, name = "Test Patient"): Promise<Session & { patientId: number }> {
  const s = await signUp(t, "patient", { name });
  return { ...s, patientId: s.patientId! };
}

export async function doctor(t: TestApp, name = "Dr Test"): Promise<Session & { doctorId: number }> {
  const s = await signUp(t, "doctor", { name });
  return { ...s, doctorId: s.doctorId! };
}

/** Puts a doctor on a patient's care team: a past, completed appointment between them. */
export async function careTeam(t: TestApp, doctorId: number, patientId: number): Promise<void> {
  await careTeamAppointment(t, doctorId, patientId);
}

export interface RxItemSetup {
  medicine: string;
  generics: string[];
  strength?: string;
  quantity?: number;
  refills?: number;
  fillsRemaining?: number;
}

/** A prescription with items (and lab tests), inserted directly (the prescription endpoints are another module's). */
export async function prescribe(
  t: TestApp,
  setup: {
    patientId: number;
    doctorId: number;
    createdByUserId: number;
    items?: RxItemSetup[];
    labTests?: { name: string; code?: string }[];
    validUntil?: string;
    status?: "active" | "completed" | "cancelled" | "expired";
  },
): Promise<{ prescriptionId: number; itemIds: number[]; labTestIds: number[] }> {
  const db = t.database.db;
  const [rx] = await db
    .insert(prescriptions)
    .values({
      patientId: setup.patientId,
      doctorId: setup.doctorId,
      status: setup.status ?? "active",
      validUntil: setup.validUntil ?? "2030-06-30",
      createdByUserId: setup.createdByUserId,
    })
    .returning({ id: prescriptions.id });
  const prescriptionId = rx!.id;
  const itemIds: number[] = [];
  for (const item of setup.items ?? []) {
    const refills = item.refills ?? 0;
    const [row] = await db
      .insert(prescriptionItems)
      .values({
        prescriptionId,
        medicineName: item.medicine,
        generics: item.generics,
        strength: item.strength ?? null,
        dose: "1 tablet",
        frequency: "twice daily",
        timesPerDay: 2,
        durationDays: 30,
        quantity: item.quantity ?? 60,
        refills,
        fillsRemaining: item.fillsRemaining ?? 1 + refills,
        startDate: "2030-01-01",
      })
      .returning({ id: prescriptionItems.id });
    itemIds.push(row!.id);
  }
  const labTestIds: number[] = [];
  for (const lt of setup.labTests ?? []) {
    const [row] = await db
      .insert(prescriptionLabTests)
      .values({ prescriptionId, testName: lt.name, testCode: lt.code ?? null })
      .returning({ id: prescriptionLabTests.id });
    labTestIds.push(row!.id);
  }
  return { prescriptionId, itemIds, labTestIds };
}

export async function fillsRemaining(t: TestApp, itemId: number): Promise<number> {
  const [row] = await t.database.db
    .select({ n: prescriptionItems.fillsRemaining })
    .from(prescriptionItems)
    .where(eq(prescriptionItems.id, itemId));
  return row!.n;
}

export async function medicineId(t: TestApp, code: string): Promise<number> {
  const [row] = await t.database.db
    .select({ id: medicines.id })
    .from(medicines)
    .where(eq(medicines.code, code));
  return row!.id;
}

export async function labTestId(t: TestApp, code: string): Promise<number> {
  const [row] = await t.database.db.select({ id: labTests.id }).from(labTests).where(eq(labTests.code, code));
  return row!.id;
}

/** The payment returned beside an order or booking (`payment` in the response). */
export interface PaymentLink {
  id: number;
  status: string;
  amount: number;
  currency: string;
  checkout_url: string;
  expires_at: string;
}

/** Pays (or fails) a payment through the sandbox's checkout page, as the patient's browser would. */
export async function payThroughSandbox(
  t: TestApp,
  payment: PaymentLink | null | undefined,
  outcome: "succeed" | "fail" = "succeed",
): Promise<void> {
  if (!payment) throw new Error("no payment to pay");
  const res = await t.app.inject({
    method: "POST",
    url: `${new URL(payment.checkout_url).pathname}/${outcome}`,
  });
  if (res.statusCode !== 303) throw new Error(`sandbox ${outcome} failed: ${res.statusCode} ${res.body}`);
}
