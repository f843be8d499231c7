import { and, eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../../db/client.js";
import { appointments, ledgerTransactions, notificationsOutbox, payments } from "../../db/schema/index.js";
import { Accounts } from "../../domain/payments/ledger/accounts.js";
import { buildTestApp, TEST_NOW, type TestApp } from "../../test/app.js";
import { signInAs, signUp, verifiedDoctor, type Session } from "../../test/factories.js";

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterEach(() => {
  t.clock.set(TEST_NOW);
});
afterAll(async () => {
  await t.close();
});

// Factory doctors work 09:00–17:00 Asia/Kolkata; now is Monday 2030-01-07 00:00 UTC.
// Tuesday 10:00 AM Kolkata = 2030-01-08T04:30Z, 28.5 hours from now.
const DAY = "2030-01-08";
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY_MS = 24 * HOUR;

type Booking = {
  appointment: { id: number; status: string; payment_status: string; starts_at: string };
  payment: { id: number; status: string; amount: number; checkout_url: string; expires_at: string } | null;
};

async function book(patient: Session, doctorId: number, time = "10:00 AM") {
  const res = await t.app.inject({
    method: "POST",
    url: "/api/book/appointment/",
    headers: patient.headers,
    payload: { doctor_id: doctorId, appointment_date: DAY, appointment_time: time },
  });
  return res;
}

async function bookOk(patient: Session, doctorId: number, time = "10:00 AM"): Promise<Booking> {
  const res = await book(patient, doctorId, time);
  expect(res.statusCode, res.body).toBe(201);
  return res.json<Booking>();
}

const pathOf = (url: string) => new URL(url).pathname;

async function pay(b: Booking, outcome: "succeed" | "fail" = "succeed") {
  const res = await t.app.inject({ method: "POST", url: `${pathOf(b.payment!.checkout_url)}/${outcome}` });
  expect(res.statusCode, res.body).toBe(303);
}

async function paymentRow(id: number) {
  const [row] = await t.database.db.select().from(payments).where(eq(payments.id, id));
  return row!;
}

async function appointmentRow(id: number) {
  const [row] = await t.database.db.select().from(appointments).where(eq(appointments.id, id));
  return row!;
}

async function balance(code: string) {
  return t.services.payments.ledger.balance(t.database.db, code);
}

async function postings(kind: string, paymentId: number) {
  return t.database.db
    .select()
    .from(ledgerTransactions)
    .where(and(eq(ledgerTransactions.kind, kind), eq(ledgerTransactions.paymentId, paymentId)));
}

async function post(headers: Record<string, string>, url: string, payload: Record<string, unknown>) {
  return t.app.inject({ method: "POST", url, headers, payload });
}

async function ledgerBalanced() {
  const [row] = await queryRows<{ d: string; c: string }>(
    t.database.db,
    sql`select coalesce(sum(debit_minor),0) as d, coalesce(sum(credit_minor),0) as c from ledger_entries`,
  );
  expect(Number(row!.d)).toBe(Number(row!.c));
  const negative = await queryRows(
    t.database.db,
    sql`select code from ledger_accounts where non_negative and balance_minor < 0`,
  );
  expect(negative).toEqual([]);
}

describe("paying for a consultation in the sandbox", () => {
  it("returns the payment beside the booking, with a test-mode checkout link, and holds the slot unpaid", async () => {
    const dr = await verifiedDoctor(t, { feeMinor: 50_000 });
    const patient = await signUp(t, "patient", { name: "Asha Verma" });
    const b = await bookOk(patient, dr.doctorId);
    expect(b.payment).toMatchObject({ status: "requires_payment", amount: 500, currency: "INR" });
    expect(b.payment!.expires_at).toBe(new Date(TEST_NOW.getTime() + 15 * MIN).toISOString());
    expect(b.payment!.checkout_url).toMatch(/^http:\/\/healthlink\.test\/pay\/[A-Za-z0-9_-]{32}$/);
    expect(b.appointment.payment_status).toBe("unpaid");

    const page = await t.app.inject({ method: "GET", url: pathOf(b.payment!.checkout_url) });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toContain("text/html");
    expect(page.body).toContain("TEST MODE");
    expect(page.body).toContain("Consultation");
    // The amount as the chat's "Pay ₹500.00" link shows it (domain/shared/money.ts).
    expect(page.body).toContain("₹500.00");
    expect(page.body).not.toContain("Asha Verma");

    const link = await t.database.db
      .select()
      .from(notificationsOutbox)
      .where(
        and(eq(notificationsOutbox.userId, patient.userId), eq(notificationsOutbox.template, "payment.link")),
      );
    // The link is in the booking's answer; the message is a reminder to pay, five minutes into the hold …
    expect(link).toHaveLength(1);
    expect(link[0]).toMatchObject({ status: "pending", notBefore: new Date(TEST_NOW.getTime() + 5 * MIN) });
    // … withdrawn once the payment arrives.
    const paid = await t.app.inject({ method: "POST", url: `${pathOf(b.payment!.checkout_url)}/succeed` });
    expect(paid.statusCode).toBe(303);
    const [after] = await t.database.db
      .select()
      .from(notificationsOutbox)
      .where(eq(notificationsOutbox.id, link[0]!.id));
    expect(after).toMatchObject({ status: "cancelled" });
  });

  it("books a free consultation with no payment", async () => {
    const dr = await verifiedDoctor(t, { feeMinor: 0 });
    const patient = await signUp(t, "patient");
    const b = await bookOk(patient, dr.doctorId);
    expect(b.payment).toBeNull();
    expect(b.appointment.payment_status).toBe("not_required");
  });

  it("marks the payment and the appointment paid, posts once however often the payer presses Pay", async () => {
    const dr = await verifiedDoctor(t);
    const patient = await signUp(t, "patient");
    const b = await bookOk(patient, dr.doctorId);
    await pay(b);
    await pay(b);
    expect((await paymentRow(b.payment!.id)).status).toBe("succeeded");
    const appt = await appointmentRow(b.appointment.id);
    expect(appt.paymentStatus).toBe("paid");
    expect(appt.status).toBe("pending"); // the doctor still accepts
    expect(await postings("payment_captured", b.payment!.id)).toHaveLength(1);
    const receipt = await t.database.db
      .select()
      .from(notificationsOutbox)
      .where(
        and(
          eq(notificationsOutbox.userId, patient.userId),
          eq(notificationsOutbox.template, "payment.receipt"),
        ),
      );
    expect(receipt).toHaveLength(1);
    await ledgerBalanced();
  });

  it("lets a failed attempt be retried, and posts nothing for the failure", async () => {
    const dr = await verifiedDoctor(t);
    const patient = await signUp(t, "patient");
    const b = await bookOk(patient, dr.doctorId);
    await pay(b, "fail");
    expect((await paymentRow(b.payment!.id)).status).toBe("failed");
    expect(await postings("payment_captured", b.payment!.id)).toHaveLength(0);
    const page = await t.app.inject({ method: "GET", url: pathOf(b.payment!.checkout_url) });
    expect(page.body).toContain("try again");
    await pay(b);
    expect((await paymentRow(b.payment!.id)).status).toBe("succeeded");
  });

  it("has no Stripe webhook route while Stripe is not configured", async () => {
    const res = await t.app.inject({
      method: "POST",
      url: "/webhooks/stripe",
      headers: { "content-type": "application/json", "stripe-signature": "t=1,v1=00" },
      payload: "{}",
    });
    expect(res.statusCode).toBe(404);
  });

  it("answers 404 for an unknown checkout token", async () => {
    const res = await t.app.inject({ method: "GET", url: "/pay/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" });
    expect(res.statusCode).toBe(404);
    const res2 = await t.app.inject({ method: "POST", url: "/pay/short/succeed" });
    expect(res2.statusCode).toBe(404);
  });
});

describe("unpaid holds", () => {
  it("are released by the expiry job after the hold window, freeing the slot", async () => {
    const dr = await verifiedDoctor(t);
    const first = await signUp(t, "patient");
    const second = await signUp(t, "patient");
    const b = await bookOk(first, dr.doctorId);
    expect((await book(second, dr.doctorId)).statusCode).toBe(409);
    // The job, run early, does nothing.
    await t.services.payments.expirePayment(b.payment!.id);
    expect((await appointmentRow(b.appointment.id)).status).toBe("pending");
    t.clock.advance(16 * MIN);
    await t.services.payments.expirePayment(b.payment!.id);
    const appt = await appointmentRow(b.appointment.id);
    expect(appt.status).toBe("cancelled");
    expect((await paymentRow(b.payment!.id)).status).toBe("expired");
    const page = await t.app.inject({ method: "GET", url: pathOf(b.payment!.checkout_url) });
    expect(page.body).toContain("expired");
    expect(page.body).not.toContain("/succeed");
    expect((await book(second, dr.doctorId)).statusCode).toBe(201);
  });

  it("do not block a new booking once past their time, even before the job has run", async () => {
    const dr = await verifiedDoctor(t);
    const first = await signUp(t, "patient");
    const second = await signUp(t, "patient");
    const b = await bookOk(first, dr.doctorId);
    t.clock.advance(14 * MIN);
    expect((await book(second, dr.doctorId)).statusCode).toBe(409);
    t.clock.advance(2 * MIN);
    const again = await bookOk(second, dr.doctorId);
    expect(again.payment!.status).toBe("requires_payment");
    expect((await appointmentRow(b.appointment.id)).status).toBe("cancelled");
    expect((await paymentRow(b.payment!.id)).status).toBe("expired");
  });

  it("are released by the registered expiry job running in the workers", async () => {
    const dr = await verifiedDoctor(t);
    const patient = await signUp(t, "patient");
    const b = await bookOk(patient, dr.doctorId);
    t.clock.advance(16 * MIN);
    // The scheduled job waits on real timers; the same job, due now, goes through BullMQ and the handler.
    await t.jobs.add("payments.expire", { paymentId: b.payment!.id }, { jobId: `now-${b.payment!.id}` });
    for (let i = 0; i < 100 && (await appointmentRow(b.appointment.id)).status !== "cancelled"; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect((await appointmentRow(b.appointment.id)).status).toBe("cancelled");
    expect((await paymentRow(b.payment!.id)).status).toBe("expired");
  });

  it("show a slot held past its time as free, and let another appointment move into it", async () => {
    const dr = await verifiedDoctor(t);
    const holder = await signUp(t, "patient");
    const mover = await signUp(t, "patient");
    const held = await bookOk(holder, dr.doctorId, "10:00 AM");
    const other = await bookOk(mover, dr.doctorId, "11:00 AM");
    await pay(other);
    const times = async () =>
      (await t.app.inject({ method: "GET", url: `/api/doctor/slots/?doctor_id=${dr.doctorId}&date=${DAY}` }))
        .json()
        .slots.map((x: { appointment_time: string }) => x.appointment_time) as string[];
    expect(await times()).not.toContain("10:00 AM");
    t.clock.advance(16 * MIN);
    expect(await times()).toContain("10:00 AM");
    const moved = await post(mover.headers, "/api/reschedule/appointment/", {
      appointment_id: other.appointment.id,
      appointment_date: DAY,
      appointment_time: "10:00 AM",
    });
    expect(moved.statusCode, moved.body).toBe(200);
    expect((await appointmentRow(held.appointment.id)).status).toBe("cancelled");
    expect((await paymentRow(held.payment!.id)).status).toBe("expired");
  });

  it("never release a paid booking", async () => {
    const dr = await verifiedDoctor(t);
    const first = await signUp(t, "patient");
    const second = await signUp(t, "patient");
    const b = await bookOk(first, dr.doctorId);
    await pay(b);
    t.clock.advance(20 * MIN);
    await t.services.payments.expirePayment(b.payment!.id);
    expect((await book(second, dr.doctorId)).statusCode).toBe(409);
    expect((await appointmentRow(b.appointment.id)).status).toBe("pending");
  });

  it("refund a payment that arrives after the hold was released, automatically and in full", async () => {
    const dr = await verifiedDoctor(t);
    const patient = await signUp(t, "patient");
    const b = await bookOk(patient, dr.doctorId);
    t.clock.advance(16 * MIN);
    await t.services.payments.expirePayment(b.payment!.id);
    // The payer had the page open: the success still arrives.
    await t.services.payments.handleEvent({
      provider: "sandbox",
      eventId: "late-success-1",
      type: "payment.succeeded",
      paymentId: b.payment!.id,
    });
    const p = await paymentRow(b.payment!.id);
    expect(p.status).toBe("refunded");
    expect(p.refundedMinor).toBe(50_000);
    expect((await appointmentRow(b.appointment.id)).status).toBe("cancelled");
    await ledgerBalanced();
  });
});

describe("refunds", () => {
  async function paidBooking(dr: { doctorId: number }, time = "10:00 AM") {
    const patient = await signUp(t, "patient");
    const b = await bookOk(patient, dr.doctorId, time);
    await pay(b);
    return { patient, b };
  }

  it("refunds everything when the doctor rejects", async () => {
    const dr = await verifiedDoctor(t);
    const { b } = await paidBooking(dr);
    const res = await post(dr.headers, "/api/reject/appointment/request/", { request_id: b.appointment.id });
    expect(res.statusCode, res.body).toBe(200);
    const p = await paymentRow(b.payment!.id);
    expect(p.status).toBe("refunded");
    expect(p.refundedMinor).toBe(50_000);
    expect((await appointmentRow(b.appointment.id)).paymentStatus).toBe("refunded");
    expect(await postings("refund", b.payment!.id)).toHaveLength(1);
    await ledgerBalanced();
  });

  it("refunds everything when the doctor cancels, even at the last minute", async () => {
    const dr = await verifiedDoctor(t);
    const { b } = await paidBooking(dr);
    await post(dr.headers, "/api/accept/appointment/request/", { request_id: b.appointment.id });
    t.clock.set(new Date("2030-01-08T04:00:00Z"));
    const res = await post(dr.headers, "/api/cancel/appointment/", { appointment_id: b.appointment.id });
    expect(res.statusCode, res.body).toBe(200);
    expect((await paymentRow(b.payment!.id)).refundedMinor).toBe(50_000);
  });

  it("refunds a patient everything more than 24 hours before the start", async () => {
    const dr = await verifiedDoctor(t);
    const { patient, b } = await paidBooking(dr);
    const res = await post(patient.headers, "/api/cancel/appointment/", { appointment_id: b.appointment.id });
    expect(res.statusCode, res.body).toBe(200);
    const p = await paymentRow(b.payment!.id);
    expect(p.status).toBe("refunded");
    expect(p.refundedMinor).toBe(50_000);
  });

  it("refunds a patient half within 24 hours; the kept half is earned by the doctor less the platform fee", async () => {
    const dr = await verifiedDoctor(t);
    const { patient, b } = await paidBooking(dr);
    t.clock.set(new Date("2030-01-07T12:00:00Z")); // 16.5 hours before
    const res = await post(patient.headers, "/api/cancel/appointment/", { appointment_id: b.appointment.id });
    expect(res.statusCode, res.body).toBe(200);
    const p = await paymentRow(b.payment!.id);
    expect(p.status).toBe("partially_refunded");
    expect(p.refundedMinor).toBe(25_000);
    expect(await balance(Accounts.doctorPending(dr.doctorId, "INR").code)).toBe(22_500);
    // Cancelling again is refused and refunds nothing more.
    await post(patient.headers, "/api/cancel/appointment/", { appointment_id: b.appointment.id });
    expect((await paymentRow(b.payment!.id)).refundedMinor).toBe(25_000);
    await ledgerBalanced();
  });

  it("closes an unpaid payment when the booking is cancelled, so a later payment is refunded", async () => {
    const dr = await verifiedDoctor(t);
    const patient = await signUp(t, "patient");
    const b = await bookOk(patient, dr.doctorId);
    await post(patient.headers, "/api/cancel/appointment/", { appointment_id: b.appointment.id });
    expect((await paymentRow(b.payment!.id)).status).toBe("expired");
    await pay(b); // the page says expired, but a stale form still posts
    expect((await paymentRow(b.payment!.id)).status).toBe("refunded");
    await ledgerBalanced();
  });
});

describe("earnings and withdrawals", () => {
  /** A doctor with one completed 5000.00 consultation: 4500.00 earned after the 10% fee. */
  async function doctorWithEarnings() {
    const dr = await verifiedDoctor(t, { feeMinor: 500_000 });
    const patient = await signUp(t, "patient");
    const b = await bookOk(patient, dr.doctorId);
    await pay(b);
    await post(dr.headers, "/api/accept/appointment/request/", { request_id: b.appointment.id });
    t.clock.set(new Date("2030-01-08T05:00:00Z"));
    const done = await post(dr.headers, `/api/appointments/${b.appointment.id}/complete`, {});
    expect(done.statusCode, done.body).toBe(200);
    return { dr, patient, b };
  }

  async function earnings(dr: Session) {
    const res = await t.app.inject({
      method: "GET",
      url: `/api/doctor/earnings/?doctor_id=${dr.doctorId}`,
      headers: dr.headers,
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().earnings as Record<string, unknown>;
  }

  async function withdraw(dr: Session, amount: number, key?: string) {
    return t.app.inject({
      method: "POST",
      url: "/api/withdraw/earnings/",
      headers: { ...dr.headers, ...(key ? { "idempotency-key": key } : {}) },
      payload: { doctor_id: dr.doctorId, amount },
    });
  }

  it("holds a completed consultation's earning as pending, then makes it withdrawable after the hold", async () => {
    const { dr } = await doctorWithEarnings();
    expect(await earnings(dr)).toEqual({
      doctor_id: dr.doctorId,
      total_earnings: 4500,
      withdrawable_amount: 0,
      pending_amount: 4500,
      withdrawn_amount: 0,
      currency: "INR",
    });
    expect((await withdraw(dr, 100)).statusCode).toBe(422);
    t.clock.advance(7 * DAY_MS + 1000);
    expect(await earnings(dr)).toMatchObject({
      withdrawable_amount: 4500,
      pending_amount: 0,
      total_earnings: 4500,
    });
    expect(await balance(Accounts.platformRevenue("INR").code)).toBeGreaterThanOrEqual(50_000);
    await ledgerBalanced();
  });

  it("withdraws, replays the same Idempotency-Key without moving money again, and refuses it with another body", async () => {
    const { dr } = await doctorWithEarnings();
    t.clock.advance(8 * DAY_MS);
    const first = await withdraw(dr, 2000, "key-1");
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({
      status: "success",
      message: "Earnings withdrawal successful. Amount: 2000.00",
      withdrawal: { status: "paid" },
    });
    const again = await withdraw(dr, 2000, "key-1");
    expect(again.statusCode).toBe(200);
    expect(again.json().withdrawal.id).toBe(first.json().withdrawal.id);
    expect(await earnings(dr)).toMatchObject({ withdrawable_amount: 2500, withdrawn_amount: 2000 });
    const other = await withdraw(dr, 1000, "key-1");
    expect(other.statusCode).toBe(422);
    expect(other.json().error.code).toBe("IDEMPOTENCY_KEY_REUSED");
    const over = await withdraw(dr, 2500.01);
    expect(over.statusCode).toBe(422);
    expect(over.json().error.code).toBe("INSUFFICIENT_WITHDRAWABLE_BALANCE");
    const history = await t.app.inject({
      method: "GET",
      url: `/api/doctor/withdrawals/?doctor_id=${dr.doctorId}`,
      headers: dr.headers,
    });
    expect(history.json().withdrawals).toHaveLength(1);
    expect(history.json().withdrawals[0]).toMatchObject({ amount: 2000, status: "paid", currency: "INR" });
    await ledgerBalanced();
  });

  it("lets 50 concurrent withdrawals take no more than the withdrawable amount", async () => {
    const { dr } = await doctorWithEarnings();
    t.clock.advance(8 * DAY_MS);
    const results = await Promise.all(Array.from({ length: 50 }, () => withdraw(dr, 100)));
    const ok = results.filter((r) => r.statusCode === 200).length;
    expect(ok).toBe(45);
    for (const r of results.filter((x) => x.statusCode !== 200)) {
      expect(r.statusCode).toBe(422);
      expect(r.json().error.code).toBe("INSUFFICIENT_WITHDRAWABLE_BALANCE");
    }
    expect(await earnings(dr)).toMatchObject({ withdrawable_amount: 0, withdrawn_amount: 4500 });
    await ledgerBalanced();
  });

  it("bears a refund made after delivery on the platform, never on the doctor's earnings", async () => {
    const { dr, b } = await doctorWithEarnings();
    const revenueBefore = await balance(Accounts.platformRevenue("INR").code);
    await t.services.payments.handleEvent({
      provider: "sandbox",
      eventId: "dashboard-refund-after-delivery",
      type: "refund.succeeded",
      refundRef: "re_after_delivery",
      paymentId: b.payment!.id,
      amountMinor: 100_000,
    });
    expect((await paymentRow(b.payment!.id)).refundedMinor).toBe(100_000);
    expect(await balance(Accounts.platformRevenue("INR").code)).toBe(revenueBefore - 100_000);
    expect(await earnings(dr)).toMatchObject({ total_earnings: 4500, pending_amount: 4500 });
    await ledgerBalanced();
  });

  it("returns a failed payout's money to the withdrawable balance", async () => {
    const { dr } = await doctorWithEarnings();
    t.clock.advance(8 * DAY_MS);
    const res = await withdraw(dr, 1000);
    const id = res.json().withdrawal.id as number;
    // The bank bounces it after it was reported paid.
    await t.services.payments.handleEvent({
      provider: "sandbox",
      eventId: "payout-bounced-1",
      type: "payout.failed",
      payoutRef: `sandbox_po_${id}`,
      withdrawalId: id,
    });
    expect(await earnings(dr)).toMatchObject({ withdrawable_amount: 4500, withdrawn_amount: 0 });
    await ledgerBalanced();
  });

  it("refuses withdrawals by anyone but the doctor, and shows earnings to nobody else", async () => {
    const { dr } = await doctorWithEarnings();
    const other = await verifiedDoctor(t);
    const patient = await signUp(t, "patient");
    const byOther = await t.app.inject({
      method: "POST",
      url: "/api/withdraw/earnings/",
      headers: other.headers,
      payload: { doctor_id: dr.doctorId, amount: 1 },
    });
    expect(byOther.statusCode).toBe(404);
    const byPatient = await t.app.inject({
      method: "POST",
      url: "/api/withdraw/earnings/",
      headers: patient.headers,
      payload: { doctor_id: dr.doctorId, amount: 1 },
    });
    expect(byPatient.statusCode).toBe(403);
    const peek = await t.app.inject({
      method: "GET",
      url: `/api/doctor/earnings/?doctor_id=${dr.doctorId}`,
      headers: other.headers,
    });
    expect(peek.statusCode).toBe(404);
    expect((await withdraw(dr, 0.001)).statusCode).toBe(400);
  });
});

describe("receipts and the admin's view", () => {
  it("lists a patient's payments and gives a PDF receipt for a paid one, to that patient only", async () => {
    const dr = await verifiedDoctor(t);
    const patient = await signUp(t, "patient");
    const stranger = await signUp(t, "patient");
    const b = await bookOk(patient, dr.doctorId);
    const unpaidReceipt = await t.app.inject({
      method: "GET",
      url: `/api/patient/payments/${b.payment!.id}/receipt`,
      headers: patient.headers,
    });
    expect(unpaidReceipt.statusCode).toBe(422);
    await pay(b);
    const list = await t.app.inject({
      method: "GET",
      url: `/api/patient/payments/?patient_id=${patient.patientId}`,
      headers: patient.headers,
    });
    expect(list.statusCode).toBe(200);
    expect(list.json().payments[0]).toMatchObject({
      id: b.payment!.id,
      description: "Consultation",
      status: "succeeded",
      amount: 500,
    });
    const pdf = await t.app.inject({
      method: "GET",
      url: `/api/patient/payments/${b.payment!.id}/receipt`,
      headers: patient.headers,
    });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers["content-type"]).toBe("application/pdf");
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe("%PDF-");
    const theirs = await t.app.inject({
      method: "GET",
      url: `/api/patient/payments/${b.payment!.id}/receipt`,
      headers: stranger.headers,
    });
    expect(theirs.statusCode).toBe(404);
    const theirList = await t.app.inject({
      method: "GET",
      url: `/api/patient/payments/?patient_id=${patient.patientId}`,
      headers: stranger.headers,
    });
    expect(theirList.statusCode).toBe(404);
  });

  it("shows admins the platform revenue and exports the ledger as CSV, to admins only", async () => {
    const admin = await signInAs(t, "admin");
    const dr = await verifiedDoctor(t);
    const patient = await signUp(t, "patient");
    await pay(await bookOk(patient, dr.doctorId));
    const rev = await t.app.inject({ method: "GET", url: "/api/admin/revenue/", headers: admin.headers });
    expect(rev.statusCode).toBe(200);
    const inr = (rev.json().revenue as { currency: string; held_for_patients: number }[]).find(
      (r) => r.currency === "INR",
    );
    expect(inr!.held_for_patients).toBeGreaterThan(0);
    const csv = await t.app.inject({ method: "GET", url: "/api/admin/ledger.csv", headers: admin.headers });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers["content-type"]).toContain("text/csv");
    const lines = csv.body.trim().split("\n");
    expect(lines[0]).toBe("entry_id,transaction_id,at,kind,key,account,debit_minor,credit_minor,currency");
    expect(lines.some((l) => l.includes("payment_captured"))).toBe(true);
    expect(
      (await t.app.inject({ method: "GET", url: "/api/admin/ledger.csv", headers: dr.headers })).statusCode,
    ).toBe(403);
  });

  it("lists the ledger by date range and kind with the range's totals, and exports that range as CSV", async () => {
    const admin = await signInAs(t, "admin");
    const dr = await verifiedDoctor(t);
    const patient = await signUp(t, "patient");
    await pay(await bookOk(patient, dr.doctorId));
    const day = t.clock.now().toISOString().slice(0, 10);
    const get = (url: string, s: Session = admin) => t.app.inject({ method: "GET", url, headers: s.headers });

    const res = await get(`/api/admin/ledger?from=${day}&to=${day}&kind=payment_captured&per_page=1`);
    expect(res.statusCode).toBe(200);
    const body = res.json<{
      entries: { kind: string; at: string; debit: number; credit: number }[];
      has_more: boolean;
      totals: { kind: string; currency: string; transactions: number; amount: number }[];
    }>();
    expect(body.entries).toHaveLength(1);
    expect(body.has_more).toBe(true);
    expect(body.entries[0]!.kind).toBe("payment_captured");
    expect(body.entries[0]!.at.slice(0, 10)).toBe(day);
    expect(body.totals.map((x) => x.kind)).toEqual(body.totals.map(() => "payment_captured"));
    expect(body.totals.find((x) => x.currency === "INR")!.transactions).toBeGreaterThan(0);

    // A range before anything happened is empty, in JSON and in CSV (the header only).
    const empty = await get("/api/admin/ledger?from=2001-01-01&to=2001-01-31");
    expect(empty.json()).toEqual({ entries: [], has_more: false, totals: [] });
    const csv = await get("/api/admin/ledger.csv?from=2001-01-01&to=2001-01-31");
    expect(csv.body.trim().split("\n")).toHaveLength(1);
    expect(csv.headers["content-disposition"]).toContain("ledger-from-2001-01-01-to-2001-01-31.csv");

    const backwards = await get("/api/admin/ledger?from=2030-02-01&to=2030-01-01");
    expect([backwards.statusCode, backwards.json().error.code]).toEqual([400, "INVALID_RANGE"]);
    expect((await get("/api/admin/ledger?from=2030-02-30")).statusCode).toBe(400);
    expect((await get("/api/admin/ledger", dr)).statusCode).toBe(403);
  });
});

describe("provider events", () => {
  it("applies the same event delivered 10 times at once exactly once", async () => {
    const dr = await verifiedDoctor(t);
    const patient = await signUp(t, "patient");
    const b = await bookOk(patient, dr.doctorId);
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () =>
        t.services.payments.handleEvent({
          provider: "sandbox",
          eventId: "evt-concurrent-1",
          type: "payment.succeeded",
          paymentId: b.payment!.id,
        }),
      ),
    );
    expect(outcomes.filter((o) => o === "processed")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "duplicate")).toHaveLength(9);
    expect(await postings("payment_captured", b.payment!.id)).toHaveLength(1);
  });

  it("handles a refund that arrives before the success it refers to, and a duplicate success after it", async () => {
    const dr = await verifiedDoctor(t);
    const patient = await signUp(t, "patient");
    const b = await bookOk(patient, dr.doctorId);
    await t.services.payments.handleEvent({
      provider: "sandbox",
      eventId: "evt-refund-first",
      type: "refund.succeeded",
      refundRef: "re_external_1",
      paymentId: b.payment!.id,
      amountMinor: 50_000,
    });
    for (const id of ["evt-success-late", "evt-success-late-2"])
      await t.services.payments.handleEvent({
        provider: "sandbox",
        eventId: id,
        type: "payment.succeeded",
        paymentId: b.payment!.id,
      });
    const p = await paymentRow(b.payment!.id);
    expect(p.status).toBe("refunded");
    expect(await postings("payment_captured", b.payment!.id)).toHaveLength(1);
    expect(await postings("refund", b.payment!.id)).toHaveLength(1);
    await ledgerBalanced();
  });

  it("acknowledges an event about a payment it does not know and changes nothing", async () => {
    expect(
      await t.services.payments.handleEvent({
        provider: "sandbox",
        eventId: "evt-unknown-payment",
        type: "payment.succeeded",
        paymentId: 999_999,
      }),
    ).toBe("ignored");
  });
});
