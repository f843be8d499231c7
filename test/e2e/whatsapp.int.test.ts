import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signBody } from "../../channels/whatsapp/inbound.js";
import { WhatsAppClient } from "../../channels/whatsapp/client.js";
import {
  appointments,
  channelIdentities,
  conversationMessages,
  notificationsOutbox,
} from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../app.js";
import { verifiedDoctor } from "../factories.js";
import { MetaWebhooks, startFakeGraph, type FakeGraph, type GraphMessageCall } from "../fakes/graph.js";
import { startInternalService } from "../fakes/internal.js";
import { STOP_REPLY } from "../../bot/middleware/optout.js";
import { settle } from "../settle.js";

/** The WhatsApp Cloud API channel end to end: signed webhooks in, the fake Graph API records what went out. */

const APP_SECRET = "meta-app-secret-for-tests-0123";
const VERIFY_TOKEN = "verify-token-for-tests";
const ACCESS_TOKEN = "EAAtest-access-token";
const PHONE_NUMBER_ID = "106540352242922";
const TEMPLATES = {
  "appointment.reminder": {
    name: "appointment_reminder",
    language: "en",
    params: ["doctor_name", "appointment_date", "appointment_time"],
  },
};

let t: TestApp;
let fake: FakeGraph;
const hooks = new MetaWebhooks(APP_SECRET, PHONE_NUMBER_ID);

beforeAll(async () => {
  fake = await startFakeGraph();
  t = await buildTestApp({
    env: {
      WHATSAPP_ACCESS_TOKEN: ACCESS_TOKEN,
      WHATSAPP_PHONE_NUMBER_ID: PHONE_NUMBER_ID,
      WHATSAPP_APP_SECRET: APP_SECRET,
      WHATSAPP_VERIFY_TOKEN: VERIFY_TOKEN,
      WHATSAPP_GRAPH_API_BASE: fake.url,
      WHATSAPP_TEMPLATES: JSON.stringify(TEMPLATES),
    },
  });
  for (const name of ["Dr Meera Shah", "Dr Arjun Mehta", "Dr Kavya Iyer", "Dr Rohan Gupta"])
    await verifiedDoctor(t, { name, specialty: "Dentist", city: "Delhi" });
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

function post(json: unknown, app = t.app) {
  const { payload, headers } = hooks.signed(json);
  return app.inject({ method: "POST", url: "/webhooks/whatsapp", headers, payload });
}

/** Posts a signed webhook; resolves with what was sent to that number because of it. */
async function turn(waId: string, json: unknown): Promise<GraphMessageCall[]> {
  const before = fake.sentTo(waId).length;
  const res = await post(json);
  expect(res.statusCode).toBe(200);
  await settle(t.jobs);
  return fake.sentTo(waId).slice(before);
}

type Body = {
  type: string;
  text?: { body: string; preview_url: boolean };
  interactive?: {
    type: string;
    body: { text: string };
    action: {
      buttons?: { reply: { id: string; title: string } }[];
      sections?: { rows: { id: string; title: string }[] }[];
    };
  };
  template?: { name: string; language: { code: string }; components?: { parameters: { text: string }[] }[] };
};
const bodyOf = (c: GraphMessageCall) => c.body as unknown as Body;
const textOf = (calls: GraphMessageCall[]) =>
  calls.map((c) => bodyOf(c).text?.body ?? bodyOf(c).interactive?.body.text ?? "").join("\n");
const buttonIds = (calls: GraphMessageCall[]) =>
  calls.flatMap((c) => bodyOf(c).interactive?.action.buttons?.map((b) => b.reply.id) ?? []);
const rowIds = (calls: GraphMessageCall[]) =>
  calls.flatMap((c) => bodyOf(c).interactive?.action.sections?.flatMap((s) => s.rows.map((r) => r.id)) ?? []);

async function identityOf(address: string) {
  const [row] = await t.database.db
    .select()
    .from(channelIdentities)
    .where(and(eq(channelIdentities.channel, "whatsapp"), eq(channelIdentities.externalId, address)));
  return row;
}

async function outboundOf(address: string) {
  const identity = await identityOf(address);
  return t.database.db
    .select()
    .from(conversationMessages)
    .where(
      and(
        eq(conversationMessages.conversationId, identity!.conversationId!),
        eq(conversationMessages.direction, "out"),
      ),
    )
    .orderBy(conversationMessages.id);
}

describe("GET /webhooks/whatsapp (Meta's verification challenge)", () => {
  const url = (token: string, mode = "subscribe") =>
    `/webhooks/whatsapp?hub.mode=${mode}&hub.verify_token=${encodeURIComponent(token)}&hub.challenge=1158201444`;

  it("echoes the challenge for the right verify token", async () => {
    const res = await t.app.inject({ method: "GET", url: url(VERIFY_TOKEN) });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/text\/plain/);
    expect(res.body).toBe("1158201444");
  });

  it("refuses a wrong token or mode with 403", async () => {
    for (const u of [
      url("wrong"),
      url(`${VERIFY_TOKEN}x`),
      url(VERIFY_TOKEN, "unsubscribe"),
      "/webhooks/whatsapp",
    ]) {
      const res = await t.app.inject({ method: "GET", url: u });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ error: { code: "FORBIDDEN" } });
    }
  });
});

describe("POST /webhooks/whatsapp", () => {
  const asha = "919876500001";

  it("answers a message carrying NUL and other control bytes, stored without them", async () => {
    const kai = "919876500088";
    const reply = await turn(kai, hooks.text(kai, "h\u0000i\u001b there\uDC00"));
    expect(textOf(reply)).toMatch(/terms of service and privacy/);
    const identity = await identityOf("+919876500088");
    const [inbound] = await t.database.db
      .select()
      .from(conversationMessages)
      .where(
        and(
          eq(conversationMessages.conversationId, identity!.conversationId!),
          eq(conversationMessages.direction, "in"),
        ),
      );
    expect(inbound!.text).toBe("hi there");
  });

  it("Asha books a dentist in Delhi with buttons and lists, pays through the link, and hears back", async () => {
    const consent = await turn(asha, hooks.text(asha, "hi"));
    expect(textOf(consent)).toMatch(/terms of service and privacy/);
    expect(textOf(consent)).toContain("Terms and privacy: http://healthlink.test/terms");
    expect(buttonIds(consent)).toEqual(["agree", "decline"]);

    expect(textOf(await turn(asha, hooks.button(asha, "agree", "I agree")))).toMatch(/full name/);
    expect(textOf(await turn(asha, hooks.text(asha, "Asha Verma")))).toMatch(/date of birth/);
    // Meta verified the number the messages come from: Asha is verified with no code.
    const verified = await turn(asha, hooks.text(asha, "1992-04-15"));
    const codes = await t.database.db
      .select()
      .from(notificationsOutbox)
      .where(
        and(
          eq(notificationsOutbox.template, "chat.verification_code"),
          eq(notificationsOutbox.toAddress, "+919876500001"),
        ),
      );
    expect(codes).toHaveLength(0);
    expect(textOf(verified)).toMatch(/verified/);
    expect(rowIds(verified)).toEqual(["find", "appointments", "medicines", "labs", "results", "human"]);
    const identity = await identityOf("+919876500001");
    expect(identity!.userId).not.toBeNull();
    expect(identity!.verifiedAt).not.toBeNull();

    await turn(asha, hooks.button(asha, "find", "Find a doctor"));
    expect(textOf(await turn(asha, hooks.text(asha, "dentist")))).toMatch(/city/);
    const doctorsList = await turn(asha, hooks.text(asha, "Delhi"));
    expect(bodyOf(doctorsList.at(-1)!).interactive?.type).toBe("list");
    const doctorRows = rowIds(doctorsList).filter((id) => id.startsWith("doc:"));
    expect(doctorRows).toHaveLength(4);
    const days = await turn(asha, hooks.listReply(asha, doctorRows[0]!));
    const day = rowIds(days).find((id) => id.startsWith("day:"))!;
    expect(bodyOf(days.at(-1)!).interactive?.type).toBe("list");
    const slots = await turn(asha, hooks.listReply(asha, day));
    const slot = rowIds(slots).find((id) => id.startsWith("slot:"))!;
    const summary = await turn(asha, hooks.listReply(asha, slot));
    expect(buttonIds(summary)).toEqual(["confirm", "change"]);
    const done = await turn(asha, hooks.button(asha, "confirm", "Confirm"));
    expect(textOf(done)).toMatch(/Request sent to the doctor/);

    // The payment link is a plain text link with a preview: tappable, never a WhatsApp payment message.
    const linkMessage = done.find((c) => /\/pay\//.test(bodyOf(c).text?.body ?? ""))!;
    expect(bodyOf(linkMessage)).toMatchObject({ type: "text", text: { preview_url: true } });
    const payUrl = /(https?:\/\/\S+\/pay\/\S+)/.exec(bodyOf(linkMessage).text!.body)![1]!;
    const path = new URL(payUrl).pathname;
    const page = await t.app.inject({ method: "GET", url: path });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("TEST MODE");
    expect((await t.app.inject({ method: "POST", url: `${path}/succeed` })).statusCode).toBe(303);

    const [booked] = await t.database.db
      .select()
      .from(appointments)
      .where(eq(appointments.doctorId, Number(doctorRows[0]!.slice(4))));
    expect(booked).toMatchObject({ paymentStatus: "paid" });

    // The receipt the payment raised reaches her in the same chat (posted as the outbox dispatcher does).
    const [receipt] = await t.database.db
      .select()
      .from(notificationsOutbox)
      .where(
        and(
          eq(notificationsOutbox.userId, identity!.userId!),
          eq(notificationsOutbox.template, "payment.receipt"),
        ),
      );
    expect(receipt).toBeDefined();
    const before = fake.sentTo(asha).length;
    await t.app.hub.post(
      identity!,
      [{ text: "Payment received. Your appointment request is with the doctor." }],
      {
        key: `outbox:${receipt!.id}`,
        notification: { template: receipt!.template, data: receipt!.data },
      },
    );
    await settle(t.jobs);
    expect(textOf(fake.sentTo(asha).slice(before))).toMatch(/Payment received/);

    // Every message went out as text, buttons or a list: no payment, order, catalog or product message.
    const sentTypes = new Set(
      fake.sentTo(asha).map((c) => `${bodyOf(c).type}/${bodyOf(c).interactive?.type ?? ""}`),
    );
    expect([...sentTypes].sort()).toEqual(["interactive/button", "interactive/list", "text/"]);
    expect(fake.sentTo(asha).every((c) => c.authorization === `Bearer ${ACCESS_TOKEN}`)).toBe(true);
    expect(fake.sentTo(asha).every((c) => c.phoneNumberId === PHONE_NUMBER_ID)).toBe(true);
    const out = await outboundOf("+919876500001");
    expect(out.every((m) => m.deliveredAt !== null && m.sendError === null)).toBe(true);
    expect(out.every((m) => m.providerMessageId?.startsWith("wamid."))).toBe(true);
  });

  it("outside the 24-hour window sends a notification as its approved template, and refuses one without", async () => {
    const identity = (await identityOf("+919876500001"))!;
    // A day later: the relay would send Asha's appointment reminders, now due, into the window "menu"
    // reopens below. Only this test's messages are under test.
    await t.relay.stop();
    t.clock.advance(25 * 3600_000);
    const before = fake.sentTo(asha).length;
    await t.app.hub.post(
      identity,
      [
        {
          text: "Reminder: Dr Meera Shah tomorrow at 10:00.",
          choices: [
            { id: "confirm_visit", label: "Confirm" },
            { id: "reschedule", label: "Reschedule" },
          ],
        },
      ],
      {
        key: `reminder:${randomUUID()}`,
        notification: {
          template: "appointment.reminder",
          data: { doctor_name: "Dr Meera Shah", appointment_date: "2030-01-09", appointment_time: "10:00" },
        },
      },
    );
    await settle(t.jobs);
    const sent = fake.sentTo(asha).slice(before);
    expect(sent).toHaveLength(1);
    expect(bodyOf(sent[0]!)).toEqual({
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to: asha,
      type: "template",
      template: {
        name: "appointment_reminder",
        language: { code: "en" },
        components: [
          {
            type: "body",
            parameters: [
              { type: "text", text: "Dr Meera Shah" },
              { type: "text", text: "2030-01-09" },
              { type: "text", text: "10:00" },
            ],
          },
        ],
      },
    });

    const ids = await t.app.hub.post(identity, [{ text: "Your lab results are ready." }], {
      key: `lab:${randomUUID()}`,
      notification: { template: "lab.results_ready", data: { booking_id: 1 } },
    });
    await settle(t.jobs);
    expect(fake.sentTo(asha).length).toBe(before + 1);
    const [refused] = await t.database.db
      .select()
      .from(conversationMessages)
      .where(eq(conversationMessages.id, ids[0]!));
    expect(refused).toMatchObject({
      deliveredAt: null,
      sendError: "WHATSAPP_WINDOW_CLOSED",
      sendAttempts: 1,
    });

    // Writing again reopens the window: replies are free-form again.
    const again = await turn(asha, hooks.text(asha, "menu"));
    expect(again.map((c) => bodyOf(c).type)).toEqual(["interactive"]);
    t.relay.start();
  });

  it("refuses a forged or missing X-Hub-Signature-256 with 403 and processes nothing", async () => {
    const mallory = "919876500066";
    const json = hooks.text(mallory, "hello");
    const payload = JSON.stringify(json);
    const good = hooks.signed(json).headers["x-hub-signature-256"]!;
    const forged = [
      undefined,
      "",
      good.replace("sha256=", ""),
      "sha256=" + "0".repeat(64),
      new MetaWebhooks("another-app-secret", PHONE_NUMBER_ID).signed(json).headers["x-hub-signature-256"],
      hooks.signed(hooks.text(mallory, "other body")).headers["x-hub-signature-256"],
    ];
    for (const sig of forged) {
      const res = await t.app.inject({
        method: "POST",
        url: "/webhooks/whatsapp",
        headers: {
          "content-type": "application/json",
          ...(sig !== undefined ? { "x-hub-signature-256": sig } : {}),
        },
        payload,
      });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ error: { code: "FORBIDDEN" } });
    }
    await settle(t.jobs);
    expect(await identityOf("+919876500066")).toBeUndefined();
    expect(fake.sentTo(mallory)).toEqual([]);
  });

  it("answers the same message delivered five times at once exactly once", async () => {
    const ana = "919876500003";
    const json = hooks.text(ana, "hello");
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => post(json)));
    expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200]);
    await settle(t.jobs);
    expect(fake.sentTo(ana)).toHaveLength(1);
    expect(textOf(fake.sentTo(ana))).toMatch(/terms of service/);
  });

  it("honours STOP from a number that never wrote before: the confirmation goes, then nothing else", async () => {
    const zoe = "919876500077";
    expect((await post(hooks.text(zoe, "STOP"))).statusCode).toBe(200);
    await settle(t.jobs);
    expect(textOf(fake.sentTo(zoe))).toBe(STOP_REPLY);
    expect((await post(hooks.text(zoe, "hello"))).statusCode).toBe(200);
    await settle(t.jobs);
    expect(fake.sentTo(zoe)).toHaveLength(1);
  });

  it("accepts every message of a batched webhook", async () => {
    const [a, b] = ["919876500011", "919876500012"];
    const json = hooks.envelope({
      messages: [
        hooks.message(a, "text", { text: { body: "hi" } }),
        hooks.message(b, "text", { text: { body: "hello" } }),
      ],
    });
    expect((await post(json)).statusCode).toBe(200);
    await settle(t.jobs);
    expect(fake.sentTo(a)).toHaveLength(1);
    expect(fake.sentTo(b)).toHaveLength(1);
  });

  it("records status updates on the message and on the notification it carried", async () => {
    const out = await outboundOf("+919876500003");
    const wamid = out[0]!.providerMessageId!;
    for (const status of ["sent", "delivered", "read"])
      expect((await post(hooks.status(wamid, status, "919876500003"))).statusCode).toBe(200);
    const [row] = await t.database.db
      .select()
      .from(conversationMessages)
      .where(eq(conversationMessages.id, out[0]!.id));
    expect(row).toMatchObject({ deliveryStatus: "read" });
    expect(row!.deliveryStatusAt).toEqual(new Date(1893974400_000));
    // A late "delivered" (callbacks arrive out of order) does not take the status back.
    expect((await post(hooks.status(wamid, "delivered", "919876500003"))).statusCode).toBe(200);
    const [after] = await t.database.db
      .select()
      .from(conversationMessages)
      .where(eq(conversationMessages.id, out[0]!.id));
    expect(after).toMatchObject({ deliveryStatus: "read" });

    const identity = (await identityOf("+919876500001"))!;
    const key = `test:${randomUUID()}`;
    await t.database.db.insert(notificationsOutbox).values({
      userId: identity.userId,
      template: "appointment.accepted",
      data: {},
      idempotencyKey: key,
      status: "sent",
      deliveredChannel: "whatsapp",
      providerMessageId: "wamid.NOTIFICATION1",
    });
    expect((await post(hooks.status("wamid.NOTIFICATION1", "delivered", "919876500001"))).statusCode).toBe(
      200,
    );
    const forged = hooks.signed(hooks.status("wamid.NOTIFICATION1", "failed", "919876500001"));
    const res = await t.app.inject({
      method: "POST",
      url: "/webhooks/whatsapp",
      headers: { ...forged.headers, "x-hub-signature-256": "sha256=" + "1".repeat(64) },
      payload: forged.payload,
    });
    expect(res.statusCode).toBe(403);
    const [notification] = await t.database.db
      .select()
      .from(notificationsOutbox)
      .where(eq(notificationsOutbox.idempotencyKey, key));
    expect(notification).toMatchObject({ deliveryStatus: "delivered" });
  });

  it("takes a document the patient sends as an attachment with its mime type, fetchable with the token", async () => {
    const ravi = "919876500004";
    const pdf = Buffer.from("%PDF-1.4\n% a lab report\n%%EOF\n");
    fake.addMedia("880001", pdf, "application/pdf");
    expect(
      (await post(hooks.document(ravi, "880001", "application/pdf", "report.pdf", "my report"))).statusCode,
    ).toBe(200);
    await settle(t.jobs);
    const identity = await identityOf("+919876500004");
    const [inbound] = await t.database.db
      .select()
      .from(conversationMessages)
      .where(
        and(
          eq(conversationMessages.conversationId, identity!.conversationId!),
          eq(conversationMessages.direction, "in"),
        ),
      );
    expect(inbound!.payload).toEqual({
      attachments: [{ url: "wa-media:880001", mimeType: "application/pdf", name: "report.pdf" }],
    });

    const adapter = t.app.hub.registry.get("whatsapp")!;
    const media = await adapter.fetchMedia!("wa-media:880001");
    expect(media).toEqual({ bytes: pdf, mimeType: "application/pdf" });
    expect(fake.mediaAuth.slice(-2)).toEqual([`Bearer ${ACCESS_TOKEN}`, `Bearer ${ACCESS_TOKEN}`]);
    const small = new WhatsAppClient(t.config.whatsapp!, t.clock, 10);
    await expect(small.fetchMedia("wa-media:880001")).rejects.toThrow("WHATSAPP_MEDIA_TOO_LARGE");
    await expect(adapter.fetchMedia!("wa-media:../etc")).rejects.toThrow("WHATSAPP_MEDIA_REF");
  });

  it("fetches media only from the Graph API's origin or Meta's media hosts: a URL or redirect to another local port or a private address is refused, without the token", async () => {
    const adapter = t.app.hub.registry.get("whatsapp")!;
    const internal = await startInternalService();
    try {
      const port = new URL(internal.url).port;
      const cases: [string, (id: string) => void][] = [
        ["881005", (id) => fake.addRedirectedMedia(id, `${internal.url}/files/x`, "image/png")],
        ["881001", (id) => fake.addMediaAt(id, `${internal.url}/files/x`, "image/png")],
        ["881002", (id) => fake.addMediaAt(id, `https://127.0.0.1:${port}/files/x`, "image/png")],
        ["881003", (id) => fake.addMediaAt(id, "https://169.254.169.254/latest/meta-data", "image/png")],
        ["881004", (id) => fake.addMediaAt(id, "https://attacker.example/files/x", "image/png")],
        ["881006", (id) => fake.addRedirectedMedia(id, "http://10.0.0.7/files/x", "image/png")],
      ];
      for (const [id, add] of cases) {
        add(id);
        await expect(adapter.fetchMedia!(`wa-media:${id}`), id).rejects.toMatchObject({
          code: "WHATSAPP_MEDIA_URL",
          retryable: false,
        });
      }
      expect(internal.hits).toEqual([]);
    } finally {
      await internal.close();
    }
  });

  it("records Meta's re-engagement error as the closed window, and retries a 429 until it goes", async () => {
    const lee = "919876500005";
    fake.behaviour.fail = "131047";
    fake.behaviour.failTimes = 1;
    expect((await post(hooks.text(lee, "hi"))).statusCode).toBe(200);
    await settle(t.jobs);
    const [refused] = await outboundOf("+919876500005");
    expect(refused).toMatchObject({
      deliveredAt: null,
      sendError: "WHATSAPP_WINDOW_CLOSED",
      sendAttempts: 1,
    });

    const kim = "919876500006";
    fake.behaviour.fail = "429";
    fake.behaviour.failTimes = 1;
    expect((await post(hooks.text(kim, "hi"))).statusCode).toBe(200);
    const deadline = Date.now() + 10_000;
    while (fake.sentTo(kim).length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    await settle(t.jobs);
    fake.behaviour.fail = "none";
    expect(fake.sentTo(kim)).toHaveLength(1);
    const [sent] = await outboundOf("+919876500006");
    expect(sent).toMatchObject({ sendError: null, sendAttempts: 2 });
    expect(sent!.deliveredAt).not.toBeNull();
  });

  it("acknowledges authentic parts it cannot handle (a sticker, junk) with 200 and no reply", async () => {
    const zoe = "919876500007";
    for (const json of [
      hooks.messages(zoe, [hooks.message(zoe, "sticker", { sticker: { id: "1" } })]),
      { nonsense: true },
      "not json",
    ]) {
      const res =
        typeof json === "string"
          ? await t.app.inject({
              method: "POST",
              url: "/webhooks/whatsapp",
              headers: { "content-type": "text/plain", "x-hub-signature-256": signBody(json, APP_SECRET) },
              payload: json,
            })
          : await post(json);
      expect(res.statusCode).toBe(200);
    }
    await settle(t.jobs);
    expect(fake.sentTo(zoe)).toEqual([]);
  });
});

describe("WhatsApp unconfigured", () => {
  it("has no webhook routes (404)", async () => {
    const off = await buildTestApp();
    try {
      expect(off.app.hub.registry.get("whatsapp")).toBeUndefined();
      expect((await post(hooks.text("919876500008", "hi"), off.app)).statusCode).toBe(404);
      const get = await off.app.inject({
        method: "GET",
        url: `/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1`,
      });
      expect(get.statusCode).toBe(404);
    } finally {
      await off.close();
    }
  });
});
