import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  appointments,
  channelIdentities,
  conversationMessages,
  notificationsOutbox,
} from "../../db/schema/index.js";
import { registerTelegramWebhook } from "../../channels/telegram/webhook-setup.js";
import { buildTestApp, type TestApp } from "../app.js";
import { settle } from "../settle.js";
import { signUp, verifiedDoctor } from "../factories.js";
import { startFakeTelegram, type FakeTelegram, type TelegramCall } from "../fakes/telegram.js";

/** The Telegram channel end to end: webhooks in, the fake Bot API records what was sent back. */

const SECRET = "test_webhook_secret_0123456789";
let t: TestApp;
let fake: FakeTelegram;
let updateId = 1000;

beforeAll(async () => {
  fake = await startFakeTelegram();
  t = await buildTestApp({
    env: {
      TELEGRAM_BOT_TOKEN: "123456:test-token",
      TELEGRAM_WEBHOOK_SECRET: SECRET,
      TELEGRAM_API_ROOT: fake.url,
    },
  });
  for (const name of ["Dr Meera Shah", "Dr Arjun Mehta"])
    await verifiedDoctor(t, { name, specialty: "Dentist", city: "Delhi" });
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

const chat = (id: number) => ({ id, type: "private", first_name: "Mei" });
const user = (id: number) => ({ id, is_bot: false, first_name: "Mei" });

function textUpdate(from: number, text: string): Record<string, unknown> {
  return {
    update_id: ++updateId,
    message: { message_id: updateId, date: 1, from: user(from), chat: chat(from), text },
  };
}
function callbackUpdate(from: number, data: string): Record<string, unknown> {
  return {
    update_id: ++updateId,
    callback_query: {
      id: `cb${updateId}`,
      from: user(from),
      chat_instance: "x",
      data,
      message: { message_id: 1, date: 1, chat: chat(from), text: "…" },
    },
  };
}
function contactUpdate(from: number, phone: string, owner: number): Record<string, unknown> {
  return {
    update_id: ++updateId,
    message: {
      message_id: updateId,
      date: 1,
      from: user(from),
      chat: chat(from),
      contact: { phone_number: phone, first_name: "Mei", user_id: owner },
    },
  };
}

/** secret null: no header at all. */
function post(update: unknown, secret: string | null = SECRET, app = t.app) {
  return app.inject({
    method: "POST",
    url: "/webhooks/telegram",
    headers: {
      "content-type": "application/json",
      ...(secret !== null ? { "x-telegram-bot-api-secret-token": secret } : {}),
    },
    payload: JSON.stringify(update),
  });
}

interface Sent {
  text: string;
  markup: {
    inline_keyboard?: { text: string; callback_data?: string; url?: string }[][];
    keyboard?: { text: string; request_contact?: boolean }[][];
  };
}
const toSent = (c: TelegramCall): Sent => ({
  text: String(c.params.text),
  markup: (typeof c.params.reply_markup === "string"
    ? JSON.parse(c.params.reply_markup)
    : (c.params.reply_markup ?? {})) as Sent["markup"],
});
const sentTo = (chatId: number): Sent[] =>
  fake
    .sent("sendMessage")
    .filter((c) => Number(c.params.chat_id) === chatId)
    .map(toSent);

/** Posts an update; resolves with what was sent to the chat because of it. */
async function turn(from: number, update: Record<string, unknown>): Promise<Sent[]> {
  const before = sentTo(from).length;
  const res = await post(update);
  expect(res.statusCode).toBe(200);
  await settle(t.jobs);
  return sentTo(from).slice(before);
}
/** Consent, name, birth date, own contact (Telegram vouches for it: no code): a verified patient on this chat. */
async function onboard(from: number, name: string, phone: string): Promise<void> {
  await turn(from, textUpdate(from, "/start"));
  await turn(from, callbackUpdate(from, "agree"));
  await turn(from, textUpdate(from, name));
  await turn(from, textUpdate(from, "1990-05-31"));
  const verified = await turn(from, contactUpdate(from, phone, from));
  expect(textOf(verified)).toMatch(/verified/);
}
const textOf = (sent: Sent[]) => sent.map((s) => s.text).join("\n");
const buttonsOf = (sent: Sent[]) => sent.flatMap((s) => (s.markup.inline_keyboard ?? []).flat());

describe("POST /webhooks/telegram", () => {
  it("Mei shares her own contact, is linked to her HealthLink account with no code, and books a dentist in Delhi", async () => {
    const mei = 7001;
    const account = await signUp(t, "patient", { name: "Mei Lin", phone: "+919876500001" });

    const consent = await turn(mei, textUpdate(mei, "/start"));
    expect(textOf(consent)).toMatch(/terms of service and privacy/);
    expect(buttonsOf(consent).map((b) => b.callback_data ?? b.url)).toEqual(
      expect.arrayContaining(["agree", "decline"]),
    );
    const answeredBefore = fake.sent("answerCallbackQuery").length;
    expect(textOf(await turn(mei, callbackUpdate(mei, "agree")))).toMatch(/full name/);
    expect(fake.sent("answerCallbackQuery").length).toBe(answeredBefore + 1);
    expect(textOf(await turn(mei, textUpdate(mei, "Mei Lin")))).toMatch(/date of birth/);
    const ask = await turn(mei, textUpdate(mei, "1990-05-31"));
    expect(ask.at(-1)!.markup.keyboard?.[0]?.[0]).toMatchObject({ request_contact: true });

    const codesBefore = await t.database.db
      .select()
      .from(notificationsOutbox)
      .where(eq(notificationsOutbox.template, "chat.verification_code"));
    // Her own contact (contact.user_id == from.id): Telegram vouches for the number, no code is sent.
    const verified = await turn(mei, contactUpdate(mei, "919876500001", mei));
    const codesAfter = await t.database.db
      .select()
      .from(notificationsOutbox)
      .where(eq(notificationsOutbox.template, "chat.verification_code"));
    expect(codesAfter).toHaveLength(codesBefore.length);
    expect(textOf(verified)).toMatch(/linked to your HealthLink account/);
    expect(textOf(verified)).toMatch(/verified/);
    expect(buttonsOf(verified).map((b) => b.callback_data)).toEqual([
      "find",
      "appointments",
      "medicines",
      "labs",
      "results",
      "human",
    ]);
    const [identity] = await t.database.db
      .select()
      .from(channelIdentities)
      .where(and(eq(channelIdentities.channel, "telegram"), eq(channelIdentities.externalId, String(mei))));
    expect(identity).toMatchObject({ userId: account.userId });
    expect(identity!.verifiedAt).not.toBeNull();

    await turn(mei, callbackUpdate(mei, "find"));
    expect(textOf(await turn(mei, textUpdate(mei, "dentist")))).toMatch(/city/);
    const list = await turn(mei, textUpdate(mei, "Delhi"));
    const doc = buttonsOf(list).find((b) => b.callback_data?.startsWith("doc:"))!;
    expect(doc).toBeDefined();
    const day = buttonsOf(await turn(mei, callbackUpdate(mei, doc.callback_data!)))[0]!;
    const slot = buttonsOf(await turn(mei, callbackUpdate(mei, day.callback_data!)))[0]!;
    const summary = await turn(mei, callbackUpdate(mei, slot.callback_data!));
    expect(buttonsOf(summary).map((b) => b.callback_data)).toEqual(["confirm", "change"]);
    const done = await turn(mei, callbackUpdate(mei, "confirm"));
    expect(textOf(done)).toMatch(/Request sent to the doctor/);
    // Any link the booking reply carries (a payment link) is sent as a URL button or a text line.
    const links = done.flatMap((s) => buttonsOf([s]).filter((b) => b.url));
    expect(links.every((b) => b.url!.startsWith("https://"))).toBe(true);

    const booked = await t.database.db
      .select()
      .from(appointments)
      .where(eq(appointments.patientId, account.patientId!));
    expect(booked).toHaveLength(1);
    expect(booked[0]!.doctorId).toBe(Number(doc.callback_data!.slice(4)));

    // Every reply was delivered and recorded as such.
    const out = await t.database.db
      .select()
      .from(conversationMessages)
      .where(and(eq(conversationMessages.channel, "telegram"), eq(conversationMessages.direction, "out")));
    expect(out.length).toBeGreaterThan(10);
    expect(out.every((m) => m.deliveredAt !== null && m.sendError === null)).toBe(true);
  });

  it("Ravi pays in the sandbox, then reschedules and cancels with the buttons", async () => {
    const ravi = 7101;
    const account = await signUp(t, "patient", { name: "Ravi Iyer", phone: "+919876500011" });
    await onboard(ravi, "Ravi Iyer", "919876500011");
    const appointmentOf = async () => {
      const rows = await t.database.db
        .select()
        .from(appointments)
        .where(eq(appointments.patientId, account.patientId!));
      expect(rows).toHaveLength(1);
      return rows[0]!;
    };

    // Book (as Mei did), and take the payment link from the reply.
    await turn(ravi, callbackUpdate(ravi, "find"));
    await turn(ravi, textUpdate(ravi, "dentist"));
    const doc = buttonsOf(await turn(ravi, textUpdate(ravi, "Delhi"))).find((b) =>
      b.callback_data?.startsWith("doc:"),
    )!;
    const day = buttonsOf(await turn(ravi, callbackUpdate(ravi, doc.callback_data!)))[0]!;
    const slot = buttonsOf(await turn(ravi, callbackUpdate(ravi, day.callback_data!)))[0]!;
    await turn(ravi, callbackUpdate(ravi, slot.callback_data!));
    const done = await turn(ravi, callbackUpdate(ravi, "confirm"));
    expect(textOf(done)).toMatch(/Request sent to the doctor/);
    const booked = await appointmentOf();
    expect(booked).toMatchObject({ status: "pending", paymentStatus: "unpaid" });
    const link = [textOf(done), ...buttonsOf(done).map((b) => b.url ?? "")].join("\n");
    const payPath = /https?:\/\/[^\s/]+(\/pay\/[A-Za-z0-9_-]+)/.exec(link)?.[1];
    expect(payPath).toBeDefined();

    // The sandbox checkout page, then its "Pay" button, as the person's browser would.
    const page = await t.app.inject({ method: "GET", url: payPath! });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`action="${payPath!}/succeed"`);
    const paid = await t.app.inject({ method: "POST", url: `${payPath!}/succeed` });
    expect(paid.statusCode).toBe(303);
    expect(await appointmentOf()).toMatchObject({ status: "pending", paymentStatus: "paid" });
    // The payment's notification is in the outbox (its delivery to a channel is the notifications worker's).
    const [paidNote] = await t.database.db
      .select()
      .from(notificationsOutbox)
      .where(eq(notificationsOutbox.idempotencyKey, `appointment:${booked.id}:paid`));
    expect(paidNote).toMatchObject({ template: "appointment.paid" });

    // My appointments → the appointment → Reschedule → another day → a slot → Confirm.
    const mine = await turn(ravi, callbackUpdate(ravi, "appointments"));
    expect(buttonsOf(mine).map((b) => b.callback_data)).toEqual([`appt:${booked.id}`, "menu"]);
    const actions = await turn(ravi, callbackUpdate(ravi, `appt:${booked.id}`));
    expect(buttonsOf(actions).map((b) => b.callback_data)).toEqual(["reschedule", "cancel", "menu"]);
    const days = buttonsOf(await turn(ravi, callbackUpdate(ravi, "reschedule")));
    const otherDay = days.find(
      (d) => d.callback_data !== day.callback_data && d.callback_data?.startsWith("day:"),
    )!;
    const newSlot = buttonsOf(await turn(ravi, callbackUpdate(ravi, otherDay.callback_data!)))[0]!;
    const moveSummary = await turn(ravi, callbackUpdate(ravi, newSlot.callback_data!));
    expect(buttonsOf(moveSummary).map((b) => b.callback_data)).toEqual(["confirm", "change"]);
    expect((await appointmentOf()).startsAt).toEqual(booked.startsAt);
    await turn(ravi, callbackUpdate(ravi, "confirm"));
    const moved = await appointmentOf();
    expect(moved.startsAt).not.toEqual(booked.startsAt);
    expect(moved.startsAt.getTime()).toBeGreaterThan(booked.startsAt.getTime());
    expect(moved).toMatchObject({ status: "pending", paymentStatus: "paid" });

    // My appointments → the appointment → Cancel → Confirm.
    await turn(ravi, callbackUpdate(ravi, "appointments"));
    await turn(ravi, callbackUpdate(ravi, `appt:${booked.id}`));
    const cancelSummary = await turn(ravi, callbackUpdate(ravi, "cancel"));
    expect(textOf(cancelSummary)).toMatch(/Cancel your appointment/);
    expect((await appointmentOf()).status).toBe("pending");
    await turn(ravi, callbackUpdate(ravi, "confirm"));
    expect((await appointmentOf()).status).toBe("cancelled");
    const none = await turn(ravi, callbackUpdate(ravi, "appointments"));
    expect(textOf(none)).toMatch(/no upcoming appointments/);
  });

  it("answers a message carrying NUL and other control bytes, stored without them", async () => {
    const kai = 7008;
    const reply = await turn(kai, textUpdate(kai, "h\u0000i\u0007 there\uD800\r\n"));
    expect(textOf(reply)).toMatch(/terms of service and privacy/);
    const [identity] = await t.database.db
      .select()
      .from(channelIdentities)
      .where(and(eq(channelIdentities.channel, "telegram"), eq(channelIdentities.externalId, String(kai))));
    const [inbound] = await t.database.db
      .select()
      .from(conversationMessages)
      .where(
        and(
          eq(conversationMessages.conversationId, identity!.conversationId!),
          eq(conversationMessages.direction, "in"),
        ),
      );
    expect(inbound!.text).toBe("hi there\n");
  });

  it("refuses a forged or missing secret with 403 and stores nothing", async () => {
    const stranger = 7002;
    for (const secret of [null, "wrong", SECRET.slice(0, -1) + "x", `${SECRET}x`, ""]) {
      const res = await post(textUpdate(stranger, "hello"), secret);
      expect(res.statusCode).toBe(403);
    }
    expect(
      await t.database.db
        .select()
        .from(channelIdentities)
        .where(
          and(eq(channelIdentities.channel, "telegram"), eq(channelIdentities.externalId, String(stranger))),
        ),
    ).toHaveLength(0);
    expect(sentTo(stranger)).toEqual([]);
  });

  it("answers the same update delivered five times at once exactly once", async () => {
    const ana = 7003;
    const update = textUpdate(ana, "hello");
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => post(update)));
    expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200]);
    await settle(t.jobs);
    expect(sentTo(ana)).toHaveLength(1);
    expect(sentTo(ana)[0]!.text).toMatch(/terms of service/);
  });

  it("refuses another person's contact: it is neither stored nor used", async () => {
    const ravi = 7004;
    await turn(ravi, textUpdate(ravi, "hi"));
    await turn(ravi, callbackUpdate(ravi, "agree"));
    await turn(ravi, textUpdate(ravi, "Ravi Kumar"));
    await turn(ravi, textUpdate(ravi, "1985-01-02"));
    const refused = await turn(ravi, contactUpdate(ravi, "919876500099", 9999));
    expect(textOf(refused)).toMatch(/your own contact/);
    const stored = await t.database.db
      .select()
      .from(conversationMessages)
      .where(and(eq(conversationMessages.channel, "telegram"), eq(conversationMessages.direction, "in")));
    expect(stored.some((m) => JSON.stringify(m.payload).includes("919876500099"))).toBe(false);
    const outbox = await t.database.db
      .select()
      .from(notificationsOutbox)
      .where(eq(notificationsOutbox.toAddress, "+919876500099"));
    expect(outbox).toHaveLength(0);
  });

  it("acknowledges an update it cannot handle (a sticker, an edited message, junk) with 200 and no reply", async () => {
    const kim = 7005;
    const sticker = {
      update_id: ++updateId,
      message: { message_id: 1, date: 1, from: user(kim), chat: chat(kim), sticker: { file_id: "x" } },
    };
    const edited = {
      update_id: ++updateId,
      edited_message: { message_id: 1, date: 1, from: user(kim), chat: chat(kim), text: "edit" },
    };
    for (const u of [sticker, edited, { nonsense: true }, "not json at all"]) {
      const res =
        typeof u === "string"
          ? await t.app.inject({
              method: "POST",
              url: "/webhooks/telegram",
              headers: { "content-type": "text/plain", "x-telegram-bot-api-secret-token": SECRET },
              payload: u,
            })
          : await post(u);
      expect(res.statusCode).toBe(200);
    }
    expect(sentTo(kim)).toEqual([]);
  });

  it("records a failed send on the message (send_error, no delivered_at)", async () => {
    const lee = 7006;
    fake.behaviour.blocked = true;
    try {
      expect((await post(textUpdate(lee, "hi"))).statusCode).toBe(200);
      await settle(t.jobs);
    } finally {
      fake.behaviour.blocked = false;
    }
    const [identity] = await t.database.db
      .select()
      .from(channelIdentities)
      .where(and(eq(channelIdentities.channel, "telegram"), eq(channelIdentities.externalId, String(lee))));
    const [out] = await t.database.db
      .select()
      .from(conversationMessages)
      .where(
        and(
          eq(conversationMessages.conversationId, identity!.conversationId!),
          eq(conversationMessages.direction, "out"),
        ),
      );
    expect(out).toMatchObject({ deliveredAt: null, sendError: "TELEGRAM_403", sendAttempts: 1 });
  });

  it("npm run telegram:set-webhook registers PUBLIC_BASE_URL/webhooks/telegram with the secret", async () => {
    const url = await registerTelegramWebhook(t.config);
    expect(url).toBe("http://healthlink.test/webhooks/telegram");
    const call = fake.sent("setWebhook").at(-1)!;
    expect(call.token).toBe("123456:test-token");
    expect(call.params).toMatchObject({ url, secret_token: SECRET });
  });
});

describe("Telegram unconfigured", () => {
  it("has no webhook route (404)", async () => {
    const off = await buildTestApp();
    try {
      const res = await post(textUpdate(7007, "hi"), SECRET, off.app);
      expect(res.statusCode).toBe(404);
    } finally {
      await off.close();
    }
  });
});
