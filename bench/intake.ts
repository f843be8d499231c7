/**
 * The webhook intake harness shared by bench/intake-{telegram,twilio,whatsapp}.ts: the app in a child process
 * (bench/intake-server.ts: the platform's pieces, with or without the turn workers) on the bench database and
 * real Redis; autocannon at 50 connections sending distinct, validly signed requests built beforehand (so the
 * load generator, which shares the cores, does no signing during the run). Measures intake: signature check,
 * parse, the inbox INSERT (durable before the 2xx; the dedupe) and the `chat.drain` enqueue. The same run
 * measures a bare Fastify route doing only that INSERT and that BullMQ add (bench/intake-bare.ts), and prints
 * each scenario's ratio to it: req/s, p50, p99, app / bare.
 *
 * Env: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 50), TEST_DATABASE_URL, TEST_REDIS_URL.
 */
import { randomBytes } from "node:crypto";
import os from "node:os";
import autocannon from "autocannon";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { HUB_JOBS } from "../channels/hub.js";
import { TEST_REDIS_URL } from "../test/env.js";
import { fmt, prepareBenchDatabase, startProcess, stopProcess } from "./lib.js";

export const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
/** Enough distinct requests for a run at 8,000 req/s, warm-up included: no provider id repeats. */
export const REQUESTS = (SECONDS + 3) * 8000;

export interface IntakeRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface IntakeScenario {
  name: string;
  /** The channel's configuration for the app (tokens, secrets, fake provider URLs). */
  env: Record<string, string>;
  requests: IntakeRequest[];
  /** Run the turn and delivery workers in the app's process (as `npm start` does). Default: intake only. */
  workers?: boolean;
  /** The bare baseline (bench/intake-bare.ts) instead of the app. */
  bare?: boolean;
}

interface Row {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  failures: number;
  queued: number;
}

async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== "0");
}

function hammer(base: string, requests: IntakeRequest[], from: { i: number }, seconds: number) {
  return autocannon({
    url: base,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: "POST",
        setupRequest: (req) => {
          const r = requests[from.i++ % requests.length]!;
          return { ...req, method: "POST", path: r.path, headers: r.headers, body: r.body };
        },
      },
    ],
  });
}

async function measure(url: string, scenario: IntakeScenario, port: number): Promise<Row> {
  const prefix = `hl-bench-intake-${randomBytes(4).toString("hex")}`;
  const base = `http://127.0.0.1:${port}`;
  const child = await startProcess(
    scenario.bare ? "bench/intake-bare.ts" : "bench/intake-server.ts",
    {
      DATABASE_URL: url,
      DATABASE_POOL_SIZE: "20",
      REDIS_URL: TEST_REDIS_URL,
      JWT_SECRET: randomBytes(32).toString("hex"),
      STORAGE_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      NODE_ENV: "production",
      DATA_DIR: os.tmpdir(),
      // One load generator is one client address: the per-address webhook limit (counted in Redis, as in
      // production) stays on, set above what the run sends.
      RATE_LIMIT_WEBHOOKS_PER_MINUTE: "10000000",
      PUBLIC_BASE_URL: "https://healthlink.bench",
      BENCH_WORKERS: scenario.workers ? "1" : "0",
      BENCH_JOBS_PREFIX: prefix,
      ...scenario.env,
    },
    base,
    scenario.bare ? "/ready" : "/api/system/health/check/",
  );
  const redis = new Redis(TEST_REDIS_URL);
  try {
    const from = { i: 0 };
    await hammer(base, scenario.requests, from, 2); // warm-up: JIT, pools, connections
    const r = await hammer(base, scenario.requests, from, SECONDS);
    const turns = new Queue(HUB_JOBS.drain, { connection: redis, prefix });
    const queued = await turns.getWaitingCount();
    await turns.close();
    return {
      name: scenario.name,
      rps: r.requests.average,
      p50: r.latency.p50,
      p99: r.latency.p99,
      failures: r.non2xx + r.errors + r.timeouts,
      queued,
    };
  } finally {
    await stopProcess(child);
    await deleteKeys(redis, `${prefix}:*`);
    await redis.quit().catch(() => undefined);
  }
}

/** Runs the bare baseline and each scenario against a fresh process, and prints one table with the ratios. */
export async function runIntakeBench(title: string, scenarios: IntakeScenario[]): Promise<void> {
  console.log(`${title}: ${os.cpus().length} cores, ${CONNECTIONS} connections, ${SECONDS} s per run\n`);
  const url = await prepareBenchDatabase();
  const first = scenarios[0]!;
  const all: IntakeScenario[] = [
    { name: "bare Fastify: INSERT + BullMQ add", env: {}, requests: first.requests, bare: true },
    ...scenarios,
  ];
  const rows: Row[] = [];
  for (const [i, s] of all.entries()) rows.push(await measure(url, s, 3951 + i));
  const bare = rows[0]!;
  console.log(
    `${"scenario".padEnd(36)}${"req/s".padStart(9)}${"p50 ms".padStart(9)}${"p99 ms".padStart(9)}` +
      `${"failed".padStart(8)}${"waiting".padStart(9)}${"vs bare".padStart(9)}`,
  );
  for (const r of rows)
    console.log(
      `${r.name.padEnd(36)}${fmt(r.rps, 0)}${fmt(r.p50)}${fmt(r.p99)}${String(r.failures).padStart(8)}` +
        `${String(r.queued).padStart(9)}${fmt(r.rps / bare.rps, 2)}`,
    );
  console.log(
    `\nload average: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(", ")} (the cores are shared)`,
  );
  console.log(
    "target: intake only ≥ 0.6 of the bare figure, ≥ 1,000 req/s and p99 ≤ 100 ms at 50 connections on 2 cores",
  );
}

export function fail(err: unknown): never {
  console.error(err);
  process.exit(1);
}
