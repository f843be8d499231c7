import { and, asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryCache } from "../../infra/cache.js";
import type { Tx } from "../../db/client.js";
import {
  appointmentEvents,
  appointments,
  auditLog,
  doctorEarnings,
  ledgerTransactions,
  payments,
  refunds,
} from "../../db/schema/index.js";
import { buildTestApp, TEST_NOW, type TestApp } from "../../test/app.js";
import { signUp, verifiedDoctor, type Session } from "../../test/factories.js";
import { settle } from "../../test/settle.js";
import { createServices } from "../index.js";
import type { Jobs, QueueCounts } from "../shared/jobs.js";
import { PAYMENT_JOBS } from "./jobs.js";
import { Accounts } from "./ledger/accounts.js";
import type { PurposeHandler } from "./purposes/types.js";
import type { PaymentRow } from "./repository.js";

/**
 * PaymentsRelay.sweepStranded: work committed whose job was never enqueued (a crash right after the commit),
 * or whose job cannot run when it should, is found in Postgres and done once.
 * (The crash itself, in a real process, is in payout-crash.int.test.ts.)
 */

let t: TestApp;
let patient: Session;
const expired: number[] = [];

class FakeOrders implements PurposeHandler {
  readonly description = "Pharmacy order";
  paid(): Promise<"accepted"> {
    return Promise.resolve("accepted");
  }
  expired(_tx: Tx, p: PaymentRow): Promise<void> {
    expired.push(p.referenceId);
    return Promise.resolve();
  }
}

/** A queue that cannot be reached: every add rejects at once. */
class QueueDown implements Jobs {
  readonly kind = "bullmq" as const;
  handle(): void {}
  add(): Promise<void> {
    return Promise.reject(new Error("queue unreachable"));
  }
  addBulk(): Promise<void> {
    return Promise.reject(new Error("queue unreachable"));
  }
  remove(): Promise<void> {
    return Promise.reject(new Error("queue unreachable"));
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

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const ALL_JOBS = Object.values(PAYMENT_JOBS);

beforeAll(async () => {
  t = await buildTestApp();
  t.services.payments.registerPurpose("pharmacy_order", new FakeOrders());
  patient = await signUp(t, "patient");
});
afterAll(async () => {
  await t.close();
});

const sweep = () => t.services.paymentsRelay.sweepStranded(t.clock.now());

/** An order's payment as a process that died right after the order's commit leaves it: no settle(). */
async function orderCommittedOnly(referenceId: number, amountMinor: number): Promise<PaymentRow> {
  return t.database.db.transaction((tx) =>
    t.services.payments.createPayment(tx, {
      purpose: "pharmacy_order",
      referenceId,
      patientId: patient.patientId!,
      amountMinor,
      currency: "INR",
    }),
  );
}

async function paymentRow(id: number) {
  const [p] = await t.database.db.select().from(payments).where(eq(payments.id, id));
  return p!;
}

describe("the payments relay's sweep", () => {
  it("closes an unpaid payment whose expiry job was never scheduled, once, a minute after its window", async () => {
    t.clock.set(TEST_NOW);
    const p = await orderCommittedOnly(301, 1_000);
    t.clock.advance(15 * MIN);
    expect(await sweep()).toBe(0); // the window has just closed: its job may be on its way
    t.clock.advance(2 * MIN);
    expect(await sweep()).toBe(1);
    await settle(t.jobs, ALL_JOBS);
    expect((await paymentRow(p.id)).status).toBe("expired");
    expect(expired).toEqual([301]);
    expect(await sweep()).toBe(0);
    await t.services.payments.expirePayment(p.id);
    expect(expired).toEqual([301]);
  });

  it("releases an unpaid booking's slot through scheduling (event and audit rows) when its expiry job is late", async () => {
    t.clock.set(TEST_NOW);
    const dr = await verifiedDoctor(t, { feeMinor: 50_000 });
    const res = await t.app.inject({
      method: "POST",
      url: "/api/book/appointment/",
      headers: patient.headers,
      payload: { doctor_id: dr.doctorId, appointment_date: "2030-01-08", appointment_time: "10:00 AM" },
    });
    expect(res.statusCode, res.body).toBe(201);
    const b = res.json<{ appointment: { id: number }; payment: { id: number } }>();
    // Its expiry job waits 15 real minutes; the clock (and the hold) has moved on.
    t.clock.advance(17 * MIN);
    expect(await sweep()).toBe(1);
    await settle(t.jobs, ALL_JOBS);
    expect((await paymentRow(b.payment.id)).status).toBe("expired");
    const [appt] = await t.database.db
      .select()
      .from(appointments)
      .where(eq(appointments.id, b.appointment.id));
    expect(appt).toMatchObject({ status: "cancelled", paymentStatus: "unpaid", paymentHoldUntil: null });
    const events = await t.database.db
      .select()
      .from(appointmentEvents)
      .where(eq(appointmentEvents.appointmentId, b.appointment.id))
      .orderBy(asc(appointmentEvents.id));
    expect(events.map((e) => [e.type, e.fromStatus, e.toStatus])).toEqual([
      ["booked", null, "pending"],
      ["cancelled", "pending", "cancelled"],
    ]);
    expect(events[1]!.data).toEqual({ by: "system", reason: "payment_timeout" });
    const audit = await t.database.db
      .select()
      .from(auditLog)
      .where(
        and(
          eq(auditLog.resourceType, "appointment"),
          eq(auditLog.resourceId, String(b.appointment.id)),
          eq(auditLog.action, "cancelled"),
        ),
      );
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ channel: "system", actorUserId: null, patientId: patient.patientId });
    expect(await sweep()).toBe(0);
  });

  it("asks the provider for a refund recorded but never sent, and refunds once", async () => {
    t.clock.set(TEST_NOW);
    const p = await orderCommittedOnly(302, 10_000);
    await t.services.payments.settle("pharmacy_order", 302);
    const paid = await t.app.inject({ method: "POST", url: `/pay/${p.checkoutToken}/succeed` });
    expect(paid.statusCode).toBe(303);
    // The owner's cancellation commits a refund; the process dies before settle().
    await t.database.db.transaction(async (tx) => {
      const locked = await t.services.payments.lockPayment(tx, "pharmacy_order", 302);
      await t.services.payments.requestRefund(tx, locked!, {
        amountMinor: 10_000,
        reason: "order_cancelled",
        key: "order:302:refund",
      });
    });
    const [r] = await t.database.db.select().from(refunds).where(eq(refunds.paymentId, p.id));
    expect(r).toMatchObject({ status: "pending", providerRef: null });
    expect(await sweep()).toBe(0);
    t.clock.advance(2 * MIN);
    expect(await sweep()).toBe(1);
    await settle(t.jobs, ALL_JOBS);
    const [after] = await t.database.db.select().from(refunds).where(eq(refunds.id, r!.id));
    expect(after).toMatchObject({ status: "succeeded", providerRef: `sandbox_re_${r!.id}` });
    expect(await paymentRow(p.id)).toMatchObject({ status: "refunded", refundedMinor: 10_000 });
    expect(await sweep()).toBe(0);
    await t.services.payments.executeRefund(r!.id);
    const postings = await t.database.db
      .select()
      .from(ledgerTransactions)
      .where(and(eq(ledgerTransactions.kind, "refund"), eq(ledgerTransactions.paymentId, p.id)));
    expect(postings).toHaveLength(1);
  });

  it("releases a doctor's earning past its hold when its release job did not run", async () => {
    t.clock.set(TEST_NOW);
    const dr = await verifiedDoctor(t, { feeMinor: 50_000 });
    const res = await t.app.inject({
      method: "POST",
      url: "/api/book/appointment/",
      headers: patient.headers,
      payload: { doctor_id: dr.doctorId, appointment_date: "2030-01-08", appointment_time: "12:00 PM" },
    });
    expect(res.statusCode, res.body).toBe(201);
    const b = res.json<{ appointment: { id: number }; payment: { checkout_url: string } }>();
    await t.app.inject({ method: "POST", url: `${new URL(b.payment.checkout_url).pathname}/succeed` });
    await t.app.inject({
      method: "POST",
      url: "/api/accept/appointment/request/",
      headers: dr.headers,
      payload: { request_id: b.appointment.id },
    });
    t.clock.set(new Date("2030-01-08T07:00:00Z"));
    const done = await t.app.inject({
      method: "POST",
      url: `/api/appointments/${b.appointment.id}/complete`,
      headers: dr.headers,
    });
    expect(done.statusCode, done.body).toBe(200);
    const pending = Accounts.doctorPending(dr.doctorId, "INR").code;
    const available = Accounts.doctorAvailable(dr.doctorId, "INR").code;
    const balance = (code: string) => t.services.payments.ledger.balance(t.database.db, code);
    expect(await balance(pending)).toBe(45_000);
    // Its release job waits seven real days; the clock has moved past the hold.
    t.clock.advance(7 * DAY);
    expect(await sweep()).toBe(0);
    t.clock.advance(2 * MIN);
    expect(await sweep()).toBe(1);
    await settle(t.jobs, ALL_JOBS);
    expect(await balance(pending)).toBe(0);
    expect(await balance(available)).toBe(45_000);
    const [earning] = await t.database.db
      .select()
      .from(doctorEarnings)
      .where(eq(doctorEarnings.doctorId, dr.doctorId));
    expect(earning!.releasedAt).not.toBeNull();
    expect(await sweep()).toBe(0);
    await t.services.payouts.releaseDueEarnings(dr.doctorId);
    expect(await balance(available)).toBe(45_000);
  });
  it("keeps a booking committed while the queue is down, and the sweep schedules its expiry later", async () => {
    t.clock.set(TEST_NOW);
    const dr = await verifiedDoctor(t, { feeMinor: 50_000 });
    // The same app's services, on the same database and clock, with a queue that refuses every add.
    const down = createServices({
      database: t.database,
      cache: new MemoryCache(),
      clock: t.clock,
      jobs: new QueueDown(),
      config: t.config,
      storage: t.storage,
    });
    const booked = await down.scheduling.bookWithPayment(
      { userId: patient.userId, role: "patient", patientId: patient.patientId, channel: "api" },
      { doctorId: dr.doctorId, appointmentDate: "2030-01-09", appointmentTime: "10:00 AM" },
    );
    expect(booked.payment).toMatchObject({ status: "requires_payment" });
    t.clock.advance(17 * MIN);
    expect(await sweep()).toBe(1);
    await settle(t.jobs, ALL_JOBS);
    expect((await paymentRow(booked.payment!.id)).status).toBe("expired");
    const [appt] = await t.database.db
      .select()
      .from(appointments)
      .where(eq(appointments.id, booked.appointment.id));
    expect(appt!.status).toBe("cancelled");
  });
});
