import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { payments, pharmacyOrders } from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../../test/app.js";
import { signStripePayload, startFakeStripe, stripeEvent, type FakeStripe } from "../../test/fakes/stripe.js";
import { careTeam, doctor, patient, prescribe, withCatalog, type PaymentLink } from "../../test/orders.js";

/** Pharmacy orders and lab bookings paid and refunded through Stripe (a local fake): no clinical detail leaves. */

const SECRET = "whsec_test_secret_for_orders";
const PATIENT_NAME = "Meera Krishnan";
const ADDRESS = "7 Temple Street, Chennai";

let t: TestApp;
let fake: FakeStripe;

beforeAll(async () => {
  fake = await startFakeStripe();
  t = await buildTestApp({
    env: { STRIPE_SECRET_KEY: "sk_test_fake", STRIPE_WEBHOOK_SECRET: SECRET, STRIPE_API_BASE: fake.url },
  });
  await withCatalog(t);
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

async function deliver(event: Record<string, unknown>) {
  const payload = JSON.stringify(event);
  return t.app.inject({
    method: "POST",
    url: "/webhooks/stripe",
    headers: {
      "content-type": "application/json",
      "stripe-signature": signStripePayload(payload, SECRET, Math.floor(Date.now() / 1000)),
    },
    payload,
  });
}

async function paymentRow(id: number) {
  const [p] = await t.database.db.select().from(payments).where(eq(payments.id, id));
  return p!;
}

/** Opens the checkout link (the Checkout Session is created then) and returns the session request sent. */
async function openCheckout(payment: PaymentLink) {
  const page = await t.app.inject({ method: "GET", url: new URL(payment.checkout_url).pathname });
  expect(page.statusCode, page.body).toBe(303);
  const sessionId = (await paymentRow(payment.id)).providerRef!;
  const created = fake.requests.filter(
    (r) => r.path === "/v1/checkout/sessions" && r.params["metadata[payment_id]"] === String(payment.id),
  );
  expect(created).toHaveLength(1);
  return { sessionId, request: created[0]! };
}

function completed(sessionId: string, paymentId: number, pi: string) {
  return stripeEvent("checkout.session.completed", {
    id: sessionId,
    object: "checkout.session",
    payment_status: "paid",
    status: "complete",
    client_reference_id: String(paymentId),
    metadata: { payment_id: String(paymentId) },
    payment_intent: pi,
  });
}

describe("orders paid through Stripe", () => {
  it("sends Stripe only opaque ids and generic names: no medicine, test, patient name or address", async () => {
    const dr = await doctor(t, "Dr Asha Rao");
    const p = await patient(t, PATIENT_NAME);
    await careTeam(t, dr.doctorId, p.patientId);
    await prescribe(t, {
      patientId: p.patientId,
      doctorId: dr.doctorId,
      createdByUserId: dr.userId,
      items: [{ medicine: "Metformin 500 mg", generics: ["metformin"], strength: "500 mg" }],
    });

    // A prescribed medicine, paid, then cancelled and refunded.
    const before = fake.requests.length;
    const bought = await t.app.inject({
      method: "POST",
      url: "/api/purchase/medicine/",
      headers: p.headers,
      payload: { medicine_name: "Metformin 500 mg tablet", quantity: 3, delivery_address: ADDRESS },
    });
    expect(bought.statusCode, bought.body).toBe(201);
    expect(fake.requests.length).toBe(before); // no provider call inside the order's transaction
    const orderId: number = bought.json().medicine_purchase.purchase_id;
    const payment: PaymentLink = bought.json().payment;
    const { sessionId, request } = await openCheckout(payment);
    expect(request.params["line_items[0][price_data][product_data][name]"]).toBe("Pharmacy order");
    expect(Object.keys(request.params).filter((k) => k.startsWith("metadata["))).toEqual([
      "metadata[payment_id]",
    ]);

    const paid = await deliver(completed(sessionId, payment.id, "pi_test_order_1"));
    expect(paid.statusCode, paid.body).toBe(200);
    const [order] = await t.database.db.select().from(pharmacyOrders).where(eq(pharmacyOrders.id, orderId));
    expect(order!.paymentStatus).toBe("paid");

    const cancelled = await t.app.inject({
      method: "POST",
      url: `/api/patient/orders/${orderId}/cancel`,
      headers: p.headers,
      payload: { reason: "Metformin upsets my stomach" },
    });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    const refund = fake.requests.find((r) => r.path === "/v1/refunds");
    expect(refund?.params.payment_intent).toBe("pi_test_order_1");
    expect(await paymentRow(payment.id)).toMatchObject({ status: "refunded" });

    // A lab test booked and opened at checkout.
    const booked = await t.app.inject({
      method: "POST",
      url: "/api/book/labtest/",
      headers: p.headers,
      payload: { test_name: "Complete Blood Count", appointment_date: "2030-01-12" },
    });
    expect(booked.statusCode, booked.body).toBe(201);
    const labCheckout = await openCheckout(booked.json().payment);
    expect(labCheckout.request.params["line_items[0][price_data][product_data][name]"]).toBe("Lab test");

    const sent = fake.everythingSent();
    for (const secret of [/metformin/i, /blood count/i, /Meera/, /Krishnan/, /Temple Street/, /stomach/])
      expect(sent).not.toMatch(secret);
  });
});
