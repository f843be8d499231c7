import { and, desc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  channelIdentities,
  labBookings,
  labResults,
  labTests,
  medicalRecords,
  medicationDoses,
  notificationsOutbox,
  payments,
  pharmacyOrderItems,
  pharmacyOrders,
  refillRequests,
} from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../app.js";
import { MetaWebhooks, startFakeGraph, type FakeGraph, type GraphMessageCall } from "../fakes/graph.js";
import { startFakeTelegram, type FakeTelegram } from "../fakes/telegram.js";
import { careTeam, doctor, fillsRemaining, labTestId, patient, prescribe, withCatalog } from "../orders.js";
import { settle } from "../settle.js";

/**
 * Medicines, results, doses and payment links in the guided menu (no model), over Telegram and WhatsApp: every
 * step checked in the database, and nothing written before the person confirms.
 */

const TG_SECRET = "test_webhook_secret_0123456789";
const APP_SECRET = "meta-app-secret-for-tests-0123";
const PHONE_NUMBER_ID = "106540352242922";
const ADDRESS = "12 MG Road, Connaught Place, Delhi";

let t: TestApp;
let telegram: FakeTelegram;
let graph: FakeGraph;
const hooks = new MetaWebhooks(APP_SECRET, PHONE_NUMBER_ID);
let updateId = 9000;
let drRao: Awaited<ReturnType<typeof doctor>>;

beforeAll(async () => {
  telegram = await startFakeTelegram();
  graph = await startFakeGraph();
  t = await buildTestApp({
    env: {
      TELEGRAM_BOT_TOKEN: "123456:test-token",
      TELEGRAM_WEBHOOK_SECRET: TG_SECRET,
      TELEGRAM_API_ROOT: telegram.url,
      WHATSAPP_ACCESS_TOKEN: "EAAtest-access-token",
      WHATSAPP_PHONE_NUMBER_ID: PHONE_NUMBER_ID,
      WHATSAPP_APP_SECRET: APP_SECRET,
      WHATSAPP_VERIFY_TOKEN: "verify-token-for-tests",
      WHATSAPP_GRAPH_API_BASE: graph.url,
    },
  });
  await withCatalog(t);
  drRao = await doctor(t, "Dr Rao");
});
afterAll(async () => {
  await t.close();
  await telegram.close();
  await graph.close();
});

interface Said {
  text: string;
  choices: string[];
  links: string[];
}

// --- Telegram -----------------------------------------------------------------------------------------

async function tg(from: number, input: { text: string } | { press: string }): Promise<Said[]> {
  const sent = () => telegram.sent("sendMessage").filter((c) => Number(c.params.chat_id) === from);
  const before = sent().length;
  const update =
    "text" in input
      ? {
          update_id: ++updateId,
          message: {
            message_id: updateId,
            date: 1,
            from: { id: from, is_bot: false, first_name: "Omar" },
            chat: { id: from, type: "private", first_name: "Omar" },
            text: input.text,
          },
        }
      : {
          update_id: ++updateId,
          callback_query: {
            id: `cb${updateId}`,
            from: { id: from, is_bot: false, first_name: "Omar" },
            chat_instance: "x",
            data: input.press,
            message: { message_id: 1, date: 1, chat: { id: from, type: "private" }, text: "…" },
          },
        };
  const res = await t.app.inject({
    method: "POST",
    url: "/webhooks/telegram",
    headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": TG_SECRET },
    payload: JSON.stringify(update),
  });
  expect(res.statusCode).toBe(200);
  await settle(t.jobs);
  return sent()
    .slice(before)
    .map((c) => {
      const markup = (
        typeof c.params.reply_markup === "string" ? JSON.parse(c.params.reply_markup) : c.params.reply_markup
      ) as { inline_keyboard?: { callback_data?: string; url?: string }[][] } | undefined;
      const keys = (markup?.inline_keyboard ?? []).flat();
      const text = String(c.params.text);
      return {
        text,
        choices: keys.flatMap((b) => b.callback_data ?? []),
        links: [
          ...keys.flatMap((b) => b.url ?? []),
          ...[...text.matchAll(/https?:\/\/\S+/g)].map((m) => m[0]),
        ],
      };
    });
}

// --- WhatsApp -----------------------------------------------------------------------------------------

type Body = {
  text?: { body: string };
  interactive?: {
    body: { text: string };
    action: {
      buttons?: { reply: { id: string } }[];
      sections?: { rows: { id: string }[] }[];
    };
  };
};

async function wa(waId: string, input: { text: string } | { press: string }): Promise<Said[]> {
  const before = graph.sentTo(waId).length;
  const json = "text" in input ? hooks.text(waId, input.text) : hooks.button(waId, input.press);
  const { payload, headers } = hooks.signed(json);
  const res = await t.app.inject({ method: "POST", url: "/webhooks/whatsapp", headers, payload });
  expect(res.statusCode).toBe(200);
  await settle(t.jobs);
  return graph
    .sentTo(waId)
    .slice(before)
    .map((c: GraphMessageCall) => {
      const b = c.body as unknown as Body;
      const text = b.text?.body ?? b.interactive?.body.text ?? "";
      return {
        text,
        choices: [
          ...(b.interactive?.action.buttons?.map((x) => x.reply.id) ?? []),
          ...(b.interactive?.action.sections?.flatMap((s) => s.rows.map((r) => r.id)) ?? []),
        ],
        links: [...text.matchAll(/https?:\/\/\S+/g)].map((m) => m[0]),
      };
    });
}

/** The first message of a WhatsApp sender: the terms are accepted when asked, then the menu. */
async function waStart(waId: string): Promise<void> {
  let said = await wa(waId, { text: "hi" });
  for (let step = 0; step < 4; step++) {
    const last = said.at(-1);
    if (last?.choices.includes("agree")) said = await wa(waId, { press: "agree" });
    else if (/your (full )?name/i.test(last?.text ?? "")) said = await wa(waId, { text: "Omar Farooq" });
    else if (/date of birth/i.test(last?.text ?? "")) said = await wa(waId, { text: "1980-05-31" });
    else return;
  }
}

const all = (said: Said[]) => said.map((s) => s.text).join("\n");

/** Omar: a patient of Dr Rao's with Metformin (refills left) and Glimepiride (none), linked to a channel. */
async function omar(channel: "telegram" | "whatsapp", externalId: string) {
  const p = await patient(t, "Omar Farooq");
  await careTeam(t, drRao.doctorId, p.patientId);
  const profile = await t.app.inject({
    method: "PUT",
    url: "/api/patient/profile/",
    headers: p.headers,
    payload: { address: ADDRESS },
  });
  expect(profile.statusCode).toBe(200);
  const rx = await prescribe(t, {
    patientId: p.patientId,
    doctorId: drRao.doctorId,
    createdByUserId: drRao.userId,
    items: [
      { medicine: "Metformin 500 mg", generics: ["metformin"], strength: "500 mg", quantity: 60, refills: 2 },
      {
        medicine: "Glimepiride 1 mg",
        generics: ["glimepiride"],
        strength: "1 mg",
        quantity: 30,
        fillsRemaining: 0,
      },
    ],
  });
  await t.database.db.insert(channelIdentities).values({
    channel,
    // WhatsApp senders are known by their number in E.164.
    externalId: channel === "whatsapp" ? `+${externalId}` : externalId,
    userId: p.userId,
    verifiedAt: t.clock.now(),
  });
  return { p, metformin: rx.itemIds[0]!, glimepiride: rx.itemIds[1]! };
}

async function ordersOf(patientId: number) {
  return t.database.db
    .select()
    .from(pharmacyOrders)
    .where(eq(pharmacyOrders.patientId, patientId))
    .orderBy(desc(pharmacyOrders.id));
}

async function paymentOf(orderId: number) {
  const [row] = await t.database.db
    .select()
    .from(payments)
    .where(and(eq(payments.purpose, "pharmacy_order"), eq(payments.referenceId, orderId)));
  return row;
}

describe("the medicines journey in the guided menu", () => {
  it("reorders Metformin over Telegram: list, summary, confirm, order and payment link; nothing before the yes", async () => {
    const chat = 7301;
    const { p, metformin } = await omar("telegram", String(chat));

    const menu = await tg(chat, { text: "hi" });
    expect(menu.at(-1)!.choices).toEqual(expect.arrayContaining(["medicines", "results"]));

    const list = await tg(chat, { press: "medicines" });
    expect(all(list)).toMatch(/Metformin 500 mg \(Dr Rao\): 3 fills left, 3 packs for ₹66/);
    expect(all(list)).toMatch(/Glimepiride 1 mg \(Dr Rao\): no refills left/);
    expect(list.at(-1)!.choices).toContain(`rx:${metformin}`);

    const summary = await tg(chat, { press: `rx:${metformin}` });
    expect(all(summary)).toMatch(/Order Metformin 500 mg.*3 packs.*₹66.*delivered to 12 MG Road/s);
    expect(all(summary)).toMatch(/Uses 1 of the 3 fills left on Dr Rao's prescription/);
    expect(summary.at(-1)!.choices).toEqual(["confirm", "change", "addr_other"]);
    // Prepared, not done.
    expect(await ordersOf(p.patientId)).toHaveLength(0);
    expect(await fillsRemaining(t, metformin)).toBe(3);

    const done = await tg(chat, { press: "confirm" });
    const [order] = await ordersOf(p.patientId);
    expect(order).toMatchObject({ status: "pending", paymentStatus: "unpaid", deliveryAddress: ADDRESS });
    const items = await t.database.db
      .select()
      .from(pharmacyOrderItems)
      .where(eq(pharmacyOrderItems.orderId, order!.id));
    expect(items).toMatchObject([{ quantity: 3, prescriptionItemId: metformin }]);
    expect(await fillsRemaining(t, metformin)).toBe(2);
    const payment = await paymentOf(order!.id);
    expect(payment).toMatchObject({ status: "requires_payment", amountMinor: order!.totalMinor });
    expect(all(done)).toContain(`Order #${order!.id} placed`);
    expect(done.flatMap((s) => s.links)).toEqual([expect.stringContaining(`/pay/${payment!.checkoutToken}`)]);

    // Confirming again (a repeated button) orders nothing more.
    await tg(chat, { press: "confirm" });
    expect(await ordersOf(p.patientId)).toHaveLength(1);

    // Order status on request, and the link again.
    const status = await tg(chat, { text: "where is my order?" });
    expect(all(status)).toMatch(new RegExp(`Order #${order!.id}: Metformin 500 mg.*pending, payment unpaid`));
    const again = await tg(chat, { text: "please resend the payment link" });
    expect(again.flatMap((s) => s.links)).toEqual([
      expect.stringContaining(`/pay/${payment!.checkoutToken}`),
    ]);
  });

  it("a typed address replaces the one on file, and no refills left asks the doctor instead (over WhatsApp)", async () => {
    const waId = "919800000101";
    const { p, metformin, glimepiride } = await omar("whatsapp", waId);
    await waStart(waId);

    const list = await wa(waId, { text: "I need my metformin refill" });
    expect(all(list)).toMatch(/Order Metformin 500 mg/);
    await wa(waId, { press: "addr_other" });
    const typed = await wa(waId, { text: "Flat 4, 22 Lodhi Road, Delhi" });
    expect(all(typed)).toMatch(/delivered to Flat 4, 22 Lodhi Road, Delhi/);
    expect(await ordersOf(p.patientId)).toHaveLength(0);
    const done = await wa(waId, { press: "confirm" });
    const [order] = await ordersOf(p.patientId);
    expect(order).toMatchObject({ deliveryAddress: "Flat 4, 22 Lodhi Road, Delhi", status: "pending" });
    expect(await fillsRemaining(t, metformin)).toBe(2);
    const payment = await paymentOf(order!.id);
    expect(done.flatMap((s) => s.links).join(" ")).toContain(`/pay/${payment!.checkoutToken}`);

    // Glimepiride has no refills left: the offer is to ask Dr Rao; nothing is asked before the yes.
    await wa(waId, { press: "medicines" });
    const offer = await wa(waId, { press: `rx:${glimepiride}` });
    expect(all(offer)).toMatch(/no refills left\. Ask Dr Rao to renew it\?/);
    expect(await t.database.db.select().from(refillRequests)).toHaveLength(0);
    const asked = await wa(waId, { press: "confirm" });
    expect(all(asked)).toMatch(/Dr Rao will see your request to renew Glimepiride 1 mg/);
    const requests = await t.database.db
      .select()
      .from(refillRequests)
      .where(eq(refillRequests.patientId, p.patientId));
    expect(requests).toMatchObject([
      { prescriptionItemId: glimepiride, doctorId: drRao.doctorId, status: "pending" },
    ]);
    const [note] = await t.database.db
      .select()
      .from(notificationsOutbox)
      .where(
        and(
          eq(notificationsOutbox.userId, drRao.userId),
          eq(notificationsOutbox.template, "prescription.renewal_requested"),
        ),
      );
    expect(note).toBeDefined();
    // The doctor sees it.
    const seen = await t.app.inject({
      method: "GET",
      url: "/api/doctor/refill-requests/",
      headers: drRao.headers,
    });
    expect(seen.statusCode).toBe(200);
    expect(seen.json().refill_requests).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ patient_id: p.patientId, medicine_name: "Glimepiride 1 mg" }),
      ]),
    );
    // The patient does not.
    const denied = await t.app.inject({
      method: "GET",
      url: "/api/doctor/refill-requests/",
      headers: p.headers,
    });
    expect(denied.statusCode).toBe(403);
  });

  it("refuses a prescription-only medicine without a prescription, and orders nothing", async () => {
    const chat = 7302;
    const { p } = await omar("telegram", String(chat));
    const said = await tg(chat, { text: "order amoxicillin 500 mg" });
    expect(all(said)).toMatch(/needs a prescription, and you have no active prescription for it/);
    expect(said.at(-1)!.choices).not.toContain("confirm");
    expect(await ordersOf(p.patientId)).toHaveLength(0);
  });

  it("logs a dose ('I took my metformin') once confirmed", async () => {
    const waId = "919800000102";
    const p = await patient(t, "Omar Farooq");
    await careTeam(t, drRao.doctorId, p.patientId);
    const rx = await t.app.inject({
      method: "POST",
      url: "/api/doctor/prescriptions/",
      headers: drRao.headers,
      payload: {
        patient_id: p.patientId,
        items: [
          {
            medicine_name: "Metformin 500 mg",
            dose: "1 tablet",
            frequency: "twice daily",
            duration_days: 5,
          },
        ],
      },
    });
    expect(rx.statusCode, rx.body).toBe(201);
    await t.database.db.insert(channelIdentities).values({
      channel: "whatsapp",
      externalId: `+${waId}`,
      userId: p.userId,
      verifiedAt: t.clock.now(),
    });
    // A day later, a dose has fallen due.
    t.clock.advance(24 * 3_600_000);
    await waStart(waId);
    const taken = () =>
      t.database.db
        .select()
        .from(medicationDoses)
        .where(and(eq(medicationDoses.patientId, p.patientId), eq(medicationDoses.status, "taken")));
    const offer = await wa(waId, { text: "I took my metformin" });
    expect(all(offer)).toMatch(/Record that you took your Metformin/);
    expect(await taken()).toHaveLength(0);
    const done = await wa(waId, { press: "confirm" });
    expect(all(done)).toMatch(/dose is recorded as taken/);
    expect(await taken()).toHaveLength(1);
  });

  it("reads the latest lab results in plain words, the session's patient's only", async () => {
    const chat = 7303;
    const { p } = await omar("telegram", String(chat));
    const other = await patient(t, "Someone Else");
    const [cbc] = (await t.database.db.select({ code: labTests.code }).from(labTests).limit(1)).map(
      (r) => r.code,
    );
    await tg(chat, { text: "hi" });
    expect(all(await tg(chat, { press: "results" }))).toMatch(/no lab results yet/);
    for (const [who, value] of [
      [p.patientId, "9.1"],
      [other.patientId, "18.5"],
    ] as const) {
      const [r] = await t.database.db
        .insert(medicalRecords)
        .values({
          patientId: who,
          kind: "clinical",
          authorUserId: drRao.userId,
          recordDate: "2030-01-10",
          description: "Lab results: Complete Blood Count",
        })
        .returning({ id: medicalRecords.id });
      const [b] = await t.database.db
        .insert(labBookings)
        .values({
          patientId: who,
          labTestId: await labTestId(t, cbc!),
          testName: "Complete Blood Count",
          appointmentDate: "2030-01-10",
          collection: "lab",
          status: "resulted",
          priceMinor: 30000,
          currency: "INR",
          bookedByUserId: drRao.userId,
          resultedAt: t.clock.now(),
          recordId: r!.id,
        })
        .returning({ id: labBookings.id });
      await t.database.db.insert(labResults).values({
        bookingId: b!.id,
        patientId: who,
        name: "Haemoglobin",
        value,
        numericValue: Number(value),
        unit: "g/dL",
        referenceRange: "13-17",
        flag: who === p.patientId ? "low" : "high",
        recordedByUserId: drRao.userId,
        createdAt: t.clock.now(),
      });
    }
    const said = all(await tg(chat, { press: "results" }));
    expect(said).toMatch(/Haemoglobin: 9\.1 g\/dL, lower than the normal range \(normal: 13-17\)/);
    expect(said).not.toMatch(/18\.5/);
  });
});
