import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import {
  appointments,
  doctorAvailability,
  doctors,
  doctorSpecialties,
  specialties,
} from "../db/schema/index.js";
import type { TestApp } from "./app.js";

export interface Session {
  userId: number;
  patientId?: number;
  doctorId?: number;
  email: string;
  password: string;
  token: string;
  refreshToken: string;
  headers: { authorization: string };
}

let counter = 0;
export function uniqueEmail(prefix = "user"): string {
  counter += 1;
  return `${prefix}.${counter}.${randomBytes(3).toString("hex")}@example.test`;
}

async function login(t: TestApp, email: string, password: string): Promise<Session> {
  const res = await t.app.inject({ method: "POST", url: "/api/auth/login", payload: { email, password } });
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  const body = res.json<{
    access_token: string;
    refresh_token: string;
    user: { id: number; patient_id?: number; doctor_id?: number };
  }>();
  return {
    userId: body.user.id,
    ...(body.user.patient_id !== undefined ? { patientId: body.user.patient_id } : {}),
    ...(body.user.doctor_id !== undefined ? { doctorId: body.user.doctor_id } : {}),
    email,
    password,
    token: body.access_token,
    refreshToken: body.refresh_token,
    headers: { authorization: `Bearer ${body.access_token}` },
  };
}

/** Registers through the API and signs in. */
export async function signUp(
  t: TestApp,
  role: "patient" | "doctor",
  fields: { name?: string; email?: string; password?: string; phone?: string } = {},
): Promise<Session> {
  const email = fields.email ?? uniqueEmail(role);
  const password = fields.password ?? "correct horse battery";
  const res = await t.app.inject({
    method: "POST",
    url: "/api/auth/register",
    payload: {
      role,
      name: fields.name ?? (role === "doctor" ? "Dr Test" : "Test Patient"),
      email,
      password,
      ...(fields.phone ? { phone: fields.phone } : {}),
    },
  });
  if (res.statusCode !== 201) throw new Error(`register failed: ${res.statusCode} ${res.body}`);
  return login(t, email, password);
}

/** An admin (or nurse) account, created directly and signed in through the API. */
export async function signInAs(t: TestApp, role: "admin" | "nurse" | "pharmacist" | "lab"): Promise<Session> {
  const email = uniqueEmail(role);
  const password = "correct horse battery";
  const { AccountsRepository } = await import("../domain/accounts/repository.js");
  const { hashPassword } = await import("../domain/accounts/secrets.js");
  await new AccountsRepository(t.database.db).insertUser(t.database.db, {
    role,
    name: `Test ${role}`,
    email,
    passwordHash: await hashPassword(password),
  });
  return login(t, email, password);
}

export interface DoctorSetup {
  name?: string;
  city?: string;
  specialty?: string;
  feeMinor?: number;
  currency?: string;
  timeZone?: string;
  autoAccept?: boolean;
  /** Weekly windows; default Monday–Sunday 09:00–17:00 in 30-minute slots. */
  weekly?: { isoDay: number; start: string; end: string; slotMinutes: number }[];
  latitude?: number;
  longitude?: number;
  experienceYears?: number;
}

/** A verified, bookable doctor with an account, signed in. */
export async function verifiedDoctor(
  t: TestApp,
  setup: DoctorSetup = {},
): Promise<Session & { doctorId: number }> {
  const s = await signUp(t, "doctor", { name: setup.name ?? "Dr Asha Rao" });
  const db = t.database.db;
  const doctorId = s.doctorId!;
  const weekly =
    setup.weekly ??
    [1, 2, 3, 4, 5, 6, 7].map((isoDay) => ({ isoDay, start: "09:00", end: "17:00", slotMinutes: 30 }));
  let mask = 0;
  for (const w of weekly) mask |= 1 << (w.isoDay - 1);
  const specialtyName = setup.specialty ?? "General Physician";
  const slug = specialtyName.toLowerCase().replace(/[^a-z0-9]+/g, "-");
  await db.insert(specialties).values({ name: specialtyName, slug, conditions: [] }).onConflictDoNothing();
  const [spec] = await db.select().from(specialties).where(eq(specialties.slug, slug));
  await db
    .update(doctors)
    .set({
      city: setup.city ?? "Delhi",
      feeMinor: setup.feeMinor ?? 50000,
      currency: setup.currency ?? "INR",
      timeZone: setup.timeZone ?? "Asia/Kolkata",
      autoAccept: setup.autoAccept ?? false,
      verificationStatus: "verified",
      verifiedAt: new Date(),
      availableDaysMask: mask,
      latitude: setup.latitude ?? null,
      longitude: setup.longitude ?? null,
      experienceYears: setup.experienceYears ?? 10,
      searchText: `${(setup.name ?? "Dr Asha Rao").toLowerCase()} ${specialtyName.toLowerCase()}`,
    })
    .where(eq(doctors.id, doctorId));
  await db.insert(doctorSpecialties).values({ doctorId, specialtyId: spec!.id, isPrimary: true });
  await db.insert(doctorAvailability).values(
    weekly.map((w) => ({
      doctorId,
      isoDay: w.isoDay,
      startTime: w.start,
      endTime: w.end,
      slotMinutes: w.slotMinutes,
    })),
  );
  // Written behind the services' back: drop cached search results, as a profile edit would.
  await t.services.doctors.invalidateSearchCache();
  return { ...s, doctorId };
}

/** Each app's next care-team slot (per app: test files may share a worker process). */
const careSlots = new WeakMap<TestApp, number>();
/** Puts a doctor on a patient's care team the usual way: a (past, completed) appointment between them. */
export async function careTeamAppointment(t: TestApp, doctorId: number, patientId: number): Promise<number> {
  const careSlot = (careSlots.get(t) ?? 0) + 1;
  careSlots.set(t, careSlot);
  const startsAt = new Date(Date.UTC(2029, 10, 1, 9) + careSlot * 3_600_000);
  const [row] = await t.database.db
    .insert(appointments)
    .values({
      doctorId,
      patientId,
      startsAt,
      endsAt: new Date(startsAt.getTime() + 30 * 60_000),
      status: "completed",
      patientName: "Test Patient",
    })
    .returning({ id: appointments.id });
  return row!.id;
}
