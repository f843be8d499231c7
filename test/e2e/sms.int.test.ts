import { and, desc, eq } from "drizzle-orm";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { twilioWebhook } from "../../api/webhooks/twilio.js";
import { TwilioClient } from "../../channels/twilio/client.js";
import { HELP_REPLY, START_REPLY, STOP_REPLY } from "../../bot/middleware/optout.js";
import {
  appointments,
  channelIdentities,
  conversationMessages,
  documents,
  notificationsOutbox,
  payments,
} from "../../db/schema/index.js";
import { enqueueNotification } from "../../domain/notifications/outbox.js";
import { buildTestApp, testConfig, type TestApp } from "../app.js";
import { signUp, verifiedDoctor } from "../factories.js";
import {
  messageSid,
  signedWebhook,
  startFakeTwilio,
  type FakeTwilio,
  type TwilioMessage,
} from "../fakes/twilio.js";
import { startInternalService } from "../fakes/internal.js";
import { settle } from "../settle.js";

/** SMS and WhatsApp through Twilio, end to end: signed webhooks in, the fake REST API records what went out. */

const SID = "AC0123456789abcdef0123456789abcdef";
const TOKEN = "twilio_test_auth_token_0123456789";
const SMS_NUMBER = "+14155550100";
const WA_NUMBER = "+14155550199";
const REMINDER_CONTENT = "HX0123456789abcdef0123456789abcdef";
const BASE = "http://healthlink.test";
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64",
);

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
      TWILIO_WHATSAPP_TEMPLATES: JSON.stringify({
        "appointment.reminder": { contentSid: REMINDER_CONTENT, variables: ["doctor", "time"] },
      }),
    },
  });
  await verifiedDoctor(t, { name: "Dr Meera Shah", specialty: "Dentist", city: "Delhi" });
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

type Channel = "sms" | "whatsapp";
const twilioAddress = (channel: Channel, phone: string) => (channel === "sms" ? phone : `whatsapp:${phone}`);

function form(channel: Channel, phone: string, body: string, extra: Record<string, string> = {}) {
  return {
    MessageSid: messageSid(),
    AccountSid: SID,
    From: twilioAddress(channel, phone),
    To: twilioAddress(channel, channel === "sms" ? SMS_NUMBER : WA_NUMBER),
    Body: body,
    NumMedia: "0",
    ApiVersion: "2010-04-01",
    ...extra,
  };
}

function post(channel: Channel | "status", params: Record<string, string>, app = t.app) {
  return app.inject({ method: "POST", ...signedWebhook(TOKEN, BASE, `/webhooks/twilio/${channel}`, params) });
}

const bodies = (messages: TwilioMessage[]) => messages.map((m) => m.body ?? "");

/** Sends a message as the person; resolves with the Twilio messages sent back to them because of it. */
async function turn(
  phone: string,
  body: string,
  channel: Channel = "sms",
  extra: Record<string, string> = {},
): Promise<string[]> {
  const before = fake.to(twilioAddress(channel, phone)).length;
  const res = await post(channel, form(channel, phone, body, extra));
  expect(res.statusCode).toBe(200);
  expect(res.headers["content-type"]).toMatch(/^text\/xml/);
  expect(res.body).toContain("<Response/>");
  await settle(t.jobs);
  return bodies(fake.to(twilioAddress(channel, phone)).slice(before));
}

async function until(check: () => boolean | Promise<boolean>, ms = 8000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function identityOf(channel: Channel, phone: string) {
  const [row] = await t.database.db
    .select()
    .from(channelIdentities)
    .where(and(eq(channelIdentities.channel, channel), eq(channelIdentities.externalId, phone)));
  return row;
}

async function lastCode(phone: string): Promise<string> {
  const [row] = await t.database.db
    .select()
    .from(notificationsOutbox)
    .where(
      and(
        eq(notificationsOutbox.template, "chat.verification_code"),
        eq(notificationsOutbox.toAddress, phone),
      ),
    )
    .orderBy(desc(notificationsOutbox.id))
    .limit(1);
  return String((row!.data as { code: string }).code);
}

/** Walks a new person through consent, name, date of birth, number and code; returns their identity. */
async function onboard(phone: string, channel: Channel = "sms") {
  await turn(phone, "hi", channel);
  await turn(phone, "1", channel);
  await turn(phone, "Ravi Kumar", channel);
  await turn(phone, "1985-01-02", channel);
  await turn(phone, phone, channel);
  const verified = await turn(phone, await lastCode(phone), channel);
  expect(verified.join("\n")).toMatch(/verified/);
  return (await identityOf(channel, phone))!;
}

describe("SMS through Twilio", () => {
  it("Ravi onboards, books a dentist and pays, all with numbered replies; links come as plain URLs", async () => {
    const ravi = "+919876500010";
    const [consent] = await turn(ravi, "hi");
    expect(consent).toMatch(/terms of service and privacy/);
    expect(consent).toContain("1. I agree\n2. No, thanks\nReply 1 or 2.");
    expect(consent).toContain(`Terms and privacy:\n${BASE}/terms`);
    expect((await turn(ravi, "1")).join("\n")).toMatch(/full name/);
    expect((await turn(ravi, "Ravi Kumar")).join("\n")).toMatch(/date of birth/);
    expect((await turn(ravi, "02/01/1985")).join("\n")).toMatch(/mobile number/);
    expect((await turn(ravi, ravi)).join("\n")).toMatch(/6-digit code to \+919876500010/);
    const menu = (await turn(ravi, await lastCode(ravi))).join("\n");
    expect(menu).toMatch(/verified/);
    expect(menu).toContain(
      "1. Find a doctor\n2. My appointments\n3. Medicines\n4. Lab tests\n5. My results\n6. Talk to a human\nReply 1, 2, 3, 4, 5 or 6.",
    );

    expect((await turn(ravi, "1")).join("\n")).toMatch(/specialty/);
    expect((await turn(ravi, "dentist")).join("\n")).toMatch(/city/);
    const list = (await turn(ravi, "Delhi")).join("\n");
    expect(list).toMatch(/1\. Dr Meera Shah/);
    const days = (await turn(ravi, "1")).join("\n");
    expect(days).toMatch(/^1\. /m);
    const slots = (await turn(ravi, "1")).join("\n");
    expect(slots).toMatch(/^1\. /m);
    const summary = (await turn(ravi, "1")).join("\n");
    expect(summary).toMatch(/Book Dr Meera Shah/);
    expect(summary).toMatch(/1\. Confirm\n2\. Change/);
    const done = (await turn(ravi, "1")).join("\n");
    expect(done).toMatch(/Request sent to the doctor/);

    // The payment link is a plain URL on its own line; opening it shows the sandbox page, paying succeeds.
    const link = /^(https?:\/\/\S+\/pay\/[A-Za-z0-9_-]+)$/m.exec(done)?.[1];
    expect(link).toBeDefined();
    const path = new URL(link!).pathname;
    const page = await t.app.inject({ method: "GET", url: path });
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/TEST MODE/);
    const paid = await t.app.inject({
      method: "POST",
      url: `${path}/succeed`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: "",
    });
    expect(paid.statusCode).toBe(303);

    const identity = (await identityOf("sms", ravi))!;
    const [user] = await t.database.db
      .select({
        patientId: appointments.patientId,
        id: appointments.id,
        paymentStatus: appointments.paymentStatus,
      })
      .from(appointments)
      .innerJoin(payments, eq(payments.referenceId, appointments.id));
    expect(user).toMatchObject({ paymentStatus: "paid" });
    expect(identity.userId).not.toBeNull();

    // And by SMS, "My appointments" lists it.
    await turn(ravi, "menu");
    const mine = (await turn(ravi, "2")).join("\n");
    expect(mine).toMatch(/1\. Dr Meera Shah, .*\(pending\)/);

    // Every reply went out once, from the SMS number, asking for status callbacks, and was recorded.
    const sent = fake.to(ravi);
    expect(sent.every((m) => m.from === SMS_NUMBER)).toBe(true);
    expect(sent.every((m) => m.statusCallback === `${BASE}/webhooks/twilio/status`)).toBe(true);
    const out = await t.database.db
      .select()
      .from(conversationMessages)
      .where(
        and(
          eq(conversationMessages.conversationId, identity.conversationId!),
          eq(conversationMessages.direction, "out"),
        ),
      );
    expect(out.length).toBe(sent.length);
    expect(out.every((m) => m.deliveredAt !== null && m.providerMessageId?.startsWith("SM"))).toBe(true);
  });

  it("answers a message carrying NUL and other control bytes, on SMS and on WhatsApp, stored without them", async () => {
    for (const channel of ["sms", "whatsapp"] as const) {
      const kai = channel === "sms" ? "+919876500023" : "+919876500024";
      // (A lone surrogate cannot travel in a form body: its UTF-8 encoding is already U+FFFD.)
      const reply = await turn(kai, "h\u0000i\u0001 there\u007f", channel);
      expect(reply.join("\n"), channel).toMatch(/terms of service/);
      const identity = (await identityOf(channel, kai))!;
      const [inbound] = await t.database.db
        .select()
        .from(conversationMessages)
        .where(
          and(
            eq(conversationMessages.conversationId, identity.conversationId!),
            eq(conversationMessages.direction, "in"),
          ),
        );
      expect(inbound!.text).toBe("hi there");
    }
  });

  it("splits a long message into numbered parts within Twilio's 1,600 characters, at word boundaries", async () => {
    const lena = "+919876500011";
    await turn(lena, "hi");
    const identity = (await identityOf("sms", lena))!;
    const words = Array.from({ length: 500 }, (_, i) => `word${i}`);
    await t.app.hub.post(identity, [{ text: words.join(" ") }], { key: "long-1" });
    await settle(t.jobs);
    const parts = bodies(fake.to(lena)).slice(1);
    expect(parts).toHaveLength(3);
    parts.forEach((p, i) => {
      expect(p.length).toBeLessThanOrEqual(1600);
      expect(p.endsWith(` (${i + 1}/3)`)).toBe(true);
    });
    const rejoined = parts.map((p) => p.replace(/ \(\d\/3\)$/, "")).join(" ");
    expect(rejoined).toBe(words.join(" "));
  });

  it("STOP silences a number (only the confirmation goes out), START re-enables it, HELP answers", async () => {
    const omar = "+919876500012";
    await turn(omar, "hi");
    expect(await turn(omar, "Stop")).toEqual([STOP_REPLY]);
    expect((await identityOf("sms", omar))!.optedOutAt).not.toBeNull();

    // A notification and a reply are not sent while opted out; the notification is marked OPTED_OUT.
    const identity = (await identityOf("sms", omar))!;
    const [notified] = await t.app.hub.post(identity, [{ text: "Your reminder" }], { key: "stop-1" });
    await settle(t.jobs);
    expect(await turn(omar, "hi")).toEqual([]);
    expect(await turn(omar, "STOP")).toEqual([]);
    const [row] = await t.database.db
      .select()
      .from(conversationMessages)
      .where(eq(conversationMessages.id, notified!));
    expect(row).toMatchObject({ deliveredAt: null, sendError: "OPTED_OUT" });
    expect(bodies(fake.to(omar))).not.toContain("Your reminder");

    expect(await turn(omar, "help")).toEqual([HELP_REPLY]);
    expect(await turn(omar, "START")).toEqual([START_REPLY]);
    expect((await identityOf("sms", omar))!.optedOutAt).toBeNull();
    await t.app.hub.post(identity, [{ text: "Back again" }], { key: "stop-2" });
    await settle(t.jobs);
    expect(bodies(fake.to(omar)).at(-1)).toBe("Back again");

    // Twilio's other opt-out words on SMS, whole message only.
    for (const word of ["unsubscribe", "CANCEL", "quit.", "End", "stopall"]) {
      expect(await turn(omar, word)).toEqual([STOP_REPLY]);
      expect(await turn(omar, "unstop")).toEqual([START_REPLY]);
    }
    // Twilio's own opt-out handling may already block the number: the confirmation's 21610 is not retried.
    fake.fail("unsubscribed", 1, omar);
    const before = fake.attempts.filter((a) => a.to === omar).length;
    expect(await turn(omar, "stop")).toEqual([]);
    await new Promise((r) => setTimeout(r, 1300)); // past the first retry's backoff (1 s): none comes
    await settle(t.jobs);
    expect(fake.attempts.filter((a) => a.to === omar).length).toBe(before + 1);
    expect(await turn(omar, "start")).toEqual([START_REPLY]);

    const notStop = await turn(omar, "please stop the reminders");
    expect(notStop).not.toContain(STOP_REPLY);
    expect((await identityOf("sms", omar))!.optedOutAt).toBeNull();
  });

  it("refuses a forged, tampered or missing X-Twilio-Signature with 403: nothing stored or queued", async () => {
    const stranger = "+919876500013";
    const params = form("sms", stranger, "hello");
    const good = signedWebhook(TOKEN, BASE, "/webhooks/twilio/sms", params);
    const attempts = [
      { ...good, headers: { "content-type": good.headers["content-type"]! } },
      { ...good, headers: { ...good.headers, "x-twilio-signature": "" } },
      signedWebhook("another_token_0123456789abcdef", BASE, "/webhooks/twilio/sms", params),
      signedWebhook(TOKEN, "https://elsewhere.test", "/webhooks/twilio/sms", params),
      { ...good, payload: new URLSearchParams({ ...params, Body: "book now" }).toString() },
      { ...good, url: "/webhooks/twilio/sms?x=1" },
    ];
    for (const a of attempts) {
      const res = await t.app.inject({ method: "POST", ...a });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ error: { code: "FORBIDDEN" } });
    }
    const status = await t.app.inject({
      method: "POST",
      url: "/webhooks/twilio/status",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: "MessageSid=SM0123456789abcdef0123456789abcdef&MessageStatus=delivered",
    });
    expect(status.statusCode).toBe(403);
    await settle(t.jobs);
    expect(await identityOf("sms", stranger)).toBeUndefined();
    expect(fake.to(stranger)).toEqual([]);
  });

  it("answers the same MessageSid delivered five times at once exactly once", async () => {
    const ana = "+919876500014";
    const params = form("sms", ana, "hello");
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => post("sms", params)));
    expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200]);
    await settle(t.jobs);
    expect(fake.to(ana)).toHaveLength(1);
    expect(fake.to(ana)[0]!.body).toMatch(/terms of service/);
  });

  it("records delivery status callbacks on the message and on an outbox notification", async () => {
    const kim = "+919876500015";
    await turn(kim, "hi");
    const sent = fake.to(kim)[0]!;
    for (const status of ["sent", "delivered"]) {
      const res = await post("status", {
        MessageSid: sent.sid,
        MessageStatus: status,
        AccountSid: SID,
        From: SMS_NUMBER,
        To: kim,
        ApiVersion: "2010-04-01",
      });
      expect(res.statusCode).toBe(200);
    }
    const [row] = await t.database.db
      .select()
      .from(conversationMessages)
      .where(eq(conversationMessages.providerMessageId, sent.sid));
    expect(row).toMatchObject({ deliveryStatus: "delivered", channel: "sms" });
    expect(row!.deliveryStatusAt).not.toBeNull();

    // A notification the outbox sent by SMS (the dispatcher records the channel and the provider's id).
    const outboxSid = messageSid();
    await enqueueNotification(t.database.db, {
      toAddress: kim,
      template: "test.notice",
      data: {},
      idempotencyKey: `status-test:${outboxSid}`,
      channel: "sms",
    });
    await t.database.db
      .update(notificationsOutbox)
      .set({ deliveredChannel: "sms", providerMessageId: outboxSid })
      .where(eq(notificationsOutbox.idempotencyKey, `status-test:${outboxSid}`));
    const res = await post("status", { MessageSid: outboxSid, MessageStatus: "undelivered", To: kim });
    expect(res.statusCode).toBe(200);
    const [note] = await t.database.db
      .select()
      .from(notificationsOutbox)
      .where(eq(notificationsOutbox.providerMessageId, outboxSid));
    expect(note!.deliveryStatus).toBe("undelivered");
  });

  it("a late 'undelivered' callback with a permanent code (30006) sends the notification on the next channel; 30008 does not", async () => {
    const zoe = "+919876500031";
    const p = await signUp(t, "patient", { phone: zoe });
    const notify = async (key: string) => {
      await enqueueNotification(t.database.db, {
        userId: p.userId,
        template: "test.notice",
        data: {},
        idempotencyKey: key,
      });
      const [row] = await t.database.db
        .select()
        .from(notificationsOutbox)
        .where(eq(notificationsOutbox.idempotencyKey, key));
      const before = fake.to(zoe).length;
      await t.services.notifications.enqueueDelivery(row!.id);
      await until(() => fake.to(zoe).length === before + 1);
      await settle(t.jobs);
      const [sent] = await t.database.db
        .select()
        .from(notificationsOutbox)
        .where(eq(notificationsOutbox.id, row!.id));
      // By SMS (the person's phone, no other linked channel); Twilio's id is on the conversation message.
      expect(sent).toMatchObject({ status: "sent", deliveredChannel: "sms" });
      return { id: sent!.id, sid: fake.to(zoe).at(-1)!.sid };
    };
    const callback = (sid: string, code: string) =>
      post("status", {
        MessageSid: sid,
        MessageStatus: "undelivered",
        ErrorCode: code,
        From: SMS_NUMBER,
        To: zoe,
      });
    const webMessages = async () => {
      const [web] = await t.database.db
        .select()
        .from(channelIdentities)
        .where(and(eq(channelIdentities.channel, "web"), eq(channelIdentities.userId, p.userId)));
      if (!web?.conversationId) return [];
      return t.database.db
        .select()
        .from(conversationMessages)
        .where(
          and(
            eq(conversationMessages.conversationId, web.conversationId),
            eq(conversationMessages.direction, "out"),
          ),
        );
    };

    // 30008 (unknown error) is not final: the notification stays on SMS, nothing else is sent.
    const transient = await notify(`late-fail-transient:${zoe}`);
    expect((await callback(transient.sid, "30008")).statusCode).toBe(200);
    await settle(t.jobs);
    const [kept] = await t.database.db
      .select()
      .from(notificationsOutbox)
      .where(eq(notificationsOutbox.id, transient.id));
    expect(kept).toMatchObject({ status: "sent", deliveredChannel: "sms", lastError: null });
    const [smsMessage] = await t.database.db
      .select()
      .from(conversationMessages)
      .where(eq(conversationMessages.providerMessageId, transient.sid));
    expect(smsMessage).toMatchObject({ deliveryStatus: "undelivered", postKey: `notify:${transient.id}:0` });
    expect(await webMessages()).toEqual([]);

    // 30006 (landline or unreachable carrier) is: the notification goes on to the web chat, and the row says so.
    const row = await notify(`late-fail:${zoe}`);
    expect((await callback(row.sid, "30006")).statusCode).toBe(200);
    await settle(t.jobs);
    const [moved] = await t.database.db
      .select()
      .from(notificationsOutbox)
      .where(eq(notificationsOutbox.id, row.id));
    expect(moved).toMatchObject({ status: "sent", deliveredChannel: "web", lastError: "SMS:30006" });
    const web = await webMessages();
    expect(web).toHaveLength(1);
    expect(web[0]!.postKey).toMatch(new RegExp(`^notify:${row.id}:after-sms`));
    // A repeated callback moves nothing again.
    expect((await callback(row.sid, "30006")).statusCode).toBe(200);
    await settle(t.jobs);
    expect(await webMessages()).toHaveLength(1);
  });

  it("retries a send Twilio answered 500 and delivers it once; 21610 (unsubscribed at Twilio) is not retried", async () => {
    const lee = "+919876500016";
    fake.fail(500, 1, lee);
    await post("sms", form("sms", lee, "hi"));
    await until(() => fake.to(lee).length === 1);
    await settle(t.jobs);
    expect(fake.attempts.filter((a) => a.to === lee).map((a) => a.status)).toEqual([500, 201]);
    const identity = (await identityOf("sms", lee))!;
    const [out] = await t.database.db
      .select()
      .from(conversationMessages)
      .where(
        and(
          eq(conversationMessages.conversationId, identity.conversationId!),
          eq(conversationMessages.direction, "out"),
        ),
      );
    // Two attempts (the 500, then the send), one message.
    expect(out).toMatchObject({ sendError: null, sendAttempts: 2, providerMessageId: fake.to(lee)[0]!.sid });

    const may = "+919876500017";
    fake.fail("unsubscribed", 1, may);
    await turn(may, "hi");
    const mayIdentity = (await identityOf("sms", may))!;
    const [failed] = await t.database.db
      .select()
      .from(conversationMessages)
      .where(
        and(
          eq(conversationMessages.conversationId, mayIdentity.conversationId!),
          eq(conversationMessages.direction, "out"),
        ),
      );
    expect(failed).toMatchObject({ deliveredAt: null, sendError: "TWILIO_21610" });
    expect(fake.attempts.filter((a) => a.to === may)).toHaveLength(1);
  });

  it("adds an MMS image to a verified patient's records after Yes; an unverified sender is told to verify first", async () => {
    const ivy = "+919876500018";
    await onboard(ivy);
    const mediaUrl = fake.addMedia(PNG, "image/png");
    const offer = await turn(ivy, "my lab report", "sms", {
      NumMedia: "1",
      MediaUrl0: mediaUrl,
      MediaContentType0: "image/png",
    });
    expect(offer.join("\n")).toMatch(/Add this document to your records\?\n\n1\. Yes, add it\n2\. No/);
    expect(fake.mediaFetches).toHaveLength(0);
    expect((await turn(ivy, "1")).join("\n")).toMatch(/Added to your records/);
    expect(fake.mediaFetches).toHaveLength(1);
    const identity = (await identityOf("sms", ivy))!;
    const docs = await t.database.db.select().from(documents);
    const mine = docs.filter((d) => d.uploadedByUserId === identity.userId);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      contentType: "image/png",
      title: "my lab report",
      sizeBytes: PNG.length,
    });

    // "No" stores nothing.
    await turn(ivy, "", "sms", { NumMedia: "1", MediaUrl0: fake.addMedia(PNG, "image/png") });
    expect((await turn(ivy, "no")).join("\n")).toMatch(/didn't add/);
    expect(
      (await t.database.db.select().from(documents)).filter((d) => d.uploadedByUserId === identity.userId),
    ).toHaveLength(1);

    // Only PDF, PNG and JPEG are kept, whatever the declared type.
    await turn(ivy, "", "sms", {
      NumMedia: "1",
      MediaUrl0: fake.addMedia(Buffer.from("just some text"), "image/png"),
      MediaContentType0: "image/png",
    });
    expect((await turn(ivy, "yes")).join("\n")).toMatch(/Only PDF, PNG and JPEG/);
    expect(
      (await t.database.db.select().from(documents)).filter((d) => d.uploadedByUserId === identity.userId),
    ).toHaveLength(1);

    const stranger = "+919876500019";
    const reply = await turn(stranger, "", "sms", {
      NumMedia: "1",
      MediaUrl0: fake.addMedia(PNG, "image/png"),
      MediaContentType0: "image/png",
    });
    expect(reply.join("\n")).toMatch(/once you're verified/);
    expect(reply.join("\n")).toMatch(/terms of service/);
    // Mid-onboarding, a file's caption is not taken for an answer (here: a name).
    await turn(stranger, "1");
    const again = await turn(stranger, "my lab report", "sms", {
      NumMedia: "1",
      MediaUrl0: fake.addMedia(PNG, "image/png"),
      MediaContentType0: "image/png",
    });
    expect(again.join("\n")).toMatch(/once you're verified/);
    expect(again.join("\n")).toMatch(/full name/);
    expect((await turn(stranger, "Sara Khan")).join("\n")).toMatch(/date of birth/);
    expect(fake.mediaFetches).toHaveLength(2);
    expect(await t.database.db.select().from(documents)).toHaveLength(1);
  });

  it("stores nothing when an MMS media URL redirects to another local port, which is never fetched", async () => {
    const internal = await startInternalService();
    try {
      const kim = "+919876500022";
      await onboard(kim);
      const offer = await turn(kim, "my scan", "sms", {
        NumMedia: "1",
        MediaUrl0: fake.redirectMedia(`${internal.url}/latest/meta-data`),
        MediaContentType0: "image/png",
      });
      expect(offer.join("\n")).toMatch(/Add this document to your records\?/);
      expect((await turn(kim, "yes")).join("\n")).not.toMatch(/Added to your records/);
      expect(internal.hits).toEqual([]);
      const identity = (await identityOf("sms", kim))!;
      const docs = await t.database.db.select().from(documents);
      expect(docs.filter((d) => d.uploadedByUserId === identity.userId)).toEqual([]);
    } finally {
      await internal.close();
    }
  });
});

describe("WhatsApp through Twilio", () => {
  it("answers on the whatsapp: addresses; outside the 24-hour window a notification goes as its Content template", async () => {
    const asha = "+919876500020";
    const [consent] = await turn(asha, "hi", "whatsapp");
    expect(consent).toMatch(/terms of service/);
    const sent = fake.to(`whatsapp:${asha}`);
    expect(sent[0]).toMatchObject({ from: `whatsapp:${WA_NUMBER}` });
    const identity = (await identityOf("whatsapp", asha))!;
    expect(identity.lastInboundAt).not.toBeNull();

    // "cancel" is not an opt-out word on WhatsApp: it reaches the conversation.
    expect(await turn(asha, "cancel", "whatsapp")).not.toContain(STOP_REPLY);

    t.clock.advance(25 * 3600 * 1000);
    const notification = {
      template: "appointment.reminder",
      data: { doctor: "Dr Meera Shah", time: "10:00" },
    };
    await t.app.hub.post(identity, [{ text: "Reminder: Dr Meera Shah at 10:00" }], {
      key: "wa-reminder-1",
      notification,
    });
    await settle(t.jobs);
    const template = fake.to(`whatsapp:${asha}`).at(-1)!;
    expect(template).toMatchObject({ contentSid: REMINDER_CONTENT, body: undefined });
    expect(JSON.parse(template.contentVariables!)).toEqual({ 1: "Dr Meera Shah", 2: "10:00" });

    const count = fake.to(`whatsapp:${asha}`).length;
    const [unknown] = await t.app.hub.post(identity, [{ text: "Your results are ready" }], {
      key: "wa-results-1",
      notification: { template: "lab.results_ready", data: {} },
    });
    await settle(t.jobs);
    expect(fake.to(`whatsapp:${asha}`)).toHaveLength(count);
    const [row] = await t.database.db
      .select()
      .from(conversationMessages)
      .where(eq(conversationMessages.id, unknown!));
    expect(row).toMatchObject({ sendError: "WHATSAPP_WINDOW_CLOSED", deliveredAt: null });
  });
});

describe("TwilioClient", () => {
  const settings = () => ({
    accountSid: SID,
    authToken: TOKEN,
    phoneNumber: SMS_NUMBER,
    whatsappNumber: WA_NUMBER,
    apiBaseUrl: fake.url,
    whatsappTemplates: {},
  });

  it("downloads media with the account's credentials, only from the API's origin and within the size cap", async () => {
    const client = new TwilioClient("sms", settings(), BASE, 1024);
    const small = await client.fetchMedia(fake.addMedia(PNG, "image/png"));
    expect(small).toEqual({ bytes: PNG, mimeType: "image/png" });
    await expect(client.fetchMedia(fake.addMedia(Buffer.alloc(2048, 1), "image/jpeg"))).rejects.toMatchObject(
      {
        code: "MEDIA_TOO_LARGE",
        retryable: false,
      },
    );
    await expect(client.fetchMedia("http://169.254.169.254/latest/meta-data")).rejects.toMatchObject({
      code: "TWILIO_MEDIA_URL",
    });
    const wrongToken = new TwilioClient("sms", { ...settings(), authToken: "wrong" }, BASE, 1024);
    await expect(wrongToken.fetchMedia(fake.addMedia(PNG, "image/png"))).rejects.toMatchObject({
      code: "TWILIO_MEDIA_401",
      retryable: false,
    });
  });

  it("follows media redirects by hand: within the API's origin up to 3 hops; to another port, a private address, a foreign host or further, refused and never fetched", async () => {
    const client = new TwilioClient("sms", settings(), BASE, 1024);
    // Twilio's own hops (here all on the fake, the configured origin) are followed.
    let url = fake.addMedia(PNG, "image/png");
    for (let i = 0; i < 3; i++) url = fake.redirectMedia(url);
    expect(await client.fetchMedia(url)).toEqual({ bytes: PNG, mimeType: "image/png" });
    await expect(client.fetchMedia(fake.redirectMedia(url))).rejects.toMatchObject({
      code: "TWILIO_MEDIA_REDIRECTS",
      retryable: false,
    });

    const internal = await startInternalService();
    try {
      for (const target of [
        `${internal.url}/admin`,
        `http://169.254.169.254/latest/meta-data`,
        `https://127.0.0.1:${new URL(internal.url).port}/x`,
        `https://[::ffff:127.0.0.1]:${new URL(internal.url).port}/x`,
        `https://mms.twiliocdn.com.attacker.example/x`,
        `file:///etc/passwd`,
      ]) {
        await expect(client.fetchMedia(fake.redirectMedia(target)), target).rejects.toMatchObject({
          code: "TWILIO_MEDIA_URL",
          retryable: false,
        });
      }
      expect(internal.hits).toEqual([]);
    } finally {
      await internal.close();
    }
  });

  it("classifies Twilio's refusals: 429 and 5xx retryable, 21610 permanent; an unreachable API is retryable", async () => {
    const client = new TwilioClient("sms", settings(), BASE, 1024);
    const send = (c = client) => c.send("+919876500030", { text: "hi" }, { idempotencyKey: "k" });
    fake.fail(429, 1);
    await expect(send()).rejects.toMatchObject({ code: "TWILIO_20429", retryable: true });
    fake.fail(500, 1);
    await expect(send()).rejects.toMatchObject({ code: "TWILIO_20500", retryable: true });
    fake.fail("unsubscribed", 1);
    await expect(send()).rejects.toMatchObject({ code: "TWILIO_21610", retryable: false });
    const down = new TwilioClient("sms", { ...settings(), apiBaseUrl: "http://127.0.0.1:9" }, BASE, 1024);
    await expect(send(down)).rejects.toMatchObject({ code: "TWILIO_UNREACHABLE", retryable: true });
    const sent = await send();
    expect(sent.providerMessageIds).toEqual([fake.to("+919876500030").at(-1)!.sid]);
  });
});

describe("Twilio unconfigured", () => {
  it("has no webhook routes (404)", async () => {
    const off = Fastify({ logger: false });
    off.decorate("deps", { config: testConfig() } as unknown as FastifyInstance["deps"]);
    await off.register(twilioWebhook);
    try {
      for (const path of ["sms", "whatsapp", "status"]) {
        const res = await post(path as Channel, form("sms", "+919876500021", "hi"), off);
        expect(res.statusCode).toBe(404);
      }
    } finally {
      await off.close();
    }
  });
});
