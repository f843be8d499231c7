/**
 * WhatsApp webhook intake benchmark (npm run bench:intake-whatsapp): POST /webhooks/whatsapp at 50
 * connections with distinct, correctly signed Meta webhook bodies (precomputed), measuring intake only —
 * raw body, X-Hub-Signature-256 check, parse, Redis dedupe (SET NX) and the `chat.turn` BullMQ enqueue,
 * then 200. The app runs in a child process without workers, so no turn runs during the measurement.
 * Prints req/s, p50 and p99. Target (2-core machine): ≥ 1,000 req/s with p99 ≤ 100 ms.
 *
 * Also prints the app process's CPU time per request (a figure that holds when other processes share the
 * cores) and, for scale, the health check on the same app.
 *
 * Env: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 50), TEST_DATABASE_URL, TEST_REDIS_URL,
 * INTAKE_AUTOPIPELINE=1 (ioredis auto-pipelining on the app's Redis connections, to compare).
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import os from "node:os";
import autocannon from "autocannon";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import pg from "pg";
import { buildApp } from "../api/app.js";
import { loadConfig } from "../config/index.js";
import { createRedis, RedisCache } from "../db/cache.js";
import { createDatabase } from "../db/client.js";
import { LocalStorage } from "../db/storage/local.js";
import { HUB_JOBS } from "../channels/hub.js";
import { createJobs } from "../workers/index.js";
import { MetaWebhooks } from "../test/fakes/graph.js";
import { databaseUrl, TEST_PG_URL, TEST_REDIS_URL } from "../test/env.js";
import { fmt, startProcess, stopProcess } from "./lib.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const PORT = 3951;
const APP_SECRET = "bench-app-secret-0123456789abcdef";
const PHONE_NUMBER_ID = "106540352242922";
const BODIES = 120_000;

function appEnv(databaseUrlValue: string, prefix: string): Record<string, string> {
  return {
    DATABASE_URL: databaseUrlValue,
    REDIS_URL: TEST_REDIS_URL,
    JWT_SECRET: randomBytes(32).toString("hex"),
    STORAGE_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
    PORT: String(PORT),
    HOST: "127.0.0.1",
    LOG_LEVEL: "warn",
    NODE_ENV: "production",
    DATA_DIR: os.tmpdir(),
    DATABASE_POOL_SIZE: "4",
    WHATSAPP_ACCESS_TOKEN: "bench-token",
    WHATSAPP_PHONE_NUMBER_ID: PHONE_NUMBER_ID,
    WHATSAPP_APP_SECRET: APP_SECRET,
    WHATSAPP_VERIFY_TOKEN: "bench-verify-token",
    WHATSAPP_GRAPH_API_BASE: "http://127.0.0.1:9/v21.0",
    INTAKE_PREFIX: prefix,
  };
}

/** The child: the whole app (routes, hub, Redis dedupe, BullMQ queues) listening, with no workers started. */
async function serve(): Promise<void> {
  const config = loadConfig(process.env);
  const prefix = process.env.INTAKE_PREFIX ?? "bench-wa";
  const database = await createDatabase(config.database);
  // The platform's Redis settings (createRedis, createJobs); INTAKE_AUTOPIPELINE=1 tries ioredis auto-pipelining.
  const redis =
    process.env.INTAKE_AUTOPIPELINE === "1"
      ? new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 2, enableAutoPipelining: true })
      : createRedis(TEST_REDIS_URL);
  const cache = new RedisCache(redis, `${prefix}:`);
  const quiet = { warn: () => undefined, error: (o: object, m: string) => console.error(m, o) };
  const jobs = createJobs(redis, quiet, `${prefix}-jobs`);
  const app = await buildApp({
    config,
    database,
    cache,
    jobs,
    storage: new LocalStorage(os.tmpdir()),
    logger: false,
  });
  await app.listen({ host: config.host, port: config.port });
  const stop = () => {
    void (async () => {
      await app.close();
      await jobs.close();
      await cache.close();
      await database.close();
      process.exit(0);
    })();
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

/** CPU time (user + system) a process has used so far, in ms (Linux /proc; NaN elsewhere). */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: TEST_PG_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== "0");
}

async function main(): Promise<void> {
  console.log(
    `WhatsApp webhook intake benchmark: ${os.cpus().length} cores, ${CONNECTIONS} connections, ${SECONDS} s\n`,
  );
  const name = `hl_bench_intake_${randomBytes(4).toString("hex")}`;
  const prefix = `bench-wa-${randomBytes(4).toString("hex")}`;
  await admin(`create database "${name}"`);
  const url = databaseUrl(name);
  const redis = new Redis(TEST_REDIS_URL);
  let child: Awaited<ReturnType<typeof startProcess>> | undefined;
  try {
    const database = await createDatabase({ kind: "pg", url, poolSize: 2 });
    await database.migrate();
    await database.close();

    // Distinct messages (distinct wamids, 5,000 senders), signed as Meta signs them, built before the run.
    const hooks = new MetaWebhooks(APP_SECRET, PHONE_NUMBER_ID);
    const started = performance.now();
    const bodies = Array.from({ length: BODIES }, (_, i) => {
      const from = `9198${String(10_000_000 + (i % 5000)).padStart(8, "0")}`;
      const { payload, headers } = hooks.signed(hooks.text(from, `hello ${i}`, `wamid.BENCH${prefix}${i}`));
      return { payload, signature: headers["x-hub-signature-256"]! };
    });
    console.log(`signed ${BODIES} bodies in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    child = await startProcess(
      "bench/intake-whatsapp.ts",
      { ...appEnv(url, prefix), INTAKE_ROLE: "server" },
      `http://127.0.0.1:${PORT}`,
      "/api/system/health/check/",
    );

    let next = 0;
    let wrapped = false;
    const run = (seconds: number) =>
      autocannon({
        url: `http://127.0.0.1:${PORT}`,
        connections: CONNECTIONS,
        duration: seconds,
        requests: [
          {
            method: "POST",
            path: "/webhooks/whatsapp",
            setupRequest: (req) => {
              if (next >= bodies.length) wrapped = true;
              const b = bodies[next++ % bodies.length]!;
              return {
                ...req,
                headers: { "content-type": "application/json", "x-hub-signature-256": b.signature },
                body: b.payload,
              };
            },
          },
        ],
      });

    await run(2); // warm-up: JIT, pools, connections
    const sentBefore = next;
    const cpuBefore = cpuMs(child.pid);
    const r = await run(SECONDS);
    const cpuPerRequest = (cpuMs(child.pid) - cpuBefore) / Math.max(1, r.requests.total);
    // For scale, on the same app and machine: the health check (one Postgres and one Redis round trip).
    await autocannon({
      url: `http://127.0.0.1:${PORT}/api/system/health/check/`,
      connections: CONNECTIONS,
      duration: 2,
    });
    const base = await autocannon({
      url: `http://127.0.0.1:${PORT}/api/system/health/check/`,
      connections: CONNECTIONS,
      duration: SECONDS,
    });
    const turns = new Queue(HUB_JOBS.turn, { connection: redis, prefix: `${prefix}-jobs` });
    const jobs = await turns.getWaitingCount();
    await turns.close();

    console.log(
      `\n${"scenario".padEnd(34)}${"req/s".padStart(9)}${"p50 ms".padStart(9)}${"p99 ms".padStart(9)}  non-2xx/errors`,
    );
    console.log(
      `${"signed webhook intake (1 message)".padEnd(34)}${fmt(r.requests.average, 0)}${fmt(r.latency.p50)}${fmt(
        r.latency.p99,
      )}  ${r.non2xx}/${r.errors + r.timeouts}`,
    );
    console.log(
      `${"baseline: GET health check".padEnd(34)}${fmt(base.requests.average, 0)}${fmt(base.latency.p50)}${fmt(
        base.latency.p99,
      )}  ${base.non2xx}/${base.errors + base.timeouts}`,
    );
    console.log(
      `\nrequests in the measured run: ${r.requests.total} (bodies used ${next - sentBefore}` +
        `${wrapped ? ", some repeated: duplicates are answered too, without a job" : ", all distinct"}); ` +
        `turn jobs waiting in the queue (warm-up included): ${jobs}`,
    );
    console.log(
      `app process CPU per intake request: ${cpuPerRequest.toFixed(2)} ms ` +
        `(≈ ${(1000 / cpuPerRequest).toFixed(0)} req/s per fully available core, Redis and the load generator aside)`,
    );
    console.log(
      `load average during the run: ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(", ")} (other processes on this machine share its cores)`,
    );
    console.log("target: ≥ 1,000 req/s and p99 ≤ 100 ms on 2 cores");
  } finally {
    if (child) await stopProcess(child);
    await deleteKeys(redis, `${prefix}*`);
    await redis.quit();
    await admin(`drop database if exists "${name}" with (force)`);
  }
}

if (process.env.INTAKE_ROLE === "server") {
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
