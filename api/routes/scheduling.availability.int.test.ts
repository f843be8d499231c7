import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { doctors, nurseAssignments } from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../../test/app.js";
import { signInAs, signUp, verifiedDoctor } from "../../test/factories.js";

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => {
  await t.close();
});

const weekdays = (start: string, end: string, slot_minutes: number) =>
  ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"].map((day) => ({ day, start, end, slot_minutes }));

async function putAvailability(headers: Record<string, string>, payload: Record<string, unknown>) {
  return t.app.inject({ method: "PUT", url: "/api/doctor/availability/", headers, payload });
}

async function slots(doctorId: number, date: string) {
  return t.app.inject({ method: "GET", url: `/api/doctor/slots/?doctor_id=${doctorId}&date=${date}` });
}

describe("weekly availability", () => {
  it("replaces the weekly set, the time zone and auto-accept, and is readable by anyone", async () => {
    const dr = await verifiedDoctor(t);
    const before = Number((await t.cache.get("search:version")) ?? 0);
    const res = await putAvailability(dr.headers, {
      timezone: "Europe/Berlin",
      auto_accept: true,
      weekly: [
        { day: "MONDAY", start: "14:00", end: "18:00", slot_minutes: 20 },
        { day: "MONDAY", start: "09:00", end: "13:00", slot_minutes: 15 },
        { day: "thursday", start: "10:00", end: "12:00", slot_minutes: 30 },
      ],
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      doctor_id: dr.doctorId,
      timezone: "Europe/Berlin",
      auto_accept: true,
      weekly: [
        { day: "MONDAY", start: "09:00", end: "13:00", slot_minutes: 15 },
        { day: "MONDAY", start: "14:00", end: "18:00", slot_minutes: 20 },
        { day: "THURSDAY", start: "10:00", end: "12:00", slot_minutes: 30 },
      ],
    });
    const [row] = await t.database.db.select().from(doctors).where(eq(doctors.id, dr.doctorId));
    expect(row).toMatchObject({ timeZone: "Europe/Berlin", autoAccept: true, availableDaysMask: 0b1001 });
    expect(Number(await t.cache.get("search:version"))).toBe(before + 1);

    const pub = await t.app.inject({
      method: "GET",
      url: `/api/doctor/availability/?doctor_id=${dr.doctorId}`,
    });
    expect(pub.statusCode).toBe(200);
    expect(pub.json().weekly).toHaveLength(3);

    // Tuesday 2030-01-08 is no longer a working day; Monday 2030-01-14 has 16 + 12 slots.
    expect((await slots(dr.doctorId, "2030-01-08")).json().slots).toEqual([]);
    const monday = (await slots(dr.doctorId, "2030-01-14")).json();
    expect(monday.time_zone).toBe("Europe/Berlin");
    expect(monday.slots).toHaveLength(28);
    expect(monday.slots[0]).toEqual({
      appointment_date: "2030-01-14",
      appointment_time: "09:00 AM",
      starts_at: "2030-01-14T08:00:00.000Z",
      ends_at: "2030-01-14T08:15:00.000Z",
    });
  });

  it("refuses a bad zone, day, window, overlap or slot length with a coded 400, leaving the schedule as it was", async () => {
    const dr = await verifiedDoctor(t);
    const ok = { timezone: "Asia/Kolkata", auto_accept: false, weekly: weekdays("09:00", "12:00", 30) };
    expect((await putAvailability(dr.headers, ok)).statusCode).toBe(200);
    const cases: [Record<string, unknown>, string][] = [
      [{ ...ok, timezone: "Mars/Olympus" }, "INVALID_TIMEZONE"],
      [{ ...ok, weekly: [{ day: "FUNDAY", start: "09:00", end: "10:00", slot_minutes: 15 }] }, "INVALID_DAY"],
      [
        { ...ok, weekly: [{ day: "MONDAY", start: "10:00", end: "09:00", slot_minutes: 15 }] },
        "INVALID_WINDOW",
      ],
      [
        { ...ok, weekly: [{ day: "MONDAY", start: "25:00", end: "26:00", slot_minutes: 15 }] },
        "INVALID_TIME",
      ],
      [
        {
          ...ok,
          weekly: [
            { day: "MONDAY", start: "09:00", end: "12:00", slot_minutes: 15 },
            { day: "MONDAY", start: "11:30", end: "13:00", slot_minutes: 15 },
          ],
        },
        "OVERLAPPING_WINDOWS",
      ],
      [
        { ...ok, weekly: [{ day: "MONDAY", start: "09:00", end: "12:00", slot_minutes: 4 }] },
        "INVALID_SLOT_MINUTES",
      ],
      [
        { ...ok, weekly: [{ day: "MONDAY", start: "09:00", end: "18:00", slot_minutes: 241 }] },
        "INVALID_SLOT_MINUTES",
      ],
    ];
    for (const [payload, code] of cases) {
      const res = await putAvailability(dr.headers, payload);
      expect(res.statusCode, code).toBe(400);
      expect(res.json().error.code).toBe(code);
    }
    const pub = await t.app.inject({
      method: "GET",
      url: `/api/doctor/availability/?doctor_id=${dr.doctorId}`,
    });
    expect(pub.json()).toMatchObject({ timezone: "Asia/Kolkata", weekly: weekdays("09:00", "12:00", 30) });
  });

  it("lets a doctor edit only their own schedule; an assigned nurse and an admin may, others get 404 or 403", async () => {
    const dr = await verifiedDoctor(t);
    const other = await verifiedDoctor(t);
    const body = { timezone: "UTC", auto_accept: false, weekly: weekdays("09:00", "10:00", 30) };
    const stranger = await putAvailability(other.headers, { ...body, doctor_id: dr.doctorId });
    expect(stranger.statusCode).toBe(404);

    const nurse = await signInAs(t, "nurse");
    expect((await putAvailability(nurse.headers, { ...body, doctor_id: dr.doctorId })).statusCode).toBe(404);
    await t.database.db.insert(nurseAssignments).values({ nurseUserId: nurse.userId, doctorId: dr.doctorId });
    expect((await putAvailability(nurse.headers, { ...body, doctor_id: dr.doctorId })).statusCode).toBe(200);

    const admin = await signInAs(t, "admin");
    expect((await putAvailability(admin.headers, { ...body, doctor_id: dr.doctorId })).statusCode).toBe(200);

    const patient = await signUp(t, "patient");
    const res = await putAvailability(patient.headers, { ...body, doctor_id: dr.doctorId });
    expect(res.statusCode).toBe(403);
    expect((await putAvailability({}, body)).statusCode).toBe(401);
  });

  it("answers 404 for the public schedule and slots of an unverified or missing doctor", async () => {
    const unverified = await signUp(t, "doctor");
    for (const id of [unverified.doctorId!, 999999]) {
      expect(
        (await t.app.inject({ method: "GET", url: `/api/doctor/availability/?doctor_id=${id}` })).statusCode,
      ).toBe(404);
      expect((await slots(id, "2030-01-08")).statusCode).toBe(404);
    }
  });
});

describe("exceptions", () => {
  it("a day off removes the day's slots; a part-day removes only its slots; deleting restores them", async () => {
    const dr = await verifiedDoctor(t, { timeZone: "UTC" });
    const before = Number((await t.cache.get("search:version")) ?? 0);
    const off = await t.app.inject({
      method: "POST",
      url: "/api/doctor/availability/exceptions/",
      headers: dr.headers,
      payload: { date: "2030-01-09", reason: "Conference" },
    });
    expect(off.statusCode).toBe(201);
    expect(off.json().exception).toMatchObject({
      doctor_id: dr.doctorId,
      date: "2030-01-09",
      start: null,
      end: null,
      reason: "Conference",
    });
    expect(Number(await t.cache.get("search:version"))).toBe(before + 1);
    const dayOff = (await slots(dr.doctorId, "2030-01-09")).json();
    expect(dayOff.slots).toEqual([]);
    expect(dayOff.next_available_date).toBe("2030-01-10");

    const part = await t.app.inject({
      method: "POST",
      url: "/api/doctor/availability/exceptions/",
      headers: dr.headers,
      payload: { doctor_id: dr.doctorId, date: "2030-01-10", start: "12:00", end: "14:00" },
    });
    expect(part.statusCode).toBe(201);
    const times = (await slots(dr.doctorId, "2030-01-10"))
      .json()
      .slots.map((s: { appointment_time: string }) => s.appointment_time);
    expect(times).toHaveLength(12);
    expect(times).toContain("11:30 AM");
    expect(times).not.toContain("12:00 PM");
    expect(times).not.toContain("01:30 PM");
    expect(times).toContain("02:00 PM");

    const list = await t.app.inject({
      method: "GET",
      url: "/api/doctor/availability/exceptions/",
      headers: dr.headers,
    });
    expect(list.statusCode).toBe(200);
    expect(list.json().exceptions.map((e: { date: string }) => e.date)).toEqual(["2030-01-09", "2030-01-10"]);

    const other = await verifiedDoctor(t);
    const id = off.json().exception.id;
    const foreign = await t.app.inject({
      method: "DELETE",
      url: `/api/doctor/availability/exceptions/${id}/`,
      headers: other.headers,
    });
    expect(foreign.statusCode).toBe(404);
    const del = await t.app.inject({
      method: "DELETE",
      url: `/api/doctor/availability/exceptions/${id}/`,
      headers: dr.headers,
    });
    expect(del.statusCode).toBe(204);
    expect((await slots(dr.doctorId, "2030-01-09")).json().slots).toHaveLength(16);
  });

  it("refuses an exception with only one of start and end, or start after end", async () => {
    const dr = await verifiedDoctor(t);
    for (const payload of [
      { date: "2030-01-09", start: "10:00" },
      { date: "2030-01-09", start: "12:00", end: "10:00" },
      { date: "2030-02-30" },
    ]) {
      const res = await t.app.inject({
        method: "POST",
        url: "/api/doctor/availability/exceptions/",
        headers: dr.headers,
        payload,
      });
      expect(res.statusCode).toBe(400);
    }
  });
});

describe("slots", () => {
  it("lists a day's slots in the doctor's zone as 12-hour times, none in the past", async () => {
    // Now is 2030-01-07 00:00 UTC = 05:30 in Kolkata; 09:00–17:00 every day in 30-minute slots.
    const dr = await verifiedDoctor(t);
    const today = (await slots(dr.doctorId, "2030-01-07")).json();
    expect(today.time_zone).toBe("Asia/Kolkata");
    expect(today.slots).toHaveLength(16);
    expect(today.slots[3]).toMatchObject({ appointment_date: "2030-01-07", appointment_time: "10:30 AM" });
    expect(today.next_available_date).toBe("2030-01-07");

    t.clock.set(new Date("2030-01-07T06:00:00Z")); // 11:30 in Kolkata
    try {
      const later = (await slots(dr.doctorId, "2030-01-07")).json();
      expect(later.slots[0].appointment_time).toBe("11:30 AM");
      expect(later.slots).toHaveLength(11);
      t.clock.set(new Date("2030-01-07T11:30:00Z")); // 17:00 in Kolkata: the day is over
      const over = (await slots(dr.doctorId, "2030-01-07")).json();
      expect(over.slots).toEqual([]);
      expect(over.next_available_date).toBe("2030-01-08");
      // A date in the past has no slots; the next available date is searched from today.
      const past = (await slots(dr.doctorId, "2029-12-31")).json();
      expect(past.slots).toEqual([]);
      expect(past.next_available_date).toBe("2030-01-08");
    } finally {
      t.clock.set(new Date("2030-01-07T00:00:00Z"));
    }
  });

  it("finds no next available date when nothing is free in the next 60 days", async () => {
    const dr = await verifiedDoctor(t);
    const cleared = await putAvailability(dr.headers, {
      timezone: "Asia/Kolkata",
      auto_accept: false,
      weekly: [],
    });
    expect(cleared.json().weekly).toEqual([]);
    const res = (await slots(dr.doctorId, "2030-01-08")).json();
    expect(res).toEqual({ slots: [], time_zone: "Asia/Kolkata", next_available_date: null });
    expect(await t.services.scheduling.nextAvailableDate(dr.doctorId)).toBeNull();
    const weekly = await verifiedDoctor(t, {
      weekly: [{ isoDay: 5, start: "09:00", end: "10:00", slotMinutes: 60 }],
    });
    expect(await t.services.scheduling.nextAvailableDate(weekly.doctorId)).toBe("2030-01-11");
    expect(await t.services.scheduling.nextAvailableDate(weekly.doctorId, "2030-01-12")).toBe("2030-01-18");
  });

  it("handles the DST changes of America/New_York: the skipped hour has no slots, the repeated hour is offered once", async () => {
    const dr = await verifiedDoctor(t, {
      timeZone: "America/New_York",
      weekly: [{ isoDay: 7, start: "00:00", end: "04:00", slotMinutes: 30 }],
    });
    const spring = (await slots(dr.doctorId, "2030-03-10")).json();
    expect(spring.slots.map((s: { appointment_time: string }) => s.appointment_time)).toEqual([
      "12:00 AM",
      "12:30 AM",
      "01:00 AM",
      "01:30 AM",
      "03:00 AM",
      "03:30 AM",
    ]);
    expect(spring.slots[4].starts_at).toBe("2030-03-10T07:00:00.000Z");
    const fall = (await slots(dr.doctorId, "2030-11-03")).json();
    expect(fall.slots).toHaveLength(8);
    expect(fall.slots.map((s: { starts_at: string }) => s.starts_at).slice(3, 5)).toEqual([
      "2030-11-03T05:30:00.000Z",
      "2030-11-03T07:00:00.000Z",
    ]);

    const patient = await signUp(t, "patient");
    const book = (time: string) =>
      t.app.inject({
        method: "POST",
        url: "/api/book/appointment/",
        headers: patient.headers,
        payload: { doctor_id: dr.doctorId, appointment_date: "2030-03-10", appointment_time: time },
      });
    const skipped = await book("02:30 AM");
    expect(skipped.statusCode).toBe(422);
    expect(skipped.json().error.code).toBe("SLOT_UNAVAILABLE");
    const ok = await book("03:00 AM");
    expect(ok.statusCode).toBe(201);
    expect(ok.json().appointment).toMatchObject({
      appointment_time: "03:00 AM",
      starts_at: "2030-03-10T07:00:00.000Z",
      ends_at: "2030-03-10T07:30:00.000Z",
      time_zone: "America/New_York",
    });
  });
});

describe("the API document", () => {
  it("describes every scheduling route with its responses", async () => {
    const res = await t.app.inject({ method: "GET", url: "/docs/json" });
    expect(res.statusCode).toBe(200);
    const paths = res.json().paths as Record<string, Record<string, { responses: Record<string, unknown> }>>;
    for (const [path, method] of [
      ["/api/doctor/availability/", "put"],
      ["/api/doctor/availability/exceptions/{id}/", "delete"],
      ["/api/doctor/slots/", "get"],
      ["/api/book/appointment/", "post"],
      ["/api/propose/appointment/time/", "post"],
      ["/api/appointments/{id}/proposal/", "post"],
      ["/api/appointments/{id}/no-show", "post"],
      ["/api/patient/appointments/", "get"],
    ] as const) {
      expect(Object.keys(paths[path]?.[method]?.responses ?? {}), `${method} ${path}`).toContain("404");
    }
  });
});

describe("the next available date on the doctor's page", () => {
  it("moves on at once when the day's last slot is booked, and comes back when it is cancelled", async () => {
    // One 30-minute slot on Mondays and Tuesdays; TEST_NOW is Monday 2030-01-07 00:00 UTC.
    const dr = await verifiedDoctor(t, {
      timeZone: "UTC",
      weekly: [
        { isoDay: 1, start: "10:00", end: "10:30", slotMinutes: 30 },
        { isoDay: 2, start: "10:00", end: "10:30", slotMinutes: 30 },
      ],
    });
    const view = async () =>
      (await t.app.inject({ method: "GET", url: `/api/view/doctor/?id=${dr.doctorId}` })).json().doctor
        .next_available_date;
    expect(await view()).toBe("2030-01-07");

    const patient = await signUp(t, "patient");
    const booked = await t.app.inject({
      method: "POST",
      url: "/api/book/appointment/",
      headers: patient.headers,
      payload: { doctor_id: dr.doctorId, appointment_date: "2030-01-07", appointment_time: "10:00 AM" },
    });
    expect(booked.statusCode).toBe(201);
    expect(await view()).toBe("2030-01-08");

    const cancelled = await t.app.inject({
      method: "POST",
      url: "/api/cancel/appointment/",
      headers: patient.headers,
      payload: { appointment_id: booked.json().appointment.id },
    });
    expect(cancelled.statusCode).toBe(200);
    expect(await view()).toBe("2030-01-07");
  });

  it("keeps the next free date on the doctor's row, and moves on when the slot passes with no write", async () => {
    const dr = await verifiedDoctor(t, {
      timeZone: "UTC",
      weekly: [
        { isoDay: 1, start: "10:00", end: "10:30", slotMinutes: 30 },
        { isoDay: 2, start: "10:00", end: "10:30", slotMinutes: 30 },
      ],
    });
    const view = async () =>
      (await t.app.inject({ method: "GET", url: `/api/view/doctor/?id=${dr.doctorId}` })).json().doctor
        .next_available_date;
    const stored = async () =>
      (
        await t.database.db
          .select({ date: doctors.nextFreeDate, until: doctors.nextFreeUntil })
          .from(doctors)
          .where(eq(doctors.id, dr.doctorId))
      )[0];
    const start = t.clock.now();
    try {
      expect(await view()).toBe("2030-01-07");
      // Good until Monday's only slot can no longer be booked (no lead time here).
      expect(await stored()).toEqual({ date: "2030-01-07", until: new Date("2030-01-07T10:00:00Z") });
      t.clock.set(new Date("2030-01-07T09:59:00Z"));
      expect(await view()).toBe("2030-01-07");
      t.clock.set(new Date("2030-01-07T10:01:00Z"));
      expect(await view()).toBe("2030-01-08");
      expect(await stored()).toEqual({ date: "2030-01-08", until: new Date("2030-01-08T10:00:00Z") });
    } finally {
      t.clock.set(start);
    }
  });
});
