/**
 * Telegram webhook intake benchmark (npm run bench:intake-telegram): autocannon at 50 connections POSTs
 * distinct updates (a unique update_id each, 1,000 different chats) with the secret header to the app in a
 * child process: secret check + parse + dedupe (Redis SET NX) + enqueue of the chat.turn job, answered 200.
 * Run twice: intake alone (no workers: the turns wait in Redis), then as deployed, with the turn and delivery
 * workers in the same process answering through a fake Bot API. Prints req/s, p50 and p99.
 * Target (2-core machine): ≥ 1,000 req/s, p99 ≤ 100 ms.
 *
 * Env: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 50), TEST_DATABASE_URL, TEST_REDIS_URL.
 */
import { randomBytes, randomInt } from "node:crypto";
import os from "node:os";
import autocannon from "autocannon";
import { Redis } from "ioredis";
import { TEST_REDIS_URL } from "../test/env.js";
import { startFakeTelegram } from "../test/fakes/telegram.js";
import { fmt, prepareBenchDatabase, startProcess, stopProcess, type Figures } from "./lib.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const SECRET = `bench_${randomBytes(16).toString("hex")}`;
const CHATS = 1000;

/** Distinct updates: a new update_id every request (a redelivery would be deduplicated, not measured). */
function updates(): () => string {
  let id = randomInt(1, 1_000_000_000);
  return () => {
    id += 1;
    const chat = 900_000_000 + (id % CHATS);
    return JSON.stringify({
      update_id: id,
      message: {
        message_id: id,
        date: Math.floor(Date.now() / 1000),
        from: { id: chat, is_bot: false, first_name: "Bench" },
        chat: { id: chat, type: "private", first_name: "Bench" },
        text: "hello",
      },
    });
  };
}

async function hammer(base: string, seconds: number): Promise<Figures & { turns: number }> {
  const next = updates();
  const result = await autocannon({
    url: base,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: "POST",
        path: "/webhooks/telegram",
        headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET },
        setupRequest: (req) => ({ ...req, body: next() }),
      },
    ],
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    turns: result.requests.total,
  };
}

/** Removes the bench run's queues and jobs from Redis (the dedupe keys expire by themselves). */
async function clean(redis: Redis, pattern: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== "0");
}

async function main(): Promise<void> {
  console.log(
    `Telegram webhook intake benchmark: ${os.cpus().length} cores, ${CONNECTIONS} connections, ${SECONDS} s per run\n`,
  );
  const url = await prepareBenchDatabase();
  const telegram = await startFakeTelegram();
  const redis = new Redis(TEST_REDIS_URL);
  const rows: { name: string; f: Figures & { turns: number }; delivered: number }[] = [];
  try {
    for (const [name, workers, port] of [
      ["intake only (no workers)", false, 3951],
      ["intake + workers in-process", true, 3952],
    ] as const) {
      const prefix = `hl-bench-intake-${randomBytes(4).toString("hex")}`;
      const base = `http://127.0.0.1:${port}`;
      const app = await startProcess(
        "bench/intake-server.ts",
        {
          DATABASE_URL: url,
          REDIS_URL: TEST_REDIS_URL,
          JWT_SECRET: randomBytes(32).toString("hex"),
          STORAGE_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
          PORT: String(port),
          HOST: "127.0.0.1",
          LOG_LEVEL: "warn",
          NODE_ENV: "production",
          DATA_DIR: os.tmpdir(),
          DATABASE_POOL_SIZE: "20",
          TELEGRAM_BOT_TOKEN: "123456:bench-token",
          TELEGRAM_WEBHOOK_SECRET: SECRET,
          TELEGRAM_API_ROOT: telegram.url,
          BENCH_WORKERS: workers ? "1" : "0",
          BENCH_JOBS_PREFIX: prefix,
        },
        base,
        "/api/system/health/check/",
      );
      try {
        await hammer(base, 2); // warm-up (JIT, pools)
        const sentBefore = telegram.sent("sendMessage").length;
        const f = await hammer(base, SECONDS);
        rows.push({ name, f, delivered: telegram.sent("sendMessage").length - sentBefore });
      } finally {
        await stopProcess(app);
        await clean(redis, `${prefix}:*`);
      }
    }
  } finally {
    await redis.quit().catch(() => undefined);
    await telegram.close();
  }

  console.log(
    `${"scenario".padEnd(30)}${"req/s".padStart(9)}${"p50 ms".padStart(9)}${"p99 ms".padStart(9)}` +
      `${"errors".padStart(8)}${"non2xx".padStart(8)}${"replies sent".padStart(14)}`,
  );
  for (const { name, f, delivered } of rows) {
    console.log(
      `${name.padEnd(30)}${fmt(f.rps, 0)}${fmt(f.p50)}${fmt(f.p99)}${String(f.errors).padStart(8)}` +
        `${String(f.non2xx).padStart(8)}${String(delivered).padStart(14)}`,
    );
  }
  console.log("\ntarget: ≥ 1,000 req/s, p99 ≤ 100 ms (intake: secret check, parse, dedupe, enqueue)");
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
