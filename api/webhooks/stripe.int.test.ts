import { and, eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ledgerTransactions, payments, withdrawals } from "../../db/schema/index.js";
import { buildTestApp, TEST_NOW, type TestApp } from "../../test/app.js";
import { signUp, verifiedDoctor, type Session } from "../../test/factories.js";
import { signStripePayload, startFakeStripe, stripeEvent, type FakeStripe } from "../../test/fakes/stripe.js";

const SECRET = "whsec_test_secret_for_healthlink";
const PATIENT_NAME = "Meera Krishnan";
const REASON = "Diagnosis: type 2 diabetes, needs metformin and atorvastatin";

let t: TestApp;
let fake: FakeStripe;

beforeAll(async () => {
  fake = await startFakeStripe();
  t = await buildTestApp({
    env: { STRIPE_SECRET_KEY: "sk_test_fake", STRIPE_WEBHOOK_SECRET: SECRET, STRIPE_API_BASE: fake.url },
  });
});
afterEach(() => {
  t.clock.set(TEST_NOW);
  fake.behaviour.refundStatus = "succeeded";
  fake.behaviour.payoutStatus = "pending";
  fake.behaviour.refuseTransfers = false;
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

const MIN = 60_000;

async function deliver(event: Record<string, unknown>, opts: { secret?: string; timestamp?: number } = {}) {
  const payload = JSON.stringify(event);
  const ts = opts.timestamp ?? Math.floor(Date.now() / 1000);
  return t.app.inject({
    method: "POST",
    url: "/webhooks/stripe",
    headers: {
      "content-type": "application/json",
      "stripe-signature": signStripePayload(payload, opts.secret ?? SECRET, ts),
    },
    payload,
  });
}

type Booking = { appointment: { id: number }; payment: { id: number; checkout_url: string } };

async function bookAndOpenCheckout(patient: Session, doctorId: number, time = "10:00 AM") {
  const res = await t.app.inject({
    method: "POST",
    url: "/api/book/appointment/",
    headers: patient.headers,
    payload: {
      doctor_id: doctorId,
      appointment_date: "2030-01-08",
      appointment_time: time,
      patient_name: PATIENT_NAME,
      reason: REASON,
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  const b = res.json<Booking>();
  const page = await t.app.inject({ method: "GET", url: new URL(b.payment.checkout_url).pathname });
  expect(page.statusCode).toBe(303);
  const cs = (await row(b.payment.id)).providerRef!;
  expect(page.headers.location).toBe(`${fake.url}/checkout/${cs}`);
  return { b, sessionId: cs };
}

async function row(id: number) {
  const [p] = await t.database.db.select().from(payments).where(eq(payments.id, id));
  return p!;
}

function completed(sessionIdValue: string, paymentId: number, pi: string) {
  return stripeEvent("checkout.session.completed", {
    id: sessionIdValue,
    object: "checkout.session",
    payment_status: "paid",
    status: "complete",
    client_reference_id: String(paymentId),
    metadata: { payment_id: String(paymentId) },
    payment_intent: pi,
  });
}

async function captures(paymentId: number) {
  return t.database.db
    .select()
    .from(ledgerTransactions)
    .where(and(eq(ledgerTransactions.kind, "payment_captured"), eq(ledgerTransactions.paymentId, paymentId)));
}

describe("Stripe checkout and webhooks", () => {
  it("creates the Checkout Session on the first visit of the link, once, with opaque ids and a generic name", async () => {
    const dr = await verifiedDoctor(t);
    const patient = await signUp(t, "patient", { name: PATIENT_NAME });
    const before = fake.requests.length;
    const res = await t.app.inject({
      method: "POST",
      url: "/api/book/appointment/",
      headers: patient.headers,
      payload: { doctor_id: dr.doctorId, appointment_date: "2030-01-08", appointment_time: "11:00 AM" },
    });
    expect(fake.requests.length).toBe(before); // no network call inside the booking
    const b = res.json<Booking>();
    const path = new URL(b.payment.checkout_url).pathname;
    const first = await t.app.inject({ method: "GET", url: path });
    const second = await t.app.inject({ method: "GET", url: path });
    expect(first.statusCode).toBe(303);
    expect(second.headers.location).toBe(first.headers.location);
    const created = fake.requests.filter((r) => r.path === "/v1/checkout/sessions");
    expect(created).toHaveLength(1);
    const req = created[0]!;
    expect(req.idempotencyKey).toBe(`checkout:${b.payment.id}`);
    expect(req.params["metadata[payment_id]"]).toBe(String(b.payment.id));
    expect(req.params["line_items[0][price_data][product_data][name]"]).toBe("Consultation");
    expect(req.params["line_items[0][price_data][unit_amount]"]).toBe("50000");
    expect(Object.keys(req.params).filter((k) => k.startsWith("metadata["))).toEqual([
      "metadata[payment_id]",
    ]);
  });

  it("marks the payment paid on a signed checkout.session.completed", async () => {
    const dr = await verifiedDoctor(t);
    const patient = await signUp(t, "patient");
    const { b } = await bookAndOpenCheckout(patient, dr.doctorId);
    const cs = (await row(b.payment.id)).providerRef!;
    const res = await deliver(completed(cs, b.payment.id, "pi_test_paid_1"));
    expect(res.statusCode, res.body).toBe(200);
    const p = await row(b.payment.id);
    expect(p.status).toBe("succeeded");
    expect(p.providerPaymentRef).toBe("pi_test_paid_1");
    // The link now shows the payment as made, without the sandbox's test-mode banner or buttons.
    const page = await t.app.inject({ method: "GET", url: new URL(b.payment.checkout_url).pathname });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("This payment has been made.");
    expect(page.body).not.toContain("TEST MODE");
    expect(page.body).not.toContain("<form");
  });

  it("answers 400 to a forged or stale signature and changes nothing", async () => {
    const dr = await verifiedDoctor(t);
    const patient = await signUp(t, "patient");
    const { b } = await bookAndOpenCheckout(patient, dr.doctorId);
    const cs = (await row(b.payment.id)).providerRef!;
    const event = completed(cs, b.payment.id, "pi_test_forged");
    expect((await deliver(event, { secret: "whsec_wrong" })).statusCode).toBe(400);
    expect((await deliver(event, { timestamp: Math.floor(Date.now() / 1000) - 301 })).statusCode).toBe(400);
    const unsigned = await t.app.inject({
      method: "POST",
      url: "/webhooks/stripe",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify(event),
    });
    expect(unsigned.statusCode).toBe(400);
    // A body altered after signing.
    const payload = JSON.stringify(event);
    const sig = signStripePayload(payload, SECRET, Math.floor(Date.now() / 1000));
    const tampered = await t.app.inject({
      method: "POST",
      url: "/webhooks/stripe",
      headers: { "content-type": "application/json", "stripe-signature": sig },
      payload: payload.replace("pi_test_forged", "pi_test_forgex"),
    });
    expect(tampered.statusCode).toBe(400);
    expect((await row(b.payment.id)).status).toBe("requires_payment");
    expect(await captures(b.payment.id)).toHaveLength(0);
  });

  it("answers 400 to a signature dated 10 minutes in the future and applies nothing", async () => {
    const dr = await verifiedDoctor(t);
    const patient = await signUp(t, "patient");
    const { b } = await bookAndOpenCheckout(patient, dr.doctorId);
    const cs = (await row(b.payment.id)).providerRef!;
    const event = completed(cs, b.payment.id, "pi_test_future");
    const res = await deliver(event, { timestamp: Math.floor(Date.now() / 1000) + 600 });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: "INVALID_SIGNATURE" } });
    expect((await row(b.payment.id)).status).toBe("requires_payment");
    expect(await captures(b.payment.id)).toHaveLength(0);
    // Within the tolerance (a clock a minute ahead of ours) the same event is applied.
    const ok = await deliver(event, { timestamp: Math.floor(Date.now() / 1000) + 60 });
    expect(ok.statusCode).toBe(200);
    expect((await row(b.payment.id)).status).toBe("succeeded");
  });

  it("acknowledges an unknown event type and ignores it", async () => {
    const res = await deliver(stripeEvent("customer.created", { id: "cus_1", object: "customer" }));
    expect(res.statusCode).toBe(200);
  });

  it("posts once when the same event is delivered 10 times at once", async () => {
    const dr = await verifiedDoctor(t);
    const patient = await signUp(t, "patient");
    const { b } = await bookAndOpenCheckout(patient, dr.doctorId);
    const cs = (await row(b.payment.id)).providerRef!;
    const event = completed(cs, b.payment.id, "pi_test_10x");
    const results = await Promise.all(Array.from({ length: 10 }, () => deliver(event)));
    expect(results.map((r) => r.statusCode)).toEqual(Array(10).fill(200));
    expect(await captures(b.payment.id)).toHaveLength(1);
  });

  it("applies a refund that arrives before the success it refers to, once the success arrives", async () => {
    const dr = await verifiedDoctor(t);
    const patient = await signUp(t, "patient");
    const { b } = await bookAndOpenCheckout(patient, dr.doctorId);
    const cs = (await row(b.payment.id)).providerRef!;
    const refund = stripeEvent("refund.updated", {
      id: "re_dashboard_1",
      object: "refund",
      status: "succeeded",
      amount: 50_000,
      payment_intent: "pi_test_ooo",
      metadata: {},
    });
    expect((await deliver(refund)).statusCode).toBe(200);
    expect((await row(b.payment.id)).status).toBe("requires_payment");
    expect((await deliver(completed(cs, b.payment.id, "pi_test_ooo"))).statusCode).toBe(200);
    expect((await deliver(completed(cs, b.payment.id, "pi_test_ooo"))).statusCode).toBe(200); // another id
    const p = await row(b.payment.id);
    expect(p.status).toBe("refunded");
    expect(p.refundedMinor).toBe(50_000);
    expect(await captures(b.payment.id)).toHaveLength(1);
    // Nothing asked Stripe to refund a second time.
    expect(
      fake.requests.filter((r) => r.path === "/v1/refunds" && r.params.payment_intent === "pi_test_ooo"),
    ).toEqual([]);
  });

  it("refunds through Stripe when the doctor rejects, with the refund's idempotency key and opaque metadata", async () => {
    const dr = await verifiedDoctor(t);
    const patient = await signUp(t, "patient");
    const { b } = await bookAndOpenCheckout(patient, dr.doctorId);
    const cs = (await row(b.payment.id)).providerRef!;
    await deliver(completed(cs, b.payment.id, "pi_test_reject"));
    const res = await t.app.inject({
      method: "POST",
      url: "/api/reject/appointment/request/",
      headers: dr.headers,
      payload: { request_id: b.appointment.id, reason: "Not my specialty" },
    });
    expect(res.statusCode, res.body).toBe(200);
    const calls = fake.requests.filter(
      (r) => r.path === "/v1/refunds" && r.params.payment_intent === "pi_test_reject",
    );
    expect(calls).toHaveLength(1);
    expect(calls[0]!.idempotencyKey).toMatch(/^refund:\d+$/);
    expect(calls[0]!.params.amount).toBe("50000");
    expect((await row(b.payment.id)).status).toBe("refunded");
  });

  it("expires the payment on checkout.session.expired and releases the slot", async () => {
    const dr = await verifiedDoctor(t);
    const patient = await signUp(t, "patient");
    const other = await signUp(t, "patient");
    const { b } = await bookAndOpenCheckout(patient, dr.doctorId);
    const cs = (await row(b.payment.id)).providerRef!;
    const res = await deliver(
      stripeEvent("checkout.session.expired", {
        id: cs,
        object: "checkout.session",
        payment_status: "unpaid",
        metadata: { payment_id: String(b.payment.id) },
      }),
    );
    expect(res.statusCode).toBe(200);
    expect((await row(b.payment.id)).status).toBe("expired");
    // Told by Stripe, so nothing to tell Stripe back — but our own expiry closes the Stripe session:
    const next = await bookAndOpenCheckout(patient, dr.doctorId, "03:00 PM");
    t.clock.advance(16 * MIN);
    await t.services.payments.expirePayment(next.b.payment.id);
    const closed = fake.requests.filter((r) => r.path === `/v1/checkout/sessions/${next.sessionId}/expire`);
    expect(closed).toHaveLength(1);
    expect(closed[0]!.idempotencyKey).toBe(`checkout-expire:${next.b.payment.id}`);
    const rebook = await t.app.inject({
      method: "POST",
      url: "/api/book/appointment/",
      headers: other.headers,
      payload: { doctor_id: dr.doctorId, appointment_date: "2030-01-08", appointment_time: "10:00 AM" },
    });
    expect(rebook.statusCode).toBe(201);
  });
});

describe("Stripe Connect payouts", () => {
  it("onboards a doctor once, then withdraws by transfer and payout, completing on payout.paid", async () => {
    const dr = await verifiedDoctor(t, { feeMinor: 500_000 });
    const noAccount = await t.app.inject({
      method: "POST",
      url: "/api/withdraw/earnings/",
      headers: dr.headers,
      payload: { amount: 1 },
    });
    expect(noAccount.statusCode).toBe(422);
    expect(noAccount.json().error.code).toBe("PAYOUT_ACCOUNT_REQUIRED");
    const link = await t.app.inject({
      method: "POST",
      url: "/api/doctor/payouts/onboarding/",
      headers: dr.headers,
    });
    expect(link.statusCode, link.body).toBe(200);
    expect(link.json().url).toContain("/connect/onboarding/acct_");
    const again = await t.app.inject({
      method: "POST",
      url: "/api/doctor/payouts/onboarding/",
      headers: dr.headers,
    });
    expect(again.json().account_id).toBe(link.json().account_id);
    expect(
      fake.requests.filter((r) => r.path === "/v1/accounts" && r.idempotencyKey === `account:${dr.doctorId}`),
    ).toHaveLength(1);

    // Earn: a paid, completed consultation, past the hold.
    const patient = await signUp(t, "patient");
    const { b } = await bookAndOpenCheckout(patient, dr.doctorId, "12:00 PM");
    await deliver(completed((await row(b.payment.id)).providerRef!, b.payment.id, "pi_test_earn"));
    await t.app.inject({
      method: "POST",
      url: "/api/accept/appointment/request/",
      headers: dr.headers,
      payload: { request_id: b.appointment.id },
    });
    t.clock.set(new Date("2030-01-08T07:00:00Z"));
    await t.app.inject({
      method: "POST",
      url: `/api/appointments/${b.appointment.id}/complete`,
      headers: dr.headers,
    });
    t.clock.advance(8 * 24 * 60 * MIN);

    const res = await t.app.inject({
      method: "POST",
      url: "/api/withdraw/earnings/",
      headers: { ...dr.headers, "idempotency-key": "stripe-w-1" },
      payload: { amount: 2000 },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().withdrawal.status).toBe("in_transit");
    const wid = res.json().withdrawal.id as number;
    const transfer = fake.requests.find(
      (r) => r.path === "/v1/transfers" && r.idempotencyKey === `transfer:${wid}`,
    );
    expect(transfer!.params.destination).toBe(link.json().account_id);
    const payout = fake.requests.find(
      (r) => r.path === "/v1/payouts" && r.idempotencyKey === `payout:${wid}`,
    );
    expect(payout!.stripeAccount).toBe(link.json().account_id);
    const [w] = await t.database.db.select().from(withdrawals).where(eq(withdrawals.id, wid));
    const paid = await deliver(
      stripeEvent("payout.paid", {
        id: w!.providerRef,
        object: "payout",
        status: "paid",
        amount: 200_000,
        metadata: { withdrawal_id: String(wid) },
      }),
    );
    expect(paid.statusCode).toBe(200);
    const earnings = await t.app.inject({ method: "GET", url: "/api/doctor/earnings/", headers: dr.headers });
    expect(earnings.json().earnings).toMatchObject({ withdrawable_amount: 2500, withdrawn_amount: 2000 });
    const history = await t.app.inject({
      method: "GET",
      url: "/api/doctor/withdrawals/",
      headers: dr.headers,
    });
    expect(history.json().withdrawals[0]).toMatchObject({ id: wid, status: "paid" });

    // A payout that fails returns the money to the withdrawable balance.
    fake.behaviour.payoutStatus = "failed";
    const failing = await t.app.inject({
      method: "POST",
      url: "/api/withdraw/earnings/",
      headers: dr.headers,
      payload: { amount: 500 },
    });
    expect(failing.json().withdrawal.status).toBe("failed");
    const after = await t.app.inject({ method: "GET", url: "/api/doctor/earnings/", headers: dr.headers });
    expect(after.json().earnings).toMatchObject({ withdrawable_amount: 2500, withdrawn_amount: 2000 });

    // A transfer Stripe refuses outright fails the withdrawal at once; nothing is left in transit.
    fake.behaviour.payoutStatus = "pending";
    fake.behaviour.refuseTransfers = true;
    const refused = await t.app.inject({
      method: "POST",
      url: "/api/withdraw/earnings/",
      headers: dr.headers,
      payload: { amount: 700 },
    });
    expect(refused.statusCode).toBe(200);
    expect(refused.json().withdrawal.status).toBe("failed");
    const final = await t.app.inject({ method: "GET", url: "/api/doctor/earnings/", headers: dr.headers });
    expect(final.json().earnings).toMatchObject({ withdrawable_amount: 2500, withdrawn_amount: 2000 });
  });
});

describe("what Stripe is told", () => {
  it("never carries a patient's name, a reason for the visit, a diagnosis or a medicine name", () => {
    expect(fake.requests.length).toBeGreaterThan(5);
    const sent = fake.everythingSent().toLowerCase();
    for (const word of [
      PATIENT_NAME,
      "Meera",
      "Krishnan",
      "diabetes",
      "diagnosis",
      "metformin",
      "atorvastatin",
      "Test Patient",
    ])
      expect(sent).not.toContain(word.toLowerCase());
  });
});

describe("when Stripe cannot be reached", () => {
  it("answers the checkout link with 503 PAYMENT_PROVIDER_UNAVAILABLE, and the booking stands", async () => {
    const down = await buildTestApp({
      env: {
        STRIPE_SECRET_KEY: "sk_test_fake",
        STRIPE_WEBHOOK_SECRET: SECRET,
        STRIPE_API_BASE: "http://127.0.0.1:9",
      },
    });
    try {
      const dr = await verifiedDoctor(down);
      const patient = await signUp(down, "patient");
      const res = await down.app.inject({
        method: "POST",
        url: "/api/book/appointment/",
        headers: patient.headers,
        payload: { doctor_id: dr.doctorId, appointment_date: "2030-01-08", appointment_time: "10:00 AM" },
      });
      expect(res.statusCode).toBe(201);
      const page = await down.app.inject({
        method: "GET",
        url: new URL(res.json().payment.checkout_url).pathname,
      });
      expect(page.statusCode).toBe(503);
      expect(page.json().error.code).toBe("PAYMENT_PROVIDER_UNAVAILABLE");
    } finally {
      await down.close();
    }
  });
});
