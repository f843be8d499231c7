import { expect } from "vitest";
import { eq } from "drizzle-orm";
import { channelIdentities, patients } from "../db/schema/index.js";
import type { TestApp } from "./app.js";
import { signUp, type Session } from "./factories.js";
import { messageSid, signedWebhook, type FakeTwilio } from "./fakes/twilio.js";
import { MESSAGE_QUEUES, settle } from "./settle.js";

/** A person texting over SMS through the fake Twilio: signed webhooks in, what Twilio was asked to send out. */

export const SMS_SID = "AC0123456789abcdef0123456789abcdef";
export const SMS_TOKEN = "twilio_test_auth_token_0123456789";
export const SMS_NUMBER = "+14155550100";
const BASE = "http://healthlink.test";

export function smsEnv(fake: FakeTwilio): Record<string, string> {
  return {
    TWILIO_ACCOUNT_SID: SMS_SID,
    TWILIO_AUTH_TOKEN: SMS_TOKEN,
    TWILIO_PHONE_NUMBER: SMS_NUMBER,
    TWILIO_API_BASE_URL: fake.url,
  };
}

/** Queues a notification passes through on its way to a channel. */
export const NOTIFY_QUEUES = ["notify.deliver", "notify.deliver_many", ...MESSAGE_QUEUES];

/** Sends `body` from `phone`; resolves with the SMS bodies sent back to that phone because of it. */
export async function sms(t: TestApp, fake: FakeTwilio, phone: string, body: string): Promise<string> {
  const before = fake.to(phone).length;
  const params = {
    MessageSid: messageSid(),
    AccountSid: SMS_SID,
    From: phone,
    To: SMS_NUMBER,
    Body: body,
    NumMedia: "0",
    ApiVersion: "2010-04-01",
  };
  const res = await t.app.inject({
    method: "POST",
    ...signedWebhook(SMS_TOKEN, BASE, "/webhooks/twilio/sms", params),
  });
  expect(res.statusCode).toBe(200);
  await settle(t.jobs);
  return fake
    .to(phone)
    .slice(before)
    .map((m) => m.body ?? "")
    .join("\n");
}

/** A patient whose phone is already a verified SMS identity (onboarding itself is sms.int.test.ts's). */
export async function patientOnSms(
  t: TestApp,
  phone: string,
  profile: { name: string; address?: string; timeZone?: string },
): Promise<Session & { patientId: number }> {
  const s = await signUp(t, "patient", { name: profile.name });
  await t.database.db
    .update(patients)
    .set({ address: profile.address ?? null, timeZone: profile.timeZone ?? "Asia/Kolkata", phone })
    .where(eq(patients.userId, s.userId));
  await t.database.db
    .insert(channelIdentities)
    .values({ channel: "sms", externalId: phone, userId: s.userId, verifiedAt: t.clock.now() });
  return { ...s, patientId: s.patientId! };
}

/** The checkout link in a message (a plain URL on its own line over SMS), as a path of our app. */
export function payPath(text: string): string {
  const link = /^(https?:\/\/\S+\/pay\/[A-Za-z0-9_-]+)$/m.exec(text)?.[1];
  expect(link).toBeDefined();
  return new URL(link!).pathname;
}
