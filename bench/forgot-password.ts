/**
 * Forgot-password timing (npx tsx bench/forgot-password.ts): the request path for an email that has an
 * account and for one that does not, interleaved, on real Postgres and Redis; prints both medians and their
 * ratio (close to 1: the answer's timing does not tell whether an account exists), and, for comparison, the
 * old inline path (lookup, token and message on the request) for existing accounts.
 *
 * Env: BENCH_N (requests per path, default 100), TEST_DATABASE_URL, TEST_REDIS_URL.
 */
import { randomBytes } from "node:crypto";
import os from "node:os";
import { Redis } from "ioredis";
import pg from "pg";
import { loadConfig } from "../config/index.js";
import { RedisCache } from "../infra/cache.js";
import { createDatabase } from "../db/client.js";
import { LocalStorage } from "../infra/storage/local.js";
import { createServices } from "../domain/index.js";
import { systemClock } from "../domain/shared/clock.js";
import { databaseUrl, TEST_PG_URL, TEST_REDIS_URL } from "../test/env.js";
import { createJobs } from "../infra/jobs.js";
import { fmt } from "./lib.js";

const N = Number(process.env.BENCH_N ?? 100);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function main(): Promise<void> {
  const name = `hl_bench_forgot_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  const url = databaseUrl(name);
  const database = await createDatabase({ kind: "pg", url, poolSize: 4 });
  const redis = new Redis(TEST_REDIS_URL);
  const prefix = `bench-forgot-${randomBytes(4).toString("hex")}`;
  const jobs = createJobs(redis, { warn: () => undefined, error: () => undefined }, prefix);
  try {
    await database.migrate();
    const services = createServices({
      database,
      cache: new RedisCache(redis, `${prefix}:`),
      clock: systemClock,
      // Not started: the request path only enqueues, which is what is measured.
      jobs,
      config: loadConfig({
        DATABASE_URL: url,
        REDIS_URL: TEST_REDIS_URL,
        JWT_SECRET: randomBytes(32).toString("hex"),
        STORAGE_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
        LOG_LEVEL: "silent",
        DATA_DIR: os.tmpdir(),
      }),
      storage: new LocalStorage(os.tmpdir()),
    });
    const emails: string[] = [];
    for (let i = 0; i < N; i++) {
      const email = `bench.${i}.${randomBytes(4).toString("hex")}@example.test`;
      await services.auth.register({ role: "patient", name: "Bench", email, password: "bench-password-1" });
      emails.push(email);
    }
    const existing: number[] = [];
    const unknown: number[] = [];
    const inline: number[] = [];
    for (let i = 0; i < N; i++) {
      // A fresh address each time: below the caps, so every request does the full request-path work.
      const ip = (k: number) => `10.${k}.${Math.floor(i / 250)}.${i % 250}`;
      const known = () => timed(() => services.auth.forgotPassword(emails[i]!, ip(1)));
      const nobody = () => timed(() => services.auth.forgotPassword(`nobody.${i}@example.test`, ip(2)));
      // Alternate which goes first, so warm-up and ordering do not favour one path.
      if (i % 2 === 0) {
        existing.push(await known());
        unknown.push(await nobody());
      } else {
        unknown.push(await nobody());
        existing.push(await known());
      }
    }
    for (let i = 0; i < N; i++) {
      inline.push(
        await timed(() => services.auth.sendPasswordReset({ email: emails[i]!, requestId: `bench-${i}` })),
      );
    }
    const [e, u, o] = [median(existing), median(unknown), median(inline)];
    console.log(`forgot-password, ${N} requests per path (median ms)`);
    console.log(`  existing email (request path): ${fmt(e, 2)}`);
    console.log(`  unknown email  (request path): ${fmt(u, 2)}`);
    console.log(`  ratio existing / unknown:      ${fmt(e / u, 2)}`);
    console.log(`  old inline work for existing:  ${fmt(o, 2)} (${fmt(o / u, 1)}× the unknown path)`);
  } finally {
    await jobs.close();
    const keys = await redis.keys(`*${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    await database.close();
    await admin.query(`drop database if exists "${name}" with (force)`);
    await admin.end();
  }
}

await main();
