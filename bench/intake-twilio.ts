/**
 * Twilio intake benchmark (npm run bench:intake-twilio): what a Twilio SMS webhook costs before any turn runs
 * — raw form body, X-Twilio-Signature check (HMAC-SHA1, constant-time compare), parse, Redis SET NX dedupe on
 * the MessageSid, BullMQ enqueue of the `chat.turn` job, empty TwiML answer. The app runs in a child process
 * without workers (turns are queued, not run), on real Postgres and Redis; autocannon sends unique, validly
 * signed requests (each a distinct MessageSid, signatures computed beforehand) over 50 connections.
 * Prints req/s, p50 and p99. Target (2-core machine): ≥ 1,000 req/s, p99 ≤ 100 ms.
 *
 * Env: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 50), TEST_DATABASE_URL, TEST_REDIS_URL.
 */
import { randomBytes } from "node:crypto";
import os from "node:os";
import autocannon from "autocannon";
import { Redis } from "ioredis";
import { buildApp } from "../api/app.js";
import { loadConfig } from "../config/index.js";
import { RedisCache } from "../db/cache.js";
import { createDatabase } from "../db/client.js";
import { LocalStorage } from "../db/storage/local.js";
import { TEST_REDIS_URL } from "../test/env.js";
import { createJobs } from "../workers/index.js";
import { computeSignature } from "../channels/twilio/signature.js";
import { fmt, prepareBenchDatabase, startProcess, stopProcess } from "./lib.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const PORT = Number(process.env.BENCH_PORT ?? 3000 + Math.floor(Math.random() * 1000) + 5000);
const BASE = `http://127.0.0.1:${PORT}`;
const ACCOUNT_SID = "AC" + "0123456789abcdef".repeat(2);
const AUTH_TOKEN = randomBytes(16).toString("hex");
const SMS_NUMBER = "+14155550100";

/** Child mode: the app (Twilio on, no workers) listening on PORT. */
async function serve(): Promise<void> {
  const config = loadConfig(process.env);
  if (config.database.kind !== "pg") throw new Error("DATABASE_URL is required");
  const database = await createDatabase(config.database);
  const redis = new Redis(config.redisUrl!);
  const prefix = process.env.BENCH_PREFIX!;
  const cache = new RedisCache(redis, `${prefix}:cache:`);
  const quiet = { warn: () => undefined, error: () => undefined };
  const jobs = createJobs(redis, quiet, `${prefix}:jobs`);
  const app = await buildApp({
    config,
    database,
    cache,
    storage: new LocalStorage(os.tmpdir()),
    jobs,
    logger: false,
  });
  await app.listen({ port: config.port, host: config.host });
  const stop = async () => {
    await app.close();
    await jobs.close();
    await cache.close();
    await database.close();
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop());
}

/** Signed form bodies, each with its own MessageSid, as Twilio would send them. */
function signedRequests(count: number, publicBaseUrl: string): { body: string; signature: string }[] {
  const out: { body: string; signature: string }[] = [];
  for (let i = 0; i < count; i++) {
    const params: Record<string, string> = {
      ToCountry: "US",
      SmsMessageSid: "SM" + randomBytes(16).toString("hex"),
      NumMedia: "0",
      Body: i % 3 === 0 ? "menu" : i % 3 === 1 ? "2" : "I need a dentist in Delhi tomorrow evening",
      To: SMS_NUMBER,
      NumSegments: "1",
      AccountSid: ACCOUNT_SID,
      From: `+9198${String(76500000 + (i % 5000)).padStart(8, "0")}`,
      ApiVersion: "2010-04-01",
    };
    params.MessageSid = params.SmsMessageSid!;
    params.SmsSid = params.SmsMessageSid!;
    out.push({
      body: new URLSearchParams(params).toString(),
      signature: computeSignature(AUTH_TOKEN, publicBaseUrl + "/webhooks/twilio/sms", Object.entries(params)),
    });
  }
  return out;
}

async function run(requests: { body: string; signature: string }[], from: number, seconds: number) {
  let i = from;
  const result = await autocannon({
    url: BASE,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        setupRequest: (req) => {
          const r = requests[i++ % requests.length]!;
          return {
            ...req,
            method: "POST",
            path: "/webhooks/twilio/sms",
            headers: {
              "content-type": "application/x-www-form-urlencoded",
              "x-twilio-signature": r.signature,
            },
            body: r.body,
          };
        },
      },
    ],
  });
  return { result, next: i };
}

async function main(): Promise<void> {
  console.log(
    `Twilio intake benchmark: ${os.cpus().length} cores, ${CONNECTIONS} connections, ${SECONDS} s\n`,
  );
  const url = await prepareBenchDatabase();
  const prefix = `bench-intake-${randomBytes(4).toString("hex")}`;
  const publicBaseUrl = "https://healthlink.bench";
  const t0 = performance.now();
  // Enough distinct messages for the run at 5,000 req/s, warm-up included: no MessageSid repeats.
  const requests = signedRequests((SECONDS + 3) * 5000, publicBaseUrl);
  console.log(`signed ${requests.length} requests in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const child = await startProcess(
    "bench/intake-twilio.ts",
    {
      INTAKE_SERVER: "1",
      BENCH_PREFIX: prefix,
      DATABASE_URL: url,
      DATABASE_POOL_SIZE: "10",
      REDIS_URL: TEST_REDIS_URL,
      JWT_SECRET: randomBytes(32).toString("hex"),
      STORAGE_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
      PORT: String(PORT),
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      NODE_ENV: "production",
      PUBLIC_BASE_URL: publicBaseUrl,
      TWILIO_ACCOUNT_SID: ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      TWILIO_PHONE_NUMBER: SMS_NUMBER,
      TWILIO_API_BASE_URL: "http://127.0.0.1:9", // never called: no workers run
    },
    BASE,
    "/api/system/health/check/",
  );
  const redis = new Redis(TEST_REDIS_URL);
  try {
    const warm = await run(requests, 0, 2);
    const { result } = await run(requests, warm.next, SECONDS);
    const forged = await autocannon({
      url: BASE,
      connections: CONNECTIONS,
      duration: 2,
      requests: [
        {
          method: "POST",
          path: "/webhooks/twilio/sms",
          headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": "AAAA" },
          body: requests[0]!.body,
        },
      ],
    });
    const queued = await redis.eval(`return #redis.call('keys', ARGV[1])`, 0, `${prefix}:jobs:chat.turn:*`);
    console.log(
      `\n${"scenario".padEnd(34)}${"req/s".padStart(9)}${"p50 ms".padStart(9)}${"p99 ms".padStart(9)}  non-2xx  errors`,
    );
    console.log(
      `${"signed, unique MessageSid".padEnd(34)}${fmt(result.requests.average, 0)}${fmt(result.latency.p50)}${fmt(result.latency.p99)}` +
        `  ${String(result.non2xx).padStart(7)}  ${result.errors + result.timeouts}`,
    );
    console.log(
      `${"forged signature (403)".padEnd(34)}${fmt(forged.requests.average, 0)}${fmt(forged.latency.p50)}${fmt(forged.latency.p99)}` +
        `  ${String(forged.non2xx).padStart(7)}  ${forged.errors + forged.timeouts}`,
    );
    console.log(`\nturn jobs queued (Redis keys): ${String(queued)}`);
    console.log("target: signed intake ≥ 1,000 req/s, p99 ≤ 100 ms");
  } finally {
    await stopProcess(child);
    // The queued turns and dedupe keys of this run only.
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== "0");
    await redis.quit();
  }
}

if (process.env.INTAKE_SERVER === "1") {
  serve().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
} else {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
