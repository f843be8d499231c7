/**
 * Conversation-engine benchmark (npm run bench:turns): the engine's own cost per turn — lock, dedupe, triage,
 * identity, guided mode, domain calls, storage — with no model time (the guided brain). Patients walk the
 * whole booking dialog (menu → find → "dentist" → "Delhi" → doctor → day → slot → yes) against 10,000 seeded
 * doctors on real Postgres and Redis. Prints p50/p95/p99 per turn, one conversation at a time and 10 at once.
 * Target (2-core machine): turn overhead p95 ≤ 50 ms.
 */
import { randomBytes, randomUUID } from "node:crypto";
import os from "node:os";
import { Redis } from "ioredis";
import pg from "pg";
import { Engine } from "../bot/engine.js";
import type { InboundMessage } from "../bot/types.js";
import { loadConfig } from "../config/index.js";
import { RedisCache } from "../infra/cache.js";
import { createDatabase } from "../db/client.js";
import { LocalStorage } from "../infra/storage/local.js";
import { createServices } from "../domain/index.js";
import { systemClock } from "../domain/shared/clock.js";
import { createJobs } from "../infra/jobs.js";
import { TEST_REDIS_URL } from "../test/env.js";
import { prepareBenchDatabase } from "./lib.js";

const CONVERSATIONS = Number(process.env.BENCH_CONVERSATIONS ?? 40);
const DIALOG = ["menu", "1", "dentist", "Delhi", "1", "1", "1", "yes"];

/** SQL statements sent (each a round trip to Postgres): counted to show what a turn costs beyond timing. */
let statements = 0;
const proto = pg.Client.prototype as unknown as { query: (this: unknown, ...args: unknown[]) => unknown };
const query = proto.query;
proto.query = function (this: unknown, ...args: unknown[]) {
  statements++;
  return query.apply(this, args);
};

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function main(): Promise<void> {
  const url = await prepareBenchDatabase();
  const config = loadConfig({
    DATABASE_URL: url,
    REDIS_URL: TEST_REDIS_URL,
    JWT_SECRET: randomBytes(32).toString("hex"),
    STORAGE_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
    LOG_LEVEL: "silent",
    DATA_DIR: os.tmpdir(),
  });
  const database = await createDatabase({ kind: "pg", url, poolSize: 20 });
  const redis = new Redis(TEST_REDIS_URL);
  const cache = new RedisCache(redis, `bench:${randomBytes(4).toString("hex")}:`);
  const quiet = { warn: () => undefined, error: () => undefined };
  const jobs = createJobs(redis, quiet, `bench-jobs-${randomBytes(4).toString("hex")}`);
  const services = createServices({
    database,
    cache,
    clock: systemClock,
    jobs,
    config,
    storage: new LocalStorage(os.tmpdir()),
  });
  const engine = new Engine({ services, clock: systemClock, config });

  // Patients who are already signed in on the web chat (onboarding is a separate, one-off cost).
  const patients: number[] = [];
  for (let i = 0; i < CONVERSATIONS; i++) {
    const user = await services.auth.register({
      role: "patient",
      name: `Bench Patient ${i}`,
      email: `bench.${randomBytes(6).toString("hex")}@example.test`,
      password: "bench-password-1",
    });
    patients.push(user.id);
  }

  const turn = async (userId: number, text: string): Promise<number> => {
    const inbound: InboundMessage = {
      channel: "web",
      externalUserId: `user:${userId}`,
      text,
      providerMessageId: randomUUID(),
      receivedAt: new Date(),
    };
    const started = performance.now();
    await engine.handleTurn(inbound, { verifiedUserId: userId });
    return performance.now() - started;
  };
  const dialog = async (userId: number, times: number[]) => {
    for (const text of DIALOG) times.push(await turn(userId, text));
  };

  // Warm-up: JIT, pools, caches.
  await dialog(patients[0]!, []);

  const sequential: number[] = [];
  const half = Math.floor(CONVERSATIONS / 2);
  const t0 = performance.now();
  const s0 = statements;
  for (const p of patients.slice(1, half)) await dialog(p, sequential);
  const seqSeconds = (performance.now() - t0) / 1000;
  const perTurn = (statements - s0) / sequential.length;

  const concurrent: number[] = [];
  const rest = patients.slice(half);
  const t1 = performance.now();
  for (let i = 0; i < rest.length; i += 10) {
    await Promise.all(rest.slice(i, i + 10).map((p) => dialog(p, concurrent)));
  }
  const conSeconds = (performance.now() - t1) / 1000;

  const report = (name: string, times: number[], seconds: number) => {
    const s = [...times].sort((a, b) => a - b);
    console.log(
      `${name.padEnd(28)}${String(s.length).padStart(7)}${percentile(s, 50).toFixed(1).padStart(9)}` +
        `${percentile(s, 95).toFixed(1).padStart(9)}${percentile(s, 99).toFixed(1).padStart(9)}` +
        `${(s.length / seconds).toFixed(0).padStart(11)}`,
    );
  };
  console.log(`\nengine turns (guided brain, no model time), ${os.cpus().length} cores`);
  console.log(
    `${"scenario".padEnd(28)}${"turns".padStart(7)}${"p50 ms".padStart(9)}${"p95 ms".padStart(9)}${"p99 ms".padStart(9)}${"turns/s".padStart(11)}`,
  );
  report("one conversation at a time", sequential, seqSeconds);
  report("10 conversations at once", concurrent, conSeconds);
  console.log(`SQL statements per turn (average over the dialog): ${perTurn.toFixed(1)}`);
  console.log("\ntarget: turn overhead p95 ≤ 50 ms");

  await jobs.close();
  await redis.quit().catch(() => undefined);
  await database.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
