import { and, asc, eq, like } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { pgConstraint, pgErrorCode, PG } from "../../db/client.js";
import {
  appointmentEvents,
  appointments,
  auditLog,
  notificationsOutbox,
  nurseAssignments,
} from "../../db/schema/index.js";
import { SchedulingRepository } from "../../domain/scheduling/repository.js";
import { buildTestApp, TEST_NOW, type TestApp } from "../../test/app.js";
import { signInAs, signUp, verifiedDoctor, type Session } from "../../test/factories.js";

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterEach(() => {
  t.clock.set(TEST_NOW);
});
afterAll(async () => {
  await t.close();
});

// Doctors from the factory work every day 09:00–17:00 in Asia/Kolkata (UTC+05:30), 30-minute slots.
// Now is Monday 2030-01-07 00:00 UTC (05:30 in Kolkata).
const DAY = "2030-01-08";

type Headers = Record<string, string>;

async function book(
  patient: { headers: Headers },
  doctorId: number,
  time: string,
  extra: Record<string, unknown> = {},
) {
  return t.app.inject({
    method: "POST",
    url: "/api/book/appointment/",
    headers: patient.headers,
    payload: { doctor_id: doctorId, appointment_date: DAY, appointment_time: time, ...extra },
  });
}

async function post(headers: Headers, url: string, payload: Record<string, unknown> = {}) {
  return t.app.inject({ method: "POST", url, headers, payload });
}

async function get(headers: Headers, url: string) {
  return t.app.inject({ method: "GET", url, headers });
}

async function bookOk(patient: Session, doctorId: number, time: string, extra: Record<string, unknown> = {}) {
  const res = await book(patient, doctorId, time, extra);
  expect(res.statusCode, res.body).toBe(201);
  return res.json().appointment as { id: number; status: string; starts_at: string };
}

async function events(id: number) {
  return t.database.db
    .select()
    .from(appointmentEvents)
    .where(eq(appointmentEvents.appointmentId, id))
    .orderBy(asc(appointmentEvents.id));
}

async function outbox(id: number) {
  return t.database.db
    .select()
    .from(notificationsOutbox)
    .where(like(notificationsOutbox.idempotencyKey, `appointment:${id}:%`))
    .orderBy(asc(notificationsOutbox.id));
}

async function row(id: number) {
  const [r] = await t.database.db.select().from(appointments).where(eq(appointments.id, id));
  return r!;
}

describe("booking", () => {
  it("books a real slot as pending, in the doctor's zone, with the fee, and tells the doctor", async () => {
    const dr = await verifiedDoctor(t, { feeMinor: 75050, currency: "INR" });
    const patient = await signUp(t, "patient", { name: "Asha Verma" });
    const res = await book(patient, dr.doctorId, "10:30 AM", { mode: "video", reason: "Toothache" });
    expect(res.statusCode).toBe(201);
    const { appointment } = res.json();
    expect(appointment).toMatchObject({
      id: expect.any(Number),
      doctor_id: dr.doctorId,
      patient_id: patient.patientId,
      patient_name: "Asha Verma",
      appointment_date: DAY,
      appointment_time: "10:30 AM",
      status: "pending",
      starts_at: "2030-01-08T05:00:00.000Z",
      ends_at: "2030-01-08T05:30:00.000Z",
      time_zone: "Asia/Kolkata",
      mode: "video",
      fee: 750.5,
      currency: "INR",
    });

    const ev = await events(appointment.id);
    expect(ev).toMatchObject([
      { type: "booked", fromStatus: null, toStatus: "pending", actorUserId: patient.userId },
    ]);
    const out = await outbox(appointment.id);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({
      userId: dr.userId,
      template: "appointment.requested",
      idempotencyKey: `appointment:${appointment.id}:booked:${ev[0]!.id}`,
    });
    expect(out[0]!.data).toMatchObject({ appointment_id: appointment.id, appointment_time: "10:30 AM" });
    const audits = await t.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.resourceType, "appointment"), eq(auditLog.resourceId, String(appointment.id))));
    expect(audits).toMatchObject([{ action: "create", patientId: patient.patientId, outcome: "allowed" }]);
  });

  it("confirms at once when the doctor auto-accepts", async () => {
    const dr = await verifiedDoctor(t, { autoAccept: true });
    const patient = await signUp(t, "patient");
    const appt = await bookOk(patient, dr.doctorId, "11:00 AM", { patient_name: "Ravi (son)" });
    expect(appt).toMatchObject({ status: "confirmed", patient_name: "Ravi (son)" });
    const out = await outbox(appt.id);
    expect(out.map((o) => o.template)).toEqual(["appointment.booked"]);
  });

  it("refuses a time in the past, outside availability, off the grid, or on an exception day with 422", async () => {
    const dr = await verifiedDoctor(t);
    const patient = await signUp(t, "patient");
    await post(dr.headers, "/api/doctor/availability/exceptions/", { date: "2030-01-09" });
    const cases: [string, string][] = [
      ["2030-01-06", "10:30 AM"], // yesterday
      ["2030-01-07", "05:00 AM"], // before the window, and before now
      [DAY, "08:30 AM"], // before the window
      [DAY, "05:00 PM"], // the window ends at 17:00
      [DAY, "10:15 AM"], // not on the 30-minute grid
      ["2030-01-09", "10:30 AM"], // day off
    ];
    for (const [date, time] of cases) {
      const res = await book(patient, dr.doctorId, time, { appointment_date: date });
      expect(res.statusCode, `${date} ${time}`).toBe(422);
      expect(res.json().error.code).toBe("SLOT_UNAVAILABLE");
    }
    t.clock.set(new Date("2030-01-08T05:10:00Z")); // 10:40 in Kolkata: 10:30 has started
    expect((await book(patient, dr.doctorId, "10:30 AM")).statusCode).toBe(422);
    expect((await book(patient, dr.doctorId, "11:00 AM")).statusCode).toBe(201);
  });

  it("respects the minimum booking lead time from the configuration", async () => {
    const lead = await buildTestApp({ env: { BOOKING_MIN_LEAD_MINUTES: "120" } });
    try {
      const saved = t;
      t = lead;
      try {
        const dr = await verifiedDoctor(t);
        const patient = await signUp(t, "patient");
        t.clock.set(new Date("2030-01-08T03:00:00Z")); // 08:30 in Kolkata: with 2 hours' lead, 10:30 is the first
        const tooSoon = await book(patient, dr.doctorId, "10:00 AM");
        expect(tooSoon.statusCode).toBe(422);
        expect((await book(patient, dr.doctorId, "10:30 AM")).statusCode).toBe(201);
      } finally {
        t = saved;
      }
    } finally {
      await lead.close();
    }
  });

  it("answers 404 for an unverified or missing doctor, and 403 for a doctor trying to book", async () => {
    const unverified = await signUp(t, "doctor");
    const patient = await signUp(t, "patient");
    expect((await book(patient, unverified.doctorId!, "10:30 AM")).statusCode).toBe(404);
    expect((await book(patient, 999999, "10:30 AM")).statusCode).toBe(404);
    const dr = await verifiedDoctor(t);
    expect((await book(dr, dr.doctorId, "10:30 AM")).statusCode).toBe(403);
  });

  it("gives one 201 and 49 × 409 SLOT_TAKEN for 50 parallel bookings of one slot", async () => {
    const dr = await verifiedDoctor(t);
    const patients: Session[] = [];
    for (let i = 0; i < 5; i++) {
      patients.push(...(await Promise.all(Array.from({ length: 10 }, () => signUp(t, "patient")))));
    }
    const results = await Promise.all(patients.map((p) => book(p, dr.doctorId, "02:00 PM")));
    const codes = results.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 201)).toHaveLength(1);
    expect(codes.filter((c) => c === 409)).toHaveLength(49);
    for (const r of results.filter((x) => x.statusCode === 409))
      expect(r.json().error.code).toBe("SLOT_TAKEN");
    const rows = await t.database.db
      .select()
      .from(appointments)
      .where(eq(appointments.doctorId, dr.doctorId));
    expect(rows).toHaveLength(1);
    // The failed attempts left nothing behind: no events and no notifications of their own.
    expect(await events(rows[0]!.id)).toHaveLength(1);
    const notes = await t.database.db
      .select()
      .from(notificationsOutbox)
      .where(eq(notificationsOutbox.userId, dr.userId));
    expect(notes).toHaveLength(1);
  });

  it("refuses overlapping but unequal ranges in the database, after a change of slot length", async () => {
    const dr = await verifiedDoctor(t, { timeZone: "UTC" });
    const first = await signUp(t, "patient");
    const second = await signUp(t, "patient");
    const existing = await bookOk(first, dr.doctorId, "10:00 AM"); // 10:00–10:30
    const put = await t.app.inject({
      method: "PUT",
      url: "/api/doctor/availability/",
      headers: dr.headers,
      payload: {
        timezone: "UTC",
        auto_accept: false,
        weekly: [{ day: "TUESDAY", start: "09:00", end: "17:00", slot_minutes: 20 }],
      },
    });
    expect(put.statusCode).toBe(200);
    const overlapping = await book(second, dr.doctorId, "10:20 AM"); // 10:20–10:40
    expect(overlapping.statusCode).toBe(409);
    expect(overlapping.json().error.code).toBe("SLOT_TAKEN");
    expect((await book(second, dr.doctorId, "10:40 AM")).statusCode).toBe(201);

    // The constraint, not the code, refuses it: straight through the repository.
    const repo = new SchedulingRepository(t.database.db);
    const err: unknown = await repo
      .insertAppointment(t.database.db, {
        doctorId: dr.doctorId,
        patientId: second.patientId!,
        startsAt: new Date("2030-01-08T10:15:00Z"),
        endsAt: new Date("2030-01-08T10:25:00Z"),
        status: "pending",
        patientName: "x",
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(pgErrorCode(err)).toBe(PG.exclusionViolation);
    expect(pgConstraint(err)).toBe("appointments_doctor_no_overlap");
    // A cancelled appointment does not hold its time.
    await post(first.headers, "/api/cancel/appointment/", { appointment_id: existing.id });
    expect((await book(second, dr.doctorId, "10:00 AM")).statusCode).toBe(201);
  });

  it("refuses a patient two appointments at the same time with two doctors (409 PATIENT_BUSY)", async () => {
    const a = await verifiedDoctor(t);
    const b = await verifiedDoctor(t, {
      timeZone: "UTC",
      weekly: [{ isoDay: 2, start: "04:00", end: "06:00", slotMinutes: 60 }],
    });
    const patient = await signUp(t, "patient");
    await bookOk(patient, a.doctorId, "10:30 AM"); // 05:00–05:30 UTC
    const res = await book(patient, b.doctorId, "05:00 AM"); // 05:00–06:00 UTC
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe("PATIENT_BUSY");
    const repoErr: unknown = await new SchedulingRepository(t.database.db)
      .insertAppointment(t.database.db, {
        doctorId: b.doctorId,
        patientId: patient.patientId!,
        startsAt: new Date("2030-01-08T04:45:00Z"),
        endsAt: new Date("2030-01-08T05:15:00Z"),
        patientName: "x",
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(pgConstraint(repoErr)).toBe("appointments_patient_no_overlap");
  });
});

describe("the appointment lifecycle", () => {
  it("request → proposal → accepted proposal → patient reschedule → accept → complete, each recorded and notified", async () => {
    const dr = await verifiedDoctor(t);
    const patient = await signUp(t, "patient", { name: "Mei Lin" });
    const appt = await bookOk(patient, dr.doctorId, "10:30 AM");
    const other = await bookOk(await signUp(t, "patient"), dr.doctorId, "09:00 AM");
    await post(dr.headers, "/api/accept/appointment/request/", { request_id: other.id });

    const requests = await get(dr.headers, "/api/doctor/appointment/requests/");
    expect(requests.statusCode).toBe(200);
    const list = requests.json().appointment_requests;
    expect(list.map((r: { request_id: number }) => r.request_id)).toEqual([appt.id, other.id]);
    expect(list[0]).toMatchObject({
      request_id: appt.id,
      patient_name: "Mei Lin",
      appointment_date: DAY,
      appointment_time: "10:30 AM",
      status: "pending",
    });
    expect(list[1].status).toBe("accepted");

    // The doctor proposes 3 PM: the new time is held, the original kept.
    const proposed = await post(dr.headers, "/api/propose/appointment/time/", {
      request_id: appt.id,
      appointment_date: DAY,
      appointment_time: "03:00 PM",
    });
    expect(proposed.statusCode).toBe(200);
    expect(proposed.json()).toMatchObject({
      status: "proposed",
      appointment: {
        status: "proposed",
        appointment_time: "03:00 PM",
        previous_appointment_date: DAY,
        previous_appointment_time: "10:30 AM",
      },
    });
    const held = await get({}, `/api/doctor/slots/?doctor_id=${dr.doctorId}&date=${DAY}`);
    const times = held.json().slots.map((s: { appointment_time: string }) => s.appointment_time);
    expect(times).not.toContain("03:00 PM");
    expect(times).toContain("10:30 AM");

    const accepted = await post(patient.headers, `/api/appointments/${appt.id}/proposal/`, { accept: true });
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json().appointment).toMatchObject({
      status: "confirmed",
      appointment_time: "03:00 PM",
      previous_starts_at: null,
    });

    // The patient moves it: back to pending, since the doctor does not auto-accept.
    const moved = await post(patient.headers, "/api/reschedule/appointment/", {
      appointment_id: appt.id,
      appointment_date: "2030-01-09",
      appointment_time: "04:00 PM",
    });
    expect(moved.statusCode).toBe(200);
    expect(moved.json().appointment).toMatchObject({ status: "pending", appointment_date: "2030-01-09" });

    const acc = await post(dr.headers, "/api/accept/appointment/request/", { request_id: appt.id });
    expect(acc.statusCode).toBe(200);
    expect(acc.json()).toMatchObject({
      status: "accepted",
      message: "Appointment request successfully accepted.",
    });
    const again = await post(dr.headers, "/api/accept/appointment/request/", { request_id: appt.id });
    expect(again.statusCode).toBe(422);
    expect(again.json().error.code).toBe("INVALID_TRANSITION");

    const early = await post(dr.headers, `/api/appointments/${appt.id}/complete`);
    expect(early.statusCode).toBe(422);
    expect(early.json().error.code).toBe("APPOINTMENT_NOT_STARTED");
    t.clock.set(new Date("2030-01-09T10:45:00Z")); // 16:15 in Kolkata
    const done = await post(dr.headers, `/api/appointments/${appt.id}/complete`);
    expect(done.statusCode).toBe(200);
    expect(done.json().appointment.status).toBe("completed");
    const cancelDone = await post(patient.headers, "/api/cancel/appointment/", { appointment_id: appt.id });
    expect(cancelDone.statusCode).toBe(422);
    expect(cancelDone.json().error.code).toBe("INVALID_TRANSITION");

    const ev = await events(appt.id);
    expect(ev.map((e) => [e.type, e.fromStatus, e.toStatus])).toEqual([
      ["booked", null, "pending"],
      ["proposed", "pending", "proposed"],
      ["proposal_accepted", "proposed", "confirmed"],
      ["rescheduled", "confirmed", "pending"],
      ["accepted", "pending", "confirmed"],
      ["completed", "confirmed", "completed"],
    ]);
    const out = await outbox(appt.id);
    expect(
      out.map((o) => [
        o.template,
        o.userId === dr.userId ? "doctor" : o.userId === patient.userId ? "patient" : "?",
      ]),
    ).toEqual([
      ["appointment.requested", "doctor"],
      ["appointment.proposed", "patient"],
      ["appointment.proposal_accepted", "doctor"],
      ["appointment.rescheduled", "doctor"],
      ["appointment.accepted", "patient"],
      ["appointment.completed", "patient"],
    ]);
    expect(out.map((o) => o.idempotencyKey)).toEqual(
      ev.map((e) => `appointment:${appt.id}:${e.type}:${e.id}`),
    );
  });

  it("a declined proposal cancels the appointment and frees both times", async () => {
    const dr = await verifiedDoctor(t);
    const patient = await signUp(t, "patient");
    const appt = await bookOk(patient, dr.doctorId, "10:30 AM");
    await post(dr.headers, "/api/propose/appointment/time/", {
      request_id: appt.id,
      appointment_date: DAY,
      appointment_time: "11:30 AM",
    });
    const declined = await post(patient.headers, `/api/appointments/${appt.id}/proposal/`, { accept: false });
    expect(declined.statusCode).toBe(200);
    expect(declined.json().appointment.status).toBe("cancelled");
    const times = (await get({}, `/api/doctor/slots/?doctor_id=${dr.doctorId}&date=${DAY}`))
      .json()
      .slots.map((s: { appointment_time: string }) => s.appointment_time);
    expect(times).toEqual(expect.arrayContaining(["10:30 AM", "11:30 AM"]));
    const answerAgain = await post(patient.headers, `/api/appointments/${appt.id}/proposal/`, {
      accept: true,
    });
    expect(answerAgain.statusCode).toBe(422);
    expect((await outbox(appt.id)).at(-1)).toMatchObject({
      userId: dr.userId,
      template: "appointment.proposal_declined",
    });
  });

  it("a proposal of a taken time is refused with 409 and leaves the request as it was", async () => {
    const dr = await verifiedDoctor(t);
    const appt = await bookOk(await signUp(t, "patient"), dr.doctorId, "10:30 AM");
    await bookOk(await signUp(t, "patient"), dr.doctorId, "12:00 PM");
    const res = await post(dr.headers, "/api/propose/appointment/time/", {
      request_id: appt.id,
      appointment_date: DAY,
      appointment_time: "12:00 PM",
    });
    expect(res.statusCode).toBe(409);
    expect(await row(appt.id)).toMatchObject({ status: "pending", previousStartsAt: null });
    expect(await events(appt.id)).toHaveLength(1);
  });

  it("a failed reschedule leaves the original untouched; a doctor's reschedule confirms", async () => {
    const dr = await verifiedDoctor(t);
    const patient = await signUp(t, "patient");
    const mine = await bookOk(patient, dr.doctorId, "10:30 AM");
    await bookOk(await signUp(t, "patient"), dr.doctorId, "11:00 AM");
    const before = await row(mine.id);

    const taken = await post(patient.headers, "/api/reschedule/appointment/", {
      appointment_id: mine.id,
      appointment_date: DAY,
      appointment_time: "11:00 AM",
    });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error.code).toBe("SLOT_TAKEN");
    const invalidSlot = await post(patient.headers, "/api/reschedule/appointment/", {
      appointment_id: mine.id,
      appointment_date: DAY,
      appointment_time: "11:10 AM",
    });
    expect(invalidSlot.statusCode).toBe(422);
    expect(await row(mine.id)).toEqual(before);
    expect(await events(mine.id)).toHaveLength(1);

    const byDoctor = await post(dr.headers, "/api/reschedule/appointment/", {
      appointment_id: mine.id,
      appointment_date: DAY,
      appointment_time: "01:00 PM",
    });
    expect(byDoctor.statusCode).toBe(200);
    expect(byDoctor.json().appointment).toMatchObject({ status: "confirmed", appointment_time: "01:00 PM" });
    expect((await outbox(mine.id)).at(-1)).toMatchObject({
      userId: patient.userId,
      template: "appointment.rescheduled",
    });
  });

  it("cancels from either side with the reason kept, and rejects with a reason", async () => {
    const dr = await verifiedDoctor(t);
    const patient = await signUp(t, "patient");
    const a = await bookOk(patient, dr.doctorId, "10:30 AM");
    const res = await post(patient.headers, "/api/cancel/appointment/", {
      appointment_id: a.id,
      reason: "Feeling better",
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: "cancelled", message: "Appointment successfully cancelled." });
    expect(await row(a.id)).toMatchObject({ status: "cancelled", statusReason: "Feeling better" });
    expect((await outbox(a.id)).at(-1)).toMatchObject({
      userId: dr.userId,
      template: "appointment.cancelled",
    });

    const b = await bookOk(patient, dr.doctorId, "11:30 AM");
    await post(dr.headers, "/api/accept/appointment/request/", { request_id: b.id });
    const byDoctor = await post(dr.headers, "/api/cancel/appointment/", {
      appointment_id: b.id,
      reason: "Emergency surgery",
    });
    expect(byDoctor.statusCode).toBe(200);
    expect((await outbox(b.id)).at(-1)).toMatchObject({
      userId: patient.userId,
      template: "appointment.cancelled",
    });

    const c = await bookOk(patient, dr.doctorId, "12:30 PM");
    const rej = await post(dr.headers, "/api/reject/appointment/request/", {
      request_id: c.id,
      reason: "Not my specialty",
    });
    expect(rej.statusCode).toBe(200);
    expect(rej.json()).toMatchObject({
      status: "rejected",
      message: "Appointment request successfully rejected.",
    });
    expect(await row(c.id)).toMatchObject({ status: "rejected", statusReason: "Not my specialty" });
    const acceptRejected = await post(dr.headers, "/api/accept/appointment/request/", { request_id: c.id });
    expect(acceptRejected.json().error.code).toBe("INVALID_TRANSITION");
    const requests = (await get(dr.headers, "/api/doctor/appointment/requests/")).json().appointment_requests;
    expect(requests.map((r: { status: string }) => r.status)).toEqual(["cancelled", "cancelled", "rejected"]);
  });

  it("marks a no-show only after the start, and only for a confirmed appointment", async () => {
    const dr = await verifiedDoctor(t, { autoAccept: true });
    const patient = await signUp(t, "patient");
    const a = await bookOk(patient, dr.doctorId, "10:30 AM");
    expect((await post(dr.headers, `/api/appointments/${a.id}/no-show`)).json().error.code).toBe(
      "APPOINTMENT_NOT_STARTED",
    );
    t.clock.set(new Date("2030-01-08T05:00:00Z"));
    const res = await post(dr.headers, `/api/appointments/${a.id}/no-show`);
    expect(res.statusCode).toBe(200);
    expect(res.json().appointment.status).toBe("no_show");
    expect((await events(a.id)).map((e) => e.type)).toEqual(["booked", "no_show"]);
    expect((await outbox(a.id)).map((o) => o.template)).toEqual([
      "appointment.booked",
      "appointment.no_show",
    ]);

    const later = await bookOk(patient, dr.doctorId, "03:00 PM");
    t.clock.set(new Date("2030-01-08T10:00:00Z"));
    const patientTries = await post(patient.headers, `/api/appointments/${later.id}/complete`);
    expect(patientTries.statusCode).toBe(403);
  });

  it("lets a nurse act for an assigned doctor, and not for another", async () => {
    const dr = await verifiedDoctor(t);
    const patient = await signUp(t, "patient");
    const a = await bookOk(patient, dr.doctorId, "10:30 AM");
    const nurse = await signInAs(t, "nurse");
    expect(
      (await post(nurse.headers, "/api/accept/appointment/request/", { request_id: a.id })).statusCode,
    ).toBe(404);
    await t.database.db.insert(nurseAssignments).values({ nurseUserId: nurse.userId, doctorId: dr.doctorId });
    const res = await post(nurse.headers, "/api/accept/appointment/request/", { request_id: a.id });
    expect(res.statusCode).toBe(200);
    const list = await get(nurse.headers, `/api/doctor/appointments/?doctor_id=${dr.doctorId}`);
    expect(list.json().appointments.map((x: { id: number }) => x.id)).toEqual([a.id]);
    expect((await events(a.id)).at(-1)).toMatchObject({ type: "accepted", actorUserId: nurse.userId });
  });
});

describe("reads and privacy", () => {
  it("shows an appointment to both parties and answers 404 to strangers on every route", async () => {
    const dr = await verifiedDoctor(t);
    const patient = await signUp(t, "patient");
    const a = await bookOk(patient, dr.doctorId, "10:30 AM");
    expect((await get(patient.headers, `/api/appointments/${a.id}/`)).statusCode).toBe(200);
    const seen = await get(dr.headers, `/api/appointments/${a.id}/`);
    expect(seen.statusCode).toBe(200);
    expect(seen.json().appointment).toMatchObject({
      id: a.id,
      appointment_time: "10:30 AM",
      status: "pending",
    });

    const strangerPatient = await signUp(t, "patient");
    const strangerDoctor = await verifiedDoctor(t);
    const attempts: [Session, string, string, Record<string, unknown>?][] = [
      [strangerPatient, "GET", `/api/appointments/${a.id}/`],
      [strangerPatient, "POST", "/api/cancel/appointment/", { appointment_id: a.id }],
      [
        strangerPatient,
        "POST",
        "/api/reschedule/appointment/",
        { appointment_id: a.id, appointment_date: DAY, appointment_time: "01:00 PM" },
      ],
      [strangerPatient, "POST", `/api/appointments/${a.id}/proposal/`, { accept: true }],
      [strangerPatient, "GET", `/api/patient/appointments/?patient_id=${patient.patientId}`],
      [strangerDoctor, "GET", `/api/appointments/${a.id}/`],
      [strangerDoctor, "POST", "/api/accept/appointment/request/", { request_id: a.id }],
      [strangerDoctor, "POST", "/api/reject/appointment/request/", { request_id: a.id }],
      [
        strangerDoctor,
        "POST",
        "/api/propose/appointment/time/",
        { request_id: a.id, appointment_date: DAY, appointment_time: "01:00 PM" },
      ],
      [strangerDoctor, "POST", `/api/appointments/${a.id}/complete`],
      [strangerDoctor, "POST", `/api/appointments/${a.id}/no-show`],
      [strangerDoctor, "POST", "/api/cancel/appointment/", { appointment_id: a.id }],
      [
        strangerDoctor,
        "POST",
        "/api/reschedule/appointment/",
        { appointment_id: a.id, appointment_date: DAY, appointment_time: "01:00 PM" },
      ],
      [strangerDoctor, "GET", `/api/doctor/appointments/?doctor_id=${dr.doctorId}`],
      [strangerDoctor, "GET", `/api/doctor/appointment/requests/?doctor_id=${dr.doctorId}`],
      [strangerDoctor, "GET", `/api/patient/appointments/?patient_id=${patient.patientId}`],
      [patient, "GET", `/api/appointments/999999/`],
    ];
    for (const [who, method, url, payload] of attempts) {
      const res = await t.app.inject({
        method: method as "GET" | "POST",
        url,
        headers: who.headers,
        ...(payload ? { payload } : {}),
      });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
    }
    expect(await row(a.id)).toMatchObject({ status: "pending" });
    expect(await events(a.id)).toHaveLength(1);
    const refusals = await t.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.resourceId, String(a.id)), eq(auditLog.outcome, "not_found")));
    expect(refusals).toHaveLength(12);
    expect((await get({}, `/api/appointments/${a.id}/`)).statusCode).toBe(401);
  });

  it("lists a patient's upcoming appointments soonest first and past ones latest first, paginated", async () => {
    const dr = await verifiedDoctor(t, { autoAccept: true });
    const patient = await signUp(t, "patient");
    const first = await bookOk(patient, dr.doctorId, "09:00 AM");
    const second = await bookOk(patient, dr.doctorId, "11:00 AM");
    const third = await bookOk(patient, dr.doctorId, "01:00 PM");
    const cancelled = await bookOk(patient, dr.doctorId, "03:00 PM");
    await post(patient.headers, "/api/cancel/appointment/", { appointment_id: cancelled.id });

    const up = await get(patient.headers, "/api/patient/appointments/?scope=upcoming&per_page=2");
    expect(up.statusCode).toBe(200);
    expect(up.json()).toMatchObject({ page: 1, per_page: 2, has_more: true });
    expect(up.json().appointments.map((a: { id: number }) => a.id)).toEqual([first.id, second.id]);
    const up2 = await get(patient.headers, "/api/patient/appointments/?scope=upcoming&per_page=2&page=2");
    expect(up2.json()).toMatchObject({ has_more: false });
    expect(up2.json().appointments.map((a: { id: number }) => a.id)).toEqual([third.id]);

    t.clock.set(new Date("2030-01-08T05:45:00Z")); // 11:15 in Kolkata: the first has ended, the second is under way
    const past = await get(
      patient.headers,
      `/api/patient/appointments/?patient_id=${patient.patientId}&scope=past`,
    );
    expect(past.json().appointments.map((a: { id: number }) => a.id)).toEqual([cancelled.id, first.id]);
    const upcoming = await get(patient.headers, "/api/patient/appointments/");
    expect(upcoming.json().appointments.map((a: { id: number }) => a.id)).toEqual([second.id, third.id]);
    expect(upcoming.json().appointments[0]).toMatchObject({
      appointment_time: "11:00 AM",
      time_zone: "Asia/Kolkata",
      starts_at: "2030-01-08T05:30:00.000Z",
    });

    const doctorPast = await get(dr.headers, "/api/doctor/appointments/?scope=past");
    expect(doctorPast.json().appointments.map((a: { id: number }) => a.id)).toEqual([cancelled.id, first.id]);
    const audits = await t.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.patientId, patient.patientId!), eq(auditLog.action, "list")));
    expect(audits.length).toBeGreaterThanOrEqual(5);
  });
});
