import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { channelIdentities, conversations } from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../app.js";
import { signUp, verifiedDoctor } from "../factories.js";
import { FakeOpenAI } from "../fakes/openai.js";
import { startFakeTelegram, type FakeTelegram } from "../fakes/telegram.js";
import { settle } from "../settle.js";

/** The agent behind Telegram: its answers arrive on the chat, and when the model fails the menu does. */

const SECRET = "test_webhook_secret_0123456789";
let t: TestApp;
let telegram: FakeTelegram;
let llm: FakeOpenAI;
let updateId = 5000;

beforeAll(async () => {
  telegram = await startFakeTelegram();
  llm = await FakeOpenAI.start();
  t = await buildTestApp({
    env: {
      TELEGRAM_BOT_TOKEN: "123456:test-token",
      TELEGRAM_WEBHOOK_SECRET: SECRET,
      TELEGRAM_API_ROOT: telegram.url,
      OPENAI_API_KEY: "test",
      OPENAI_BASE_URL: llm.baseUrl,
      LLM_MODEL: "fake-model",
      LLM_TIMEOUT_MS: "300",
      LLM_MAX_RETRIES: "0",
    },
  });
  await verifiedDoctor(t, { name: "Dr Meera Shah", specialty: "Dentist", city: "Delhi" });
});
afterAll(async () => {
  await t.close();
  await telegram.close();
  await llm.close();
});

function textUpdate(from: number, text: string): Record<string, unknown> {
  return {
    update_id: ++updateId,
    message: {
      message_id: updateId,
      date: 1,
      from: { id: from, is_bot: false, first_name: "Asha" },
      chat: { id: from, type: "private", first_name: "Asha" },
      text,
    },
  };
}

interface Sent {
  text: string;
  buttons: string[];
}

/** Posts an update, waits for the turn and its delivery; what was sent to the chat because of it. */
async function turn(from: number, text: string): Promise<Sent[]> {
  const sent = () => telegram.sent("sendMessage").filter((c) => Number(c.params.chat_id) === from);
  const before = sent().length;
  const res = await t.app.inject({
    method: "POST",
    url: "/webhooks/telegram",
    headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET },
    payload: JSON.stringify(textUpdate(from, text)),
  });
  expect(res.statusCode).toBe(200);
  await settle(t.jobs);
  return sent()
    .slice(before)
    .map((c) => {
      const markup = (
        typeof c.params.reply_markup === "string" ? JSON.parse(c.params.reply_markup) : c.params.reply_markup
      ) as { inline_keyboard?: { callback_data?: string }[][] } | undefined;
      return {
        text: String(c.params.text),
        buttons: (markup?.inline_keyboard ?? []).flat().flatMap((b) => b.callback_data ?? []),
      };
    });
}

describe("the agent over Telegram", () => {
  it("answers with the model's text, and falls back to the menu (flagged) when the model fails mid-conversation", async () => {
    const asha = 8101;
    // Asha's Telegram is already linked to her account (the linking itself is telegram.int.test.ts's).
    const account = await signUp(t, "patient", { name: "Asha Verma" });
    await t.database.db.insert(channelIdentities).values({
      channel: "telegram",
      externalId: String(asha),
      userId: account.userId,
      verifiedAt: t.clock.now(),
    });

    llm.answer(
      { toolCalls: [{ name: "search_doctors", args: { query: "dentist", city: "Delhi" } }] },
      { text: "Dr Meera Shah is a dentist in Delhi." },
    );
    const first = await turn(asha, "I need a dentist in Delhi");
    expect(first.map((s) => s.text)).toEqual(["Dr Meera Shah is a dentist in Delhi."]);
    expect(llm.requests).toHaveLength(2);

    // The model breaks on the next message: the person still gets an answer, the menu.
    llm.reset();
    llm.answer({ status: 502 });
    const fallback = await turn(asha, "what times does she have on Friday?");
    expect(llm.requests.length).toBeGreaterThan(0);
    expect(fallback.at(-1)!.buttons).toEqual([
      "find",
      "appointments",
      "medicines",
      "labs",
      "results",
      // An LLM is configured: the records can be asked about.
      "ask_records",
      "human",
    ]);
    expect(fallback.map((s) => s.text).join("\n")).not.toMatch(/error|502/i);
    const [conv] = await t.database.db
      .select()
      .from(conversations)
      .where(and(eq(conversations.userId, account.userId)));
    expect(conv!.flagged).toBe(true);

    // The menu then works with the model still down (typing the number of a choice).
    const find = await turn(asha, "1");
    expect(find.map((s) => s.text).join("\n")).toMatch(/specialty/i);
  });
});
