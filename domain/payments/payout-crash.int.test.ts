import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../../db/client.js";
import { withdrawals } from "../../db/schema/index.js";
import { buildTestApp, TEST_NOW, type TestApp } from "../../test/app.js";
import { databaseUrl } from "../../test/env.js";
import { signUp, verifiedDoctor } from "../../test/factories.js";
import { startFakeStripe, type FakeStripe } from "../../test/fakes/stripe.js";
import { settle } from "../../test/settle.js";
import { PAYMENT_JOBS } from "./jobs.js";
import { Accounts } from "./ledger/accounts.js";

const SECRET = "whsec_test_crash";
const CHILD = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../test/crash/withdraw-then-die.ts",
);
const MIN = 60_000;

let t: TestApp;
let fake: FakeStripe;
const stripeEnv = () => ({
  STRIPE_SECRET_KEY: "sk_test_fake",
  STRIPE_WEBHOOK_SECRET: SECRET,
  STRIPE_API_BASE: fake.url,
});

beforeAll(async () => {
  fake = await startFakeStripe();
  t = await buildTestApp({ env: stripeEnv() });
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

/** Runs the child process to its end; it is expected to be killed (see test/crash/withdraw-then-die.ts). */
function runChild(
  env: Record<string, string>,
): Promise<{ code: number | null; signal: string | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", CHILD], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr.on("data", (b: Buffer) => (out += b.toString()));
    const guard = setTimeout(() => child.kill("SIGTERM"), 90_000);
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, out });
    });
  });
}

async function balance(code: string): Promise<number> {
  return t.services.payments.ledger.balance(t.database.db, code);
}

async function ledgerBalanced(): Promise<void> {
  const [row] = await queryRows<{ d: string; c: string }>(
    t.database.db,
    sql`select coalesce(sum(debit_minor),0) as d, coalesce(sum(credit_minor),0) as c from ledger_entries`,
  );
  expect(Number(row!.d)).toBe(Number(row!.c));
}

/** A doctor with a payout account at (fake) Stripe and 4,500.00 INR withdrawable. */
async function doctorWithEarnings() {
  t.clock.set(TEST_NOW);
  const dr = await verifiedDoctor(t, { feeMinor: 500_000 });
  const link = await t.app.inject({
    method: "POST",
    url: "/api/doctor/payouts/onboarding/",
    headers: dr.headers,
  });
  expect(link.statusCode, link.body).toBe(200);
  const patient = await signUp(t, "patient");
  const booked = await t.app.inject({
    method: "POST",
    url: "/api/book/appointment/",
    headers: patient.headers,
    payload: { doctor_id: dr.doctorId, appointment_date: "2030-01-08", appointment_time: "12:00 PM" },
  });
  expect(booked.statusCode, booked.body).toBe(201);
  const b = booked.json<{ appointment: { id: number }; payment: { id: number } }>();
  await t.services.payments.handleEvent({
    provider: "stripe",
    eventId: `evt_crash_paid_${b.payment.id}`,
    type: "payment.succeeded",
    paymentId: b.payment.id,
    providerPaymentRef: `pi_crash_${b.payment.id}`,
  });
  const accepted = await t.app.inject({
    method: "POST",
    url: "/api/accept/appointment/request/",
    headers: dr.headers,
    payload: { request_id: b.appointment.id },
  });
  expect(accepted.statusCode, accepted.body).toBe(200);
  t.clock.set(new Date("2030-01-08T07:00:00Z"));
  const done = await t.app.inject({
    method: "POST",
    url: `/api/appointments/${b.appointment.id}/complete`,
    headers: dr.headers,
  });
  expect(done.statusCode, done.body).toBe(200);
  t.clock.advance(8 * 24 * 60 * MIN);
  const earnings = await t.app.inject({ method: "GET", url: "/api/doctor/earnings/", headers: dr.headers });
  expect(earnings.json().earnings).toMatchObject({ withdrawable_amount: 4500 });
  return { ...dr, accountId: link.json<{ account_id: string }>().account_id };
}

describe("a crash between a withdrawal's commit and its payout job", () => {
  it(
    "leaves the withdrawal in transit with no reference; after a restart the sweep pays it out exactly once",
    { timeout: 120_000 },
    async () => {
      const dr = await doctorWithEarnings();
      fake.behaviour.payoutStatus = "paid";
      const available = Accounts.doctorAvailable(dr.doctorId, "INR").code;
      const inTransit = Accounts.payoutsInTransit(dr.doctorId, "INR").code;
      const paidOut = Accounts.payoutsPaid("INR").code;
      const paidBefore = await balance(paidOut);
      const payoutCalls = () =>
        fake.requests.filter(
          (r) =>
            (r.path === "/v1/transfers" || r.path === "/v1/payouts") &&
            r.params["metadata[doctor_id]"] === String(dr.doctorId),
        );

      // Another process withdraws 2,000.00 and dies adding the payout job.
      const [db] = await queryRows<{ name: string }>(t.database.db, sql`select current_database() as name`);
      const child = await runChild({
        ...stripeEnv(),
        HL_CRASH_DATABASE_URL: databaseUrl(db!.name),
        HL_CRASH_NOW: t.clock.now().toISOString(),
        HL_CRASH_DOCTOR_ID: String(dr.doctorId),
        HL_CRASH_DOCTOR_USER_ID: String(dr.userId),
        HL_CRASH_AMOUNT: "2000",
      });
      expect(child.signal, child.out).toBe("SIGKILL");
      expect(child.out).toContain(`enqueue ${PAYMENT_JOBS.payout}`);
      expect(child.out).not.toContain("survived");

      // Committed (the withdrawal and its ledger debit), never sent.
      const rows = await t.database.db
        .select()
        .from(withdrawals)
        .where(eq(withdrawals.doctorId, dr.doctorId));
      expect(rows).toHaveLength(1);
      const w = rows[0]!;
      expect(w).toMatchObject({ status: "in_transit", providerRef: null, amountMinor: 200_000 });
      expect(payoutCalls()).toHaveLength(0);
      expect(await balance(available)).toBe(250_000);
      expect(await balance(inTransit)).toBe(200_000);
      await ledgerBalanced();

      // Within the minute it may still be on its way: the sweep leaves it alone.
      expect(await t.services.paymentsRelay.sweepStranded(t.clock.now())).toBe(0);

      // A restarted process: its relay sweeps, the payout job runs once.
      t.clock.advance(2 * MIN);
      expect(await t.services.paymentsRelay.sweepStranded(t.clock.now())).toBe(1);
      await settle(t.jobs, [PAYMENT_JOBS.payout]);
      const [after] = await t.database.db.select().from(withdrawals).where(eq(withdrawals.id, w.id));
      expect(after).toMatchObject({ status: "paid" });
      expect(after!.providerRef).toMatch(/^po_/);
      const calls = payoutCalls();
      expect(calls.map((r) => [r.path, r.idempotencyKey])).toEqual([
        ["/v1/transfers", `transfer:${w.id}`],
        ["/v1/payouts", `payout:${w.id}`],
      ]);
      expect(calls[0]!.params.destination).toBe(dr.accountId);
      expect(await balance(available)).toBe(250_000);
      expect(await balance(inTransit)).toBe(0);
      expect((await balance(paidOut)) - paidBefore).toBe(200_000);
      await ledgerBalanced();

      // Again — the sweep, the job, the handler itself: nothing more is sent or posted.
      t.clock.advance(5 * MIN);
      expect(await t.services.paymentsRelay.sweepStranded(t.clock.now())).toBe(0);
      await t.jobs.add(PAYMENT_JOBS.payout, { withdrawalId: w.id }, { jobId: `payout-${w.id}-again` });
      await settle(t.jobs, [PAYMENT_JOBS.payout]);
      await t.services.payouts.executePayout(w.id);
      expect(payoutCalls()).toHaveLength(2);
      expect(await balance(inTransit)).toBe(0);
      expect((await balance(paidOut)) - paidBefore).toBe(200_000);
      const [last] = await t.database.db.select().from(withdrawals).where(eq(withdrawals.id, w.id));
      expect(last).toEqual(after);
    },
  );
  it("re-runs a payout whose job gave up in a provider outage, which a plain add of its job id would not", async () => {
    const dr = await doctorWithEarnings();
    fake.behaviour.payoutStatus = "paid";
    fake.behaviour.unavailable = true;
    const res = await t.app.inject({
      method: "POST",
      url: "/api/withdraw/earnings/",
      headers: dr.headers,
      payload: { amount: 1000 },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().withdrawal.status).toBe("in_transit");
    const wid = res.json<{ withdrawal: { id: number } }>().withdrawal.id;
    // Its job retried through the outage and gave up (here: one attempt, now, instead of five from a minute on).
    await t.jobs.remove(PAYMENT_JOBS.payout, `payout-${wid}`);
    await t.jobs.add(PAYMENT_JOBS.payout, { withdrawalId: wid }, { jobId: `payout-${wid}`, attempts: 1 });
    await settle(t.jobs, [PAYMENT_JOBS.payout]);
    fake.behaviour.unavailable = false;
    const sentBefore = fake.requests.length;
    // The queue keeps the failed job a while: adding its id again does nothing …
    await t.jobs.add(PAYMENT_JOBS.payout, { withdrawalId: wid }, { jobId: `payout-${wid}` });
    await settle(t.jobs, [PAYMENT_JOBS.payout]);
    const [stuck] = await t.database.db.select().from(withdrawals).where(eq(withdrawals.id, wid));
    expect(stuck).toMatchObject({ status: "in_transit", providerRef: null });
    expect(fake.requests.length).toBe(sentBefore);
    // … the sweep re-runs it.
    t.clock.advance(2 * MIN);
    expect(await t.services.paymentsRelay.sweepStranded(t.clock.now())).toBe(1);
    await settle(t.jobs, [PAYMENT_JOBS.payout]);
    const [paid] = await t.database.db.select().from(withdrawals).where(eq(withdrawals.id, wid));
    expect(paid).toMatchObject({ status: "paid" });
    const sent = fake.requests.slice(sentBefore).map((r) => [r.path, r.idempotencyKey]);
    expect(sent).toEqual([
      ["/v1/transfers", `transfer:${wid}`],
      ["/v1/payouts", `payout:${wid}`],
    ]);
    expect(await balance(Accounts.payoutsInTransit(dr.doctorId, "INR").code)).toBe(0);
    expect(await balance(Accounts.doctorAvailable(dr.doctorId, "INR").code)).toBe(350_000);
    await ledgerBalanced();
  });
});
