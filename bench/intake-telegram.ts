/**
 * Telegram webhook intake benchmark (npm run bench:intake-telegram): distinct updates (a unique update_id
 * each, 1,000 chats) with the secret header — secret check, parse, dedupe, enqueue — first with the app alone,
 * then as `npm start` deploys it, with the turn and delivery workers in the same process answering through a
 * fake Bot API. Harness and env: bench/intake.ts.
 */
import { randomBytes, randomInt } from "node:crypto";
import { startFakeTelegram } from "../test/fakes/telegram.js";
import { REQUESTS, fail, runIntakeBench, type IntakeRequest } from "./intake.js";

const SECRET = `bench_${randomBytes(16).toString("hex")}`;
const CHATS = 1000;

function updates(count: number): IntakeRequest[] {
  const first = randomInt(1, 1_000_000_000);
  return Array.from({ length: count }, (_, i) => {
    const id = first + i;
    const chat = 900_000_000 + (id % CHATS);
    return {
      path: "/webhooks/telegram",
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET },
      body: JSON.stringify({
        update_id: id,
        message: {
          message_id: id,
          date: Math.floor(Date.now() / 1000),
          from: { id: chat, is_bot: false, first_name: "Bench" },
          chat: { id: chat, type: "private", first_name: "Bench" },
          text: "hello",
        },
      }),
    };
  });
}

async function main(): Promise<void> {
  const telegram = await startFakeTelegram();
  const env = {
    TELEGRAM_BOT_TOKEN: "123456:bench-token",
    TELEGRAM_WEBHOOK_SECRET: SECRET,
    TELEGRAM_API_ROOT: telegram.url,
  };
  try {
    await runIntakeBench("Telegram webhook intake", [
      { name: "intake only (no workers)", env, requests: updates(REQUESTS) },
      { name: "intake + workers in-process", env, requests: updates(REQUESTS), workers: true },
    ]);
    console.log(`replies the workers sent to the fake Bot API: ${telegram.sent("sendMessage").length}`);
  } finally {
    await telegram.close();
  }
}

main().catch(fail);
