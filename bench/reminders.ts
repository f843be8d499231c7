/**
 * Reminder dispatch benchmark (npm run bench:reminders): 10,000 reminders scheduled through the real
 * ReminderScheduler (rows in scheduled_reminders + one `reminder.due` BullMQ delayed job per second, real
 * Redis), all due at the same whole second a few seconds ahead, dispatched by the real handler (registered as
 * in workers/) against real Postgres (10,000 confirmed appointments). "Dispatched" = the reminder was claimed,
 * its appointment re-read, its outbox row written and its delivery job added to the `notify.deliver` queue.
 * Lag per reminder = (when its delivery job was in Redis) − due time: the batch's commit-and-addBulk end is
 * recorded per batch by wrapping the delivery enqueue; the DB's fired_at − due_at is printed too. Prints count,
 * p50/p99/max and how many were within 2 s. (The delivery itself — notify.deliver → a provider — is not timed;
 * no worker consumes notify.deliver here.)
 */
import { randomBytes } from "node:crypto";
import os from "node:os";
import { Redis } from "ioredis";
import { loadConfig } from "../config/index.js";
import { RedisCache } from "../infra/cache.js";
import { eq } from "drizzle-orm";
import { appointments, doctors, patients, scheduledReminders, users } from "../db/schema/index.js";
import { createServices } from "../domain/index.js";
import { REMINDER_JOBS, type ReminderDueJob } from "../domain/notifications/reminders.js";
import { NOTIFY_JOBS } from "../domain/notifications/service.js";
import { systemClock } from "../domain/shared/clock.js";
import { LocalStorage } from "../infra/storage/local.js";
import pg from "pg";
import { createDatabase } from "../db/client.js";
import { databaseUrl, TEST_PG_URL, TEST_REDIS_URL } from "../test/env.js";
import { createJobs } from "../infra/jobs.js";

const COUNT = Number(process.env.BENCH_REMINDERS ?? 10_000);
const AHEAD_MS = Number(process.env.BENCH_AHEAD_MS ?? 5_000);
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

    // Time each batch's delivery jobs reached Redis (per outbox row).
    const enqueuedAt = new Map<number, number>();
    const enqueue = services.notifications.enqueueDeliveries.bind(services.notifications);
    services.notifications.enqueueDeliveries = async (outboxIds) => {
      await enqueue(outboxIds);
      const at = Date.now();
      for (const id of outboxIds) enqueuedAt.set(id, at);
    };
    let firstStart = 0;
    let lastEnd = 0;
    jobs.handle<ReminderDueJob>(REMINDER_JOBS.due, async (d) => {
      if (!firstStart) firstStart = Date.now();
      await services.reminders.dispatchDue(d.at);
      lastEnd = Date.now();
    });
    await jobs.start();

    const scheduleStart = Date.now();
    // Due at a whole second (real reminders are at whole minutes), AHEAD_MS or a little more from now.
    const dueAt = new Date(Math.ceil((scheduleStart + AHEAD_MS) / 1000) * 1000);
    const keys = await services.reminders.schedule(
      ids.map((a) => ({
        kind: "appointment",
        entityId: a.id,
        slot: "bench",
        dueAt,
        eventAt: a.startsAt.toISOString(),
      })),
    );
    const scheduledIn = Date.now() - scheduleStart;
    console.log(
      `scheduled ${keys.length} reminders in ${scheduledIn} ms; all due at +${dueAt.getTime() - scheduleStart} ms`,
    );
    if (Date.now() >= dueAt.getTime()) console.log("WARNING: scheduling took longer than the lead time");

    const deadline = dueAt.getTime() + 60_000;
    while (enqueuedAt.size < COUNT && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const rows = await db
      .select({
        dueAt: scheduledReminders.dueAt,
        firedAt: scheduledReminders.firedAt,
        outboxId: scheduledReminders.outboxId,
      })
      .from(scheduledReminders)
      .where(eq(scheduledReminders.slot, "bench"));
    const lags: number[] = [];
    const claimLags: number[] = [];
    for (const r of rows) {
      const at = r.outboxId !== null ? enqueuedAt.get(r.outboxId) : undefined;
      if (at !== undefined) lags.push(at - r.dueAt.getTime());
      if (r.firedAt) claimLags.push(r.firedAt.getTime() - r.dueAt.getTime());
    }
    const deliverJobs = await jobs.busy(NOTIFY_JOBS.deliverMany);
    const sorted = [...lags].sort((a, b) => a - b);
    const claimSorted = [...claimLags].sort((a, b) => a - b);
    const within = sorted.filter((l) => l <= 2000).length;
    console.log(
      JSON.stringify(
        {
          reminders: COUNT,
          dispatched: lags.length,
          pool: POOL,
          load_average: os.loadavg().map((l) => Number(l.toFixed(2))),
          notify_deliver_many_jobs_waiting: deliverJobs,
          due_job_ran_ms: { from: firstStart - dueAt.getTime(), to: lastEnd - dueAt.getTime() },
          lag_ms: { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? null },
          claim_lag_ms: {
            p50: percentile(claimSorted, 50),
            p99: percentile(claimSorted, 99),
            max: claimSorted.at(-1) ?? null,
          },
          within_2s: within,
          all_within_2s: within === COUNT,
        },
        null,
        2,
      ),
    );
    console.log(`within 2 s: ${within}/${COUNT}`);
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
