import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { medicalRecords } from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../../test/app.js";
import { careTeam, doctor, patient } from "../../test/orders.js";

/**
 * A step that writes a clinical record and is retried (a signed visit note's record, when the process dies
 * before the note keeps the record's id) writes it once: the same key gives the same record.
 */

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => {
  await t.close();
});

describe("clinical records with an idempotency key", () => {
  it("are written once, however often and however concurrently the step runs", async () => {
    const p = await patient(t, "Mira Das");
    const d = await doctor(t, "Dr Key");
    await careTeam(t, d.doctorId, p.patientId);
    const actor = {
      userId: d.userId,
      role: "doctor" as const,
      doctorId: d.doctorId,
      channel: "system" as const,
    };
    const input = {
      patient_id: p.patientId,
      date: "2030-01-07",
      description: "Visit note (video visit)",
      idempotencyKey: `visit-note:test-${p.patientId}`,
    };
    const [a, b] = await Promise.all([
      t.services.records.createClinicalRecord(actor, input),
      t.services.records.createClinicalRecord(actor, input),
    ]);
    const c = await t.services.records.createClinicalRecord(actor, input);
    expect(b.record_id).toBe(a.record_id);
    expect(c.record_id).toBe(a.record_id);
    const rows = await t.database.db
      .select()
      .from(medicalRecords)
      .where(eq(medicalRecords.patientId, p.patientId));
    expect(rows).toHaveLength(1);
    // Without a key, each call is a new record, as before.
    const { idempotencyKey: _key, ...plain } = input;
    await t.services.records.createClinicalRecord(actor, plain);
    await t.services.records.createClinicalRecord(actor, plain);
    expect(
      await t.database.db.select().from(medicalRecords).where(eq(medicalRecords.patientId, p.patientId)),
    ).toHaveLength(3);
  });
});
