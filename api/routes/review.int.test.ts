import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  auditLog,
  conversationMessages,
  conversations,
  notificationsOutbox,
  promptVersions,
  supportTickets,
  toolCalls,
} from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../../test/app.js";
import { signInAs, signUp, type Session } from "../../test/factories.js";

let t: TestApp;
let admin: Session;
let patient: Session;
let nurse: Session;
let webId: number;
let smsId: number;
let quietId: number;
let inMessageId: number;

async function conversation(values: {
  userId?: number | null;
  channel: string;
  updatedAt: Date;
  messages: { direction: "in" | "out"; text: string; payload?: Record<string, unknown> }[];
}): Promise<{ id: number; messageIds: number[] }> {
  const [c] = await t.database.db
    .insert(conversations)
    .values({
      userId: values.userId ?? null,
      channel: values.channel,
      createdAt: values.updatedAt,
      updatedAt: values.updatedAt,
    })
    .returning();
  const messageIds: number[] = [];
  for (const m of values.messages) {
    const [row] = await t.database.db
      .insert(conversationMessages)
      .values({
        conversationId: c!.id,
        direction: m.direction,
        channel: values.channel,
        text: m.text,
        payload: m.payload ?? {},
        createdAt: values.updatedAt,
      })
      .returning();
    messageIds.push(row!.id);
  }
  return { id: c!.id, messageIds };
}

beforeAll(async () => {
  t = await buildTestApp();
  admin = await signInAs(t, "admin");
  nurse = await signInAs(t, "nurse");
  patient = await signUp(t, "patient");
  const web = await conversation({
    userId: patient.userId,
    channel: "web",
    updatedAt: new Date("2030-01-05T10:00:00Z"),
    messages: [
      { direction: "in", text: "I need a dentist in Delhi" },
      { direction: "out", text: "Which day suits you?", payload: { choices: [{ id: "day:1" }] } },
      { direction: "in", text: "Monday" },
      { direction: "out", text: "Here are the times." },
    ],
  });
  webId = web.id;
  inMessageId = web.messageIds[0]!;
  await t.database.db.insert(toolCalls).values([
    {
      conversationId: webId,
      messageId: inMessageId,
      name: "find_doctors",
      args: { specialty: "dentist" },
      result: { count: 3 },
      durationMs: 12,
    },
    {
      conversationId: webId,
      name: "book_appointment",
      args: { slot: "x" },
      error: "SLOT_TAKEN",
      durationMs: 7,
    },
  ]);
  const sms = await conversation({
    channel: "sms",
    updatedAt: new Date("2030-01-06T10:00:00Z"),
    messages: [
      { direction: "in", text: "talk to a human please" },
      { direction: "out", text: "Someone will call you." },
    ],
  });
  smsId = sms.id;
  await t.database.db.insert(supportTickets).values({ conversationId: smsId, reason: "asked for a human" });
  quietId = (
    await conversation({ channel: "telegram", updatedAt: new Date("2030-01-01T10:00:00Z"), messages: [] })
  ).id;
});
afterAll(async () => {
  await t.close();
});

const get = (url: string, s: Session = admin) => t.app.inject({ method: "GET", url, headers: s.headers });
const post = (url: string, payload: unknown, s: Session = admin) =>
  t.app.inject({ method: "POST", url, headers: s.headers, payload: payload as object });

type Summary = {
  id: number;
  channel: string;
  message_count: number;
  human_requested: boolean;
  tool_failed: boolean;
  flagged: boolean;
};
const ids = (body: { conversations: Summary[] }) => body.conversations.map((c) => c.id).sort((a, b) => a - b);

describe("conversation review", () => {
  it("lists with activity, counts, human and tool-failure markers, newest first", async () => {
    const res = await get("/api/admin/conversations");
    expect(res.statusCode).toBe(200);
    const body = res.json<{ conversations: Summary[]; total: number }>();
    expect(body.total).toBe(3);
    expect(body.conversations.map((c) => c.id)).toEqual([smsId, webId, quietId]);
    const web = body.conversations.find((c) => c.id === webId)!;
    expect(web).toMatchObject({
      channel: "web",
      message_count: 4,
      tool_failed: true,
      human_requested: false,
    });
    expect(body.conversations.find((c) => c.id === smsId)).toMatchObject({
      human_requested: true,
      tool_failed: false,
    });
  });

  it("filters by channel, text, date range and paginates", async () => {
    expect(ids((await get("/api/admin/conversations?channel=sms")).json())).toEqual([smsId]);
    expect(ids((await get("/api/admin/conversations?q=DENTIST")).json())).toEqual([webId]);
    expect(ids((await get("/api/admin/conversations?q=100%25")).json())).toEqual([]);
    expect(ids((await get("/api/admin/conversations?from=2030-01-05&to=2030-01-05")).json())).toEqual([
      webId,
    ]);
    expect(ids((await get("/api/admin/conversations?from=2030-01-02")).json())).toEqual(
      [webId, smsId].sort((a, b) => a - b),
    );
    const page2 = (await get("/api/admin/conversations?per_page=2&page=2")).json<{
      conversations: Summary[];
      total: number;
    }>();
    expect(page2.total).toBe(3);
    expect(ids(page2)).toEqual([quietId]);
    expect((await get("/api/admin/conversations?from=2030-02-30")).statusCode).toBe(400);
  });

  it("filters by hand-off, tool errors and model errors (a failed agent turn's note), each way", async () => {
    expect(ids((await get("/api/admin/conversations?human_requested=true")).json())).toEqual([smsId]);
    expect(ids((await get("/api/admin/conversations?tool_failed=true")).json())).toEqual([webId]);
    expect(ids((await get("/api/admin/conversations?tool_failed=false")).json())).toEqual(
      [smsId, quietId].sort((a, b) => a - b),
    );
    expect(ids((await get("/api/admin/conversations?model_failed=true")).json())).toEqual([]);
    await t.services.conversations.flagForReview(
      quietId,
      null,
      "llm_error: TIMEOUT (TimeoutError)",
      t.clock.now(),
    );
    const failed = (await get("/api/admin/conversations?model_failed=true")).json<{
      conversations: (Summary & { model_failed: boolean })[];
    }>();
    expect(ids(failed)).toEqual([quietId]);
    expect(failed.conversations[0]!.model_failed).toBe(true);
    // An admin's note that merely quotes the words is not a model error.
    await post(`/api/admin/conversations/${smsId}/annotations`, { text: "llm_error: looked at it" });
    expect(
      ids((await get("/api/admin/conversations?model_failed=true&human_requested=true")).json()),
    ).toEqual([]);
    expect(ids((await get("/api/admin/conversations?human_requested=true&channel=web")).json())).toEqual([]);
    expect((await get("/api/admin/conversations?model_failed=maybe")).statusCode).toBe(400);
    // Leave the flag as the other tests expect it.
    await post(`/api/admin/conversations/${quietId}/flag`, { flagged: false });
  });

  it("shows the detail with messages, payloads, tool calls and outcome, and audits the read", async () => {
    const res = await get(`/api/admin/conversations/${webId}`);
    expect(res.statusCode).toBe(200);
    const body = res.json<{
      outcome: string;
      messages: { direction: string; text: string; payload: unknown }[];
      tool_calls: {
        name: string;
        args: unknown;
        result: unknown;
        error: string | null;
        duration_ms: number;
      }[];
      conversation: { patient_id: number };
    }>();
    expect(body.outcome).toBe("tool_failed");
    expect(body.conversation.patient_id).toBe(patient.patientId);
    expect(body.messages.map((m) => m.direction)).toEqual(["in", "out", "in", "out"]);
    expect(body.messages[1]!.payload).toEqual({ choices: [{ id: "day:1" }] });
    expect(body.tool_calls).toEqual([
      expect.objectContaining({
        name: "find_doctors",
        args: { specialty: "dentist" },
        result: { count: 3 },
        error: null,
        duration_ms: 12,
      }),
      expect.objectContaining({ name: "book_appointment", error: "SLOT_TAKEN" }),
    ]);
    const audits = await t.database.db
      .select()
      .from(auditLog)
      .where(
        and(
          eq(auditLog.resourceType, "conversation"),
          eq(auditLog.action, "read"),
          eq(auditLog.resourceId, String(webId)),
        ),
      );
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      actorUserId: admin.userId,
      patientId: patient.patientId,
      outcome: "allowed",
    });
  });

  it("flags with a reason, filters by flag, annotates, and lists the annotations", async () => {
    expect(
      (await post(`/api/admin/conversations/${smsId}/flag`, { flagged: true, reason: "slow handover" }))
        .statusCode,
    ).toBe(204);
    expect(ids((await get("/api/admin/conversations?flagged=true")).json())).toEqual([smsId]);
    expect(ids((await get("/api/admin/conversations?flagged=false")).json())).not.toContain(smsId);
    const note = await post(`/api/admin/conversations/${webId}/annotations`, {
      text: "Good answer",
      message_id: inMessageId,
    });
    expect(note.statusCode).toBe(201);
    expect(
      (await post(`/api/admin/conversations/${webId}/annotations`, { text: "x", message_id: 999999 }))
        .statusCode,
    ).toBe(404);
    const sms = (await get(`/api/admin/conversations/${smsId}`)).json<{
      flag: { reason: string };
      outcome: string;
    }>();
    expect(sms.flag.reason).toBe("slow handover");
    expect(sms.outcome).toBe("human_requested");
    const web = (await get(`/api/admin/conversations/${webId}`)).json<{
      annotations: { text: string; message_id: number; author_user_id: number }[];
    }>();
    expect(web.annotations).toEqual([
      expect.objectContaining({ text: "Good answer", message_id: inMessageId, author_user_id: admin.userId }),
    ]);
    expect((await post(`/api/admin/conversations/${smsId}/flag`, { flagged: false })).statusCode).toBe(204);
    expect((await get(`/api/admin/conversations/${smsId}`)).json<{ flag: unknown }>().flag).toBeNull();
    const actions = (
      await t.database.db.select().from(auditLog).where(eq(auditLog.resourceType, "conversation"))
    ).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(["flag", "unflag", "annotate"]));
  });

  it("exports the whole conversation as a JSON attachment", async () => {
    const res = await get(`/api/admin/conversations/${webId}/export`);
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-disposition"]).toBe(`attachment; filename="conversation-${webId}.json"`);
    expect(res.headers["content-type"]).toMatch(/application\/json/);
    expect(res.json<{ messages: unknown[] }>().messages).toHaveLength(4);
    const audits = await t.database.db.select().from(auditLog).where(eq(auditLog.action, "export"));
    expect(audits).toHaveLength(1);
  });

  it("lists the open tickets and answers one: the answer goes to the person as a notification", async () => {
    const [ticket] = await t.database.db
      .insert(supportTickets)
      .values({ conversationId: webId, userId: patient.userId, reason: "asked for a human", urgent: true })
      .returning();
    const open = await get("/api/admin/tickets");
    expect(open.statusCode, open.body).toBe(200);
    const queue = open.json<{ tickets: { id: number; urgent: boolean; conversation_id: number }[] }>()
      .tickets;
    expect(queue[0]).toMatchObject({ id: ticket!.id, urgent: true, conversation_id: webId });

    const answer = "Dr Shah's clinic will call you at 5 pm today.";
    expect((await post(`/api/admin/tickets/${ticket!.id}/answer`, { answer })).statusCode).toBe(204);
    const [row] = await t.database.db
      .select()
      .from(notificationsOutbox)
      .where(eq(notificationsOutbox.idempotencyKey, `ticket:${ticket!.id}:answer`));
    expect(row).toMatchObject({
      userId: patient.userId,
      template: "support.ticket_answered",
      data: { answer },
    });
    const answered = await get("/api/admin/tickets?status=answered");
    expect(answered.json<{ tickets: { id: number }[] }>().tickets.map((x) => x.id)).toContain(ticket!.id);
    expect(
      (await get("/api/admin/tickets")).json<{ tickets: { id: number }[] }>().tickets.map((x) => x.id),
    ).not.toContain(ticket!.id);
    // Once answered it is no longer open; a ticket from someone never identified has nobody to answer to.
    expect((await post(`/api/admin/tickets/${ticket!.id}/answer`, { answer })).statusCode).toBe(404);
    const [anonymous] = await t.database.db
      .select()
      .from(supportTickets)
      .where(eq(supportTickets.conversationId, smsId));
    const res = await post(`/api/admin/tickets/${anonymous!.id}/answer`, { answer });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ error: { code: "NO_RECIPIENT" } });
    expect((await post(`/api/admin/tickets/${ticket!.id}/answer`, { answer: "   " })).statusCode).toBe(400);
    expect((await post(`/api/admin/tickets/${anonymous!.id}/answer`, { answer }, nurse)).statusCode).toBe(
      403,
    );
  });

  it("answers 404 for an unknown conversation", async () => {
    expect((await get("/api/admin/conversations/999999")).statusCode).toBe(404);
    expect((await get("/api/admin/conversations/999999/export")).statusCode).toBe(404);
    expect((await post("/api/admin/conversations/999999/flag", { flagged: true })).statusCode).toBe(404);
    const ann = await post("/api/admin/conversations/999999/annotations", { text: "x" });
    expect(ann.statusCode).toBe(404);
    expect(ann.json<{ error: { code: string } }>().error.code).toBe("CONVERSATION_NOT_FOUND");
  });
});

describe("prompt versions", () => {
  it("draft → activate → active() → rollback to the previous, then to the file default", async () => {
    const initial = await t.services.prompts.active();
    expect(initial).toMatchObject({ id: null, version: "v1" });
    expect(initial.text).toMatch(/HealthLink/);

    const a = await post("/api/admin/prompts", { name: "assistant", text: "Prompt A", version: "a" });
    expect(a.statusCode).toBe(201);
    const aId = a.json<{ prompt: { id: number; active: boolean } }>().prompt.id;
    expect(
      (await post("/api/admin/prompts", { name: "assistant", text: "dup", version: "a" })).statusCode,
    ).toBe(409);
    expect((await t.services.prompts.active()).id).toBeNull();

    expect((await post(`/api/admin/prompts/${aId}/activate`, {})).statusCode).toBe(200);
    expect(await t.services.prompts.active()).toEqual({ id: aId, version: "a", text: "Prompt A" });

    const bId = (await post("/api/admin/prompts", { name: "assistant", text: "Prompt B" })).json<{
      prompt: { id: number };
    }>().prompt.id;
    await post(`/api/admin/prompts/${bId}/activate`, {});
    expect((await t.services.prompts.active()).id).toBe(bId);

    const listed = (await get("/api/admin/prompts?name=assistant")).json<{
      default: { version: string };
      versions: { id: number; active: boolean }[];
      active_id: number;
    }>();
    expect(listed.default.version).toBe("v1");
    expect(listed.active_id).toBe(bId);
    expect(listed.versions.filter((v) => v.active).map((v) => v.id)).toEqual([bId]);

    const back = await post("/api/admin/prompts/rollback", { name: "assistant" });
    expect(back.statusCode).toBe(200);
    expect(back.json<{ active: { id: number } }>().active.id).toBe(aId);
    expect((await t.services.prompts.active()).id).toBe(aId);

    const toDefault = await post("/api/admin/prompts/rollback", { name: "assistant" });
    expect(toDefault.json<{ active: { id: number | null; version: string } }>().active).toMatchObject({
      id: null,
      version: "v1",
    });
    expect((await post("/api/admin/prompts/rollback", { name: "assistant" })).statusCode).toBe(409);

    const audits = await t.database.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.resourceType, "prompt_version"));
    expect(audits.map((r) => r.action)).toEqual(expect.arrayContaining(["activate", "rollback"]));
  });

  it("keeps one active version per name under concurrent activations", async () => {
    const mk = async (v: string) =>
      (await post("/api/admin/prompts", { name: "race", text: `Prompt ${v}`, version: v })).json<{
        prompt: { id: number };
      }>().prompt.id;
    const idsToActivate = [await mk("r1"), await mk("r2"), await mk("r3")];
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all(
        idsToActivate.map((id) => post(`/api/admin/prompts/${id}/activate`, {})),
      );
      expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200]);
      const active = await t.database.db
        .select()
        .from(promptVersions)
        .where(eq(promptVersions.name, "race"))
        .then((rows) => rows.filter((r) => r.activatedAt !== null && r.deactivatedAt === null));
      expect(active).toHaveLength(1);
    }
  });

  it("replay answers 409 LLM_NOT_CONFIGURED when no runner is wired", async () => {
    const id = (await post("/api/admin/prompts", { name: "assistant", text: "Draft" })).json<{
      prompt: { id: number };
    }>().prompt.id;
    const res = await post(`/api/admin/prompts/${id}/replay`, { conversation_id: webId });
    expect(res.statusCode).toBe(409);
    expect(res.json<{ error: { code: string } }>().error.code).toBe("LLM_NOT_CONFIGURED");
    expect((await post(`/api/admin/prompts/999999/replay`, { conversation_id: webId })).statusCode).toBe(404);
  });
});

describe("authorization", () => {
  it("answers 403 to non-admins and 401 to anonymous callers on every route", async () => {
    const routes: [string, string, unknown?][] = [
      ["GET", "/api/admin/conversations"],
      ["GET", `/api/admin/conversations/${webId}`],
      ["GET", `/api/admin/conversations/${webId}/export`],
      ["POST", `/api/admin/conversations/${webId}/flag`, { flagged: true }],
      ["POST", `/api/admin/conversations/${webId}/annotations`, { text: "hi" }],
      ["GET", "/api/admin/prompts?name=assistant"],
      ["POST", "/api/admin/prompts", { name: "assistant", text: "x" }],
      ["POST", "/api/admin/prompts/1/activate", {}],
      ["POST", "/api/admin/prompts/rollback", { name: "assistant" }],
      ["POST", "/api/admin/prompts/1/replay", { conversation_id: webId }],
    ];
    for (const [method, url, payload] of routes) {
      for (const s of [patient, nurse]) {
        const res = await t.app.inject({
          method: method as "GET",
          url,
          headers: s.headers,
          ...(payload ? { payload: payload } : {}),
        });
        expect(res.statusCode, `${method} ${url}`).toBe(403);
      }
      const anon = await t.app.inject({
        method: method as "GET",
        url,
        ...(payload ? { payload: payload } : {}),
      });
      expect(anon.statusCode, `${method} ${url}`).toBe(401);
    }
  });
});

describe("robustness as an admin", () => {
  it("never answers 5xx to junk input", async () => {
    const junk: unknown[] = [
      "",
      " ",
      "0",
      "-1",
      "2147483648",
      "1e309",
      "NaN",
      "2026-02-30",
      "\u0000",
      "💉",
      "%",
      "'; --",
      1,
      -5,
      true,
      null,
      [],
      {},
    ];
    const str = (v: unknown) => encodeURIComponent(typeof v === "string" ? v : JSON.stringify(v));
    for (const v of junk) {
      const urls = [
        `/api/admin/conversations?channel=${str(v)}&q=${str(v)}`,
        `/api/admin/conversations?from=${str(v)}&to=${str(v)}&flagged=${str(v)}&page=${str(v)}`,
        `/api/admin/conversations/${str(v)}`,
        `/api/admin/conversations/${str(v)}/export`,
        `/api/admin/prompts?name=${str(v)}`,
      ];
      for (const url of urls) expect((await get(url)).statusCode, url).toBeLessThan(500);
      const posts: [string, unknown][] = [
        [`/api/admin/conversations/${webId}/flag`, { flagged: v, reason: v }],
        [`/api/admin/conversations/${webId}/annotations`, { text: v, message_id: v }],
        [`/api/admin/conversations/${str(v)}/annotations`, { text: "x" }],
        ["/api/admin/prompts", { name: v, text: v, version: v }],
        [`/api/admin/prompts/${str(v)}/activate`, {}],
        ["/api/admin/prompts/rollback", { name: v }],
        [`/api/admin/prompts/${str(v)}/replay`, { conversation_id: v }],
      ];
      for (const [url, payload] of posts) {
        const res = await post(url, payload);
        expect(res.statusCode, `${url} ${JSON.stringify(payload)}`).toBeLessThan(500);
      }
    }
  });
});
