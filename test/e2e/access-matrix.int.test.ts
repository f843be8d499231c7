import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../app.js";
import { signInAs, signUp, verifiedDoctor, type Session } from "../factories.js";
import { multipart, samplePdf } from "../multipart.js";

/**
 * Every route that touches a patient's data, called by people who must not reach it: another patient,
 * a doctor outside the care team, a nurse of another doctor. All answer 404 — the data is not even shown
 * to exist — and nothing changes. The owner's own calls succeed, so a 404 here cannot come from a wrong path.
 */

let t: TestApp;
let asha: Session; // the patient
let rao: Session & { doctorId: number }; // her doctor (care team)
let ids: { appointment: number; record: number; clinical: number; history: number; document: number };

type Call = {
  name: string;
  method: "GET" | "POST" | "PUT" | "DELETE";
  url: () => string;
  body?: () => unknown;
  upload?: boolean;
};

const patientRoutes: Call[] = [
  { name: "profile", method: "GET", url: () => `/api/patient/profile/?patient_id=${asha.patientId}` },
  {
    name: "edit profile",
    method: "PUT",
    url: () => "/api/patient/profile/",
    body: () => ({ patient_id: asha.patientId, city: "Elsewhere" }),
  },
  { name: "history", method: "GET", url: () => `/api/patient/history/?patient_id=${asha.patientId}` },
  {
    name: "add history",
    method: "POST",
    url: () => "/api/patient/history/",
    body: () => ({ patient_id: asha.patientId, kind: "allergy", name: "Latex" }),
  },
  {
    name: "edit history",
    method: "PUT",
    url: () => `/api/patient/history/${ids.history}/`,
    body: () => ({ name: "Changed" }),
  },
  { name: "delete history", method: "DELETE", url: () => `/api/patient/history/${ids.history}/` },
  { name: "records", method: "GET", url: () => `/api/patient/records/?patient_id=${asha.patientId}` },
  {
    name: "add record",
    method: "POST",
    url: () => "/api/patient/records/",
    body: () => ({ patient_id: asha.patientId, date: "2030-01-05", description: "x" }),
  },
  {
    name: "edit record",
    method: "PUT",
    url: () => `/api/patient/records/${ids.record}/`,
    body: () => ({ description: "Changed" }),
  },
  { name: "delete record", method: "DELETE", url: () => `/api/patient/records/${ids.record}/` },
  {
    name: "clinical records",
    method: "GET",
    url: () => `/api/patient/clinical/records/?patient_id=${asha.patientId}`,
  },
  { name: "documents", method: "GET", url: () => `/api/patient/documents/?patient_id=${asha.patientId}` },
  { name: "upload document", method: "POST", url: () => "/api/patient/documents/", upload: true },
  { name: "download document", method: "GET", url: () => `/api/patient/documents/${ids.document}/download` },
  { name: "delete document", method: "DELETE", url: () => `/api/patient/documents/${ids.document}/` },
  {
    name: "appointments",
    method: "GET",
    url: () => `/api/patient/appointments/?patient_id=${asha.patientId}&scope=upcoming`,
  },
  { name: "appointment", method: "GET", url: () => `/api/appointments/${ids.appointment}/` },
  {
    name: "cancel",
    method: "POST",
    url: () => "/api/cancel/appointment/",
    body: () => ({ appointment_id: ids.appointment, reason: "x" }),
  },
  {
    name: "reschedule",
    method: "POST",
    url: () => "/api/reschedule/appointment/",
    body: () => ({
      appointment_id: ids.appointment,
      appointment_date: "2030-01-09",
      appointment_time: "11:00 AM",
    }),
  },
];

const doctorRoutes: Call[] = [
  {
    name: "write clinical record",
    method: "POST",
    url: () => "/api/doctor/clinical/records/",
    body: () => ({ patient_id: asha.patientId, date: "2030-01-05", description: "x" }),
  },
  {
    name: "edit clinical record",
    method: "PUT",
    url: () => `/api/doctor/clinical/records/${ids.clinical}/`,
    body: () => ({ description: "Changed" }),
  },
  {
    name: "doctor's appointments",
    method: "GET",
    url: () => `/api/doctor/appointments/?doctor_id=${rao.doctorId}&scope=upcoming`,
  },
  {
    name: "doctor's requests",
    method: "GET",
    url: () => `/api/doctor/appointment/requests/?doctor_id=${rao.doctorId}`,
  },
  {
    name: "accept",
    method: "POST",
    url: () => "/api/accept/appointment/request/",
    body: () => ({ request_id: ids.appointment }),
  },
  {
    name: "reject",
    method: "POST",
    url: () => "/api/reject/appointment/request/",
    body: () => ({ request_id: ids.appointment, reason: "x" }),
  },
  {
    name: "propose",
    method: "POST",
    url: () => "/api/propose/appointment/time/",
    body: () => ({
      request_id: ids.appointment,
      appointment_date: "2030-01-09",
      appointment_time: "11:00 AM",
    }),
  },
];

async function send(who: Session, call: Call) {
  if (call.upload) {
    const form = multipart(
      { patient_id: asha.patientId! },
      { filename: "x.pdf", contentType: "application/pdf", data: samplePdf() },
    );
    return t.app.inject({
      method: "POST",
      url: call.url(),
      headers: { ...who.headers, ...form.headers },
      payload: form.payload,
    });
  }
  return t.app.inject({
    method: call.method,
    url: call.url(),
    headers: who.headers,
    ...(call.body ? { payload: call.body() as Record<string, unknown> } : {}),
  });
}

beforeAll(async () => {
  t = await buildTestApp();
  asha = await signUp(t, "patient", { name: "Asha Verma" });
  rao = await verifiedDoctor(t, { name: "Dr Rao" });
  const booked = await send(asha, {
    name: "book",
    method: "POST",
    url: () => "/api/book/appointment/",
    body: () => ({ doctor_id: rao.doctorId, appointment_date: "2030-01-08", appointment_time: "10:00 AM" }),
  });
  expect(booked.statusCode).toBe(201);
  const record = await send(asha, {
    name: "",
    method: "POST",
    url: () => "/api/patient/records/",
    body: () => ({ date: "2030-01-05", description: "Headache" }),
  });
  const history = await send(asha, {
    name: "",
    method: "POST",
    url: () => "/api/patient/history/",
    body: () => ({ kind: "allergy", name: "Penicillin" }),
  });
  const clinical = await send(rao, {
    name: "",
    method: "POST",
    url: () => "/api/doctor/clinical/records/",
    body: () => ({
      patient_id: asha.patientId,
      date: "2030-01-06",
      description: "Migraine",
      test_results: { "Blood Test": "Normal" },
    }),
  });
  const document = await send(asha, {
    name: "",
    method: "POST",
    url: () => "/api/patient/documents/",
    upload: true,
  });
  for (const r of [record, history, clinical, document]) expect(r.statusCode).toBe(201);
  ids = {
    appointment: booked.json().appointment.id,
    record: record.json().record.record_id,
    history: history.json().item.id,
    clinical: clinical.json().record.record_id,
    document: document.json().document.id,
  };
  for (const [k, v] of Object.entries(ids)) expect(v, k).toEqual(expect.any(Number));
});

afterAll(async () => {
  await t.close();
});

describe("another person's data is out of reach on every route", () => {
  it("the owner's reads succeed (so the paths below are real)", async () => {
    for (const call of patientRoutes.filter((c) => c.method === "GET")) {
      const res = await send(asha, call);
      expect(res.statusCode, `${call.name}: ${res.body}`).toBe(200);
    }
    for (const call of doctorRoutes.filter((c) => c.method === "GET")) {
      const res = await send(rao, call);
      expect(res.statusCode, `${call.name}: ${res.body}`).toBe(200);
    }
  });

  it("another patient gets 404 on every patient-data route", async () => {
    const stranger = await signUp(t, "patient", { name: "Someone Else" });
    for (const call of patientRoutes) {
      const res = await send(stranger, call);
      expect(res.statusCode, `${call.name}: ${res.body}`).toBe(404);
      expect(res.json().error.code, call.name).not.toBe("ROUTE_NOT_FOUND");
    }
    // Doctor-only routes refuse a patient by role, before looking anything up.
    for (const call of doctorRoutes) {
      const res = await send(stranger, call);
      expect([403, 404], `${call.name}: ${res.body}`).toContain(res.statusCode);
    }
  });

  it("a doctor outside the care team gets 404 on every route", async () => {
    const outsider = await verifiedDoctor(t, { name: "Dr Outsider" });
    for (const call of [...patientRoutes, ...doctorRoutes]) {
      const res = await send(outsider, call);
      expect(res.statusCode, `${call.name}: ${res.body}`).toBe(404);
      expect(res.json().error.code, call.name).not.toBe("ROUTE_NOT_FOUND");
    }
  });

  it("a nurse not assigned to her doctor gets 404 on every route", async () => {
    const nurse = await signInAs(t, "nurse");
    for (const call of [...patientRoutes, ...doctorRoutes]) {
      const res = await send(nurse, call);
      expect([403, 404], `${call.name}: ${res.body}`).toContain(res.statusCode);
      if (call.method === "GET") expect(res.statusCode, call.name).toBe(404);
    }
  });

  it("none of those attempts changed anything", async () => {
    const appointment = await send(
      asha,
      patientRoutes.find((c) => c.name === "appointment")!,
    );
    expect(appointment.json().appointment.status).toBe("pending");
    const records = await send(
      asha,
      patientRoutes.find((c) => c.name === "records")!,
    );
    const descriptions = (records.json().records as { description: string }[]).map((r) => r.description);
    expect(descriptions).toContain("Headache");
    expect(descriptions).not.toContain("Changed");
    expect(descriptions).not.toContain("x");
    const download = await send(
      asha,
      patientRoutes.find((c) => c.name === "download document")!,
    );
    expect(download.statusCode).toBe(200);
    const profile = await send(
      asha,
      patientRoutes.find((c) => c.name === "profile")!,
    );
    expect(JSON.stringify(profile.json())).not.toContain("Elsewhere");
    const history = await send(
      asha,
      patientRoutes.find((c) => c.name === "history")!,
    );
    expect(JSON.stringify(history.json())).toContain("Penicillin");
    expect(JSON.stringify(history.json())).not.toContain("Latex");
  });
});
