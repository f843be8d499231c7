import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { channelIdentities, notificationsOutbox, users } from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../app.js";
import { signUp } from "../factories.js";
import { messageSid, signedWebhook, startFakeTwilio, type FakeTwilio } from "../fakes/twilio.js";
import { settle } from "../settle.js";

/**
 * Identity over WhatsApp through Twilio (the same proof as the Cloud API's, proven-identity.int.test.ts): the
 * sender's number, from a signed /webhooks/twilio/whatsapp, verifies the person with no code sent; an
 * existing account with that phone (typed unformatted at registration) is linked, not duplicated.
 */

const SID = "AC0123456789abcdef0123456789abcdef";
const TOKEN = "twilio_test_auth_token_0123456789";
const SMS_NUMBER = "+14155550100";
const WA_NUMBER = "+14155550199";
const BASE = "http://healthlink.test";

let t: TestApp;
let fake: FakeTwilio;

beforeAll(async () => {
  fake = await startFakeTwilio(SID, TOKEN);
  t = await buildTestApp({
    env: {
      TWILIO_ACCOUNT_SID: SID,
      TWILIO_AUTH_TOKEN: TOKEN,
      TWILIO_PHONE_NUMBER: SMS_NUMBER,
      TWILIO_WHATSAPP_NUMBER: WA_NUMBER,
      TWILIO_API_BASE_URL: fake.url,
    },
  });
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

/** A signed WhatsApp message from `phone` through Twilio; what was sent back to that sender because of it. */
async function wa(phone: string, body: string): Promise<string> {
  const to = `whatsapp:${phone}`;
  const before = fake.to(to).length;
  const params = {
    MessageSid: messageSid(),
    AccountSid: SID,
    From: to,
    To: `whatsapp:${WA_NUMBER}`,
    Body: body,
    NumMedia: "0",
    ApiVersion: "2010-04-01",
  };
  const res = await t.app.inject({
    method: "POST",
    ...signedWebhook(TOKEN, BASE, "/webhooks/twilio/whatsapp", params),
  });
  expect(res.statusCode).toBe(200);
  await settle(t.jobs);
  return fake
    .to(to)
    .slice(before)
    .map((m) => m.body ?? "")
    .join("\n");
}

async function identity(channel: string, externalId: string) {
  const [row] = await t.database.db
    .select()
    .from(channelIdentities)
    .where(and(eq(channelIdentities.channel, channel), eq(channelIdentities.externalId, externalId)));
  return row;
}
const accountsWithPhone = (phone: string) => t.database.db.select().from(users).where(eq(users.phone, phone));
const codes = () =>
  t.database.db
    .select()
    .from(notificationsOutbox)
    .where(eq(notificationsOutbox.template, "chat.verification_code"));

describe("identity over WhatsApp through Twilio", () => {
  it("a newcomer is verified by the number they write from, with no code", async () => {
    const asha = "+919876522001";
    expect(await wa(asha, "hi")).toMatch(/agree/i);
    expect(await wa(asha, "I agree")).toMatch(/full name/);
    await wa(asha, "Asha Verma");
    expect(await wa(asha, "1992-04-15")).toMatch(/you're verified/);
    expect(await codes()).toHaveLength(0);
    expect(fake.to(asha)).toHaveLength(0); // no SMS either
    const [account] = await accountsWithPhone(asha);
    expect(account).toMatchObject({ role: "patient", name: "Asha Verma" });
    const linked = await identity("whatsapp", asha);
    expect(linked).toMatchObject({ userId: account!.id });
    expect(linked!.verifiedAt).not.toBeNull();
  });

  it("an existing account with the sender's number is linked right after consent, not duplicated", async () => {
    const account = await signUp(t, "patient", { name: "Omar Khan", phone: "98765 22002" });
    const omar = "+919876522002";
    await wa(omar, "hello");
    expect(await wa(omar, "I agree")).toMatch(/linked to your HealthLink account/);
    expect(await accountsWithPhone(omar)).toHaveLength(1);
    expect(await codes()).toHaveLength(0);
    const linked = await identity("whatsapp", omar);
    expect(linked).toMatchObject({ userId: account.userId });
    expect(linked!.verifiedAt).not.toBeNull();
  });
});
