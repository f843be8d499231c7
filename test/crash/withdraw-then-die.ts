/**
 * A process that dies between a commit and its enqueue (run by domain/payments/payout-crash.int.test.ts).
 *
 * It builds the domain services the way the app does, against the test's database and fake Stripe, with a
 * Jobs whose add() kills this process at once (SIGKILL: no handler, no flush, no finally). Then a doctor
 * withdraws: the withdrawal and its ledger debit commit, and the process dies adding the payout job.
 *
 * Input (environment): HL_CRASH_DATABASE_URL, HL_CRASH_NOW (ISO time of the test's clock), HL_CRASH_DOCTOR_ID,
 * HL_CRASH_DOCTOR_USER_ID, HL_CRASH_AMOUNT, and the STRIPE_* variables of the test's app.
 * Output: "enqueue <job name>" on stdout just before dying. Any other ending is a failure of the test.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadConfig } from "../../config/index.js";
import { MemoryCache } from "../../infra/cache.js";
import { createDatabase } from "../../db/client.js";
import { LocalStorage } from "../../infra/storage/local.js";
import { createServices } from "../../domain/index.js";
import { ManualClock } from "../../domain/shared/clock.js";
import type { JobOptions, Jobs, QueueCounts } from "../../domain/shared/jobs.js";

function need(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
}

/** The crash: the first job added takes the process down with it. */
class DieOnEnqueue implements Jobs {
  readonly kind = "in-process" as const;
  handle(): void {}
  add<T>(name: string, data: T, opts?: JobOptions): Promise<void> {
    void data;
    void opts;
    writeSync(1, `enqueue ${name}\n`);
    process.kill(process.pid, "SIGKILL");
    return new Promise<void>(() => undefined);
  }
  addBulk<T>(name: string, items: { data: T; opts?: JobOptions }[]): Promise<void> {
    return this.add(name, items[0]?.data, items[0]?.opts);
  }
  remove(): Promise<void> {
    return Promise.resolve();
  }
  busy(): Promise<number> {
    return Promise.resolve(0);
  }
  counts(): Promise<QueueCounts[]> {
    return Promise.resolve([]);
  }
  start(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const dataDir = mkdtempSync(path.join(os.tmpdir(), "hl-crash-"));
const config = loadConfig({
  NODE_ENV: "test",
  LOG_LEVEL: "silent",
  DATABASE_URL: need("HL_CRASH_DATABASE_URL"),
  JWT_SECRET: randomBytes(32).toString("hex"),
  STORAGE_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
  DATA_DIR: dataDir,
  PUBLIC_BASE_URL: "http://healthlink.test",
  STRIPE_SECRET_KEY: need("STRIPE_SECRET_KEY"),
  STRIPE_WEBHOOK_SECRET: need("STRIPE_WEBHOOK_SECRET"),
  STRIPE_API_BASE: need("STRIPE_API_BASE"),
});
const database = await createDatabase({ kind: "pg", url: need("HL_CRASH_DATABASE_URL"), poolSize: 2 });
const services = createServices({
  database,
  cache: new MemoryCache(),
  clock: new ManualClock(new Date(need("HL_CRASH_NOW"))),
  jobs: new DieOnEnqueue(),
  config,
  storage: new LocalStorage(path.join(dataDir, "documents")),
});
await services.payouts.withdraw(
  {
    userId: Number(need("HL_CRASH_DOCTOR_USER_ID")),
    role: "doctor",
    doctorId: Number(need("HL_CRASH_DOCTOR_ID")),
    channel: "api",
  },
  { amount: Number(need("HL_CRASH_AMOUNT")) },
);
// Not reached: withdraw() adds the payout job right after its commit.
writeSync(1, "survived\n");
await database.close();
