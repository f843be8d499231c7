import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withdrawals } from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../../test/app.js";
import { signUp, verifiedDoctor, type Session } from "../../test/factories.js";

/**
 * A withdrawal confirmed with the SMS PIN or the password (the console's way): each refusal moves no money, wrong
 * PINs count towards the SMS PIN's lock. And the console's question "is browser calling configured?".
 */

let t: TestApp;
const DAY_MS = 24 * 3600_000;

beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => {
  await t.close();
});

/** A doctor with 4500.00 withdrawable (a paid 5000.00 consultation, completed, past the hold). */
async function doctorWithEarnings(): Promise<Session & { doctorId: number }> {
  const dr = await verifiedDoctor(t, { feeMinor: 500_000 });
  const patient = await signUp(t, "patient");
  const booked = await t.app.inject({
    method: "POST",
    url: "/api/book/appointment/",
    headers: patient.headers,
    payload: { doctor_id: dr.doctorId, appointment_date: "2030-01-08", appointment_time: "10:00 AM" },
  });
  const b = booked.json<{ appointment: { id: number }; payment: { checkout_url: string } }>();
  await t.app.inject({ method: "POST", url: `${new URL(b.payment.checkout_url).pathname}/succeed` });
  await t.app.inject({
    method: "POST",
    url: "/api/accept/appointment/request/",
    headers: dr.headers,
    payload: { request_id: b.appointment.id },
  });
  t.clock.set(new Date("2030-01-08T05:00:00Z"));
  const done = await t.app.inject({
    method: "POST",
    url: `/api/appointments/${b.appointment.id}/complete`,
    headers: dr.headers,
    payload: {},
  });
  expect(done.statusCode, done.body).toBe(200);
  t.clock.advance(8 * DAY_MS);
  return dr;
}

const withdraw = (dr: Session, body: Record<string, unknown>) =>
  t.app.inject({ method: "POST", url: "/api/withdraw/earnings/", headers: dr.headers, payload: body });

describe("a withdrawal confirmed with the SMS PIN or the password", () => {
  it("refuses a PIN when none is set, a wrong password and wrong PINs (locking after five), and pays with the right one", async () => {
    const dr = await doctorWithEarnings();
    const noPin = await withdraw(dr, { amount: 100, pin: "1234" });
    expect(noPin.statusCode).toBe(409);
    expect(noPin.json().error.code).toBe("SMS_PIN_NOT_SET");
    const badPassword = await withdraw(dr, { amount: 100, password: "not the password" });
    expect(badPassword.statusCode).toBe(403);
    expect(badPassword.json().error.code).toBe("INVALID_PASSWORD");

    const set = await t.app.inject({
      method: "PUT",
      url: "/api/doctor/sms-pin",
      headers: dr.headers,
      payload: { pin: "2468", password: dr.password },
    });
    expect(set.statusCode, set.body).toBe(200);
    const wrong = await withdraw(dr, { amount: 100, pin: "1111" });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().error).toMatchObject({ code: "WRONG_PIN", details: { attempts_left: 4 } });
    const right = await withdraw(dr, { amount: 100, pin: "2468" });
    expect(right.statusCode, right.body).toBe(200);
    const byPassword = await withdraw(dr, { amount: 50, password: dr.password });
    expect(byPassword.statusCode, byPassword.body).toBe(200);

    for (let i = 0; i < 4; i++) expect((await withdraw(dr, { amount: 1, pin: "0000" })).statusCode).toBe(403);
    const locked = await withdraw(dr, { amount: 1, pin: "0000" });
    expect(locked.statusCode).toBe(429);
    expect(locked.json().error.code).toBe("PIN_LOCKED");
    // Even the right PIN waits for the lock; the refusals moved no money.
    expect((await withdraw(dr, { amount: 1, pin: "2468" })).statusCode).toBe(429);
    const rows = await t.database.db.select().from(withdrawals).where(eq(withdrawals.doctorId, dr.doctorId));
    expect(rows.map((r) => r.amountMinor).sort((a, b) => a - b)).toEqual([5_000, 10_000]);
  });
});

describe("GET /api/voice/capabilities", () => {
  it("tells doctors browser calling is not configured here, and is not for patients", async () => {
    const dr = await verifiedDoctor(t);
    const res = await t.app.inject({ method: "GET", url: "/api/voice/capabilities", headers: dr.headers });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ browser_calling: false });
    const patient = await signUp(t, "patient");
    const refused = await t.app.inject({
      method: "GET",
      url: "/api/voice/capabilities",
      headers: patient.headers,
    });
    expect(refused.statusCode).toBe(403);
  });
});
