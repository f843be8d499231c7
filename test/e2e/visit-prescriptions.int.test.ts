import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../app.js";
import { signUp, verifiedDoctor } from "../factories.js";

// A prescription the doctor writes for the patient while their visit is open is linked to the visit: the note
// lists it and the patient's summary names its medicines with their doses.

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => {
  await t.close();
});

describe("prescriptions written during a visit", () => {
  it("are linked to the visit, listed on its note, and named with doses in the patient's summary", async () => {
    const doctor = await verifiedDoctor(t, { autoAccept: true, feeMinor: 0 });
    const patient = await signUp(t, "patient");
    const booked = await t.app.inject({
      method: "POST",
      url: "/api/book/appointment/",
      headers: patient.headers,
      payload: {
        doctor_id: doctor.doctorId,
        appointment_date: "2030-01-08",
        appointment_time: "10:00 AM",
        mode: "video",
      },
    });
    expect(booked.statusCode, booked.body).toBe(201);
    const appt = booked.json<{ appointment: { id: number; starts_at: string } }>().appointment;
    t.clock.set(new Date(Date.parse(appt.starts_at) + 60_000));
    const joined = await t.app.inject({
      method: "POST",
      url: `/api/appointments/${appt.id}/visit/join`,
      headers: doctor.headers,
    });
    expect(joined.statusCode, joined.body).toBe(200);
    const visitId = joined.json<{ visit: { id: number } }>().visit.id;

    const prescribe = (patientId: number) =>
      t.app.inject({
        method: "POST",
        url: "/api/doctor/prescriptions/",
        headers: doctor.headers,
        payload: {
          patient_id: patientId,
          items: [{ medicine_name: "Amlodipine", dose: "5 mg", frequency: "once daily", duration_days: 30 }],
        },
      });
    const rx = await prescribe(patient.patientId!);
    expect(rx.statusCode, rx.body).toBe(201);
    expect(rx.json().prescription.appointment_id).toBe(appt.id);
    const edit = await t.app.inject({
      method: "PUT",
      url: `/api/visits/${visitId}/note`,
      headers: doctor.headers,
      payload: { sections: { assessment: "High blood pressure.", plan: "Take the tablet each day." } },
    });
    expect(edit.statusCode, edit.body).toBe(200);
    expect(edit.json().note.prescriptions).toEqual([
      {
        id: rx.json().prescription.id,
        status: "active",
        items: [{ medicine_name: "Amlodipine", dose: "5 mg", frequency: "once daily", duration_days: 30 }],
      },
    ]);
    const signed = await t.app.inject({
      method: "POST",
      url: `/api/visits/${visitId}/note/sign`,
      headers: doctor.headers,
    });
    expect(signed.statusCode, signed.body).toBe(200);
    expect(signed.json().note.patient_summary).toContain("Amlodipine: 5 mg, once daily, for 30 days.");
    const seen = await t.app.inject({
      method: "GET",
      url: `/api/visits/${visitId}/note`,
      headers: patient.headers,
    });
    expect(seen.json().note.prescriptions).toHaveLength(1);
  });
});
