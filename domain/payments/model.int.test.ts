import { sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../../db/client.js";
import { buildTestApp, TEST_NOW, type TestApp } from "../../test/app.js";
import { signUp, verifiedDoctor, type Session } from "../../test/factories.js";

/**
 * Model test through the whole service (sandbox provider, real database): random sequences of bookings,
 * payments, completions, cancellations, rejections, time passing, withdrawals and failed payouts.
 * After every step: debits equal credits, no guarded balance is negative, no payment is refunded beyond
 * what was paid, and each doctor's earnings add up (total = pending + withdrawable + withdrawn).
 */

const HOUR = 3_600_000;
let t: TestApp;
let doctors: (Session & { doctorId: number })[];
let patients: Session[];
let slotCounter = 0;

beforeAll(async () => {
  // Sessions must outlive the years this test lets pass.
  t = await buildTestApp({ env: { JWT_REFRESH_TTL_DAYS: "36500" } });
  const allDay = [1, 2, 3, 4, 5, 6, 7].map((isoDay) => ({
    isoDay,
    start: "00:00",
    end: "24:00",
    slotMinutes: 60,
  }));
  doctors = [
    await verifiedDoctor(t, { feeMinor: 50_000, timeZone: "UTC", weekly: allDay }),
    await verifiedDoctor(t, { feeMinor: 77_777, timeZone: "UTC", weekly: allDay, autoAccept: true }),
  ];
  patients = await Promise.all([1, 2, 3].map(() => signUp(t, "patient")));
});
afterAll(async () => {
  await t.close();
});

type Op =
  | { op: "book"; patient: number; doctor: number; pay: boolean }
  | { op: "pay"; i: number }
  | { op: "complete"; i: number }
  | { op: "cancel"; i: number; by: "patient" | "doctor" }
  | { op: "reject"; i: number }
  | { op: "advance"; hours: number }
  | { op: "withdraw"; doctor: number; amount: number }
  | { op: "bounce"; w: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("book" as const),
      patient: fc.nat(2),
      doctor: fc.nat(1),
      pay: fc.boolean(),
    }),
  },
  fc.record({ op: fc.constant("pay" as const), i: fc.nat(15) }),
  { weight: 3, arbitrary: fc.record({ op: fc.constant("complete" as const), i: fc.nat(15) }) },
  fc.record({
    op: fc.constant("cancel" as const),
    i: fc.nat(15),
    by: fc.constantFrom("patient" as const, "doctor" as const),
  }),
  fc.record({ op: fc.constant("reject" as const), i: fc.nat(15) }),
  fc.record({ op: fc.constant("advance" as const), hours: fc.integer({ min: 1, max: 200 }) }),
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("withdraw" as const),
      doctor: fc.nat(1),
      amount: fc.integer({ min: 1, max: 2000 }),
    }),
  },
  fc.record({ op: fc.constant("bounce" as const), w: fc.nat(10) }),
);

type Booked = { id: number; startsAt: Date; checkout: string | null; doctor: number; patient: number };

async function checkInvariants() {
  const [sums] = await queryRows<{ d: string; c: string }>(
    t.database.db,
    sql`select coalesce(sum(debit_minor),0) as d, coalesce(sum(credit_minor),0) as c from ledger_entries`,
  );
  expect(Number(sums!.d)).toBe(Number(sums!.c));
  expect(
    await queryRows(
      t.database.db,
      sql`select code from ledger_accounts where non_negative and balance_minor < 0`,
    ),
  ).toEqual([]);
  expect(
    await queryRows(t.database.db, sql`select id from payments where refunded_minor > amount_minor`),
  ).toEqual([]);
  // The cached balances are the entries' sums.
  expect(
    await queryRows(
      t.database.db,
      sql`select a.code from ledger_accounts a left join ledger_entries e on e.account_id = a.id
          group by a.id, a.code, a.normal_side, a.balance_minor
          having a.balance_minor <> case when a.normal_side = 'debit'
            then coalesce(sum(e.debit_minor),0) - coalesce(sum(e.credit_minor),0)
            else coalesce(sum(e.credit_minor),0) - coalesce(sum(e.debit_minor),0) end`,
    ),
  ).toEqual([]);
  for (const dr of doctors) {
    const res = await t.app.inject({ method: "GET", url: "/api/doctor/earnings/", headers: dr.headers });
    expect(res.statusCode, res.body).toBe(200);
    const e = res.json().earnings as Record<string, number>;
    expect(e.withdrawable_amount).toBeGreaterThanOrEqual(0);
    expect(e.pending_amount).toBeGreaterThanOrEqual(0);
    expect(Math.round((e.pending_amount! + e.withdrawable_amount! + e.withdrawn_amount!) * 100)).toBe(
      Math.round(e.total_earnings! * 100),
    );
  }
}

describe("payments under random sequences", () => {
  // 30 random sequences against real Postgres: about 8 s alone, several times that beside a browser test.
  it("never loses, doubles or overdraws money", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 3, maxLength: 20 }), async (ops) => {
        const booked: Booked[] = [];
        const withdrawals: number[] = [];
        for (const o of ops) {
          const now = t.clock.now();
          switch (o.op) {
            case "book": {
              slotCounter += 1;
              const start = new Date(Math.floor(now.getTime() / HOUR) * HOUR + (30 + slotCounter) * HOUR);
              const iso = start.toISOString();
              const res = await t.app.inject({
                method: "POST",
                url: "/api/book/appointment/",
                headers: patients[o.patient]!.headers,
                payload: {
                  doctor_id: doctors[o.doctor]!.doctorId,
                  appointment_date: iso.slice(0, 10),
                  appointment_time: iso.slice(11, 16),
                },
              });
              expect(res.statusCode, res.body).toBe(201);
              const body = res.json();
              const b: Booked = {
                id: body.appointment.id,
                startsAt: start,
                checkout: body.payment ? new URL(body.payment.checkout_url).pathname : null,
                doctor: o.doctor,
                patient: o.patient,
              };
              booked.push(b);
              if (o.pay && b.checkout) await t.app.inject({ method: "POST", url: `${b.checkout}/succeed` });
              break;
            }
            case "pay": {
              const b = booked[o.i % Math.max(1, booked.length)];
              if (b?.checkout) await t.app.inject({ method: "POST", url: `${b.checkout}/succeed` });
              break;
            }
            case "complete": {
              const b = booked[o.i % Math.max(1, booked.length)];
              if (!b) break;
              const dr = doctors[b.doctor]!;
              await t.app.inject({
                method: "POST",
                url: "/api/accept/appointment/request/",
                headers: dr.headers,
                payload: { request_id: b.id },
              });
              if (t.clock.now() < b.startsAt) t.clock.set(new Date(b.startsAt.getTime() + 60_000));
              await t.app.inject({
                method: "POST",
                url: `/api/appointments/${b.id}/complete`,
                headers: dr.headers,
              });
              break;
            }
            case "cancel": {
              const b = booked[o.i % Math.max(1, booked.length)];
              if (!b) break;
              const who = o.by === "patient" ? patients[b.patient]! : doctors[b.doctor]!;
              await t.app.inject({
                method: "POST",
                url: "/api/cancel/appointment/",
                headers: who.headers,
                payload: { appointment_id: b.id },
              });
              break;
            }
            case "reject": {
              const b = booked[o.i % Math.max(1, booked.length)];
              if (!b) break;
              await t.app.inject({
                method: "POST",
                url: "/api/reject/appointment/request/",
                headers: doctors[b.doctor]!.headers,
                payload: { request_id: b.id },
              });
              break;
            }
            case "advance":
              t.clock.advance(o.hours * HOUR);
              for (const b of booked) {
                const [p] = await queryRows<{ id: number }>(
                  t.database.db,
                  sql`select id from payments where purpose = 'appointment' and reference_id = ${b.id}`,
                );
                if (p) await t.services.payments.expirePayment(p.id);
              }
              break;
            case "withdraw": {
              const res = await t.app.inject({
                method: "POST",
                url: "/api/withdraw/earnings/",
                headers: doctors[o.doctor]!.headers,
                payload: { amount: o.amount },
              });
              expect([200, 422]).toContain(res.statusCode);
              if (res.statusCode === 200) withdrawals.push(res.json().withdrawal.id as number);
              break;
            }
            case "bounce": {
              const id = withdrawals[o.w % Math.max(1, withdrawals.length)];
              if (id === undefined) break;
              await t.services.payments.handleEvent({
                provider: "sandbox",
                eventId: `bounce-${id}`,
                type: "payout.failed",
                payoutRef: `sandbox_po_${id}`,
                withdrawalId: id,
              });
              break;
            }
          }
          await checkInvariants();
        }
      }),
      { numRuns: 30 },
    );
    expect(t.clock.now().getTime()).toBeGreaterThan(TEST_NOW.getTime());
  }, 120_000);
});
