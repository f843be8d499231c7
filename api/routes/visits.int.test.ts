import { and, eq, like } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { appointments, conversationMessages, nurseAssignments, visitLinks } from "../../db/schema/index.js";
import { buildTestApp, TEST_NOW, type TestApp } from "../../test/app.js";
import { signInAs, signUp, verifiedDoctor, type Session } from "../../test/factories.js";
import { VISIT_PAGE } from "../visits/page.js";
import { payThroughSandbox, type PaymentLink } from "../../test/orders.js";

let t: TestApp;
let doctor: Session & { doctorId: number };
let patient: Session;
beforeAll(async () => {
  t = await buildTestApp();
  doctor = await verifiedDoctor(t, { autoAccept: true, feeMinor: 0 });
  patient = await signUp(t, "patient");
});
afterEach(() => {
  t.clock.set(TEST_NOW);
});
afterAll(async () => {
  await t.close();
});

// Doctors from the factory work 09:00–17:00 in Asia/Kolkata (UTC+05:30), 30-minute slots; now is 2030-01-07 00:00 UTC.
const DAY = "2030-01-08";
const MIN = 60_000;
type Headers = Record<string, string>;

async function book(
  who: Session,
  doctorId: number,
  time: string,
  mode = "video",
): Promise<{ id: number; starts_at: string; ends_at: string; mode: string; payment: PaymentLink | null }> {
  const res = await t.app.inject({
    method: "POST",
    url: "/api/book/appointment/",
    headers: who.headers,
    payload: { doctor_id: doctorId, appointment_date: DAY, appointment_time: time, mode },
  });
  expect(res.statusCode, res.body).toBe(201);
  const body = res.json<{
    appointment: { id: number; starts_at: string; ends_at: string; mode: string };
    payment: PaymentLink | null;
  }>();
  return { ...body.appointment, payment: body.payment };
}

const join = (headers: Headers | undefined, id: number) =>
  t.app.inject({
    method: "POST",
    url: `/api/appointments/${id}/visit/join`,
    ...(headers ? { headers } : {}),
  });
const log = (headers: Headers, id: number) =>
  t.app.inject({ method: "GET", url: `/api/appointments/${id}/visit`, headers });
const at = (iso: string, offsetMinutes: number) =>
  t.clock.set(new Date(Date.parse(iso) + offsetMinutes * MIN));

describe("appointment modes", () => {
  it("books a video visit, returns its mode, and refuses a mode the doctor does not offer", async () => {
    const a = await book(patient, doctor.doctorId, "09:00 AM");
    expect(a.mode).toBe("video");
    const res = await t.app.inject({
      method: "POST",
      url: "/api/book/appointment/",
      headers: patient.headers,
      payload: {
        doctor_id: doctor.doctorId,
        appointment_date: DAY,
        appointment_time: "09:30 AM",
        mode: "chat",
      },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe("MODE_NOT_OFFERED");
  });

  it("lets a doctor offer modes and search filter by them", async () => {
    const other = await verifiedDoctor(t, { name: "Dr Audio Only", city: "Pune" });
    const put = await t.app.inject({
      method: "PUT",
      url: "/api/doctor/profile/",
      headers: other.headers,
      payload: { modes: ["audio", "chat"] },
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json().doctor.modes).toEqual(["audio", "chat"]);
    const search = async (mode: string) =>
      (await t.app.inject({ method: "GET", url: `/api/search/doctors/?city=Pune&mode=${mode}` })).json<{
        doctors: { id: number; modes: string[] }[];
      }>().doctors;
    expect((await search("audio")).map((d) => d.id)).toEqual([other.doctorId]);
    expect(await search("video")).toEqual([]);
    const bad = await t.app.inject({ method: "GET", url: "/api/search/doctors/?mode=teleport" });
    expect(bad.statusCode).toBe(400);
  });
});

describe("joining a visit", () => {
  it("opens VISIT_EARLY_JOIN_MINUTES before the start and closes 30 minutes after the end", async () => {
    const a = await book(patient, doctor.doctorId, "10:00 AM");
    at(a.starts_at, -16);
    const early = await join(patient.headers, a.id);
    expect(early.statusCode).toBe(409);
    expect(early.json().error.code).toBe("VISIT_NOT_OPEN");
    expect(early.json().error.details.opens_at).toBe(
      new Date(Date.parse(a.starts_at) - 15 * MIN).toISOString(),
    );

    at(a.starts_at, -15);
    const ok = await join(patient.headers, a.id);
    expect(ok.statusCode, ok.body).toBe(200);
    const visit = ok.json().visit;
    expect(visit).toMatchObject({ appointment_id: a.id, mode: "video", provider: "webrtc", role: "patient" });
    expect(visit.join_url).toMatch(/^http:\/\/healthlink\.test\/visit\/[A-Za-z0-9_-]{43}$/);
    expect(visit.expires_at).toBe(new Date(Date.parse(a.ends_at) + 30 * MIN).toISOString());
    expect(typeof visit.token).toBe("string");
    expect(visit.ice_servers).toEqual([]);

    const doc = await join(doctor.headers, a.id);
    expect(doc.statusCode).toBe(200);
    expect(doc.json().visit.id).toBe(visit.id);
    expect(doc.json().visit.join_url).not.toBe(visit.join_url);

    at(a.ends_at, 30);
    const late = await join(patient.headers, a.id);
    expect(late.statusCode).toBe(409);
    expect(late.json().error.code).toBe("VISIT_NOT_OPEN");
  });

  it("answers 404 to everyone but the two people and the doctor's nurse, on every visit route", async () => {
    const a = await book(patient, doctor.doctorId, "11:00 AM");
    at(a.starts_at, 0);
    expect((await join(patient.headers, a.id)).statusCode).toBe(200);
    const stranger = await signUp(t, "patient");
    const otherDoctor = await verifiedDoctor(t, { name: "Dr Other" });
    const admin = await signInAs(t, "admin");
    const nurse = await signInAs(t, "nurse");
    for (const who of [stranger, otherDoctor, nurse]) {
      expect((await join(who.headers, a.id)).statusCode).toBe(404);
      expect((await log(who.headers, a.id)).statusCode).toBe(404);
    }
    expect((await join(admin.headers, a.id)).statusCode).toBe(404);
    expect((await join(patient.headers, 999_999)).statusCode).toBe(404);
    expect((await log(patient.headers, 999_999)).statusCode).toBe(404);
    expect((await join(undefined, a.id)).statusCode).toBe(401);
    // The admin reads the log; a nurse assigned to the doctor joins.
    expect((await log(admin.headers, a.id)).statusCode).toBe(200);
    await t.database.db
      .insert(nurseAssignments)
      .values({ nurseUserId: nurse.userId, doctorId: doctor.doctorId });
    const n = await join(nurse.headers, a.id);
    expect(n.statusCode).toBe(200);
    expect(n.json().visit.role).toBe("nurse");
    // A link token that is not one: 404, like an expired one.
    const bogus = await t.app.inject({
      method: "POST",
      url: "/api/visit/join",
      payload: { token: "x".repeat(43) },
    });
    expect(bogus.statusCode).toBe(404);
  });

  it("refuses an unpaid appointment with 422 PAYMENT_REQUIRED until it is paid", async () => {
    const paidDoctor = await verifiedDoctor(t, { name: "Dr Fee", autoAccept: true, feeMinor: 50000 });
    const a = await book(patient, paidDoctor.doctorId, "01:00 PM");
    at(a.starts_at, -5);
    const res = await join(patient.headers, a.id);
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe("PAYMENT_REQUIRED");
    t.clock.set(TEST_NOW);
    await payThroughSandbox(t, a.payment);
    at(a.starts_at, -5);
    expect((await join(patient.headers, a.id)).statusCode).toBe(200);
  });

  it("refuses a cancelled appointment with 409 and an in-person one with 422", async () => {
    const a = await book(patient, doctor.doctorId, "12:00 PM");
    const cancel = await t.app.inject({
      method: "POST",
      url: "/api/cancel/appointment/",
      headers: patient.headers,
      payload: { appointment_id: a.id },
    });
    expect(cancel.statusCode, cancel.body).toBe(200);
    at(a.starts_at, 0);
    const res = await join(patient.headers, a.id);
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe("APPOINTMENT_CANCELLED");

    t.clock.set(TEST_NOW);
    const b = await book(patient, doctor.doctorId, "12:30 PM", "in_person");
    at(b.starts_at, 0);
    const inPerson = await join(patient.headers, b.id);
    expect(inPerson.statusCode).toBe(422);
    expect(inPerson.json().error.code).toBe("NOT_ONLINE");
  });
});

describe("visit links", () => {
  it("puts the patient's own link in the confirmation; it works for that person only and expires after the visit", async () => {
    const manual = await verifiedDoctor(t, { name: "Dr Manual", autoAccept: false, feeMinor: 0 });
    const a = await book(patient, manual.doctorId, "02:00 PM");
    const accept = await t.app.inject({
      method: "POST",
      url: "/api/accept/appointment/request/",
      headers: manual.headers,
      payload: { request_id: a.id },
    });
    expect(accept.statusCode, accept.body).toBe(200);

    // The confirmation reaches the patient (the web chat here) with their link.
    let url: string | undefined;
    for (let i = 0; i < 200 && !url; i++) {
      const [m] = await t.database.db
        .select({ payload: conversationMessages.payload })
        .from(conversationMessages)
        .where(
          and(
            eq(conversationMessages.direction, "out"),
            like(conversationMessages.text, `Confirmed:%#${a.id})`),
          ),
        );
      url = JSON.stringify(m?.payload ?? {}).match(
        /http:\/\/healthlink\.test\/visit\/[A-Za-z0-9_-]{43}/,
      )?.[0];
      if (!url) await new Promise((r) => setTimeout(r, 25));
    }
    expect(url).toBeDefined();
    const token = url!.split("/").pop()!;
    // Only a hash of the token is stored.
    const rows = await t.database.db.select().from(visitLinks).where(eq(visitLinks.appointmentId, a.id));
    expect(rows.some((r) => r.tokenHash === token)).toBe(false);

    const byLink = () => t.app.inject({ method: "POST", url: "/api/visit/join", payload: { token } });
    at(a.starts_at, -30);
    expect((await byLink()).json().error.code).toBe("VISIT_NOT_OPEN");
    at(a.starts_at, 0);
    const ok = await byLink();
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().visit).toMatchObject({ role: "patient", appointment_id: a.id, join_url: url });
    // The page itself reveals nothing and is not kept.
    const page = await t.app.inject({ method: "GET", url: `/visit/${token}` });
    expect(page.statusCode).toBe(200);
    expect(page.headers["referrer-policy"]).toBe("no-referrer");
    expect(page.body).toBe(VISIT_PAGE); // static: nothing of the appointment or the person in it

    at(a.ends_at, 31);
    expect((await byLink()).statusCode).toBe(404);
  });
});

describe("the visit log", () => {
  it("records joins and leaves, starts when both are in, ends when both left, and completes the appointment", async () => {
    const a = await book(patient, doctor.doctorId, "03:00 PM");
    at(a.starts_at, -2);
    const visit = (await join(patient.headers, a.id)).json().visit as { id: number };
    const { visits } = t.services;
    await visits.participantJoined(visit.id, patient.userId, "patient");
    at(a.starts_at, 0);
    await visits.participantJoined(visit.id, doctor.userId, "doctor");
    at(a.starts_at, 20);
    await visits.participantLeft(visit.id, patient.userId);
    let body = (await log(doctor.headers, a.id)).json().visit;
    expect(body.status).toBe("open");
    at(a.starts_at, 21);
    await visits.participantLeft(visit.id, doctor.userId);
    body = (await log(patient.headers, a.id)).json().visit;
    expect(body).toMatchObject({
      status: "ended",
      started_at: a.starts_at,
      ended_at: new Date(Date.parse(a.starts_at) + 21 * MIN).toISOString(),
      duration_seconds: 21 * 60,
      recording: false,
    });
    expect(body.participants).toEqual([
      {
        role: "patient",
        joined_at: new Date(Date.parse(a.starts_at) - 2 * MIN).toISOString(),
        left_at: new Date(Date.parse(a.starts_at) + 20 * MIN).toISOString(),
      },
      { role: "doctor", joined_at: a.starts_at, left_at: body.ended_at },
    ]);
    const [row] = await t.database.db.select().from(appointments).where(eq(appointments.id, a.id));
    expect(row!.status).toBe("completed");
    // An ended visit cannot be joined again.
    const again = await join(patient.headers, a.id);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe("VISIT_ENDED");
  });

  it("answers 404 before anyone joined", async () => {
    const a = await book(patient, doctor.doctorId, "04:00 PM");
    expect((await log(patient.headers, a.id)).statusCode).toBe(404);
  });
});
