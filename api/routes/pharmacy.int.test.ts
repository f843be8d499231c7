import { and, eq, like } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  medicines,
  notificationsOutbox,
  nurseAssignments,
  patientHistoryItems,
  pharmacyOrders,
} from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../../test/app.js";
import { signInAs, type Session } from "../../test/factories.js";
import {
  careTeam,
  doctor,
  fillsRemaining,
  patient,
  payThroughSandbox,
  prescribe,
  withCatalog,
} from "../../test/orders.js";

let t: TestApp;
let omar: Session & { patientId: number };
let ravi: Session & { patientId: number };
let drRao: Session & { doctorId: number };
let drOutside: Session & { doctorId: number };
let pharmacist: Session;
let nurse: Session;

const ADDRESS = "12 Ring Road, Delhi";

function post(s: Session | undefined, url: string, payload: object) {
  return t.app.inject({ method: "POST", url, headers: s?.headers ?? {}, payload });
}
function get(s: Session | undefined, url: string) {
  return t.app.inject({ method: "GET", url, headers: s?.headers ?? {} });
}
function buy(s: Session, fields: Record<string, unknown>) {
  return post(s, "/api/purchase/medicine/", { delivery_address: ADDRESS, ...fields });
}
function setStatus(id: number, status: string, extra: Record<string, unknown> = {}) {
  return post(pharmacist, `/api/pharmacy/orders/${id}/status`, { status, ...extra });
}

/** A fresh patient with a metformin prescription (60 tablets per fill = 3 packs of 20). */
async function metforminPatient(fills: number) {
  const p = await patient(t, "Omar Farooq");
  await careTeam(t, drRao.doctorId, p.patientId);
  const rx = await prescribe(t, {
    patientId: p.patientId,
    doctorId: drRao.doctorId,
    createdByUserId: drRao.userId,
    items: [
      {
        medicine: "Metformin 500 mg",
        generics: ["metformin"],
        strength: "500 mg",
        quantity: 60,
        refills: 2,
        fillsRemaining: fills,
      },
    ],
  });
  return { p, rx, itemId: rx.itemIds[0]! };
}

async function outbox(userId: number, templatePrefix: string) {
  return t.database.db
    .select()
    .from(notificationsOutbox)
    .where(
      and(eq(notificationsOutbox.userId, userId), like(notificationsOutbox.template, `${templatePrefix}%`)),
    );
}

beforeAll(async () => {
  t = await buildTestApp({
    env: { PHARMACY_DELIVERY_FEE_MINOR: "4000", PHARMACY_FREE_DELIVERY_ABOVE_MINOR: "50000" },
  });
  await withCatalog(t);
  omar = await patient(t, "Omar Farooq");
  ravi = await patient(t, "Ravi Kumar");
  drRao = await doctor(t, "Dr Asha Rao");
  drOutside = await doctor(t, "Dr Outside");
  pharmacist = await signInAs(t, "pharmacist");
  nurse = await signInAs(t, "nurse");
  await careTeam(t, drRao.doctorId, omar.patientId);
  await careTeam(t, drOutside.doctorId, ravi.patientId);
  await t.database.db
    .insert(nurseAssignments)
    .values({ nurseUserId: nurse.userId, doctorId: drRao.doctorId });
});
afterAll(async () => {
  await t.close();
});

describe("the medicine catalog", () => {
  it("holds at least 300 medicines and pages through them without signing in", async () => {
    const rows = await t.database.db.select({ id: medicines.id }).from(medicines);
    expect(rows.length).toBeGreaterThanOrEqual(300);
    const page1 = await get(undefined, "/api/medicines/");
    expect(page1.statusCode).toBe(200);
    expect(page1.json()).toMatchObject({ page: 1, per_page: 20, has_more: true });
    expect(page1.json().medicines).toHaveLength(20);
    const page2 = (await get(undefined, "/api/medicines/?page=2")).json();
    expect(page2.medicines[0].medicine_id).not.toBe(page1.json().medicines[0].medicine_id);
  });

  it("finds paracetamol from a misspelling and from a brand name", async () => {
    const typo = (await get(undefined, "/api/medicines/?q=paracetmol")).json();
    expect(typo.medicines[0]).toMatchObject({ generic: "paracetamol", currency: "INR" });
    const brand = (await get(undefined, "/api/medicines/?q=Crocin")).json();
    expect(brand.medicines.length).toBeGreaterThan(0);
    expect(brand.medicines[0].generic).toBe("paracetamol");
    expect(brand.medicines[0].brands).toContain("Crocin");
  });

  it("marks prescription-only medicines and prices a pack in rupees", async () => {
    const res = (await get(undefined, "/api/medicines/?q=metformin")).json();
    expect(res.medicines[0]).toMatchObject({
      name: "Metformin 500 mg tablet",
      prescription_only: true,
      price: 22,
      pack_size: 20,
    });
  });
});

describe("ordering medicines", () => {
  it("refuses a prescription-only medicine without a prescription and sells an over-the-counter one", async () => {
    const refused = await buy(ravi, { medicine_name: "Metformin 500 mg", quantity: 1 });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error.code).toBe("PRESCRIPTION_REQUIRED");

    const res = await buy(ravi, { medicine_name: "paracetmol", quantity: 2 });
    expect(res.statusCode).toBe(201);
    const purchase = res.json().medicine_purchase;
    expect(purchase).toMatchObject({
      patient_id: ravi.patientId,
      medicine_name: "Paracetamol 500 mg tablet",
      quantity: 2,
      // 2 packs × ₹20 + ₹40 delivery
      total_cost: 80,
      currency: "INR",
      delivery_status: "pending",
      payment_status: "unpaid",
      prescription_item_id: null,
    });
    expect(typeof purchase.purchase_id).toBe("number");
    const notes = await outbox(ravi.userId, "pharmacy_order.");
    expect(notes.map((n) => n.template)).toContain("pharmacy_order.pending");
  });

  it("computes the price itself: a client price is refused, and delivery is free above the threshold", async () => {
    const before = await t.database.db
      .select()
      .from(pharmacyOrders)
      .where(eq(pharmacyOrders.patientId, ravi.patientId));
    const cheat = await buy(ravi, { medicine_name: "Paracetamol 500 mg tablet", quantity: 1, price: 0.01 });
    expect(cheat.statusCode).toBe(400);
    const cheatMulti = await post(ravi, "/api/pharmacy/orders/", {
      items: [{ medicine_name: "Paracetamol 500 mg tablet", quantity: 1, unit_price: 0.01 }],
      delivery_address: ADDRESS,
    });
    expect(cheatMulti.statusCode).toBe(400);
    const after = await t.database.db
      .select()
      .from(pharmacyOrders)
      .where(eq(pharmacyOrders.patientId, ravi.patientId));
    expect(after).toHaveLength(before.length);

    const order = await post(ravi, "/api/pharmacy/orders/", {
      items: [
        { medicine_name: "Paracetamol 500 mg tablet", quantity: 20 },
        { medicine_name: "Ibuprofen 400 mg tablet", quantity: 4 },
      ],
      delivery_address: ADDRESS,
    });
    expect(order.statusCode).toBe(201);
    // 20 × ₹20 + 4 × ₹28 = ₹512 ≥ ₹500: no delivery fee.
    expect(order.json().order).toMatchObject({
      subtotal: 512,
      delivery_fee: 0,
      total_cost: 512,
      status: "pending",
    });
    expect(order.json().order.items.map((i: { line_total: number }) => i.line_total)).toEqual([400, 112]);
  });

  it("spends the last refill exactly once when 20 purchases race for it", async () => {
    const { p, itemId } = await metforminPatient(1);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => buy(p, { medicine_name: "Metformin 500 mg tablet", quantity: 3 })),
    );
    const codes = results.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 201)).toHaveLength(1);
    expect(codes.filter((c) => c === 422)).toHaveLength(19);
    for (const r of results.filter((x) => x.statusCode === 422)) {
      expect(r.json().error.code).toBe("NO_REFILLS_LEFT");
    }
    expect(await fillsRemaining(t, itemId)).toBe(0);
    const orders = await t.database.db
      .select()
      .from(pharmacyOrders)
      .where(eq(pharmacyOrders.patientId, p.patientId));
    expect(orders).toHaveLength(1);
    const won = results.find((r) => r.statusCode === 201)!.json().medicine_purchase;
    expect(won).toMatchObject({ prescription_item_id: itemId, fills_remaining: 0, total_cost: 106 });
  });

  it("says when the refills are spent, and that the doctor can be asked", async () => {
    const { p } = await metforminPatient(0);
    const res = await buy(p, { medicine_name: "metformin", quantity: 1 });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe("NO_REFILLS_LEFT");
    expect(res.json().error.message).toMatch(/no refills left/i);
    expect(res.json().error.message).toContain("Dr Asha Rao");
  });

  it("refuses more packs than one fill of the prescription allows", async () => {
    const { p, itemId } = await metforminPatient(2);
    const tooMany = await buy(p, { medicine_name: "Metformin 500 mg tablet", quantity: 4 });
    expect(tooMany.statusCode).toBe(422);
    expect(tooMany.json().error).toMatchObject({
      code: "QUANTITY_EXCEEDS_PRESCRIPTION",
      details: { max_quantity: 3 },
    });
    expect(await fillsRemaining(t, itemId)).toBe(2);
    const ok = await buy(p, { medicine_name: "Metformin 500 mg tablet", quantity: 3 });
    expect(ok.statusCode).toBe(201);
    expect(ok.json().medicine_purchase.fills_remaining).toBe(1);
  });

  it("does not fill from an expired or cancelled prescription", async () => {
    const p = await patient(t);
    await prescribe(t, {
      patientId: p.patientId,
      doctorId: drRao.doctorId,
      createdByUserId: drRao.userId,
      validUntil: "2030-01-06",
      items: [{ medicine: "Amoxicillin 500 mg", generics: ["amoxicillin"] }],
    });
    await prescribe(t, {
      patientId: p.patientId,
      doctorId: drRao.doctorId,
      createdByUserId: drRao.userId,
      status: "cancelled",
      items: [{ medicine: "Amoxicillin 500 mg", generics: ["amoxicillin"] }],
    });
    const res = await buy(p, { medicine_name: "Amoxicillin 500 mg capsule", quantity: 1 });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe("PRESCRIPTION_REQUIRED");
  });

  it("stops an over-the-counter medicine with a serious interaction, but only reports alerts on prescribed ones", async () => {
    const p = await patient(t);
    await prescribe(t, {
      patientId: p.patientId,
      doctorId: drRao.doctorId,
      createdByUserId: drRao.userId,
      items: [
        { medicine: "Warfarin 5 mg", generics: ["warfarin"], quantity: 30 },
        { medicine: "Amoxicillin 500 mg", generics: ["amoxicillin"], quantity: 10 },
      ],
    });
    const otc = await buy(p, { medicine_name: "Ibuprofen 400 mg tablet", quantity: 1 });
    expect(otc.statusCode).toBe(422);
    expect(otc.json().error.code).toBe("SAFETY_ALERT");
    const alerts = otc.json().error.details.alerts;
    expect(
      alerts.some((a: { drugs: string[] }) => a.drugs.includes("ibuprofen") && a.drugs.includes("warfarin")),
    ).toBe(true);
    expect(otc.json().error.message).toMatch(/doctor or pharmacist/);

    await t.database.db
      .insert(patientHistoryItems)
      .values({ patientId: p.patientId, kind: "allergy", name: "Penicillin" });
    const prescribed = await buy(p, { medicine_name: "Amoxicillin 500 mg capsule", quantity: 1 });
    expect(prescribed.statusCode).toBe(201);
    const found = prescribed.json().medicine_purchase.safety_alerts;
    expect(found.some((a: { type: string }) => a.type === "allergy")).toBe(true);
  });

  it("lets a patient order only for themself", async () => {
    const other = await buy(ravi, { patient_id: omar.patientId, medicine_name: "Paracetamol", quantity: 1 });
    expect(other.statusCode).toBe(404);
    const byDoctor = await buy(drRao, {
      patient_id: omar.patientId,
      medicine_name: "Paracetamol",
      quantity: 1,
    });
    expect(byDoctor.statusCode).toBe(403);
    const own = await buy(omar, { patient_id: omar.patientId, medicine_name: "Paracetamol", quantity: 1 });
    expect(own.statusCode).toBe(201);
  });

  it("needs a delivery address when the profile has none", async () => {
    const res = await post(ravi, "/api/purchase/medicine/", { medicine_name: "Paracetamol", quantity: 1 });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe("ADDRESS_REQUIRED");
  });

  it("answers an unknown medicine with 422", async () => {
    const res = await buy(ravi, { medicine_name: "zzqqxx", quantity: 1 });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe("UNKNOWN_MEDICINE");
  });
});

describe("the delivery lifecycle", () => {
  it("moves an order from pending to delivered, refusing steps out of order, with history and notifications", async () => {
    const created = await buy(omar, { medicine_name: "Paracetamol 650 mg tablet", quantity: 1 });
    const id: number = created.json().medicine_purchase.purchase_id;

    const queue = (await get(pharmacist, "/api/pharmacy/orders/?status=pending")).json();
    expect(queue.orders.map((o: { order_id: number }) => o.order_id)).toContain(id);

    const skip = await setStatus(id, "dispatched");
    expect(skip.statusCode).toBe(422);
    expect(skip.json().error.code).toBe("INVALID_TRANSITION");
    const unpaid = await setStatus(id, "confirmed");
    expect(unpaid.statusCode).toBe(422);
    expect(unpaid.json().error.code).toBe("PAYMENT_REQUIRED");
    await payThroughSandbox(t, created.json().payment);

    for (const status of ["confirmed", "dispatched", "out_for_delivery", "delivered"]) {
      t.clock.advance(60_000);
      const res = await setStatus(
        id,
        status,
        status === "dispatched" ? { tracking: "AWB123", note: "Packed" } : {},
      );
      expect(res.statusCode).toBe(200);
      expect(res.json().order.status).toBe(status);
    }
    const late = await setStatus(id, "cancelled");
    expect(late.statusCode).toBe(422);
    expect(late.json().error.code).toBe("INVALID_TRANSITION");

    const mine = (await get(omar, "/api/patient/orders/")).json();
    const order = mine.orders.find((o: { order_id: number }) => o.order_id === id);
    expect(order.tracking).toBe("AWB123");
    expect(order.payment_status).toBe("paid");
    expect(order.history.map((h: { status: string }) => h.status)).toEqual([
      "pending",
      "pending",
      "confirmed",
      "dispatched",
      "out_for_delivery",
      "delivered",
    ]);
    expect(order.history[1]).toMatchObject({ from_status: "pending", by: "payment", note: "paid" });
    expect(order.history[3]).toMatchObject({ from_status: "confirmed", by: "pharmacist", note: "Packed" });
    const notes = (await outbox(omar.userId, "pharmacy_order.")).filter((n) => n.data.order_id === id);
    expect(notes.map((n) => n.template).sort()).toEqual(
      [
        "pharmacy_order.confirmed",
        "pharmacy_order.delivered",
        "pharmacy_order.dispatched",
        "pharmacy_order.out_for_delivery",
        "pharmacy_order.paid",
        "pharmacy_order.pending",
      ].sort(),
    );
  });

  it("keeps the status endpoint for pharmacists", async () => {
    const created = await buy(omar, { medicine_name: "Paracetamol 650 mg tablet", quantity: 1 });
    const id: number = created.json().medicine_purchase.purchase_id;
    const res = await post(omar, `/api/pharmacy/orders/${id}/status`, { status: "confirmed" });
    expect(res.statusCode).toBe(403);
    expect((await get(omar, `/api/pharmacy/orders/${id}/`)).json().order.status).toBe("pending");
  });

  it("returns the spent fill when the patient cancels, and refuses cancelling once dispatched", async () => {
    const { p, itemId } = await metforminPatient(1);
    const created = await buy(p, { medicine_name: "Metformin 500 mg tablet", quantity: 3 });
    expect(created.statusCode).toBe(201);
    const id: number = created.json().medicine_purchase.purchase_id;
    expect(await fillsRemaining(t, itemId)).toBe(0);

    const cancelled = await post(p, `/api/patient/orders/${id}/cancel`, { reason: "Changed my mind" });
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json().order.status).toBe("cancelled");
    expect(await fillsRemaining(t, itemId)).toBe(1);
    const again = await post(p, `/api/patient/orders/${id}/cancel`, {});
    expect(again.statusCode).toBe(422);
    expect(await fillsRemaining(t, itemId)).toBe(1);

    const second = await buy(p, { medicine_name: "Metformin 500 mg tablet", quantity: 3 });
    const id2: number = second.json().medicine_purchase.purchase_id;
    await payThroughSandbox(t, second.json().payment);
    await setStatus(id2, "confirmed");
    await setStatus(id2, "dispatched");
    const late = await post(p, `/api/patient/orders/${id2}/cancel`, {});
    expect(late.statusCode).toBe(422);
    expect(late.json().error.code).toBe("INVALID_TRANSITION");
    // The pharmacy may still cancel a dispatched order (returned to the shelf): the fill comes back.
    expect((await setStatus(id2, "cancelled", { note: "Returned by courier" })).statusCode).toBe(200);
    expect(await fillsRemaining(t, itemId)).toBe(1);
  });
});

describe("who can see an order", () => {
  it("answers 404 to another patient and to a doctor outside the care team, and shows it to the care team", async () => {
    const created = await buy(omar, { medicine_name: "Paracetamol 500 mg tablet", quantity: 1 });
    const id: number = created.json().medicine_purchase.purchase_id;

    for (const outsider of [ravi, drOutside]) {
      expect((await get(outsider, `/api/pharmacy/orders/${id}/`)).statusCode).toBe(404);
      expect((await get(outsider, `/api/patient/orders/?patient_id=${omar.patientId}`)).statusCode).toBe(404);
      expect((await post(outsider, `/api/patient/orders/${id}/cancel`, {})).statusCode).toBe(404);
    }
    expect((await get(omar, `/api/pharmacy/orders/${id}/`)).statusCode).toBe(200);
    expect((await get(drRao, `/api/pharmacy/orders/${id}/`)).statusCode).toBe(200);
    expect((await get(drRao, `/api/patient/orders/?patient_id=${omar.patientId}`)).statusCode).toBe(200);
    expect((await get(nurse, `/api/patient/orders/?patient_id=${omar.patientId}`)).statusCode).toBe(200);
    expect((await get(pharmacist, `/api/pharmacy/orders/${id}/`)).statusCode).toBe(200);
    // A care-team doctor may read but not cancel the patient's order.
    expect((await post(drRao, `/api/patient/orders/${id}/cancel`, {})).statusCode).toBe(403);
    expect((await get(omar, `/api/pharmacy/orders/${id}/`)).json().order.status).toBe("pending");
    // Patients do not see the pharmacist's queue.
    expect((await get(omar, "/api/pharmacy/orders/")).statusCode).toBe(403);
  });
});
