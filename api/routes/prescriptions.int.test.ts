import { and, asc, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  auditLog,
  doctors,
  medicalRecords,
  medicationDoses,
  notificationsOutbox,
  nurseAssignments,
  prescriptionItems,
  prescriptions,
} from "../../db/schema/index.js";
import { buildTestApp, TEST_NOW, type TestApp } from "../../test/app.js";
import { careTeamAppointment, signInAs, signUp, type Session } from "../../test/factories.js";
import { pdfPagesText } from "../../test/pdf.js";

type Patient = Session & { patientId: number };
type Doctor = Session & { doctorId: number };

let t: TestApp;
let asha: Patient; // Asia/Kolkata, no allergies
let omar: Patient; // on warfarin
let lena: Patient; // penicillin allergy
let mei: Patient; // cancellations
let yusuf: Patient; // moderate interaction
let ravi: Patient; // a stranger to Dr Rao
let rao: Doctor;
let mehta: Doctor; // also on Asha's care team
let outsider: Doctor; // Ravi's doctor only
let nurse: Session; // assigned to Dr Rao
let otherNurse: Session; // assigned to the outsider

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
function call(s: Session, method: Method, url: string, payload?: object) {
  return t.app.inject({ method, url, headers: s.headers, ...(payload ? { payload } : {}) });
}

async function patient(zone = "UTC", dob?: string): Promise<Patient> {
  const s = await signUp(t, "patient", { name: "Asha Verma" });
  const res = await call(s, "PUT", "/api/patient/profile/", {
    time_zone: zone,
    ...(dob ? { date_of_birth: dob } : {}),
  });
  expect(res.statusCode).toBe(200);
  return { ...s, patientId: s.patientId! };
}
async function doctor(name: string): Promise<Doctor> {
  const s = await signUp(t, "doctor", { name });
  return { ...s, doctorId: s.doctorId! };
}

const item = (medicine_name: string, frequency = "once daily", duration_days = 5, extra: object = {}) => ({
  medicine_name,
  dose: "1 tablet",
  frequency,
  duration_days,
  ...extra,
});

function prescribe(d: Session, p: Patient, items: object[], extra: object = {}) {
  return call(d, "POST", "/api/doctor/prescriptions/", { patient_id: p.patientId, items, ...extra });
}

async function countPrescriptions(patientId: number): Promise<number> {
  const [row] = await t.database.db
    .select({ n: sql<number>`count(*)::int` })
    .from(prescriptions)
    .where(eq(prescriptions.patientId, patientId));
  return row!.n;
}

/** The text a PDF draws: each content stream inflated, the strings of its text operators decoded. */
beforeAll(async () => {
  t = await buildTestApp();
  asha = await patient("Asia/Kolkata", "1990-04-12");
  omar = await patient();
  lena = await patient();
  mei = await patient();
  yusuf = await patient();
  ravi = await patient();
  rao = await doctor("Dr Asha Rao");
  mehta = await doctor("Dr Mehta");
  outsider = await doctor("Dr Outside");
  nurse = await signInAs(t, "nurse");
  otherNurse = await signInAs(t, "nurse");
  await t.database.db
    .update(doctors)
    .set({ registrationNumber: "DMC-12345", clinicName: "Ring Road Clinic", city: "Delhi" })
    .where(eq(doctors.id, rao.doctorId));
  for (const p of [asha, omar, lena, mei, yusuf]) await careTeamAppointment(t, rao.doctorId, p.patientId);
  await careTeamAppointment(t, mehta.doctorId, asha.patientId);
  await careTeamAppointment(t, outsider.doctorId, ravi.patientId);
  await t.database.db.insert(nurseAssignments).values([
    { nurseUserId: nurse.userId, doctorId: rao.doctorId },
    { nurseUserId: otherNurse.userId, doctorId: outsider.doctorId },
  ]);
});
afterAll(async () => {
  await t.close();
});

let ashaRx: { id: number; record_id: number; items: { id: number; medicine_name: string }[] };
const itemId = (name: string) => ashaRx.items.find((i) => i.medicine_name === name)!.id;

describe("prescribing", () => {
  it("issues a safe prescription with no alerts, deriving doses per day, quantity, fills and validity", async () => {
    const res = await prescribe(
      rao,
      asha,
      [
        item("Paracetamol", "TDS", 5, { strength: "500 mg", instructions: "after food" }),
        item("Amoxicillin", "BD", 7, { strength: "500 mg", refills: 1 }),
        item("Cetirizine", "as needed", 5, { strength: "10 mg" }),
      ],
      { lab_tests: [{ test_name: "Complete Blood Count", instructions: "fasting not needed" }] },
    );
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.alerts).toEqual([]);
    expect(body.warnings).toEqual({ unrecognized: [], unrecognized_allergies: [] });
    const rx = body.prescription;
    expect(rx).toMatchObject({
      patient_id: asha.patientId,
      doctor_id: rao.doctorId,
      doctor_name: "Dr Asha Rao",
      status: "active",
      issued_at: TEST_NOW.toISOString(),
      // Issued 2030-01-07 (Kolkata), longest course 7 days, plus the 30-day margin.
      valid_until: "2030-02-13",
      alerts: [],
      override_reason: null,
    });
    expect(rx.items).toEqual([
      expect.objectContaining({
        medicine_name: "Paracetamol",
        generics: ["paracetamol"],
        strength: "500 mg",
        times_per_day: 3,
        duration_days: 5,
        quantity: 15,
        refills: 0,
        fills_remaining: 1,
        instructions: "after food",
        start_date: "2030-01-07",
      }),
      expect.objectContaining({
        medicine_name: "Amoxicillin",
        times_per_day: 2,
        quantity: 14,
        fills_remaining: 2,
      }),
      expect.objectContaining({ medicine_name: "Cetirizine", times_per_day: 1, quantity: 5 }),
    ]);
    expect(rx.lab_tests).toEqual([
      expect.objectContaining({ test_name: "Complete Blood Count", test_code: "CBC" }),
    ]);
    ashaRx = rx;

    const [outbox] = await t.database.db
      .select()
      .from(notificationsOutbox)
      .where(eq(notificationsOutbox.idempotencyKey, `prescription:${rx.id}:issued`));
    expect(outbox).toMatchObject({ userId: asha.userId, template: "prescription.issued" });
    const audits = await t.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.resourceType, "prescription"), eq(auditLog.resourceId, String(rx.id))));
    expect(audits.map((a) => [a.action, a.outcome])).toEqual([["create", "allowed"]]);
  });

  it("files the prescription as a clinical record the patient sees in records and clinical records", async () => {
    const [record] = await t.database.db
      .select()
      .from(medicalRecords)
      .where(eq(medicalRecords.id, ashaRx.record_id));
    expect(record).toMatchObject({ kind: "clinical", authorUserId: rao.userId, description: "Prescription" });
    expect(record!.prescription!.split("\n")).toEqual([
      "Paracetamol 500 mg: 1 tablet, TDS, 5 days (qty 15); after food",
      "Amoxicillin 500 mg: 1 tablet, BD, 7 days (qty 14); refills: 1",
      "Cetirizine 10 mg: 1 tablet, as needed, 5 days (qty 5)",
      "Lab test: Complete Blood Count; fasting not needed",
    ]);
    for (const [url, key] of [
      ["/api/patient/records/", "records"],
      ["/api/patient/clinical/records/", "clinical_records"],
    ] as const) {
      const res = await call(asha, "GET", url);
      expect(res.statusCode).toBe(200);
      const list: { record_id: number }[] = res.json()[key];
      const found = list.find((r) => r.record_id === ashaRx.record_id);
      expect(found).toMatchObject({
        description: "Prescription",
        doctor_name: "Dr Asha Rao",
        date: "2030-01-07",
      });
    }
  });

  it("schedules each dose at local times in the patient's zone, and none for as-needed medicines", async () => {
    const doses = async (id: number) =>
      (
        await t.database.db
          .select()
          .from(medicationDoses)
          .where(eq(medicationDoses.prescriptionItemId, id))
          .orderBy(asc(medicationDoses.scheduledAt))
      ).map((d) => d.scheduledAt.toISOString());
    const amox = await doses(itemId("Amoxicillin"));
    expect(amox).toHaveLength(14);
    // 09:00 and 21:00 in Kolkata (UTC+5:30).
    expect(amox.slice(0, 3)).toEqual([
      "2030-01-07T03:30:00.000Z",
      "2030-01-07T15:30:00.000Z",
      "2030-01-08T03:30:00.000Z",
    ]);
    expect(amox.at(-1)).toBe("2030-01-13T15:30:00.000Z");
    const para = await doses(itemId("Paracetamol"));
    expect(para).toHaveLength(15);
    // 08:00, 14:00, 20:00 in Kolkata.
    expect(para.slice(0, 3)).toEqual([
      "2030-01-07T02:30:00.000Z",
      "2030-01-07T08:30:00.000Z",
      "2030-01-07T14:30:00.000Z",
    ]);
    expect(await doses(itemId("Cetirizine"))).toEqual([]);
  });

  it("refuses a frequency it does not understand with a clear code and writes nothing", async () => {
    const before = await countPrescriptions(asha.patientId);
    const res = await prescribe(rao, asha, [item("Paracetamol", "whenever it hurts")]);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe("UNKNOWN_FREQUENCY");
    expect(await countPrescriptions(asha.patientId)).toBe(before);
  });

  it("blocks a major interaction with an active medicine until it is acknowledged with a reason, then audits the override", async () => {
    expect(
      (await prescribe(rao, omar, [item("Warfarin", "once daily", 30, { strength: "5 mg" })])).statusCode,
    ).toBe(201);
    const before = await countPrescriptions(omar.patientId);
    const ibuprofen = [item("Ibuprofen", "TDS", 5, { strength: "400 mg" })];

    const blocked = await prescribe(rao, omar, ibuprofen);
    expect(blocked.statusCode).toBe(422);
    const err = blocked.json().error;
    expect(err.code).toBe("SAFETY_ALERTS_UNACKNOWLEDGED");
    const alertId = "ddi:anticoagulant-nsaid:ibuprofen+warfarin";
    expect(err.details.alerts).toEqual([
      expect.objectContaining({ id: alertId, severity: "major", type: "interaction" }),
    ]);
    expect(err.details.unacknowledged).toEqual([alertId]);

    // Acknowledged without a reason, or a reason for an alert that is not the one found: still blocked.
    const noReason = await prescribe(rao, omar, ibuprofen, { acknowledge_alerts: [alertId] });
    expect(noReason.statusCode).toBe(422);
    expect(noReason.json().error.details.override_reason_required).toBe(true);
    const wrongId = await prescribe(rao, omar, ibuprofen, {
      acknowledge_alerts: ["ddi:something-else"],
      override_reason: "Short course, INR monitored",
    });
    expect(wrongId.statusCode).toBe(422);
    expect(await countPrescriptions(omar.patientId)).toBe(before);

    const ok = await prescribe(rao, omar, ibuprofen, {
      acknowledge_alerts: [alertId],
      override_reason: "Short course, INR monitored",
    });
    expect(ok.statusCode).toBe(201);
    const rx = ok.json().prescription;
    expect(rx.alerts.map((a: { id: string }) => a.id)).toEqual([alertId]);
    expect(rx.acknowledged_alert_ids).toEqual([alertId]);
    expect(rx.override_reason).toBe("Short course, INR monitored");
    const [override] = await t.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "override_safety_alert"), eq(auditLog.resourceId, String(rx.id))));
    expect(override).toMatchObject({
      actorUserId: rao.userId,
      patientId: omar.patientId,
      resourceType: "prescription",
      outcome: "allowed",
    });
  });

  it("blocks a duplicate of a medicine the patient is already taking", async () => {
    const res = await prescribe(rao, omar, [item("Warfarin", "once daily", 10)]);
    expect(res.statusCode).toBe(422);
    expect(res.json().error.details.alerts).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: "dup:same:warfarin", type: "duplicate" })]),
    );
  });

  it("blocks amoxicillin and Augmentin for a patient with a recorded penicillin allergy", async () => {
    const allergy = await call(lena, "POST", "/api/patient/history/", {
      kind: "allergy",
      name: "Penicillin",
    });
    expect(allergy.statusCode).toBe(201);
    for (const name of ["Amoxicillin", "Augmentin 625"]) {
      const res = await prescribe(rao, lena, [item(name, "BD", 5)]);
      expect(res.statusCode).toBe(422);
      expect(res.json().error.details.alerts).toEqual([
        expect.objectContaining({
          id: "allergy:penicillin:amoxicillin",
          type: "allergy",
          severity: "contraindicated",
        }),
      ]);
    }
    expect(await countPrescriptions(lena.patientId)).toBe(0);
  });

  it("checks two prescriptions submitted at the same moment against each other: one of them is blocked", async () => {
    const kim = await patient();
    await careTeamAppointment(t, rao.doctorId, kim.patientId);
    await careTeamAppointment(t, mehta.doctorId, kim.patientId);
    const results = await Promise.all([
      prescribe(rao, kim, [item("Warfarin", "once daily", 30)]),
      prescribe(mehta, kim, [item("Ibuprofen", "TDS", 5)]),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 422]);
    expect(await countPrescriptions(kim.patientId)).toBe(1);
  });

  it("returns a moderate interaction without blocking", async () => {
    expect((await prescribe(rao, yusuf, [item("Clopidogrel", "once daily", 30)])).statusCode).toBe(201);
    const res = await prescribe(rao, yusuf, [item("Omeprazole", "once daily", 14, { strength: "20 mg" })]);
    expect(res.statusCode).toBe(201);
    expect(res.json().alerts).toEqual([
      expect.objectContaining({ severity: "moderate", type: "interaction" }),
    ]);
    expect(res.json().prescription.alerts).toHaveLength(1);
  });

  it("allows a medicine it does not recognise but says no check ran for it", async () => {
    const res = await prescribe(rao, mei, [item("Zorblax Forte", "BD", 3)]);
    expect(res.statusCode).toBe(201);
    expect(res.json().warnings.unrecognized).toEqual(["Zorblax Forte"]);
    expect(res.json().prescription.items[0].generics).toEqual([]);
  });

  it("refuses prescribing for nurses and for patients outside the doctor's care", async () => {
    expect((await prescribe(nurse, asha, [item("Paracetamol")])).statusCode).toBe(403);
    const res = await prescribe(outsider, asha, [item("Paracetamol")]);
    expect(res.statusCode).toBe(404);
    const appt = await prescribe(rao, asha, [item("Paracetamol")], { appointment_id: 999999 });
    expect(appt.statusCode).toBe(404);
    expect(appt.json().error.code).toBe("APPOINTMENT_NOT_FOUND");
  });
});

describe("reading and cancelling prescriptions", () => {
  it("lists a patient's prescriptions for the patient, care-team doctors and assigned nurses", async () => {
    for (const [who, url] of [
      [asha, "/api/patient/prescriptions/"],
      [asha, `/api/patient/prescriptions/?patient_id=${asha.patientId}&status=active`],
      [mehta, `/api/patient/prescriptions/?patient_id=${asha.patientId}`],
      [nurse, `/api/patient/prescriptions/?patient_id=${asha.patientId}`],
      [rao, `/api/doctor/patients/${asha.patientId}/prescriptions/`],
    ] as const) {
      const res = await call(who, "GET", url);
      expect(res.statusCode).toBe(200);
      expect(res.json().prescriptions.map((p: { id: number }) => p.id)).toContain(ashaRx.id);
    }
    const one = await call(nurse, "GET", `/api/prescriptions/${ashaRx.id}/`);
    expect(one.statusCode).toBe(200);
    expect(one.json().prescription.items).toHaveLength(3);
  });

  it("lets only the prescribing doctor cancel; a cancelled prescription has no fills and no future doses", async () => {
    const rx = (await prescribe(rao, mei, [item("Metformin", "BD", 30, { refills: 2 })])).json().prescription;
    expect((await call(mehta, "POST", `/api/doctor/prescriptions/${rx.id}/cancel`)).statusCode).toBe(404);
    await careTeamAppointment(t, mehta.doctorId, mei.patientId);
    const notMine = await call(mehta, "POST", `/api/doctor/prescriptions/${rx.id}/cancel`);
    expect(notMine.statusCode).toBe(403);
    expect(notMine.json().error.code).toBe("PRESCRIPTION_NOT_YOURS");

    const res = await call(rao, "POST", `/api/doctor/prescriptions/${rx.id}/cancel`);
    expect(res.statusCode).toBe(200);
    expect(res.json().prescription.status).toBe("cancelled");
    expect(res.json().prescription.items[0].fills_remaining).toBe(0);
    const [left] = await t.database.db
      .select({ n: sql<number>`count(*)::int` })
      .from(medicationDoses)
      .where(eq(medicationDoses.prescriptionItemId, rx.items[0].id));
    expect(left!.n).toBe(0);
    const again = await call(rao, "POST", `/api/doctor/prescriptions/${rx.id}/cancel`);
    expect(again.statusCode).toBe(409);

    const active = (await call(mei, "GET", "/api/patient/prescriptions/?status=active")).json().prescriptions;
    const past = (await call(mei, "GET", "/api/patient/prescriptions/?status=past")).json().prescriptions;
    expect(active.map((p: { id: number }) => p.id)).not.toContain(rx.id);
    expect(past.map((p: { id: number }) => p.id)).toEqual([rx.id]);
  });

  it("downloads a printable PDF with the prescriber, the patient, each item and the prescription id", async () => {
    const res = await call(asha, "GET", `/api/prescriptions/${ashaRx.id}/pdf`);
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("application/pdf");
    expect(res.headers["content-disposition"]).toBe(`attachment; filename="prescription-${ashaRx.id}.pdf"`);
    const bytes = res.rawPayload;
    expect(bytes.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    const text = (await pdfPagesText(bytes)).join("\n");
    for (const expected of [
      "Dr Asha Rao",
      "Registration no.: DMC-12345",
      "Ring Road Clinic",
      "Patient: Asha Verma",
      "Age: 39 years (born 1990-04-12)",
      "Date: 2030-01-07",
      "1. Paracetamol 500 mg",
      "2. Amoxicillin 500 mg",
      "Frequency: BD",
      "Refills: 1",
      "Instructions: after food",
      "1. Complete Blood Count - fasting not needed",
      `Prescription #${ashaRx.id}`,
    ]) {
      expect(text).toContain(expected);
    }
    expect((await call(nurse, "GET", `/api/prescriptions/${ashaRx.id}/pdf`)).statusCode).toBe(200);
    for (const stranger of [ravi, outsider, otherNurse]) {
      expect((await call(stranger, "GET", `/api/prescriptions/${ashaRx.id}/pdf`)).statusCode).toBe(404);
    }
  });
});

describe("medications, doses and adherence", () => {
  it("shows today's doses of each active medicine on the patient's clock", async () => {
    t.clock.set(new Date("2030-01-07T03:40:00Z")); // 09:10 in Kolkata
    const res = await call(asha, "GET", "/api/patient/medications/");
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ patient_id: asha.patientId, date: "2030-01-07", time_zone: "Asia/Kolkata" });
    const amox = body.medications.find((m: { item_id: number }) => m.item_id === itemId("Amoxicillin"));
    expect(
      amox.doses_today.map((d: { local_time: string; status: string }) => [d.local_time, d.status]),
    ).toEqual([
      ["09:00", "missed"],
      ["21:00", "scheduled"],
    ]);
    const prn = body.medications.find((m: { item_id: number }) => m.item_id === itemId("Cetirizine"));
    expect(prn).toMatchObject({ prn: true, doses_today: [] });
  });

  it("records the nearest due dose, and answering it again updates the same dose", async () => {
    const url = `/api/patient/medications/${itemId("Amoxicillin")}/doses`;
    const first = await call(asha, "POST", url, { status: "skipped" });
    expect(first.statusCode).toBe(200);
    expect(first.json().dose).toMatchObject({
      scheduled_at: "2030-01-07T03:30:00.000Z",
      status: "skipped",
      recorded_at: "2030-01-07T03:40:00.000Z",
      channel: "api",
    });
    const again = await call(asha, "POST", url, { status: "taken", scheduled_at: "2030-01-07T03:30:00Z" });
    expect(again.statusCode).toBe(200);
    expect(again.json().dose).toMatchObject({ id: first.json().dose.id, status: "taken" });
  });

  it("refuses doses more than two hours ahead, unknown dose times, medicines without a schedule and other people", async () => {
    const url = `/api/patient/medications/${itemId("Amoxicillin")}/doses`;
    const early = await call(asha, "POST", url, { status: "taken", scheduled_at: "2030-01-07T15:30:00Z" });
    expect(early.statusCode).toBe(422);
    expect(early.json().error.code).toBe("DOSE_NOT_DUE");
    const unknown = await call(asha, "POST", url, { status: "taken", scheduled_at: "2030-01-07T03:31:00Z" });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe("DOSE_NOT_FOUND");
    const prn = await call(asha, "POST", `/api/patient/medications/${itemId("Cetirizine")}/doses`, {
      status: "taken",
    });
    expect(prn.statusCode).toBe(422);
    expect(prn.json().error.code).toBe("NO_DOSE_DUE");
    const byDoctor = await call(rao, "POST", url, { status: "taken" });
    expect(byDoctor.statusCode).toBe(403);
  });

  it("computes adherence per medicine and overall, counting unanswered past doses as missed", async () => {
    // Day 1 21:00 (15:30Z) skipped; day 2 09:00 (03:30Z) left unanswered.
    t.clock.set(new Date("2030-01-07T16:00:00Z"));
    const amoxUrl = `/api/patient/medications/${itemId("Amoxicillin")}/doses`;
    expect((await call(asha, "POST", amoxUrl, { status: "skipped" })).json().dose.scheduled_at).toBe(
      "2030-01-07T15:30:00.000Z",
    );
    t.clock.set(new Date("2030-01-08T04:00:00Z"));

    const expected = {
      patient_id: asha.patientId,
      // 1 taken of 1 + 1 + 5 (paracetamol: 4 doses passed, none answered).
      overall_percent: 14.3,
      items: expect.arrayContaining([
        expect.objectContaining({
          item_id: itemId("Amoxicillin"),
          taken: 1,
          skipped: 1,
          missed: 1,
          upcoming: 11,
          percent: 33.3,
        }),
        expect.objectContaining({
          item_id: itemId("Paracetamol"),
          taken: 0,
          skipped: 0,
          missed: 4,
          upcoming: 11,
          percent: 0,
        }),
      ]),
    };
    for (const [who, url] of [
      [asha, "/api/patient/adherence/"],
      [rao, `/api/doctor/patients/${asha.patientId}/adherence/`],
      [nurse, `/api/doctor/patients/${asha.patientId}/adherence/`],
    ] as const) {
      const res = await call(who, "GET", url);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject(expected);
    }
    t.clock.set(TEST_NOW);
  });

  it("reports null adherence, not zero, when nothing has fallen due", async () => {
    const res = await call(lena, "GET", "/api/patient/adherence/");
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ overall_percent: null, items: [] });
  });
});

describe("who cannot reach a patient's prescriptions, medications and adherence", () => {
  it("answers 404 to another patient, a doctor outside the care team and another doctor's nurse", async () => {
    const routes: { method: Method; url: () => string; body?: () => object; who: Session[] }[] = [
      {
        method: "GET",
        url: () => `/api/patient/prescriptions/?patient_id=${asha.patientId}`,
        who: [ravi, outsider, otherNurse],
      },
      { method: "GET", url: () => `/api/prescriptions/${ashaRx.id}/`, who: [ravi, outsider, otherNurse] },
      { method: "GET", url: () => `/api/prescriptions/${ashaRx.id}/pdf`, who: [ravi, outsider, otherNurse] },
      { method: "GET", url: () => `/api/doctor/patients/${asha.patientId}/prescriptions/`, who: [outsider] },
      {
        method: "POST",
        url: () => "/api/doctor/prescriptions/",
        body: () => ({ patient_id: asha.patientId, items: [item("Paracetamol")] }),
        who: [outsider],
      },
      { method: "POST", url: () => `/api/doctor/prescriptions/${ashaRx.id}/cancel`, who: [outsider] },
      {
        method: "GET",
        url: () => `/api/patient/medications/?patient_id=${asha.patientId}`,
        who: [ravi, outsider, otherNurse],
      },
      {
        method: "POST",
        url: () => `/api/patient/medications/${itemId("Amoxicillin")}/doses`,
        body: () => ({ status: "taken" }),
        who: [ravi, outsider, otherNurse],
      },
      {
        method: "GET",
        url: () => `/api/patient/adherence/?patient_id=${asha.patientId}`,
        who: [ravi, outsider, otherNurse],
      },
      {
        method: "GET",
        url: () => `/api/doctor/patients/${asha.patientId}/adherence/`,
        who: [outsider, otherNurse],
      },
    ];
    const before = await countPrescriptions(asha.patientId);
    for (const r of routes) {
      for (const who of r.who) {
        const res = await call(who, r.method, r.url(), r.body?.());
        expect({ route: `${r.method} ${r.url()}`, status: res.statusCode }).toEqual({
          route: `${r.method} ${r.url()}`,
          status: 404,
        });
      }
    }
    expect(await countPrescriptions(asha.patientId)).toBe(before);
    const [amox] = await t.database.db
      .select()
      .from(prescriptionItems)
      .where(eq(prescriptionItems.id, itemId("Amoxicillin")));
    expect(amox!.fillsRemaining).toBe(2);
    const [status] = await t.database.db
      .select({ status: prescriptions.status })
      .from(prescriptions)
      .where(eq(prescriptions.id, ashaRx.id));
    expect(status!.status).toBe("active");
  });
});
