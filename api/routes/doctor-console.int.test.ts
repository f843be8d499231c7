import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { auditLog, careTeamMembers, doctors } from "../../db/schema/index.js";
import { pdfPagesText } from "../../test/pdf.js";
import { buildTestApp, TEST_NOW, type TestApp } from "../../test/app.js";
import { careTeamAppointment, signInAs, signUp, verifiedDoctor, type Session } from "../../test/factories.js";

/**
 * The endpoints the doctor console needs beyond the rest of the API: a doctor's patients (searchable, paged),
 * the safety check of a prescription before it is signed, the patient report PDF, the patients waiting.
 */

let t: TestApp;
let dr: Session & { doctorId: number };
let other: Session & { doctorId: number };
const pts: (Session & { patientId: number })[] = [];

beforeAll(async () => {
  t = await buildTestApp();
  dr = await verifiedDoctor(t, { name: "Dr Meera Shah" });
  other = await verifiedDoctor(t, { name: "Dr Other" });
  for (const name of ["Asha Verma", "Ravi Kumar", "Zara Ali", "Asif Khan"]) {
    const s = await signUp(t, "patient", { name });
    pts.push({ ...s, patientId: s.patientId! });
  }
});
afterAll(async () => {
  await t?.close();
});

const get = (s: Session, url: string) => t.app.inject({ method: "GET", url, headers: s.headers });

describe("GET /api/doctor/patients/", () => {
  it("lists the doctor's patients by name, with last and next visits, searchable and paged; nobody else's", async () => {
    const [asha, ravi, zara, asif] = pts;
    await careTeamAppointment(t, dr.doctorId, asha!.patientId);
    await careTeamAppointment(t, dr.doctorId, ravi!.patientId);
    await careTeamAppointment(t, other.doctorId, zara!.patientId);
    // Added to the care team without an appointment.
    await t.database.db
      .insert(careTeamMembers)
      .values({ patientId: asif!.patientId, userId: dr.userId, role: "doctor", addedByUserId: dr.userId });

    const all = await get(dr, "/api/doctor/patients/");
    expect(all.statusCode).toBe(200);
    const body = all.json();
    expect(body.patients.map((p: { name: string }) => p.name)).toEqual([
      "Asha Verma",
      "Asif Khan",
      "Ravi Kumar",
    ]);
    expect(body.patients[0]).toMatchObject({ patient_id: asha!.patientId, next_visit_at: null });
    expect(body.patients[0].last_visit_at).toMatch(/^2029-11-01T/);
    expect(body.patients[1]).toMatchObject({ last_visit_at: null, next_visit_at: null });
    expect(body).toMatchObject({ page: 1, per_page: 20, has_more: false });

    const search = await get(dr, "/api/doctor/patients/?q=as");
    expect(search.json().patients.map((p: { name: string }) => p.name)).toEqual(["Asha Verma", "Asif Khan"]);
    const escaped = await get(dr, "/api/doctor/patients/?q=%25");
    expect(escaped.json().patients).toEqual([]);

    const p1 = await get(dr, "/api/doctor/patients/?per_page=2");
    expect(p1.json()).toMatchObject({ has_more: true });
    expect(p1.json().patients).toHaveLength(2);
    const p2 = await get(dr, "/api/doctor/patients/?per_page=2&page=2");
    expect(p2.json().patients.map((p: { name: string }) => p.name)).toEqual(["Ravi Kumar"]);
    expect(p2.json().has_more).toBe(false);

    // The other doctor sees only Zara; naming another doctor is refused as not found.
    expect(
      (await get(other, "/api/doctor/patients/")).json().patients.map((p: { name: string }) => p.name),
    ).toEqual(["Zara Ali"]);
    expect((await get(other, `/api/doctor/patients/?doctor_id=${dr.doctorId}`)).statusCode).toBe(404);
    // Patients and admins have no such list.
    expect((await get(asha!, "/api/doctor/patients/")).statusCode).toBe(403);
    expect((await get(await signInAs(t, "admin"), "/api/doctor/patients/")).statusCode).toBe(403);
    expect((await get(dr, "/api/doctor/patients/?per_page=500")).statusCode).toBe(400);
  });
});

describe("POST /api/doctor/prescriptions/check/", () => {
  it("shows the allergy alert a prescription would raise without writing anything; strangers get 404", async () => {
    const lena = await signUp(t, "patient", { name: "Lena Roy" });
    await careTeamAppointment(t, dr.doctorId, lena.patientId!);
    await t.app.inject({
      method: "POST",
      url: "/api/patient/history/",
      headers: lena.headers,
      payload: { kind: "allergy", name: "Penicillin", severity: "severe" },
    });
    const check = (s: Session, medicines: string[], patientId = lena.patientId!) =>
      t.app.inject({
        method: "POST",
        url: "/api/doctor/prescriptions/check/",
        headers: s.headers,
        payload: { patient_id: patientId, medicines },
      });
    const res = await check(dr, ["Amoxicillin"]);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      blocking: true,
      alerts: [expect.objectContaining({ id: "allergy:penicillin:amoxicillin", type: "allergy" })],
      warnings: { unrecognized: [] },
    });
    const fine = await check(dr, ["Paracetamol"]);
    expect(fine.json()).toMatchObject({ blocking: false, alerts: [] });
    expect((await check(dr, ["Zzqxv unknown"])).json().warnings.unrecognized).toEqual(["Zzqxv unknown"]);
    // Nothing was written.
    const list = await t.app.inject({
      method: "GET",
      url: `/api/doctor/patients/${lena.patientId}/prescriptions/`,
      headers: dr.headers,
    });
    expect(list.json().prescriptions).toEqual([]);
    // Another doctor: 404; a patient: 403; no medicines: 400.
    expect((await check(other, ["Amoxicillin"])).statusCode).toBe(404);
    expect((await check(lena, ["Amoxicillin"])).statusCode).toBe(403);
    expect((await check(dr, [])).statusCode).toBe(400);
  });
});

describe("GET /api/patients/{id}/report.pdf", () => {
  it("gives the care team and the patient a PDF of the period's care; strangers get 404", async () => {
    const kiran = await signUp(t, "patient", { name: "Kiran Desai" });
    const pid = kiran.patientId!;
    await careTeamAppointment(t, dr.doctorId, pid); // 2029-11-01, completed
    const post = (s: Session, url: string, payload: object) =>
      t.app.inject({ method: "POST", url, headers: s.headers, payload });
    await post(kiran, "/api/patient/history/", {
      kind: "allergy",
      name: "Sulfa",
      severity: "moderate",
      reaction: "Rash",
    });
    await post(kiran, "/api/patient/history/", { kind: "condition", name: "Asthma", status: "active" });
    await post(kiran, "/api/patient/records/", { date: "2029-12-20", description: "Wheezing after a cold" });
    await post(kiran, "/api/patient/records/", { date: "2027-03-01", description: "Old broken wrist" });
    const rx = await post(dr, "/api/doctor/prescriptions/", {
      patient_id: pid,
      items: [
        {
          medicine_name: "Salbutamol",
          strength: "100 mcg",
          dose: "2 puffs",
          frequency: "SOS",
          duration_days: 30,
        },
      ],
    });
    expect(rx.statusCode).toBe(201);

    const url = `/api/patients/${pid}/report.pdf?from=2029-06-01&to=2030-01-07`;
    const res = await get(dr, url);
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("application/pdf");
    expect(res.headers["content-disposition"]).toBe(
      'attachment; filename="health-report-2029-06-01-to-2030-01-07.pdf"',
    );
    const text = (await pdfPagesText(res.rawPayload)).join("\n");
    for (const expected of [
      "Health report",
      "Kiran Desai",
      "Period: 2029-06-01 to 2030-01-07",
      "Sulfa - moderate - reaction: Rash",
      "condition: Asthma - active",
      "Salbutamol 100 mcg: 2 puffs, SOS, 30 days",
      "2029-12-20 - Wheezing after a cold",
      "Dr Meera Shah",
      "No lab results in this period.",
      "No treatment plans in this period.",
    ])
      expect(text).toContain(expected);
    expect(text).not.toContain("Old broken wrist");

    // The patient downloads their own; the default range is the year to today.
    const own = await get(kiran, `/api/patients/${pid}/report.pdf`);
    expect(own.statusCode).toBe(200);
    expect((await pdfPagesText(own.rawPayload)).join("\n")).toContain("Period: 2029-01-07 to 2030-01-07");
    // Audited as a report of this patient.
    const rows = await t.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.patientId, pid), eq(auditLog.action, "report")));
    expect(rows).toHaveLength(2);

    expect((await get(other, url)).statusCode).toBe(404);
    expect((await get(pts[0]!, url)).statusCode).toBe(404);
    expect(
      (await get(dr, `/api/patients/${pid}/report.pdf?from=2030-01-08&to=2030-01-07`)).json().error.code,
    ).toBe("INVALID_DATE_RANGE");
    expect((await get(dr, `/api/patients/${pid}/report.pdf?from=yesterday`)).statusCode).toBe(400);
  });
});

describe("GET /api/doctor/visits/waiting/", () => {
  it("lists a patient who joined an online visit the doctor has not, until the doctor joins", async () => {
    const vd = await verifiedDoctor(t, { name: "Dr Video", feeMinor: 0 });
    await t.database.db
      .update(doctors)
      .set({ modes: ["video"] })
      .where(eq(doctors.id, vd.doctorId));
    const neha = await signUp(t, "patient", { name: "Neha Singh" });
    const booked = await t.app.inject({
      method: "POST",
      url: "/api/book/appointment/",
      headers: neha.headers,
      payload: {
        doctor_id: vd.doctorId,
        appointment_date: "2030-01-08",
        appointment_time: "10:00 AM",
        mode: "video",
      },
    });
    expect(booked.statusCode, booked.body).toBe(201);
    const appt = booked.json().appointment;
    await t.app.inject({
      method: "POST",
      url: "/api/accept/appointment/request/",
      headers: vd.headers,
      payload: { request_id: appt.id },
    });
    const waiting = async (s: Session = vd) =>
      (await get(s, "/api/doctor/visits/waiting/")).json().waiting as { patient_name: string }[];
    expect(await waiting()).toEqual([]);

    t.clock.set(new Date(Date.parse(appt.starts_at) - 5 * 60_000));
    try {
      const joined = await t.app.inject({
        method: "POST",
        url: `/api/appointments/${appt.id}/visit/join`,
        headers: neha.headers,
      });
      expect(joined.statusCode, joined.body).toBe(200);
      const visitId = joined.json().visit.id as number;
      await t.services.visits.participantJoined(visitId, neha.userId, "patient");
      const list = await waiting();
      expect(list).toEqual([
        {
          visit_id: visitId,
          appointment_id: appt.id,
          patient_id: neha.patientId,
          patient_name: "Neha Singh",
          mode: "video",
          starts_at: appt.starts_at,
          waiting_since: t.clock.now().toISOString(),
        },
      ]);
      // Another doctor does not see it; a patient may not ask.
      expect(await waiting(dr)).toEqual([]);
      expect((await get(neha, "/api/doctor/visits/waiting/")).statusCode).toBe(403);
      // The doctor joins: nobody is waiting any more.
      await t.services.visits.participantJoined(visitId, vd.userId, "doctor");
      expect(await waiting()).toEqual([]);
    } finally {
      t.clock.set(TEST_NOW);
    }
  });
});
