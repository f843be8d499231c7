import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  appointments,
  channelIdentities,
  notificationsOutbox,
  payments,
  refunds,
  users,
} from "../../db/schema/index.js";
import { enqueueNotification } from "../../domain/notifications/outbox.js";
import type { Actor } from "../../domain/shared/actor.js";
import { buildTestApp, type TestApp } from "../app.js";
import { verifiedDoctor } from "../factories.js";
import { startFakeTwilio, type FakeTwilio } from "../fakes/twilio.js";
import { payThroughSandbox } from "../orders.js";
import { NOTIFY_QUEUES, patientOnSms, sms, smsEnv } from "../sms.js";
import { settle } from "../settle.js";

/**
 * The booking's story is told (issue 11 §9): a hold released for non-payment is announced and its link says
 * so; the cancel prompt states the refund before the person confirms; a notification whose channel fails for
 * good goes to the person's next channel. Over SMS (and WhatsApp) through the fake Twilio.
 */

const WA_NUMBER = "+14155550199";
let t: TestApp;
let fake: FakeTwilio;
let doctorId: number;

beforeAll(async () => {
  fake = await startFakeTwilio("AC0123456789abcdef0123456789abcdef", "twilio_test_auth_token_0123456789");
  t = await buildTestApp({
    env: { ...smsEnv(fake), TWILIO_WHATSAPP_NUMBER: WA_NUMBER, NOTIFY_RELAY_INTERVAL_MS: "50" },
  });
  doctorId = (await verifiedDoctor(t, { name: "Dr Meera Shah", timeZone: "Asia/Kolkata" })).doctorId;
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

const actorOf = (p: { userId: number; patientId: number }): Actor => ({
  userId: p.userId,
  role: "patient",
  patientId: p.patientId,
  channel: "sms",
});

async function book(p: { userId: number; patientId: number }, time = "10:00 AM") {
  return t.services.scheduling.bookWithPayment(actorOf(p), {
    doctorId,
    appointmentDate: "2030-01-10",
    appointmentTime: time,
  });
}

const appointmentRow = async (id: number) =>
  (await t.database.db.select().from(appointments).where(eq(appointments.id, id)))[0]!;

/** Waits until `phone` (an SMS or whatsapp: address) has been sent a message matching `re`. */
async function received(address: string, re: RegExp): Promise<string> {
  const deadline = Date.now() + 8000;
  for (;;) {
    await t.relay.tick();
    await settle(t.jobs, NOTIFY_QUEUES);
    const hit = fake
      .to(address)
      .map((m) => m.body ?? "")
      .find((b) => re.test(b));
    if (hit) return hit;
    if (Date.now() > deadline) throw new Error(`nothing matching ${String(re)} sent to ${address}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("the booking's story", () => {
  it("announces a hold released for non-payment on the patient's channel, in their time, and the link says so", async () => {
    const phone = "+919876500301";
    const asha = await patientOnSms(t, phone, { name: "Asha Verma", timeZone: "Asia/Kolkata" });
    const { appointment, payment } = await book(asha);
    expect(await appointmentRow(appointment.id)).toMatchObject({ paymentStatus: "unpaid" });

    t.clock.advance(16 * 60_000);
    await t.services.payments.expirePayment(payment!.id);
    expect(await appointmentRow(appointment.id)).toMatchObject({ status: "cancelled" });
    const [note] = await t.database.db
      .select()
      .from(notificationsOutbox)
      .where(eq(notificationsOutbox.idempotencyKey, `appointment:${appointment.id}:payment_expired`));
    expect(note).toMatchObject({ userId: asha.userId, template: "appointment.payment_expired" });

    const text = await received(phone, /time to pay/);
    expect(text).toMatch(
      /The time to pay for your appointment with Dr Meera Shah on Thu 10 Jan, 10:00 AM ran out, so the slot was released and nothing was charged\./,
    );
    const page = await t.app.inject({ method: "GET", url: new URL(payment!.checkout_url).pathname });
    expect(page.body).toContain("The time to pay ran out, so the booking was released. Nothing was charged.");
    const [sent] = await t.database.db
      .select()
      .from(notificationsOutbox)
      .where(eq(notificationsOutbox.id, note!.id));
    expect(sent).toMatchObject({ status: "sent", deliveredChannel: "sms" });
  });

  it("states the refund in the cancel prompt before the person confirms: full, a late share, or nothing paid", async () => {
    const phone = "+919876500302";
    const ravi = await patientOnSms(t, phone, { name: "Ravi Kumar" });
    const paid = await book(ravi, "11:00 AM");
    await payThroughSandbox(t, paid.payment);

    await sms(t, fake, phone, "menu");
    const list = await sms(t, fake, phone, "2");
    expect(list).toMatch(/^1\. Dr Meera Shah/m);
    await sms(t, fake, phone, "1");
    // "2. Cancel" (the word CANCEL alone is SMS's opt-out keyword).
    const ask = await sms(t, fake, phone, "2");
    expect(ask).toMatch(
      /Cancel your appointment with Dr Meera Shah on Thu 10 Jan at 11:00 AM\. You get a full refund of ₹500\.00\./,
    );
    expect(await appointmentRow(paid.appointment.id)).not.toMatchObject({ status: "cancelled" });
    expect(await sms(t, fake, phone, "2")).toMatch(/nothing was changed/);

    // Within the full-refund window's end: the late share, said before confirming, then refunded.
    t.clock.set(new Date("2030-01-10T02:00:00Z"));
    await sms(t, fake, phone, `#${paid.appointment.id}`);
    const late = await sms(t, fake, phone, "2");
    expect(late).toMatch(/You get a refund of ₹\d+\.\d\d of the ₹500\.00 paid \(a late cancellation\)\./);
    const share = /refund of ₹(\d+)\.(\d\d)/.exec(late)!;
    await sms(t, fake, phone, "yes");
    expect(await appointmentRow(paid.appointment.id)).toMatchObject({ status: "cancelled" });
    const [refund] = await t.database.db
      .select()
      .from(refunds)
      .where(eq(refunds.paymentId, paid.payment!.id));
    expect(refund!.amountMinor).toBe(Number(share[1]) * 100 + Number(share[2]));

    // An unpaid booking: nothing to refund.
    t.clock.set(new Date("2030-01-07T00:00:00Z"));
    const unpaid = await book(ravi, "02:00 PM");
    await sms(t, fake, phone, `#${unpaid.appointment.id}`);
    expect(await sms(t, fake, phone, "2")).toMatch(/Nothing was paid, so there is nothing to refund\./);
    const [p] = await t.database.db.select().from(payments).where(eq(payments.id, unpaid.payment!.id));
    expect(p!.status).toBe("requires_payment");
  });

  it("sends a notification whose channel fails for good to the person's next linked channel", async () => {
    const phone = "+919876500303";
    const mei = await patientOnSms(t, phone, { name: "Mei Lin" });
    await t.database.db.update(users).set({ preferredChannel: "sms" }).where(eq(users.id, mei.userId));
    await t.database.db
      .insert(channelIdentities)
      // She wrote on WhatsApp lately (its 24-hour window is open).
      .values({
        channel: "whatsapp",
        externalId: phone,
        userId: mei.userId,
        verifiedAt: t.clock.now(),
        lastInboundAt: t.clock.now(),
      });

    fake.fail("unsubscribed", 1, phone);
    await enqueueNotification(t.database.db, {
      userId: mei.userId,
      template: "lab.results_ready",
      data: { test_name: "Complete Blood Count" },
      idempotencyKey: "story:fallback:1",
    });
    const text = await received(`whatsapp:${phone}`, /lab results are ready/);
    expect(text).toMatch(/Complete Blood Count/);
    expect(fake.attempts.filter((a) => a.to === phone).map((a) => a.status)).not.toContain(201);
    const [row] = await t.database.db
      .select()
      .from(notificationsOutbox)
      .where(eq(notificationsOutbox.idempotencyKey, "story:fallback:1"));
    expect(row).toMatchObject({
      status: "sent",
      deliveredChannel: "whatsapp",
      lastError: "SMS:TWILIO_21610",
    });
  });
});
