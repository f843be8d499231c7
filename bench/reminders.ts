/**
 * Reminder dispatch benchmark (npm run bench:reminders): 10,000 reminders scheduled through the real
 * ReminderScheduler as BullMQ delayed jobs (real Redis), all due at the same instant a few seconds ahead, fired
 * by the real `reminder.fire` handler against real Postgres (10,000 confirmed appointments). "Dispatched" =
 * the handler re-read the appointment, wrote the outbox row and queued its delivery job. Prints how many were
 * dispatched, the lag from due time to dispatch (p50/p99/max) and whether all were within 2 s.
 * (The delivery itself — notify.deliver → chat.deliver → a provider — is not part of this figure.)
 */
import { randomBytes } from "node:crypto";
import os from "node:os";
import { Redis } from "ioredis";
import { loadConfig } from "../config/index.js";
import { RedisCache } from "../db/cache.js";
import { appointments, doctors, patients, users } from "../db/schema/index.js";
import { createServices } from "../domain/index.js";
import { REMINDER_JOBS, type ReminderJob } from "../domain/notifications/reminders.js";
import { systemClock } from "../domain/shared/clock.js";
import { LocalStorage } from "../db/storage/local.js";
import pg from "pg";
import { createDatabase } from "../db/client.js";
import { databaseUrl, TEST_PG_URL, TEST_REDIS_URL } from "../test/env.js";
import { createJobs } from "../workers/index.js";

const COUNT = Number(process.env.BENCH_REMINDERS ?? 10_000);
const AHEAD_MS = Number(process.env.BENCH_AHEAD_MS ?? 5_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const POOL = Number(process.env.BENCH_POOL ?? 20);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function main(): Promise<void> {
  // A fresh, migrated database on the test server, dropped at the end.
  const name = `hl_bench_reminders_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  const database = await createDatabase({ kind: "pg", url: databaseUrl(name), poolSize: POOL });
  await database.migrate();
  const db = database.db;
  const config = loadConfig({
    DATABASE_URL: "postgres://bench",
    REDIS_URL: TEST_REDIS_URL,
    JWT_SECRET: randomBytes(32).toString("hex"),
    STORAGE_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
    LOG_LEVEL: "silent",
    DATA_DIR: os.tmpdir(),
  });
  const redis = new Redis(TEST_REDIS_URL);
  const cache = new RedisCache(redis, `bench:${randomBytes(4).toString("hex")}:`);
  const quiet = { warn: () => undefined, error: () => undefined };
  const jobs = createJobs(redis, quiet, `bench-reminders-${randomBytes(4).toString("hex")}`);
  const services = createServices({
    database,
    cache,
    clock: systemClock,
    jobs,
    config,
    storage: new LocalStorage(os.tmpdir()),
  });

  try {
    // One doctor, one patient, COUNT confirmed appointments 30 minutes apart (no overlaps), starting tomorrow.
    const [du] = await db
      .insert(users)
      .values({
        role: "doctor",
        name: "Dr Bench",
        email: `dr.${randomBytes(4).toString("hex")}@b.test`,
        passwordHash: "x",
      })
      .returning({ id: users.id });
    const [doc] = await db
      .insert(doctors)
      .values({ userId: du!.id, name: "Dr Bench", city: "Delhi", timeZone: "Asia/Kolkata" })
      .returning({ id: doctors.id });
    const [pu] = await db
      .insert(users)
      .values({
        role: "patient",
        name: "Bench Patient",
        email: `p.${randomBytes(4).toString("hex")}@b.test`,
        passwordHash: "x",
      })
      .returning({ id: users.id });
    const [pat] = await db
      .insert(patients)
      .values({ userId: pu!.id, name: "Bench Patient", timeZone: "UTC", quietHours: "00:00-00:00" })
      .returning({ id: patients.id });
    const base = Date.now() + 86_400_000;
    const ids: { id: number; startsAt: Date }[] = [];
    for (let i = 0; i < COUNT; i += 1000) {
      const rows = await db
        .insert(appointments)
        .values(
          Array.from({ length: Math.min(1000, COUNT - i) }, (_, k) => {
            const startsAt = new Date(base + (i + k) * 1_800_000);
            return {
              doctorId: doc!.id,
              patientId: pat!.id,
              startsAt,
              endsAt: new Date(startsAt.getTime() + 1_800_000),
              status: "confirmed" as const,
              patientName: "Bench Patient",
            };
          }),
        )
        .returning({ id: appointments.id, startsAt: appointments.startsAt });
      ids.push(...rows);
    }

    const lags: number[] = [];
    let done!: () => void;
    const all = new Promise<void>((r) => (done = r));
    jobs.handle<ReminderJob>(
      REMINDER_JOBS.fire,
      async (job) => {
        if (process.env.BENCH_NOOP === "1" || (await services.reminders.fire(job)) !== undefined)
          lags.push(Date.now() - Date.parse(job.dueAt));
        if (lags.length === COUNT) done();
      },
      { concurrency: CONCURRENCY },
    );
    await jobs.start();

    const scheduleStart = Date.now();
    const dueAt = new Date(scheduleStart + AHEAD_MS);
    for (let i = 0; i < ids.length; i += 500) {
      await Promise.all(
        ids.slice(i, i + 500).map((a) =>
          services.reminders.schedule({
            kind: "appointment",
            entityId: a.id,
            slot: "bench",
            dueAt,
            eventAt: a.startsAt.toISOString(),
          }),
        ),
      );
    }
    const scheduledIn = Date.now() - scheduleStart;
    console.log(`scheduled ${ids.length} reminders in ${scheduledIn} ms; all due at +${AHEAD_MS} ms`);
    if (scheduledIn >= AHEAD_MS) console.log("WARNING: scheduling took longer than the lead time");

    await Promise.race([all, new Promise((r) => setTimeout(r, AHEAD_MS + 60_000))]);
    const sorted = [...lags].sort((a, b) => a - b);
    const within = sorted.filter((l) => l <= 2000).length;
    console.log(
      JSON.stringify(
        {
          reminders: COUNT,
          dispatched: lags.length,
          concurrency: CONCURRENCY,
          pool: POOL,
          lag_ms: { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? null },
          within_2s: within,
          all_within_2s: within === COUNT,
        },
        null,
        2,
      ),
    );
  } finally {
    await jobs.close();
    await cache.close();
    await database.close();
    await admin.query(`drop database if exists "${name}" with (force)`);
    await admin.end();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
