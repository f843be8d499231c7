/**
 * Doctor SMS lookup benchmark (npx tsx bench/doctor-sms-lookup.ts): every inbound SMS asks "is this a
 * doctor's verified phone?". doctors.phone has no index, so the query scans 10,000 doctors; the service
 * caches the answer (both yes and no) in Redis for a minute. Prints the mean and p99 of the bare query and
 * of the cached lookup, and their ratio. No assertion: figures only.
 *
 * Env: BENCH_DATABASE, BENCH_LOOKUPS (default 500), TEST_DATABASE_URL, TEST_REDIS_URL.
 */
import { randomBytes } from "node:crypto";
import { createDatabase } from "../db/client.js";
import { createRedis, RedisCache } from "../infra/cache.js";
import type { ServiceContext } from "../domain/context.js";
import { DoctorSmsRepository } from "../domain/doctors/sms-repository.js";
import { DoctorSmsService } from "../domain/doctors/sms.js";
import { systemClock } from "../domain/shared/clock.js";
import { TEST_REDIS_URL } from "../test/env.js";
import { BENCH_DOCTORS, fmt, prepareBenchDatabase } from "./lib.js";

const LOOKUPS = Number(process.env.BENCH_LOOKUPS ?? 500);

function stats(ms: number[]): { mean: number; p99: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  return {
    mean: ms.reduce((s, x) => s + x, 0) / ms.length,
    p99: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0,
  };
}

async function time(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    out.push(performance.now() - t0);
  }
  return out;
}

async function main(): Promise<void> {
  const url = await prepareBenchDatabase();
  const database = await createDatabase({ kind: "pg", url, poolSize: 4 });
  const redis = createRedis(TEST_REDIS_URL);
  const cache = new RedisCache(redis, `bench-sms:${randomBytes(4).toString("hex")}:`);
  try {
    const repo = new DoctorSmsRepository(database.db);
    // The lookup reads only the database, the cache and the clock.
    const service = new DoctorSmsService({
      db: database.db,
      cache,
      clock: systemClock,
    } as unknown as ServiceContext);
    // Patients' numbers (the common case: not a doctor), a few hundred distinct senders.
    const phones = Array.from({ length: 200 }, (_, i) => `+9170000${String(i).padStart(5, "0")}`);
    const phone = (i: number) => phones[i % phones.length]!;

    await time(20, (i) => repo.verifiedByPhone(phone(i))); // warm-up
    const bare = stats(await time(LOOKUPS, (i) => repo.verifiedByPhone(phone(i))));
    await time(phones.length, (i) => service.doctorForPhone(phone(i))); // fills the cache
    const cached = stats(await time(LOOKUPS, (i) => service.doctorForPhone(phone(i))));

    console.log(`doctors: ${BENCH_DOCTORS}, lookups: ${LOOKUPS}`);
    console.log(`bare query (seq scan): mean ${fmt(bare.mean, 2)} ms, p99 ${fmt(bare.p99, 2)} ms`);
    console.log(`cached lookup:         mean ${fmt(cached.mean, 2)} ms, p99 ${fmt(cached.p99, 2)} ms`);
    console.log(`ratio bare / cached (mean): ${fmt(bare.mean / cached.mean, 1)}x`);
  } finally {
    await cache.close();
    await database.close();
  }
}

await main();
