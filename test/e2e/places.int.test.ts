import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { channelIdentities, conversationMessages } from "../../db/schema/index.js";
import { eq } from "drizzle-orm";
import { buildTestApp, type TestApp } from "../app.js";
import { signUp, verifiedDoctor } from "../factories.js";
import { MetaWebhooks, startFakeGraph, type FakeGraph, type GraphMessageCall } from "../fakes/graph.js";
import { startFakeTelegram, type FakeTelegram } from "../fakes/telegram.js";
import { settle } from "../settle.js";

/** A location shared on Telegram or WhatsApp (Cloud API) lists the doctors nearest to it, with distances. */

const TG_SECRET = "test_webhook_secret_places_0123";
const APP_SECRET = "meta-app-secret-for-places-0123";
const PHONE_NUMBER_ID = "106540352242999";

let t: TestApp;
let telegram: FakeTelegram;
let graph: FakeGraph;
const hooks = new MetaWebhooks(APP_SECRET, PHONE_NUMBER_ID);
const doctorIds: number[] = [];

beforeAll(async () => {
  [telegram, graph] = await Promise.all([startFakeTelegram(), startFakeGraph()]);
  t = await buildTestApp({
    env: {
      TELEGRAM_BOT_TOKEN: "123456:test-token",
      TELEGRAM_WEBHOOK_SECRET: TG_SECRET,
      TELEGRAM_API_ROOT: telegram.url,
      WHATSAPP_ACCESS_TOKEN: "EAAtest-places",
      WHATSAPP_PHONE_NUMBER_ID: PHONE_NUMBER_ID,
      WHATSAPP_APP_SECRET: APP_SECRET,
      WHATSAPP_VERIFY_TOKEN: "verify-places",
      WHATSAPP_GRAPH_API_BASE: graph.url,
    },
  });
  // Janakpuri, Vikas Puri, Connaught Place: from the west of Delhi to its centre.
  for (const [name, latitude, longitude] of [
    ["Dr Janak Puri", 28.6219, 77.0878],
    ["Dr Vikas Puri", 28.6406, 77.0707],
    ["Dr Central", 28.6315, 77.2167],
  ] as const)
    doctorIds.push(
      (await verifiedDoctor(t, { name, specialty: "Dentist", city: "Delhi", latitude, longitude })).doctorId,
    );
});
afterAll(async () => {
  await t?.close();
  await Promise.all([telegram?.close(), graph?.close()]);
});

/** A patient whose identity on this channel is already verified (linking is the identity tests' job). */
async function linkedPatient(channel: "telegram" | "whatsapp", externalId: string) {
  const account = await signUp(t, "patient");
  await t.database.db
    .insert(channelIdentities)
    .values({ channel, externalId, userId: account.userId, verifiedAt: t.clock.now() });
  return account;
}

describe("a shared location", () => {
  it("on Telegram (message.location) lists doctors nearest first, with the distance", async () => {
    const from = 9301;
    await linkedPatient("telegram", String(from));
    const res = await t.app.inject({
      method: "POST",
      url: "/webhooks/telegram",
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": TG_SECRET },
      payload: JSON.stringify({
        update_id: 5001,
        message: {
          message_id: 5001,
          date: 1,
          from: { id: from, is_bot: false, first_name: "Mei" },
          chat: { id: from, type: "private", first_name: "Mei" },
          location: { latitude: 28.6406, longitude: 77.0707 },
        },
      }),
    });
    expect(res.statusCode).toBe(200);
    await settle(t.jobs);
    const sent = telegram.sent("sendMessage").filter((c) => Number(c.params.chat_id) === from);
    const last = sent[sent.length - 1]!;
    expect(String(last.params.text)).toMatch(/near your location/);
    const markup = (
      typeof last.params.reply_markup === "string"
        ? JSON.parse(last.params.reply_markup)
        : last.params.reply_markup
    ) as { inline_keyboard: { text: string; callback_data: string }[][] };
    const buttons = markup.inline_keyboard.flat();
    // Within 10 km, nearest first: Connaught Place (about 15 km away) is not listed.
    expect(buttons.map((b) => b.callback_data)).toEqual([
      ...[doctorIds[1], doctorIds[0]].map((id) => `doc:${id}`),
      "menu",
    ]);
    expect(buttons[0]!.text).toMatch(/Dr Vikas Puri .*0\.0 km away/);
    expect(buttons[1]!.text).toMatch(/Dr Janak Puri .*2\.\d km away/);
    // The message is stored as the person sent it: a location, with its point.
    const [stored] = await t.database.db
      .select()
      .from(conversationMessages)
      .where(eq(conversationMessages.providerMessageId, "tg:5001"));
    expect(stored!.text).toBe("Shared a location");
  });

  it("on WhatsApp (a Cloud API location message) does the same", async () => {
    const waId = "919876500777";
    await linkedPatient("whatsapp", `+${waId}`);
    const before = graph.sentTo(waId).length;
    const { payload, headers } = hooks.signed(
      hooks.envelope({
        messages: [
          hooks.message(waId, "location", {
            location: { latitude: 28.6219, longitude: 77.0878, name: "Janakpuri District Centre" },
          }),
        ],
      }),
    );
    const res = await t.app.inject({ method: "POST", url: "/webhooks/whatsapp", headers, payload });
    expect(res.statusCode).toBe(200);
    await settle(t.jobs);
    const calls: GraphMessageCall[] = graph.sentTo(waId).slice(before);
    const body = calls[calls.length - 1]!.body as {
      interactive?: {
        body: { text: string };
        action: {
          buttons?: { reply: { id: string; title: string } }[];
          sections?: { rows: { id: string; title: string; description?: string }[] }[];
        };
      };
    };
    expect(body.interactive!.body.text).toMatch(/near Janakpuri District Centre/);
    const ids = [
      ...(body.interactive!.action.buttons ?? []).map((b) => b.reply.id),
      ...(body.interactive!.action.sections ?? []).flatMap((s) => s.rows.map((r) => r.id)),
    ];
    expect(ids).toEqual([...[doctorIds[0], doctorIds[1]].map((id) => `doc:${id}`), "menu"]);
    expect(body.interactive!.body.text).toMatch(/Dr Janak Puri .*0\.0 km away/);
  });
});
