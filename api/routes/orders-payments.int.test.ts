import { and, eq, like, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../../db/client.js";
import {
  labBookings,
  ledgerTransactions,
  notificationsOutbox,
  payments,
  pharmacyOrders,
  refunds,
} from "../../db/schema/index.js";
import { Accounts } from "../../domain/payments/ledger/accounts.js";
import { buildTestApp, TEST_NOW, type TestApp } from "../../test/app.js";
import { signInAs, type Session } from "../../test/factories.js";
import {
  careTeam,
  doctor,
  fillsRemaining,
  patient,
  payThroughSandbox,
  prescribe,
  withCatalog,
  type PaymentLink,
} from "../../test/orders.js";

/** Pharmacy orders and lab bookings as payment purposes, through the API and the sandbox checkout page. */

let t: TestApp;
let pharmacist: Session;
let lab: Session;
let drRao: Session & { doctorId: number };

const MIN = 60_000;
const ADDRESS = "7 Temple Street, Chennai";
// TEST_NOW is Monday 2030-01-07.
const SATURDAY = "2030-01-12";

beforeAll(async () => {
  t = await buildTestApp();
  await withCatalog(t);
  pharmacist = await signInAs(t, "pharmacist");
  lab = await signInAs(t, "lab");
  drRao = await doctor(t, "Dr Asha Rao");
});
afterEach(() => {
  t.clock.set(TEST_NOW);
});
afterAll(async () => {
  await t.close();
});

function post(s: Session, url: string, payload: object = {}) {
  return t.app.inject({ method: "POST", url, headers: s.headers, payload });
}
function get(s: Session, url: string) {
  return t.app.inject({ method: "GET", url, headers: s.headers });
}

async function buy(p: Session, medicine: string, quantity = 1) {
  const res = await post(p, "/api/purchase/medicine/", {
    medicine_name: medicine,
    quantity,
    delivery_address: ADDRESS,
  });
  expect(res.statusCode, res.body).toBe(201);
  const body = res.json<{
    medicine_purchase: { purchase_id: number; total_cost: number; payment_status: string };
    payment: PaymentLink;
  }>();
  return { id: body.medicine_purchase.purchase_id, purchase: body.medicine_purchase, payment: body.payment };
}

function setStatus(id: number, status: string, extra: Record<string, unknown> = {}) {
  return post(pharmacist, `/api/pharmacy/orders/${id}/status`, { status, ...extra });
}

/** A patient with a metformin prescription (3 packs per fill). */
async function metforminPatient(name = "Meera Krishnan") {
  const p = await patient(t, name);
  await careTeam(t, drRao.doctorId, p.patientId);
  const rx = await prescribe(t, {
    patientId: p.patientId,
    doctorId: drRao.doctorId,
    createdByUserId: drRao.userId,
    items: [{ medicine: "Metformin 500 mg", generics: ["metformin"], strength: "500 mg", fillsRemaining: 1 }],
  });
  return { p, itemId: rx.itemIds[0]! };
}

async function paymentRow(id: number) {
  const [row] = await t.database.db.select().from(payments).where(eq(payments.id, id));
  return row!;
}
async function orderRow(id: number) {
  const [row] = await t.database.db.select().from(pharmacyOrders).where(eq(pharmacyOrders.id, id));
  return row!;
}
async function bookingRow(id: number) {
  const [row] = await t.database.db.select().from(labBookings).where(eq(labBookings.id, id));
  return row!;
}
async function refundsOf(paymentId: number) {
  return t.database.db.select().from(refunds).where(eq(refunds.paymentId, paymentId));
}
async function postings(kind: string, paymentId: number) {
  return t.database.db
    .select()
    .from(ledgerTransactions)
    .where(and(eq(ledgerTransactions.kind, kind), eq(ledgerTransactions.paymentId, paymentId)));
}
async function outbox(userId: number, template: string) {
  return t.database.db
    .select()
    .from(notificationsOutbox)
    .where(and(eq(notificationsOutbox.userId, userId), like(notificationsOutbox.template, template)));
}
const minor = (major: number) => Math.round(major * 100);
const revenue = () => t.services.payments.ledger.balance(t.database.db, Accounts.platformRevenue("INR").code);

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

describe("a pharmacy order's payment", () => {
  it("comes beside the order for its total, on a checkout page that names no medicine and no patient", async () => {
    const p = await patient(t, "Meera Krishnan");
    const { purchase, payment } = await buy(p, "Paracetamol 500 mg tablet", 2);
    expect(purchase.payment_status).toBe("unpaid");
    expect(payment).toMatchObject({
      status: "requires_payment",
      amount: purchase.total_cost,
      currency: "INR",
    });
    expect(payment.expires_at).toBe(new Date(TEST_NOW.getTime() + 15 * MIN).toISOString());
    const page = await t.app.inject({ method: "GET", url: new URL(payment.checkout_url).pathname });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("Pharmacy order");
    expect(page.body).not.toMatch(/paracetamol/i);
    expect(page.body).not.toContain("Meera");
    expect(await outbox(p.userId, "payment.link")).toHaveLength(1);

    const many = await post(p, "/api/pharmacy/orders/", {
      items: [{ medicine_name: "Paracetamol 500 mg tablet", quantity: 1 }],
      delivery_address: ADDRESS,
    });
    expect(many.statusCode, many.body).toBe(201);
    expect(many.json().payment).toMatchObject({
      status: "requires_payment",
      amount: many.json().order.total_cost,
    });
  });

  it("must be paid before the pharmacist confirms; paying marks the order paid and tells the patient", async () => {
    const p = await patient(t);
    const { id, payment } = await buy(p, "Paracetamol 500 mg tablet");
    const early = await setStatus(id, "confirmed");
    expect(early.statusCode).toBe(422);
    expect(early.json().error.code).toBe("PAYMENT_REQUIRED");
    expect((await orderRow(id)).status).toBe("pending");

    await payThroughSandbox(t, payment);
    await payThroughSandbox(t, payment); // pressed twice: one payment, one event
    expect((await paymentRow(payment.id)).status).toBe("succeeded");
    const order = (await get(p, `/api/pharmacy/orders/${id}/`)).json().order;
    expect(order).toMatchObject({ status: "pending", payment_status: "paid" });
    expect(order.history.filter((h: { by: string }) => h.by === "payment")).toEqual([
      expect.objectContaining({ from_status: "pending", status: "pending", note: "paid" }),
    ]);
    expect(await outbox(p.userId, "pharmacy_order.paid")).toHaveLength(1);

    const confirmed = await setStatus(id, "confirmed");
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    expect(confirmed.json().order.status).toBe("confirmed");
  });

  it("not made in time cancels the order and returns the prescription fill; a late payment is refunded", async () => {
    const { p, itemId } = await metforminPatient();
    const { id, payment } = await buy(p, "Metformin 500 mg tablet", 3);
    expect(await fillsRemaining(t, itemId)).toBe(0);

    t.clock.set(new Date(TEST_NOW.getTime() + 10 * MIN));
    await t.services.payments.expirePayment(payment.id); // too early: nothing happens
    expect((await orderRow(id)).status).toBe("pending");

    t.clock.set(new Date(TEST_NOW.getTime() + 16 * MIN));
    await t.services.payments.expirePayment(payment.id);
    await t.services.payments.expirePayment(payment.id);
    expect((await paymentRow(payment.id)).status).toBe("expired");
    const order = (await get(p, `/api/pharmacy/orders/${id}/`)).json().order;
    expect(order).toMatchObject({ status: "cancelled", payment_status: "unpaid" });
    expect(order.history.at(-1)).toMatchObject({ from_status: "pending", status: "cancelled", by: "system" });
    expect(await fillsRemaining(t, itemId)).toBe(1);
    expect(await outbox(p.userId, "pharmacy_order.cancelled")).toHaveLength(1);
    expect((await setStatus(id, "confirmed")).json().error.code).toBe("INVALID_TRANSITION");

    // Paid anyway (the page was still open): refunded in full, automatically; the order stays cancelled.
    await payThroughSandbox(t, payment);
    expect(await paymentRow(payment.id)).toMatchObject({
      status: "refunded",
      refundedMinor: minor(payment.amount),
    });
    expect((await orderRow(id)).status).toBe("cancelled");
    await ledgerBalanced();
  });

  it("is refunded in full, once, when the patient cancels a paid order; recorded and balanced", async () => {
    const { p, itemId } = await metforminPatient();
    const { id, payment } = await buy(p, "Metformin 500 mg tablet", 3);
    await payThroughSandbox(t, payment);
    expect((await orderRow(id)).paymentStatus).toBe("paid");

    const cancelled = await post(p, `/api/patient/orders/${id}/cancel`, { reason: "Changed my mind" });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect(cancelled.json().order).toMatchObject({ status: "cancelled", payment_status: "refunded" });
    expect(await fillsRemaining(t, itemId)).toBe(1);
    const rows = await refundsOf(payment.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      status: "succeeded",
      amountMinor: minor(payment.amount),
      reason: "order_cancelled",
      idempotencyKey: `pharmacy_order:${id}:refund`,
    });
    expect(await paymentRow(payment.id)).toMatchObject({
      status: "refunded",
      refundedMinor: minor(payment.amount),
    });
    expect(await postings("refund", payment.id)).toHaveLength(1);
    expect(await outbox(p.userId, "payment.refunded")).toHaveLength(1);

    expect((await post(p, `/api/patient/orders/${id}/cancel`, {})).statusCode).toBe(422);
    expect(await refundsOf(payment.id)).toHaveLength(1);
    await ledgerBalanced();
  });

  it("is refunded when the pharmacy cancels a paid order after dispatch", async () => {
    const p = await patient(t);
    const { id, payment } = await buy(p, "Paracetamol 500 mg tablet");
    await payThroughSandbox(t, payment);
    for (const status of ["confirmed", "dispatched"])
      expect((await setStatus(id, status)).statusCode).toBe(200);
    const res = await setStatus(id, "cancelled", { note: "Returned by courier" });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().order.payment_status).toBe("refunded");
    expect(await paymentRow(payment.id)).toMatchObject({ status: "refunded" });
    expect((await refundsOf(payment.id)).map((r) => r.status)).toEqual(["succeeded"]);
    await ledgerBalanced();
  });

  it("refunds a payment made after the patient cancelled the unpaid order", async () => {
    const p = await patient(t);
    const { id, payment } = await buy(p, "Paracetamol 500 mg tablet");
    expect((await post(p, `/api/patient/orders/${id}/cancel`, {})).statusCode).toBe(200);
    expect(await refundsOf(payment.id)).toHaveLength(0);
    // The link closes with the order; a payment that gets through anyway (a race) is refunded.
    expect(await paymentRow(payment.id)).toMatchObject({ status: "expired" });
    const page = await t.app.inject({ method: "GET", url: new URL(payment.checkout_url).pathname });
    expect(page.body).toContain("This booking was cancelled, so this link takes no payment.");
    await payThroughSandbox(t, payment);
    expect(await paymentRow(payment.id)).toMatchObject({ status: "refunded" });
    expect(await orderRow(id)).toMatchObject({ status: "cancelled", paymentStatus: "unpaid" });
    await ledgerBalanced();
  });

  it("ends cancelled and refunded once, without a deadlock, when the payment and a cancellation race", async () => {
    const p = await patient(t);
    for (let i = 0; i < 6; i++) {
      const { id, payment } = await buy(p, "Paracetamol 500 mg tablet");
      const [paid, cancel] = await Promise.all([
        t.app.inject({ method: "POST", url: `${new URL(payment.checkout_url).pathname}/succeed` }),
        post(p, `/api/patient/orders/${id}/cancel`, {}),
      ]);
      expect(paid.statusCode).toBe(303);
      expect(cancel.statusCode, cancel.body).toBe(200);
      expect((await orderRow(id)).status).toBe("cancelled");
      expect(await paymentRow(payment.id)).toMatchObject({
        status: "refunded",
        refundedMinor: minor(payment.amount),
      });
      expect((await refundsOf(payment.id)).map((r) => r.status)).toEqual(["succeeded"]);
    }
    await ledgerBalanced();
  });

  it("becomes platform revenue, once, when the order is delivered", async () => {
    const p = await patient(t);
    const { id, payment } = await buy(p, "Paracetamol 500 mg tablet", 2);
    await payThroughSandbox(t, payment);
    const before = await revenue();
    for (const status of ["confirmed", "dispatched", "out_for_delivery", "delivered"])
      expect((await setStatus(id, status)).statusCode).toBe(200);
    expect(await revenue()).toBe(before + minor(payment.amount));
    expect(await postings("revenue_recognised", payment.id)).toHaveLength(1);
    await ledgerBalanced();
  });
});

describe("a lab booking's payment", () => {
  async function bookCbc(s: Session, fields: Record<string, unknown> = {}) {
    const res = await post(s, "/api/book/labtest/", {
      test_name: "CBC",
      appointment_date: SATURDAY,
      ...fields,
    });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json<{
      lab_test_booking: { booking_id: number; price: number; payment_status: string };
      payment: PaymentLink;
    }>();
    return { id: body.lab_test_booking.booking_id, booking: body.lab_test_booking, payment: body.payment };
  }
  const collect = (id: number) => post(lab, `/api/lab/bookings/${id}/status`, { status: "sample_collected" });

  it("comes beside the booking; the sample is collected only once it is paid", async () => {
    const p = await patient(t, "Lena Schmidt");
    const { id, booking, payment } = await bookCbc(p);
    expect(booking.payment_status).toBe("unpaid");
    expect(payment).toMatchObject({ status: "requires_payment", amount: booking.price, currency: "INR" });
    const page = await t.app.inject({ method: "GET", url: new URL(payment.checkout_url).pathname });
    expect(page.body).toContain("Lab test");
    expect(page.body).not.toMatch(/blood count|CBC/);

    const early = await collect(id);
    expect(early.statusCode).toBe(422);
    expect(early.json().error.code).toBe("PAYMENT_REQUIRED");

    await payThroughSandbox(t, payment);
    const seen = (await get(p, `/api/lab/bookings/${id}/`)).json().booking;
    expect(seen).toMatchObject({ status: "scheduled", payment_status: "paid" });
    expect(seen.history.at(-1)).toMatchObject({
      from_status: "scheduled",
      status: "scheduled",
      note: "paid",
    });
    expect(await outbox(p.userId, "lab_booking.paid")).toHaveLength(1);
    const ok = await collect(id);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().booking.status).toBe("sample_collected");
  });

  it("is refunded in full when a paid booking is cancelled, by the patient or by the lab", async () => {
    const p = await patient(t);
    const mine = await bookCbc(p);
    await payThroughSandbox(t, mine.payment);
    const cancelled = await post(p, `/api/lab/bookings/${mine.id}/cancel`, {});
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect(cancelled.json().booking).toMatchObject({ status: "cancelled", payment_status: "refunded" });
    expect(await refundsOf(mine.payment.id)).toEqual([
      expect.objectContaining({
        status: "succeeded",
        amountMinor: minor(mine.payment.amount),
        idempotencyKey: `lab_booking:${mine.id}:refund`,
      }),
    ]);

    const taken = await bookCbc(p);
    await payThroughSandbox(t, taken.payment);
    expect((await collect(taken.id)).statusCode).toBe(200);
    const byLab = await post(lab, `/api/lab/bookings/${taken.id}/status`, {
      status: "cancelled",
      note: "Sample haemolysed",
    });
    expect(byLab.statusCode, byLab.body).toBe(200);
    expect(await paymentRow(taken.payment.id)).toMatchObject({ status: "refunded" });
    expect((await bookingRow(taken.id)).paymentStatus).toBe("refunded");
    await ledgerBalanced();
  });

  it("not made in time cancels the booking; a doctor's order gives the patient a day to pay", async () => {
    const p = await patient(t);
    await careTeam(t, drRao.doctorId, p.patientId);
    const { id, payment } = await bookCbc(p);
    t.clock.set(new Date(TEST_NOW.getTime() + 16 * MIN));
    await t.services.payments.expirePayment(payment.id);
    expect(await bookingRow(id)).toMatchObject({ status: "cancelled", paymentStatus: "unpaid" });
    expect((await collect(id)).statusCode).toBe(422);
    t.clock.set(TEST_NOW);

    const ordered = await bookCbc(drRao, { patient_id: p.patientId });
    expect(ordered.payment.expires_at).toBe(new Date(TEST_NOW.getTime() + 24 * 60 * MIN).toISOString());
    t.clock.set(new Date(TEST_NOW.getTime() + 16 * MIN));
    await t.services.payments.expirePayment(ordered.payment.id);
    expect((await bookingRow(ordered.id)).status).toBe("scheduled");
  });

  it("becomes platform revenue when the results are posted", async () => {
    const p = await patient(t);
    const { id, payment } = await bookCbc(p);
    await payThroughSandbox(t, payment);
    expect((await collect(id)).statusCode).toBe(200);
    const before = await revenue();
    const res = await post(lab, "/api/lab/results/", {
      booking_id: id,
      results: [{ name: "HGB", value: 13 }],
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(await revenue()).toBe(before + minor(payment.amount));
    expect(await postings("revenue_recognised", payment.id)).toHaveLength(1);
    await ledgerBalanced();
  });
});
