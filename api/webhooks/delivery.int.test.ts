import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  notificationsOutbox,
  pharmacyOrderEvents,
  pharmacyOrders,
  processedWebhookEvents,
  refunds,
} from "../../db/schema/index.js";
import { signPayload } from "../../domain/orders/pharmacy/signature.js";
import { buildTestApp, type TestApp } from "../../test/app.js";
import { signInAs, type Session } from "../../test/factories.js";
import { patient, payThroughSandbox, withCatalog } from "../../test/orders.js";

const SECRET = "whsec_test_delivery_partner_secret";

let t: TestApp;
let asha: Session & { patientId: number };
let pharmacist: Session;

function now(): number {
  return Math.floor(t.clock.now().getTime() / 1000);
}

function deliver(body: unknown, opts: { secret?: string; timestamp?: number; header?: string | null } = {}) {
  const raw = typeof body === "string" ? body : JSON.stringify(body);
  const header =
    opts.header === null
      ? undefined
      : (opts.header ?? signPayload(opts.secret ?? SECRET, raw, opts.timestamp ?? now()));
  return t.app.inject({
    method: "POST",
    url: "/webhooks/delivery",
    headers: { "content-type": "application/json", ...(header ? { "x-healthlink-signature": header } : {}) },
    payload: raw,
  });
}

/** An order placed by Asha (unpaid). */
async function placedOrder() {
  const res = await t.app.inject({
    method: "POST",
    url: "/api/purchase/medicine/",
    headers: asha.headers,
    payload: { medicine_name: "Paracetamol 500 mg tablet", quantity: 1, delivery_address: "1 Main Road" },
  });
  expect(res.statusCode, res.body).toBe(201);
  return { id: res.json().medicine_purchase.purchase_id as number, payment: res.json().payment };
}

/** An order paid and confirmed by the pharmacist, ready to be picked up by the courier. */
async function confirmedOrder(): Promise<number> {
  const { id, payment } = await placedOrder();
  await payThroughSandbox(t, payment);
  await t.app.inject({
    method: "POST",
    url: `/api/pharmacy/orders/${id}/status`,
    headers: pharmacist.headers,
    payload: { status: "confirmed" },
  });
  return id;
}

async function statusOf(id: number): Promise<string> {
  const [row] = await t.database.db.select().from(pharmacyOrders).where(eq(pharmacyOrders.id, id));
  return row!.status;
}

async function eventsOf(id: number) {
  return t.database.db.select().from(pharmacyOrderEvents).where(eq(pharmacyOrderEvents.orderId, id));
}

beforeAll(async () => {
  t = await buildTestApp({ env: { DELIVERY_WEBHOOK_SECRET: SECRET } });
  await withCatalog(t);
  asha = await patient(t, "Asha Verma");
  pharmacist = await signInAs(t, "pharmacist");
});
afterAll(async () => {
  await t.close();
});

describe("the delivery partner's webhook", () => {
  it("applies a correctly signed status event and tells the patient", async () => {
    const id = await confirmedOrder();
    const res = await deliver({
      event_id: "evt-1",
      order_id: id,
      status: "dispatched",
      at: "2030-01-07T00:00:00Z",
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ received: true, outcome: "applied" });
    expect(await statusOf(id)).toBe("dispatched");
    const events = await eventsOf(id);
    expect(events.at(-1)).toMatchObject({
      toStatus: "dispatched",
      source: "delivery_partner",
      actorUserId: null,
    });
    const notes = await t.database.db
      .select()
      .from(notificationsOutbox)
      .where(
        and(
          eq(notificationsOutbox.userId, asha.userId),
          eq(notificationsOutbox.template, "pharmacy_order.dispatched"),
        ),
      );
    expect(notes).toHaveLength(1);
  });

  it("refuses a forged signature, a wrong secret or no signature with 403, and changes nothing", async () => {
    const id = await confirmedOrder();
    const body = { event_id: "evt-forged", order_id: id, status: "dispatched" };
    const forged = await deliver(body, { header: `t=${now()},v1=${"ab".repeat(32)}` });
    const wrongSecret = await deliver(body, { secret: "not-the-secret" });
    const missing = await deliver(body, { header: null });
    // Signed for another body: the signature covers the raw bytes.
    const tampered = await deliver(JSON.stringify({ ...body, status: "delivered" }), {
      header: signPayload(SECRET, JSON.stringify(body), now()),
    });
    for (const res of [forged, wrongSecret, missing, tampered]) {
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe("INVALID_SIGNATURE");
    }
    expect(await statusOf(id)).toBe("confirmed");
    const seen = await t.database.db
      .select()
      .from(processedWebhookEvents)
      .where(eq(processedWebhookEvents.eventId, "evt-forged"));
    expect(seen).toHaveLength(0);
  });

  it("processes a replayed event id once", async () => {
    const id = await confirmedOrder();
    const body = { event_id: "evt-replay", order_id: id, status: "dispatched" };
    const first = await deliver(body);
    const again = await deliver(body);
    const parallel = await Promise.all([deliver(body), deliver(body), deliver(body)]);
    expect(first.json().outcome).toBe("applied");
    for (const res of [again, ...parallel]) {
      expect(res.statusCode).toBe(200);
      expect(res.json().outcome).toBe("duplicate");
    }
    const dispatched = (await eventsOf(id)).filter((e) => e.toStatus === "dispatched");
    expect(dispatched).toHaveLength(1);
  });

  it("refuses a signature older than five minutes", async () => {
    const id = await confirmedOrder();
    const stale = await deliver(
      { event_id: "evt-stale", order_id: id, status: "dispatched" },
      { timestamp: now() - 301 },
    );
    expect(stale.statusCode).toBe(403);
    expect(await statusOf(id)).toBe("confirmed");
    const fresh = await deliver(
      { event_id: "evt-stale", order_id: id, status: "dispatched" },
      { timestamp: now() - 299 },
    );
    expect(fresh.json().outcome).toBe("applied");
  });

  it("acknowledges an unknown order, an impossible step and an unusable body without a 5xx", async () => {
    const unknown = await deliver({ event_id: "evt-unknown", order_id: 999999, status: "delivered" });
    expect(unknown.statusCode).toBe(200);
    expect(unknown.json().outcome).toBe("unknown_order");

    const id = await confirmedOrder();
    const jump = await deliver({ event_id: "evt-jump", order_id: id, status: "delivered" });
    expect(jump.statusCode).toBe(200);
    expect(jump.json().outcome).toBe("ignored_invalid_transition");
    expect(await statusOf(id)).toBe("confirmed");

    const junk = await deliver("not json at all");
    expect(junk.statusCode).toBe(200);
    expect(junk.json().outcome).toBe("unprocessable");
    const badStatus = await deliver({ event_id: "evt-bad", order_id: id, status: "teleported" });
    expect(badStatus.json().outcome).toBe("unprocessable");
  });

  it("walks an order to delivered through the partner's events", async () => {
    const id = await confirmedOrder();
    for (const [i, status] of ["dispatched", "out_for_delivery", "delivered"].entries()) {
      const res = await deliver({ event_id: `evt-walk-${id}-${i}`, order_id: id, status });
      expect(res.json().outcome).toBe("applied");
    }
    expect(await statusOf(id)).toBe("delivered");
  });

  it("cancels and refunds in full an order the partner reports undeliverable, once it holds it", async () => {
    const id = await confirmedOrder();
    const tooEarly = await deliver({
      event_id: `evt-undeliverable-early-${id}`,
      order_id: id,
      status: "undeliverable",
    });
    expect(tooEarly.json().outcome).toBe("ignored_invalid_transition");
    expect(await statusOf(id)).toBe("confirmed");

    for (const [i, status] of ["dispatched", "out_for_delivery", "undeliverable"].entries()) {
      const res = await deliver({ event_id: `evt-undeliverable-${id}-${i}`, order_id: id, status });
      expect(res.json().outcome).toBe("applied");
    }
    expect(await statusOf(id)).toBe("cancelled");
    expect((await eventsOf(id)).at(-1)).toMatchObject({
      fromStatus: "out_for_delivery",
      toStatus: "cancelled",
      source: "delivery_partner",
      note: "undeliverable",
    });
    const payment = await t.services.payments.findByPurpose("pharmacy_order", id);
    expect(payment).toMatchObject({ status: "refunded", refundedMinor: payment!.amountMinor });
    const rows = await t.database.db.select().from(refunds).where(eq(refunds.paymentId, payment!.id));
    expect(rows).toEqual([expect.objectContaining({ status: "succeeded", reason: "order_undeliverable" })]);
    const [order] = await t.database.db.select().from(pharmacyOrders).where(eq(pharmacyOrders.id, id));
    expect(order!.paymentStatus).toBe("refunded");
  });

  it("does not advance an unpaid order, and says so", async () => {
    const { id } = await placedOrder();
    // Confirmed without a payment (only possible for orders from before payments existed).
    await t.database.db.update(pharmacyOrders).set({ status: "confirmed" }).where(eq(pharmacyOrders.id, id));
    const res = await deliver({ event_id: `evt-unpaid-${id}`, order_id: id, status: "dispatched" });
    expect(res.statusCode).toBe(200);
    expect(res.json().outcome).toBe("ignored_unpaid");
    expect(await statusOf(id)).toBe("confirmed");
    const [seen] = await t.database.db
      .select()
      .from(processedWebhookEvents)
      .where(eq(processedWebhookEvents.eventId, `evt-unpaid-${id}`));
    expect(seen!.outcome).toBe("ignored_unpaid");
  });
});

describe("without a configured secret", () => {
  it("answers 404: the channel is disabled, and nothing skips verification", async () => {
    const off = await buildTestApp();
    try {
      const raw = JSON.stringify({ event_id: "e", order_id: 1, status: "dispatched" });
      const res = await off.app.inject({
        method: "POST",
        url: "/webhooks/delivery",
        headers: {
          "content-type": "application/json",
          "x-healthlink-signature": signPayload("", raw, now()),
        },
        payload: raw,
      });
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe("CHANNEL_DISABLED");
    } finally {
      await off.close();
    }
  });
});
