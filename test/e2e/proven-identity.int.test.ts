import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { channelIdentities, notificationsOutbox, users } from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../app.js";
import { signUp } from "../factories.js";
import { MetaWebhooks, startFakeGraph, type FakeGraph } from "../fakes/graph.js";
import { startFakeTelegram, type FakeTelegram } from "../fakes/telegram.js";
import { settle } from "../settle.js";

/**
 * Identity the channel already proved: a Telegram contact shared by its own user and a WhatsApp sender are
 * verified with no code; an existing account with that phone is linked, not duplicated; a forwarded contact
 * proves nothing (refused; a typed number gets a code).
 */

const TG_SECRET = "test_webhook_secret_0123456789";
const APP_SECRET = "meta-app-secret-for-tests-0123";
const PHONE_NUMBER_ID = "106540352242922";
const hooks = new MetaWebhooks(APP_SECRET, PHONE_NUMBER_ID);

let t: TestApp;
let telegram: FakeTelegram;
let graph: FakeGraph;
let updateId = 70_000;

beforeAll(async () => {
  [telegram, graph] = await Promise.all([startFakeTelegram(), startFakeGraph()]);
  t = await buildTestApp({
    env: {
      TELEGRAM_BOT_TOKEN: "123456:test-token",
      TELEGRAM_WEBHOOK_SECRET: TG_SECRET,
      TELEGRAM_API_ROOT: telegram.url,
      WHATSAPP_ACCESS_TOKEN: "EAAtest-access-token",
      WHATSAPP_PHONE_NUMBER_ID: PHONE_NUMBER_ID,
      WHATSAPP_APP_SECRET: APP_SECRET,
      WHATSAPP_VERIFY_TOKEN: "verify-token-for-tests",
      WHATSAPP_GRAPH_API_BASE: graph.url,
    },
  });
});
afterAll(async () => {
  await t.close();
  await Promise.all([telegram.close(), graph.close()]);
});

// ---- Telegram --------------------------------------------------------------------------------------------

const tgUser = (id: number) => ({ id, is_bot: false, first_name: "Mei" });
const tgChat = (id: number) => ({ id, type: "private" });
function tgText(from: number, text: string) {
  return {
    update_id: ++updateId,
    message: { message_id: updateId, from: tgUser(from), chat: tgChat(from), text },
  };
}
function tgContact(from: number, phone: string, owner: number | undefined) {
  return {
    update_id: ++updateId,
    message: {
      message_id: updateId,
      from: tgUser(from),
      chat: tgChat(from),
      contact: {
        phone_number: phone,
        first_name: "Someone",
        ...(owner !== undefined ? { user_id: owner } : {}),
      },
    },
  };
}
async function tg(from: number, update: unknown): Promise<string> {
  const before = telegram.sent("sendMessage").length;
  const res = await t.app.inject({
    method: "POST",
    url: "/webhooks/telegram",
    headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": TG_SECRET },
    payload: JSON.stringify(update),
  });
  expect(res.statusCode).toBe(200);
  await settle(t.jobs);
  return telegram
    .sent("sendMessage")
    .slice(before)
    .filter((c) => Number(c.params.chat_id) === from)
    .map((c) => String(c.params.text))
    .join("\n");
}
async function tgUpToContact(from: number, name: string): Promise<void> {
  await tg(from, tgText(from, "/start"));
  await tg(from, tgText(from, "I agree"));
  await tg(from, tgText(from, name));
  expect(await tg(from, tgText(from, "1990-05-31"))).toMatch(/mobile number/);
}

// ---- WhatsApp (Cloud API) --------------------------------------------------------------------------------

async function wa(waId: string, json: unknown): Promise<string> {
  const before = graph.sentTo(waId).length;
  const { payload, headers } = hooks.signed(json);
  const res = await t.app.inject({ method: "POST", url: "/webhooks/whatsapp", headers, payload });
  expect(res.statusCode).toBe(200);
  await settle(t.jobs);
  return graph
    .sentTo(waId)
    .slice(before)
    .map((c) => JSON.stringify(c.body))
    .join("\n");
}

// ---- the database ----------------------------------------------------------------------------------------

async function identity(channel: string, externalId: string) {
  const [row] = await t.database.db
    .select()
    .from(channelIdentities)
    .where(and(eq(channelIdentities.channel, channel), eq(channelIdentities.externalId, externalId)));
  return row;
}
const accountsWithPhone = (phone: string) => t.database.db.select().from(users).where(eq(users.phone, phone));
const codesTo = (address: string) =>
  t.database.db
    .select()
    .from(notificationsOutbox)
    .where(
      and(
        eq(notificationsOutbox.template, "chat.verification_code"),
        eq(notificationsOutbox.toAddress, address),
      ),
    );
async function codesForUser(userId: number) {
  return t.database.db
    .select()
    .from(notificationsOutbox)
    .where(
      and(eq(notificationsOutbox.template, "chat.verification_code"), eq(notificationsOutbox.userId, userId)),
    );
}

describe("identity the channel already proved", () => {
  it("Telegram: a newcomer's own contact verifies them with no code and makes their account with that phone", async () => {
    const lin = 81_001;
    await tgUpToContact(lin, "Lin Chen");
    const reply = await tg(lin, tgContact(lin, "919876511001", lin));
    expect(reply).toMatch(/you're verified/);
    expect(await codesTo("+919876511001")).toHaveLength(0);
    const [account] = await accountsWithPhone("+919876511001");
    expect(account).toMatchObject({ role: "patient", name: "Lin Chen" });
    expect(await identity("telegram", String(lin))).toMatchObject({ userId: account!.id });
    expect((await identity("telegram", String(lin)))!.verifiedAt).not.toBeNull();
  });

  it("Telegram: an existing account with that phone is linked, not duplicated", async () => {
    const account = await signUp(t, "patient", { name: "Mei Lin", phone: "98765 11002" });
    const mei = 81_002;
    await tgUpToContact(mei, "Mei Lin");
    expect(await tg(mei, tgContact(mei, "919876511002", mei))).toMatch(/linked to your HealthLink account/);
    expect(await accountsWithPhone("+919876511002")).toHaveLength(1);
    expect(await codesForUser(account.userId)).toHaveLength(0);
    const linked = await identity("telegram", String(mei));
    expect(linked).toMatchObject({ userId: account.userId });
    expect(linked!.verifiedAt).not.toBeNull();
  });

  it("Telegram: a forwarded contact (another user's id, or none) is refused; a typed number still needs a code", async () => {
    const ravi = 81_003;
    await tgUpToContact(ravi, "Ravi Rao");
    for (const owner of [99_999, undefined]) {
      const refused = await tg(ravi, tgContact(ravi, "919876511003", owner));
      expect(refused).toMatch(/not yours/);
      expect(refused).toMatch(/code/);
    }
    expect(await codesTo("+919876511003")).toHaveLength(0);
    expect(await accountsWithPhone("+919876511003")).toHaveLength(0);
    const still = await identity("telegram", String(ravi));
    expect(still!.userId).toBeNull();
    expect(still!.verifiedAt).toBeNull();
    // Typing a number is the code path, as on SMS and the web chat.
    expect(await tg(ravi, tgText(ravi, "+91 98765 11004"))).toMatch(/6-digit code to \+919876511004/);
    expect(await codesTo("+919876511004")).toHaveLength(1);
    expect((await identity("telegram", String(ravi)))!.verifiedAt).toBeNull();
  });

  it("WhatsApp: a newcomer is verified by the number they write from, with no code", async () => {
    const asha = "919876511005";
    await wa(asha, hooks.text(asha, "hi"));
    expect(await wa(asha, hooks.button(asha, "agree", "I agree"))).toMatch(/full name/);
    await wa(asha, hooks.text(asha, "Asha Verma"));
    expect(await wa(asha, hooks.text(asha, "1992-04-15"))).toMatch(/you're verified/);
    expect(await codesTo("+919876511005")).toHaveLength(0);
    const [account] = await accountsWithPhone("+919876511005");
    expect(account).toMatchObject({ role: "patient", name: "Asha Verma" });
    const linked = await identity("whatsapp", "+919876511005");
    expect(linked).toMatchObject({ userId: account!.id });
    expect(linked!.verifiedAt).not.toBeNull();
  });

  it("WhatsApp: an existing account with the sender's number is linked right after consent, not duplicated", async () => {
    const account = await signUp(t, "patient", { name: "Omar Khan", phone: "+919876511006" });
    const omar = "919876511006";
    await wa(omar, hooks.text(omar, "hello"));
    expect(await wa(omar, hooks.button(omar, "agree", "I agree"))).toMatch(
      /linked to your HealthLink account/,
    );
    expect(await accountsWithPhone("+919876511006")).toHaveLength(1);
    expect(await codesForUser(account.userId)).toHaveLength(0);
    const linked = await identity("whatsapp", "+919876511006");
    expect(linked).toMatchObject({ userId: account.userId });
    expect(linked!.verifiedAt).not.toBeNull();
  });
});
