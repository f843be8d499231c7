import { sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../../../db/client.js";
import { createTestDatabase, type TestDatabase } from "../../../test/db.js";
import { DomainError } from "../../shared/errors.js";
import { Accounts } from "./accounts.js";
import { Ledger } from "./ledger.js";
import { paymentFlows } from "./flows.js";

/**
 * Model test: random sequences of payments, completions, refunds, releases, withdrawals and payout outcomes,
 * through the same posting functions the payments service uses. After every step: debits equal credits,
 * no non-negative account is below zero, and the doctors' balances equal a simple model's.
 */

let tdb: TestDatabase;
const ledger = new Ledger();
const at = new Date("2030-01-07T00:00:00Z");
let run = 0;

beforeAll(async () => {
  tdb = await createTestDatabase(4);
});
afterAll(async () => {
  await tdb.drop();
});

type Op =
  | { op: "pay"; amount: number }
  | { op: "refund"; p: number; share: number }
  | { op: "complete"; p: number; doctor: number }
  | { op: "release"; doctor: number }
  | { op: "withdraw"; doctor: number; amount: number }
  | { op: "payoutPaid"; w: number }
  | { op: "payoutFailed"; w: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant("pay" as const), amount: fc.integer({ min: 1, max: 100_000 }) }),
  fc.record({ op: fc.constant("refund" as const), p: fc.nat(20), share: fc.integer({ min: 1, max: 100 }) }),
  fc.record({ op: fc.constant("complete" as const), p: fc.nat(20), doctor: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ op: fc.constant("release" as const), doctor: fc.integer({ min: 1, max: 3 }) }),
  fc.record({
    op: fc.constant("withdraw" as const),
    doctor: fc.integer({ min: 1, max: 3 }),
    amount: fc.integer({ min: 1, max: 150_000 }),
  }),
  fc.record({ op: fc.constant("payoutPaid" as const), w: fc.nat(20) }),
  fc.record({ op: fc.constant("payoutFailed" as const), w: fc.nat(20) }),
);

describe("the ledger under random sequences", () => {
  it("keeps debits equal to credits and every guarded balance at or above zero after each step", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 25 }), async (ops) => {
        run += 1;
        // A fresh currency per run keeps runs apart: "QAA", "QAB"… (well-formed three-letter codes, as the
        // money module and the API require; the ledger's messages format amounts in them).
        const cur = `Q${String.fromCharCode(65 + (Math.floor(run / 26) % 26))}${String.fromCharCode(65 + (run % 26))}`;
        const flows = paymentFlows(ledger, { platformFeePercent: 10 });
        const payments: { amount: number; state: "paid" | "refunded" | "completed" }[] = [];
        const withdrawals: { doctor: number; amount: number; state: "in_transit" | "done" }[] = [];
        const pending = new Map<number, number>();
        const available = new Map<number, number>();
        const docBase = run * 10;
        for (const [i, o] of ops.entries()) {
          const key = `${cur}:${i}`;
          await tdb.database.db
            .transaction(async (tx) => {
              switch (o.op) {
                case "pay":
                  await flows.captured(tx, { key, paymentId: i, amountMinor: o.amount, currency: cur, at });
                  payments.push({ amount: o.amount, state: "paid" });
                  break;
                case "refund": {
                  const p = payments[o.p];
                  if (!p || p.state !== "paid") return;
                  const amount = Math.max(1, Math.floor((p.amount * o.share) / 100));
                  await flows.refunded(tx, { key, paymentId: o.p, amountMinor: amount, currency: cur, at });
                  const kept = p.amount - amount;
                  if (kept > 0)
                    await flows.retained(tx, {
                      key: `${key}:kept`,
                      paymentId: o.p,
                      doctorId: docBase + 1,
                      amountMinor: kept,
                      currency: cur,
                      at,
                    });
                  pending.set(
                    docBase + 1,
                    (pending.get(docBase + 1) ?? 0) + kept - Math.floor((kept * 10) / 100),
                  );
                  p.state = "refunded";
                  break;
                }
                case "complete": {
                  const p = payments[o.p];
                  if (!p || p.state !== "paid") return;
                  const d = docBase + o.doctor;
                  await flows.earned(tx, {
                    key,
                    paymentId: o.p,
                    doctorId: d,
                    amountMinor: p.amount,
                    currency: cur,
                    at,
                  });
                  pending.set(d, (pending.get(d) ?? 0) + p.amount - Math.floor((p.amount * 10) / 100));
                  p.state = "completed";
                  break;
                }
                case "release": {
                  const d = docBase + o.doctor;
                  const amount = pending.get(d) ?? 0;
                  if (amount === 0) return;
                  await flows.released(tx, { key, doctorId: d, amountMinor: amount, currency: cur, at });
                  pending.set(d, 0);
                  available.set(d, (available.get(d) ?? 0) + amount);
                  break;
                }
                case "withdraw": {
                  const d = docBase + o.doctor;
                  try {
                    await flows.withdrawn(tx, {
                      key,
                      withdrawalId: i,
                      doctorId: d,
                      amountMinor: o.amount,
                      currency: cur,
                      at,
                    });
                  } catch (err) {
                    expect(err).toBeInstanceOf(DomainError);
                    expect(o.amount).toBeGreaterThan(available.get(d) ?? 0);
                    throw err;
                  }
                  available.set(d, (available.get(d) ?? 0) - o.amount);
                  withdrawals.push({ doctor: d, amount: o.amount, state: "in_transit" });
                  break;
                }
                case "payoutPaid":
                case "payoutFailed": {
                  const w = withdrawals[o.w];
                  if (!w || w.state !== "in_transit") return;
                  const args = {
                    key,
                    withdrawalId: o.w,
                    doctorId: w.doctor,
                    amountMinor: w.amount,
                    currency: cur,
                    at,
                  };
                  if (o.op === "payoutPaid") await flows.payoutPaid(tx, args);
                  else {
                    await flows.payoutFailed(tx, args);
                    available.set(w.doctor, (available.get(w.doctor) ?? 0) + w.amount);
                  }
                  w.state = "done";
                  break;
                }
              }
            })
            .catch((err: unknown) => {
              if (!(err instanceof DomainError)) throw err;
            });
          const [sums] = await queryRows<{ d: string; c: string }>(
            tdb.database.db,
            sql`select coalesce(sum(debit_minor),0) as d, coalesce(sum(credit_minor),0) as c from ledger_entries where currency = ${cur}`,
          );
          expect(Number(sums!.d)).toBe(Number(sums!.c));
          const negative = await queryRows(
            tdb.database.db,
            sql`select code from ledger_accounts where non_negative and balance_minor < 0`,
          );
          expect(negative).toEqual([]);
          for (const d of [1, 2, 3].map((n) => docBase + n)) {
            expect(await ledger.balance(tdb.database.db, Accounts.doctorAvailable(d, cur).code)).toBe(
              available.get(d) ?? 0,
            );
            expect(await ledger.balance(tdb.database.db, Accounts.doctorPending(d, cur).code)).toBe(
              pending.get(d) ?? 0,
            );
          }
        }
      }),
      { numRuns: 40 },
    );
  });
});
