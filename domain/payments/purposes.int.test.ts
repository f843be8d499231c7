import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Tx } from "../../db/client.js";
import { buildTestApp, TEST_NOW, type TestApp } from "../../test/app.js";
import { signUp, type Session } from "../../test/factories.js";
import { Accounts } from "./ledger/accounts.js";
import type { PaymentRow } from "./repository.js";
import type { PurposeHandler } from "./purposes/types.js";

/** Another thing to pay for plugs in with a handler, createPayment in its transaction, and settle after. */

let t: TestApp;
let patient: Session;
const calls: string[] = [];
const cancelled = new Set<number>();

class FakeOrders implements PurposeHandler {
  readonly description = "Pharmacy order";
  paid(_tx: Tx, p: PaymentRow): Promise<"accepted" | "unwanted"> {
    calls.push(`paid:${p.referenceId}`);
    return Promise.resolve(cancelled.has(p.referenceId) ? "unwanted" : "accepted");
  }
  expired(_tx: Tx, p: PaymentRow): Promise<void> {
    calls.push(`expired:${p.referenceId}`);
    return Promise.resolve();
  }
}

beforeAll(async () => {
  t = await buildTestApp();
  t.services.payments.registerPurpose("pharmacy_order", new FakeOrders());
  patient = await signUp(t, "patient");
});
afterAll(async () => {
  await t.close();
});

async function order(referenceId: number, amountMinor: number) {
  const payments = t.services.payments;
  const p = await t.database.db.transaction((tx) =>
    payments.createPayment(tx, {
      purpose: "pharmacy_order",
      referenceId,
      patientId: patient.patientId!,
      amountMinor,
      currency: "INR",
    }),
  );
  await payments.settle("pharmacy_order", referenceId);
  return payments.summary(p);
}

describe("another payment purpose", () => {
  it("is paid through the same page and events, told when paid, and earns platform revenue when delivered", async () => {
    const s = await order(101, 12_345);
    const page = await t.app.inject({ method: "GET", url: new URL(s.checkout_url).pathname });
    expect(page.body).toContain("Pharmacy order");
    await t.app.inject({ method: "POST", url: `${new URL(s.checkout_url).pathname}/succeed` });
    expect(calls).toContain("paid:101");
    const revenue = Accounts.platformRevenue("INR").code;
    const before = await t.services.payments.ledger.balance(t.database.db, revenue);
    await t.database.db.transaction((tx) => t.services.payments.delivered(tx, "pharmacy_order", 101));
    await t.database.db.transaction((tx) => t.services.payments.delivered(tx, "pharmacy_order", 101));
    expect(await t.services.payments.ledger.balance(t.database.db, revenue)).toBe(before + 12_345);
  });

  it("is refunded by the owner's request, once per key, and automatically when paid after cancellation", async () => {
    const payments = t.services.payments;
    const s = await order(102, 10_000);
    await t.app.inject({ method: "POST", url: `${new URL(s.checkout_url).pathname}/succeed` });
    for (let i = 0; i < 2; i++) {
      await t.database.db.transaction(async (tx) => {
        const p = await payments.lockPayment(tx, "pharmacy_order", 102);
        await payments.requestRefund(tx, p!, {
          amountMinor: 4_000,
          reason: "undeliverable",
          key: "order:102:refund",
        });
      });
      await payments.settle("pharmacy_order", 102);
    }
    expect((await payments.findByPurpose("pharmacy_order", 102))!).toMatchObject({
      status: "partially_refunded",
      refundedMinor: 4_000,
    });

    cancelled.add(103);
    const late = await order(103, 5_000);
    await t.app.inject({ method: "POST", url: `${new URL(late.checkout_url).pathname}/succeed` });
    expect((await payments.findByPurpose("pharmacy_order", 103))!.status).toBe("refunded");
  });

  it("tells the owner when the payment window closes unpaid", async () => {
    const s = await order(104, 1_000);
    t.clock.set(new Date(TEST_NOW.getTime() + 16 * 60_000));
    await t.services.payments.expirePayment(s.id);
    t.clock.set(TEST_NOW);
    expect(calls).toContain("expired:104");
  });
});
