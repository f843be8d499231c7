import { and, eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { medicationDoses, notificationsOutbox, patients, prescriptionItems } from "../../db/schema/index.js";
import { buildTestApp, TEST_NOW, type TestApp } from "../app.js";
import { careTeamAppointment, signUp, verifiedDoctor, type Session } from "../factories.js";
import { withCatalog } from "../orders.js";

/**
 * Refill and lab preparation reminders: rows of scheduled_reminders written when the prescription is issued
 * or the lab test booked, dispatched by the due second's job (called here at the due time) into the outbox.
 */

let t: TestApp;
let dr: Session & { doctorId: number };

beforeAll(async () => {
  t = await buildTestApp({ env: { NOTIFY_RELAY_INTERVAL_MS: "50" } });
  await withCatalog(t);
  dr = await verifiedDoctor(t, { name: "Dr Meera Shah", timeZone: "Asia/Kolkata" });
});
afterEach(() => t.clock.set(TEST_NOW));
afterAll(async () => {
  await t.close();
});

async function patientInKolkata(name: string): Promise<Session & { patientId: number }> {
  const s = await signUp(t, "patient", { name });
  await t.database.db.update(patients).set({ timeZone: "Asia/Kolkata" }).where(eq(patients.userId, s.userId));
  return { ...s, patientId: s.patientId! };
}

function post(s: { headers: Record<string, string> }, url: string, payload: object) {
  return t.app.inject({ method: "POST", url, headers: s.headers, payload });
}

async function outbox(key: string) {
  const [row] = await t.database.db
    .select()
    .from(notificationsOutbox)
    .where(eq(notificationsOutbox.idempotencyKey, key));
  return row;
}

describe("refill reminders", () => {
  it("go REFILL_REMINDER_DAYS before the last dose of an item with refills left, and only then", async () => {
    const p = await patientInKolkata("Kiran Das");
    await careTeamAppointment(t, dr.doctorId, p.patientId);
    const rx = await post(dr, "/api/doctor/prescriptions/", {
      patient_id: p.patientId,
      items: [
        {
          medicine_name: "Metformin",
          dose: "500 mg",
          frequency: "twice daily",
          duration_days: 10,
          refills: 2,
        },
        { medicine_name: "Amoxicillin", dose: "500 mg", frequency: "three times daily", duration_days: 5 },
      ],
    });
    expect(rx.statusCode, rx.body).toBe(201);
    const items = await t.database.db
      .select()
      .from(prescriptionItems)
      .where(
        eq(prescriptionItems.prescriptionId, rx.json<{ prescription: { id: number } }>().prescription.id),
      );
    const metformin = items.find((i) => i.medicineName === "Metformin")!;
    const amoxicillin = items.find((i) => i.medicineName === "Amoxicillin")!;
    const [last] = await t.database.db
      .select()
      .from(medicationDoses)
      .where(eq(medicationDoses.prescriptionItemId, metformin.id))
      .orderBy(medicationDoses.scheduledAt)
      .then((rows) => rows.slice(-1));

    const rows = await t.services.reminders.rows.ofEntities("refill", [metformin.id, amoxicillin.id]);
    expect(rows).toHaveLength(1); // no refills on the antibiotic: no reminder
    const refill = rows[0]!;
    expect(refill).toMatchObject({ entityId: metformin.id, status: "pending", eventAt: last!.scheduledAt });
    // Three days before the last dose (moved out of quiet hours, never later than that).
    const threeDays = last!.scheduledAt.getTime() - 3 * 86_400_000;
    expect(refill.dueAt.getTime()).toBeGreaterThanOrEqual(threeDays - 86_400_000);
    expect(refill.dueAt.getTime()).toBeLessThanOrEqual(threeDays);

    t.clock.set(refill.dueAt);
    expect(await t.services.reminders.dispatchDue(refill.dueAt.getTime())).toBeGreaterThanOrEqual(1);
    const row = await outbox(refill.key);
    expect(row).toMatchObject({ template: "reminder.refill", userId: p.userId });
    expect(row!.data).toMatchObject({ medicine_name: "Metformin", fills_remaining: 3 });
    expect((await t.services.reminders.rows.byKey(refill.key))!.status).toBe("fired");
  });

  it("and the dose reminders are cancelled when the prescription is withdrawn", async () => {
    const p = await patientInKolkata("Tara Bose");
    await careTeamAppointment(t, dr.doctorId, p.patientId);
    const rx = await post(dr, "/api/doctor/prescriptions/", {
      patient_id: p.patientId,
      items: [
        { medicine_name: "Losartan", dose: "50 mg", frequency: "once daily", duration_days: 10, refills: 1 },
      ],
    });
    expect(rx.statusCode, rx.body).toBe(201);
    const rxId = rx.json<{ prescription: { id: number } }>().prescription.id;
    const reminders = async () => [
      ...(await t.services.reminders.rows.ofEntities("medication", t.services.reminders.rows.dosesOf(rxId))),
      ...(await t.services.reminders.rows.ofEntities("refill", t.services.reminders.rows.itemsOf(rxId))),
    ];
    const before = await reminders();
    expect(before.filter((r) => r.kind === "refill")).toHaveLength(1);
    expect(before.length).toBeGreaterThan(5); // a week of daily doses, and the refill
    expect(new Set(before.map((r) => r.status))).toEqual(new Set(["pending"]));
    const res = await post(dr, `/api/doctor/prescriptions/${rxId}/cancel`, {});
    expect(res.statusCode, res.body).toBe(200);
    expect(new Set((await reminders()).map((r) => r.status))).toEqual(new Set(["cancelled"]));
  });

  it("are skipped when no fill is left by their time", async () => {
    const p = await patientInKolkata("Sara Iqbal");
    await careTeamAppointment(t, dr.doctorId, p.patientId);
    const rx = await post(dr, "/api/doctor/prescriptions/", {
      patient_id: p.patientId,
      items: [
        {
          medicine_name: "Atorvastatin",
          dose: "10 mg",
          frequency: "once daily",
          duration_days: 7,
          refills: 1,
        },
      ],
    });
    expect(rx.statusCode, rx.body).toBe(201);
    const [item] = await t.database.db
      .select()
      .from(prescriptionItems)
      .where(
        eq(prescriptionItems.prescriptionId, rx.json<{ prescription: { id: number } }>().prescription.id),
      );
    const [refill] = await t.services.reminders.rows.ofEntities("refill", [item!.id]);
    // Both fills bought at the pharmacy meanwhile.
    await t.database.db
      .update(prescriptionItems)
      .set({ fillsRemaining: 0 })
      .where(and(eq(prescriptionItems.id, item!.id)));
    t.clock.set(refill!.dueAt);
    await t.services.reminders.dispatchDue(refill!.dueAt.getTime());
    expect((await t.services.reminders.rows.byKey(refill!.key))!.status).toBe("skipped");
    expect(await outbox(refill!.key)).toBeUndefined();
  });
});

describe("lab preparation reminders", () => {
  it("go at 19:00 the evening before a test that needs preparation; none for a test that needs none; a cancelled booking's never", async () => {
    const p = await patientInKolkata("Nisha Pillai");
    const book = (test_name: string, date: string) =>
      post(p, "/api/book/labtest/", { test_name, appointment_date: date, collection: "lab" });
    const fasting = await book("fasting blood sugar", "2030-01-12");
    expect(fasting.statusCode, fasting.body).toBe(201);
    const cbc = await book("blood count", "2030-01-12");
    expect(cbc.statusCode, cbc.body).toBe(201);
    const later = await book("fasting blood sugar", "2030-01-13");
    expect(later.statusCode, later.body).toBe(201);
    const id = (r: typeof fasting) =>
      r.json<{ lab_test_booking: { booking_id: number } }>().lab_test_booking.booking_id;
    const cancel = await post(p, `/api/lab/bookings/${id(later)}/cancel`, {});
    expect(cancel.statusCode, cancel.body).toBe(200);

    const rows = await t.services.reminders.rows.ofEntities("lab_prep", [id(fasting), id(cbc), id(later)]);
    expect(rows.map((r) => [r.entityId, r.status])).toEqual([
      [id(fasting), "pending"],
      [id(later), "cancelled"],
    ]);
    const prep = rows[0]!;
    // 19:00 in Kolkata on the 11th; valid for the booking's day (midnight in Kolkata).
    expect(prep.dueAt.toISOString()).toBe("2030-01-11T13:30:00.000Z");
    expect(prep.eventAt.toISOString()).toBe("2030-01-11T18:30:00.000Z");

    t.clock.set(prep.dueAt);
    await t.services.reminders.dispatchDue(prep.dueAt.getTime());
    const row = await outbox(prep.key);
    expect(row).toMatchObject({ template: "reminder.lab_prep", userId: p.userId });
    expect(row!.data).toMatchObject({ test_name: "Fasting Blood Sugar", appointment_date: "2030-01-12" });
    expect(String(row!.data.preparation)).toMatch(/fast/i);
    expect(await outbox(rows[1]!.key)).toBeUndefined();
  });
});

describe("scheduling", () => {
  it("a reminder wanted again after its cancellation (moved back) is pending again; a fired one stays fired", async () => {
    const dueAt = new Date("2030-01-09T05:00:00Z");
    const plan = (entityId: number) => ({
      kind: "appointment",
      entityId,
      slot: "24h",
      dueAt,
      eventAt: "2030-01-10T05:00:00.000Z",
    });
    const [key] = await t.services.reminders.schedule([plan(990_001)]);
    await t.services.reminders.rows.cancelOthers("appointment", [990_001], []);
    expect((await t.services.reminders.rows.byKey(key!))!.status).toBe("cancelled");
    await t.services.reminders.schedule([plan(990_001)]);
    expect((await t.services.reminders.rows.byKey(key!))!.status).toBe("pending");

    // No such appointment: claimed and skipped at its time; scheduling it again changes nothing.
    t.clock.set(dueAt);
    await t.services.reminders.dispatchDue(dueAt.getTime());
    expect((await t.services.reminders.rows.byKey(key!))!.status).toBe("skipped");
    await t.services.reminders.schedule([plan(990_001)]);
    expect((await t.services.reminders.rows.byKey(key!))!.status).toBe("skipped");
  });
});

describe("the reminders' outbox", () => {
  it("a prescription whose process died after the commit, before its reminders, gets them from the relay", async () => {
    const p = await patientInKolkata("Neha Rao");
    await careTeamAppointment(t, dr.doctorId, p.patientId);
    // The fast path fails (as if the process died right after the commit): the request stays.
    const original = t.services.reminders.synced.bind(t.services.reminders);
    t.services.reminders.synced = () => Promise.resolve();
    let rxId: number;
    try {
      const rx = await post(dr, "/api/doctor/prescriptions/", {
        patient_id: p.patientId,
        items: [
          {
            medicine_name: "Metformin",
            dose: "500 mg",
            frequency: "twice daily",
            duration_days: 10,
            refills: 1,
          },
        ],
      });
      expect(rx.statusCode, rx.body).toBe(201);
      rxId = rx.json<{ prescription: { id: number } }>().prescription.id;
    } finally {
      t.services.reminders.synced = original;
    }
    const [item] = await t.database.db
      .select()
      .from(prescriptionItems)
      .where(eq(prescriptionItems.prescriptionId, rxId));
    expect(await t.services.reminders.rows.ofEntities("refill", [item!.id])).toEqual([]);
    const request = await t.services.reminders.rows.syncRequest("prescription", rxId);
    expect(request).toBeDefined();

    // Not yet stale: the sweep leaves it to a fast path that may still be running.
    expect(await t.services.reminders.sweepSyncs(t.clock.now())).toBe(0);
    t.clock.advance(60_000);
    await t.relay.tick();
    const rows = await t.services.reminders.rows.ofEntities("refill", [item!.id]);
    expect(rows.map((r) => r.status)).toEqual(["pending"]);
    expect(await t.services.reminders.rows.syncRequest("prescription", rxId)).toBeUndefined();
    // Twice is once.
    await t.relay.tick();
    expect(await t.services.reminders.rows.ofEntities("refill", [item!.id])).toHaveLength(1);
  });
});
