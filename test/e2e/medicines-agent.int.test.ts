import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { channelIdentities, payments, pharmacyOrders, refillRequests } from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../app.js";
import { MetaWebhooks, startFakeGraph, type FakeGraph } from "../fakes/graph.js";
import { FakeOpenAI } from "../fakes/openai.js";
import { startFakeTelegram, type FakeTelegram } from "../fakes/telegram.js";
import { careTeam, doctor, fillsRemaining, patient, prescribe, withCatalog } from "../orders.js";
import { settle } from "../settle.js";

/**
 * The agent (against the local OpenAI-compatible fake) reorders Metformin over Telegram and WhatsApp through the
 * same prepared action as the guided menu: the model's tool call only prepares; the person's "yes" orders.
 */

const TG_SECRET = "test_webhook_secret_0123456789";
const APP_SECRET = "meta-app-secret-for-tests-0123";
const PHONE_NUMBER_ID = "106540352242922";
const ADDRESS = "12 MG Road, Connaught Place, Delhi";

let t: TestApp;
let telegram: FakeTelegram;
let graph: FakeGraph;
let llm: FakeOpenAI;
const hooks = new MetaWebhooks(APP_SECRET, PHONE_NUMBER_ID);
let updateId = 12000;
let drRao: Awaited<ReturnType<typeof doctor>>;

beforeAll(async () => {
  telegram = await startFakeTelegram();
  graph = await startFakeGraph();
  llm = await FakeOpenAI.start();
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
      OPENAI_API_KEY: "test",
      OPENAI_BASE_URL: llm.baseUrl,
      LLM_MODEL: "fake-model",
      LLM_TIMEOUT_MS: "2000",
      LLM_MAX_RETRIES: "0",
    },
  });
  await withCatalog(t);
  drRao = await doctor(t, "Dr Rao");
});
afterAll(async () => {
  await t.close();
  await telegram.close();
  await graph.close();
  await llm.close();
});

/** Sends a text on the channel; what was sent back (texts with any link) because of it. */
async function send(channel: "telegram" | "whatsapp", who: string, text: string): Promise<string> {
  if (channel === "telegram") {
    const sent = () => telegram.sent("sendMessage").filter((c) => String(c.params.chat_id) === who);
    const before = sent().length;
    const res = await t.app.inject({
      method: "POST",
      url: "/webhooks/telegram",
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": TG_SECRET },
      payload: JSON.stringify({
        update_id: ++updateId,
        message: {
          message_id: updateId,
          date: 1,
          from: { id: Number(who), is_bot: false, first_name: "Omar" },
          chat: { id: Number(who), type: "private" },
          text,
        },
      }),
    });
    expect(res.statusCode).toBe(200);
    await settle(t.jobs);
    return sent()
      .slice(before)
      .map((c) => `${String(c.params.text)} ${JSON.stringify(c.params.reply_markup ?? "")}`)
      .join("\n");
  }
  const before = graph.sentTo(who).length;
  const { payload, headers } = hooks.signed(hooks.text(who, text));
  const res = await t.app.inject({ method: "POST", url: "/webhooks/whatsapp", headers, payload });
  expect(res.statusCode).toBe(200);
  await settle(t.jobs);
  return graph
    .sentTo(who)
    .slice(before)
    .map((c) => JSON.stringify(c.body))
    .join("\n");
}

async function omar(channel: "telegram" | "whatsapp", who: string) {
  const p = await patient(t, "Omar Farooq");
  await careTeam(t, drRao.doctorId, p.patientId);
  await t.app.inject({
    method: "PUT",
    url: "/api/patient/profile/",
    headers: p.headers,
    payload: { address: ADDRESS },
  });
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
    externalId: channel === "whatsapp" ? `+${who}` : who,
    userId: p.userId,
    verifiedAt: t.clock.now(),
  });
  return { p, metformin: rx.itemIds[0]!, glimepiride: rx.itemIds[1]! };
}

const orders = (patientId: number) =>
  t.database.db.select().from(pharmacyOrders).where(eq(pharmacyOrders.patientId, patientId));

describe("the agent's medicines journey", () => {
  for (const [channel, who] of [
    ["telegram", "8301"],
    ["whatsapp", "919800000201"],
  ] as const) {
    it(`reorders Metformin over ${channel} only once the person confirms the prepared order`, async () => {
      const { p, metformin } = await omar(channel, who);
      if (channel === "whatsapp") {
        // WhatsApp asks the terms first.
        const consent = await send(channel, who, "hi");
        if (consent.includes('"agree"')) await send(channel, who, "I agree");
      }
      llm.reset();
      llm.answer(
        { toolCalls: [{ name: "my_medicines", args: {} }] },
        { toolCalls: [{ name: "order_medicine", args: { medicine: "metformin" } }] },
        { text: "Here is your order to confirm." },
      );
      const summary = await send(channel, who, "I need my metformin refill");
      const results = llm.toolResults(llm.requests.at(-1)!);
      expect(results[0]).toMatch(/Metformin 500 mg \(Dr Rao\): 3 fills left/);
      expect(results[1]).toMatch(/Prepared/);
      expect(summary).toMatch(/Order Metformin 500 mg.*3 packs.*delivered to 12 MG Road/);
      expect(await orders(p.patientId)).toHaveLength(0);
      expect(await fillsRemaining(t, metformin)).toBe(3);

      llm.reset();
      const done = await send(channel, who, "yes");
      expect(llm.requests).toHaveLength(0);
      const [order] = await orders(p.patientId);
      expect(order).toMatchObject({ status: "pending", paymentStatus: "unpaid", deliveryAddress: ADDRESS });
      expect(await fillsRemaining(t, metformin)).toBe(2);
      const [payment] = await t.database.db
        .select()
        .from(payments)
        .where(and(eq(payments.purpose, "pharmacy_order"), eq(payments.referenceId, order!.id)));
      expect(done).toContain(`/pay/${payment!.checkoutToken}`);
    });
  }

  it("offers to ask the doctor when no refills are left, and asks only on yes", async () => {
    const who = "8302";
    const { p, glimepiride } = await omar("telegram", who);
    llm.reset();
    llm.answer(
      { toolCalls: [{ name: "order_medicine", args: { medicine: "glimepiride" } }] },
      { text: "Shall I ask your doctor?" },
    );
    const offer = await send("telegram", who, "order my glimepiride");
    expect(offer).toMatch(/no refills left\. Ask Dr Rao to renew it\?/);
    expect(await orders(p.patientId)).toHaveLength(0);
    expect(
      await t.database.db.select().from(refillRequests).where(eq(refillRequests.patientId, p.patientId)),
    ).toHaveLength(0);
    await send("telegram", who, "yes");
    expect(
      await t.database.db.select().from(refillRequests).where(eq(refillRequests.patientId, p.patientId)),
    ).toMatchObject([{ prescriptionItemId: glimepiride, status: "pending" }]);
  });
});
