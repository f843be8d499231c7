import { and, asc, eq, like } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  appointmentEvents,
  appointments,
  auditLog,
  doctors,
  notificationsOutbox,
  withdrawals,
} from "../../db/schema/index.js";
import { buildTestApp, TEST_NOW, type TestApp } from "../../test/app.js";
import { signUp, verifiedDoctor, type DoctorSetup, type Session } from "../../test/factories.js";
import { settle } from "../../test/settle.js";
import { HELP_TEXT } from "./commands.js";

/**
 * Doctors run their day by SMS: commands from a verified doctor's phone go through the hub's interceptor
 * to the same domain services as the console. A recording adapter stands in for the SMS provider.
 */

let t: TestApp;
const sent: { address: string; text: string }[] = [];

beforeAll(async () => {
  t = await buildTestApp();
  t.app.hub.register({
    channel: "sms",
    send: (address, m, ctx) => {
      // Replies only: notifications (the phone's code, the patient's news) reach this number too.
      if (!ctx.notification) sent.push({ address, text: m.text });
      return Promise.resolve({ providerMessageIds: [] });
    },
  });
});
afterEach(() => {
  t.clock.set(TEST_NOW);
});
afterAll(async () => {
  await t.close();
});

// Factory doctors work every day 09:00–17:00 Asia/Kolkata (UTC+05:30) in 30-minute slots.
// Now is Monday 2030-01-07 00:00 UTC (05:30 in Kolkata).
const DAY = "2030-01-08";
const DAY_MS = 86_400_000;
type Headers = Record<string, string>;
type SmsDoctor = Session & { doctorId: number; phone: string };

let phones = 0;
let messages = 0;

async function post(headers: Headers, url: string, payload: Record<string, unknown> = {}) {
  return t.app.inject({ method: "POST", url, headers, payload });
}

/** The code sent to a phone (only its hash is kept; the outbox row is the SMS that carries it). */
async function lastCode(doctorId: number): Promise<string> {
  const rows = await t.database.db
    .select()
    .from(notificationsOutbox)
    .where(like(notificationsOutbox.idempotencyKey, `doctor-phone-code:${doctorId}:%`))
    .orderBy(asc(notificationsOutbox.id));
  return (rows.at(-1)!.data as { code: string }).code;
}

/** A verified doctor who proved a phone through the console API. */
async function smsDoctor(setup: DoctorSetup = {}): Promise<SmsDoctor> {
  const dr = await verifiedDoctor(t, { feeMinor: 0, ...setup });
  phones += 1;
  const phone = `+91980000${String(phones).padStart(4, "0")}`;
  const set = await post(dr.headers, "/api/doctor/phone", { phone });
  expect(set.statusCode, set.body).toBe(202);
  const ok = await post(dr.headers, "/api/doctor/phone/verify", { code: await lastCode(dr.doctorId) });
  expect(ok.statusCode, ok.body).toBe(200);
  return { ...dr, phone };
}

/** One SMS in, through the hub as the chat.turn job runs it; the replies sent back to that number. */
async function sms(phone: string, text: string, providerMessageId = `SM${++messages}`): Promise<string[]> {
  const before = sent.length;
  await t.app.hub.accept({
    channel: "sms",
    externalUserId: phone,
    text,
    providerMessageId,
    receivedAt: t.clock.now(),
  });
  await settle(t.jobs);
  return sent.slice(before).flatMap((s) => (s.address === phone ? [s.text] : []));
}

async function reply(phone: string, text: string, providerMessageId?: string): Promise<string> {
  const replies = await sms(phone, text, providerMessageId);
  expect(replies).toHaveLength(1);
  return replies[0]!;
}

async function book(patient: Session, doctorId: number, time: string, date = DAY) {
  const res = await post(patient.headers, "/api/book/appointment/", {
    doctor_id: doctorId,
    appointment_date: date,
    appointment_time: time,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{
    appointment: { id: number; status: string };
    payment: { checkout_url: string } | null;
  }>();
}

async function row(id: number) {
  const [r] = await t.database.db.select().from(appointments).where(eq(appointments.id, id));
  return r!;
}

async function outboxOf(id: number) {
  return t.database.db
    .select()
    .from(notificationsOutbox)
    .where(like(notificationsOutbox.idempotencyKey, `appointment:${id}:%`))
    .orderBy(asc(notificationsOutbox.id));
}

describe("doctors' SMS commands", () => {
  it("answers HELP, and anything it does not know, with the command list", async () => {
    const dr = await smsDoctor();
    expect(await reply(dr.phone, "help")).toBe(HELP_TEXT);
    expect(await reply(dr.phone, "hello there")).toBe(HELP_TEXT);
    expect(await reply(dr.phone, "ACCEPT soon")).toMatch(/^Usage: ACCEPT/);
  });

  it("lists pending requests, and ACCEPT writes the same event and patient notification as the console", async () => {
    const dr = await smsDoctor();
    const asha = await signUp(t, "patient", { name: "Asha Verma" });
    const ravi = await signUp(t, "patient", { name: "Ravi Kumar" });
    const bySms = await book(asha, dr.doctorId, "10:30 AM");
    const byConsole = await book(ravi, dr.doctorId, "11:00 AM");

    const list = await reply(dr.phone, "REQUESTS");
    expect(list).toContain(`#${bySms.appointment.id} Tue 8 Jan 10:30 AM Asha Verma`);
    expect(list).toContain(`#${byConsole.appointment.id} Tue 8 Jan 11:00 AM Ravi Kumar`);

    expect(await reply(dr.phone, `accept ${bySms.appointment.id}`)).toBe(
      `Accepted #${bySms.appointment.id}: Asha Verma, Tue 8 Jan 10:30 AM. The patient is told.`,
    );
    const res = await post(dr.headers, "/api/accept/appointment/request/", {
      request_id: byConsole.appointment.id,
    });
    expect(res.statusCode, res.body).toBe(200);

    expect(await row(bySms.appointment.id)).toMatchObject({ status: "confirmed" });
    const smsOut = (await outboxOf(bySms.appointment.id)).at(-1)!;
    const consoleOut = (await outboxOf(byConsole.appointment.id)).at(-1)!;
    expect(smsOut).toMatchObject({ userId: asha.userId, template: "appointment.accepted" });
    expect(consoleOut).toMatchObject({ userId: ravi.userId, template: "appointment.accepted" });
    expect(Object.keys(smsOut.data as object).sort()).toEqual(Object.keys(consoleOut.data as object).sort());
    expect(smsOut.data).toMatchObject({
      appointment_id: bySms.appointment.id,
      event: "accepted",
      status: "confirmed",
      appointment_time: "10:30 AM",
    });
    const [event] = await t.database.db
      .select()
      .from(appointmentEvents)
      .where(
        and(
          eq(appointmentEvents.appointmentId, bySms.appointment.id),
          eq(appointmentEvents.type, "accepted"),
        ),
      );
    expect(event).toMatchObject({ actorUserId: dr.userId, fromStatus: "pending", toStatus: "confirmed" });
    const audits = await t.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.resourceId, String(bySms.appointment.id)), eq(auditLog.action, "accepted")));
    expect(audits).toMatchObject([{ channel: "sms", actorUserId: dr.userId, outcome: "allowed" }]);

    // Again: the state machine refuses it, in one line, and writes nothing more.
    const outboxBefore = (await outboxOf(bySms.appointment.id)).length;
    expect(await reply(dr.phone, `ACCEPT ${bySms.appointment.id}`)).toBe(
      `#${bySms.appointment.id} is already confirmed: ACCEPT does not apply.`,
    );
    expect(await outboxOf(bySms.appointment.id)).toHaveLength(outboxBefore);
    expect(await reply(dr.phone, "REQUESTS")).toBe("No pending requests.");
  });

  it("REJECT keeps the reason and tells the patient", async () => {
    const dr = await smsDoctor();
    const patient = await signUp(t, "patient", { name: "Mei Lin" });
    const b = await book(patient, dr.doctorId, "12:00 PM");
    expect(await reply(dr.phone, `REJECT  #${b.appointment.id}   On leave that day`)).toBe(
      `Rejected #${b.appointment.id} (Mei Lin, Tue 8 Jan 12:00 PM). The patient is told.`,
    );
    expect(await row(b.appointment.id)).toMatchObject({
      status: "rejected",
      statusReason: "On leave that day",
    });
    expect((await outboxOf(b.appointment.id)).at(-1)).toMatchObject({
      userId: patient.userId,
      template: "appointment.rejected",
    });
  });

  it("PROPOSE offers another time, read in the doctor's zone (DD/MM and AM/PM accepted)", async () => {
    const dr = await smsDoctor();
    const patient = await signUp(t, "patient", { name: "Omar Ali" });
    const b = await book(patient, dr.doctorId, "10:00 AM");
    expect(await reply(dr.phone, `propose ${b.appointment.id} 9/1 4:30 pm`)).toBe(
      `Proposed Wed 9 Jan 4:30 PM for #${b.appointment.id} (Omar Ali). The patient is asked to confirm.`,
    );
    const r = await row(b.appointment.id);
    expect(r).toMatchObject({ status: "proposed" });
    expect(r.startsAt.toISOString()).toBe("2030-01-09T11:00:00.000Z");
    expect((await outboxOf(b.appointment.id)).at(-1)).toMatchObject({ template: "appointment.proposed" });
    // Outside the doctor's hours: refused in one line, nothing changes.
    expect(await reply(dr.phone, `PROPOSE ${b.appointment.id} 2030-01-09 20:00`)).toMatch(
      /^That time is not one of your free slots/,
    );
    expect((await row(b.appointment.id)).startsAt.toISOString()).toBe("2030-01-09T11:00:00.000Z");
  });

  it("CANCEL cancels a confirmed appointment with the reason", async () => {
    const dr = await smsDoctor({ autoAccept: true });
    const patient = await signUp(t, "patient", { name: "Lena Fischer" });
    const b = await book(patient, dr.doctorId, "3:00 PM");
    expect(b.appointment.status).toBe("confirmed");
    expect(await reply(dr.phone, `CANCEL ${b.appointment.id} Clinic closed`)).toBe(
      `Cancelled #${b.appointment.id} (Lena Fischer, Tue 8 Jan 3:00 PM). The patient is told.`,
    );
    expect(await row(b.appointment.id)).toMatchObject({ status: "cancelled", statusReason: "Clinic closed" });
    expect((await outboxOf(b.appointment.id)).at(-1)).toMatchObject({
      userId: patient.userId,
      template: "appointment.cancelled",
    });
  });

  it("TODAY lists the day in the doctor's zone (five at most) and NEXT the next confirmed one", async () => {
    const dr = await smsDoctor({ autoAccept: true });
    expect(await reply(dr.phone, "TODAY")).toBe("Today Mon 7 Jan: no more appointments.");
    const times = ["9:00 AM", "9:30 AM", "10:00 AM", "10:30 AM", "11:00 AM", "11:30 AM", "12:00 PM"];
    const patient = await signUp(t, "patient", { name: "Yusuf Khan" });
    const booked: number[] = [];
    for (const time of times) booked.push((await book(patient, dr.doctorId, time)).appointment.id);
    await book(patient, dr.doctorId, "9:00 AM", "2030-01-09");
    // Tuesday 05:30 in Kolkata (Monday 23:30 UTC is already Tuesday there).
    t.clock.set(new Date("2030-01-08T00:00:00Z"));
    const today = await reply(dr.phone, "today");
    expect(today.split("\n")).toEqual([
      "Today Tue 8 Jan, 7:",
      `#${booked[0]} 9:00 AM Yusuf Khan`,
      `#${booked[1]} 9:30 AM Yusuf Khan`,
      `#${booked[2]} 10:00 AM Yusuf Khan`,
      `#${booked[3]} 10:30 AM Yusuf Khan`,
      `#${booked[4]} 11:00 AM Yusuf Khan`,
      "+2 more",
    ]);
    expect(await reply(dr.phone, "NEXT")).toBe(`Next: #${booked[0]} Tue 8 Jan 9:00 AM, Yusuf Khan.`);
  });

  it("EARNINGS shows the balance; WITHDRAW with the PIN withdraws once, even if the same SMS comes twice", async () => {
    const dr = await smsDoctor({ feeMinor: 500_000 });
    const patient = await signUp(t, "patient");
    const b = await book(patient, dr.doctorId, "10:00 AM");
    const pay = await t.app.inject({
      method: "POST",
      url: `${new URL(b.payment!.checkout_url).pathname}/succeed`,
    });
    expect(pay.statusCode).toBe(303);
    expect(await reply(dr.phone, `ACCEPT ${b.appointment.id}`)).toMatch(/^Accepted/);
    t.clock.set(new Date("2030-01-08T05:00:00Z"));
    expect((await post(dr.headers, `/api/appointments/${b.appointment.id}/complete`)).statusCode).toBe(200);
    t.clock.advance(7 * DAY_MS + 1000);

    expect(await reply(dr.phone, "EARNINGS")).toBe(
      "Withdrawable: INR 4,500.00. Pending: INR 0.00. Withdrawn: INR 0.00. Total earned: INR 4,500.00. " +
        "To withdraw: WITHDRAW <amount> <PIN>.",
    );
    expect(await reply(dr.phone, "WITHDRAW 1000 4321")).toBe("Set an SMS PIN in the console first.");
    const pin = await t.app.inject({
      method: "PUT",
      url: "/api/doctor/sms-pin",
      headers: dr.headers,
      payload: { pin: "4321", password: dr.password },
    });
    expect(pin.statusCode, pin.body).toBe(200);

    const first = await reply(dr.phone, "withdraw 1,000 4321", "SM-withdraw-1");
    expect(first).toMatch(/^Withdrawal #\d+ of INR 1,000.00: (paid|in transit)\.$/);
    expect(first).not.toContain("4321");
    // The same SMS delivered again (same MessageSid) is one message: stored once, answered once.
    expect(await sms(dr.phone, "withdraw 1,000 4321", "SM-withdraw-1")).toEqual([]);
    const rows = await t.database.db.select().from(withdrawals).where(eq(withdrawals.doctorId, dr.doctorId));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ amountMinor: 100_000 });
    expect(await reply(dr.phone, "EARNINGS")).toMatch(
      /^Withdrawable: INR 3,500.00\. .*Withdrawn: INR 1,000.00\./,
    );

    expect(await reply(dr.phone, "WITHDRAW 5000 4321")).toBe("Balance too low. Withdrawable: INR 3,500.00.");
    expect(
      await t.database.db.select().from(withdrawals).where(eq(withdrawals.doctorId, dr.doctorId)),
    ).toHaveLength(1);
  });

  it("locks the PIN for an hour after five wrong ones; a new PIN from the console unlocks it", async () => {
    const dr = await smsDoctor();
    const setPin = (p: string) =>
      t.app.inject({
        method: "PUT",
        url: "/api/doctor/sms-pin",
        headers: dr.headers,
        payload: { pin: p, password: dr.password },
      });
    expect((await setPin("123456")).statusCode).toBe(200);
    const answers: string[] = [];
    for (let i = 0; i < 5; i++) answers.push(await reply(dr.phone, "WITHDRAW 10 111111"));
    expect(answers.slice(0, 4)).toEqual([
      "Wrong PIN. 4 tries left before it locks for an hour.",
      "Wrong PIN. 3 tries left before it locks for an hour.",
      "Wrong PIN. 2 tries left before it locks for an hour.",
      "Wrong PIN. 1 try left before it locks for an hour.",
    ]);
    expect(answers[4]).toMatch(/^PIN locked after too many wrong tries, until 6:30 AM\./);
    // Even the right PIN is refused while locked.
    expect(await reply(dr.phone, "WITHDRAW 10 123456")).toMatch(/^PIN locked/);
    const [d] = await t.database.db.select().from(doctors).where(eq(doctors.id, dr.doctorId));
    expect(d).toMatchObject({ smsPinFailures: 5 });
    expect(d!.smsPinLockedUntil?.toISOString()).toBe(new Date(TEST_NOW.getTime() + 3600_000).toISOString());
    const status = await t.app.inject({ method: "GET", url: "/api/doctor/phone", headers: dr.headers });
    expect(status.json()).toMatchObject({
      sms_pin_set: true,
      sms_pin_locked_until: d!.smsPinLockedUntil!.toISOString(),
    });

    expect((await setPin("654321")).statusCode).toBe(200);
    // No earnings: the PIN passed, the balance refuses.
    expect(await reply(dr.phone, "WITHDRAW 10 654321")).toBe("Balance too low. Withdrawable: INR 0.00.");
  });

  it("reads WITHDRAW amounts in the doctor's currency: three decimals for KWD, two for INR, before any PIN try", async () => {
    const kwd = await smsDoctor({ currency: "KWD" });
    const inr = await smsDoctor();
    for (const dr of [kwd, inr]) {
      const pin = await t.app.inject({
        method: "PUT",
        url: "/api/doctor/sms-pin",
        headers: dr.headers,
        payload: { pin: "2468", password: dr.password },
      });
      expect(pin.statusCode, pin.body).toBe(200);
    }
    // No earnings: the amount is read, the PIN passes, the balance refuses (in the currency's decimals).
    expect(await reply(kwd.phone, "WITHDRAW 10.125 2468")).toBe("Balance too low. Withdrawable: KWD 0.000.");
    expect(await reply(kwd.phone, "EARNINGS")).toMatch(/^Withdrawable: KWD 0\.000\. Pending: KWD 0\.000\./);
    // Too precise for rupees: refused before the PIN is tried, so no attempt is used up.
    expect(await reply(inr.phone, "WITHDRAW 10.125 1111")).toBe(
      "That is not an amount in INR (at most 2 decimals). Usage: WITHDRAW <amount> <PIN>.",
    );
    const [row] = await t.database.db.select().from(doctors).where(eq(doctors.id, inr.doctorId));
    expect(row).toMatchObject({ smsPinFailures: 0 });
  });

  it("does not touch another doctor's appointment: it says there is no such id", async () => {
    const dr = await smsDoctor();
    const other = await verifiedDoctor(t, { name: "Dr Other" });
    const patient = await signUp(t, "patient");
    const b = await book(patient, other.doctorId, "10:00 AM");
    for (const text of [
      `ACCEPT ${b.appointment.id}`,
      `REJECT ${b.appointment.id} no`,
      `CANCEL ${b.appointment.id}`,
    ])
      expect(await reply(dr.phone, text)).toBe(
        `No appointment #${b.appointment.id}. REQUESTS or TODAY shows your ids.`,
      );
    expect(await reply(dr.phone, `PROPOSE ${b.appointment.id} 2030-01-09 10:00`)).toMatch(
      /^No appointment #/,
    );
    expect(await row(b.appointment.id)).toMatchObject({ status: "pending" });
    expect(await outboxOf(b.appointment.id)).toHaveLength(1);
  });

  it("sends a phone the doctor has not verified yet to the patient assistant", async () => {
    const dr = await verifiedDoctor(t);
    const phone = "+919811122233";
    expect((await post(dr.headers, "/api/doctor/phone", { phone })).statusCode).toBe(202);
    const [answer] = await sms(phone, "TODAY");
    expect(answer).toMatch(/^Welcome to HealthLink/);
    expect(answer).toContain("terms of service");
  });

  it("takes commands by SMS only: the same number on WhatsApp reaches the assistant", async () => {
    const dr = await smsDoctor();
    const before = sent.length;
    const whatsapp: { text: string }[] = [];
    t.app.hub.register({
      channel: "whatsapp",
      send: (_address, m) => {
        whatsapp.push({ text: m.text });
        return Promise.resolve({ providerMessageIds: [] });
      },
    });
    await t.app.hub.accept({
      channel: "whatsapp",
      externalUserId: dr.phone,
      text: "TODAY",
      providerMessageId: `WA${++messages}`,
      receivedAt: t.clock.now(),
    });
    await settle(t.jobs);
    expect(sent.length).toBe(before);
    expect(whatsapp[0]?.text).toMatch(/^Welcome to HealthLink/);
  });

  it("stops taking commands from a phone changed in the profile until the new one is verified", async () => {
    const dr = await smsDoctor();
    expect(await reply(dr.phone, "HELP")).toBe(HELP_TEXT);
    const res = await t.app.inject({
      method: "PUT",
      url: "/api/doctor/profile/",
      headers: dr.headers,
      payload: { phone: "+919812345678" },
    });
    expect(res.statusCode, res.body).toBe(200);
    // The old number is now an unknown person: the assistant greets it.
    const [answer] = await sms(dr.phone, "HELP");
    expect(answer).not.toBe(HELP_TEXT);
    expect(await reply("+919812345678", "TODAY")).toMatch(/^Welcome to HealthLink/);
  });
});
