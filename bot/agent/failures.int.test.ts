import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { conversations } from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../../test/app.js";
import { signInAs, signUp, type Session } from "../../test/factories.js";
import { FakeOpenAI } from "../../test/fakes/openai.js";
import { Engine } from "../engine.js";
import type { OutboundMessage } from "../types.js";

let t: TestApp;
let fake: FakeOpenAI;
let engine: Engine;
let admin: Session;
const logs: { obj: Record<string, unknown>; msg: string }[] = [];

beforeAll(async () => {
  fake = await FakeOpenAI.start();
  t = await buildTestApp({
    env: {
      OPENAI_API_KEY: "test",
      OPENAI_BASE_URL: fake.baseUrl,
      LLM_MODEL: "fake-model",
      LLM_TIMEOUT_MS: "300",
      LLM_MAX_RETRIES: "0",
    },
  });
  engine = new Engine({
    services: t.services,
    clock: t.clock,
    config: t.config,
    log: {
      warn: (obj, msg) => logs.push({ obj: obj as Record<string, unknown>, msg }),
      error: () => undefined,
    },
  });
  admin = await signInAs(t, "admin");
});
afterAll(async () => {
  await t.close();
  await fake.close();
});
beforeEach(() => {
  fake.reset();
  logs.length = 0;
});

const send = (s: Session, text: string): Promise<OutboundMessage[]> =>
  engine.handleTurn(
    {
      channel: "web",
      externalUserId: `user:${s.userId}`,
      text,
      providerMessageId: randomUUID(),
      receivedAt: t.clock.now(),
    },
    { verifiedUserId: s.userId },
  );

const get = (url: string) => t.app.inject({ method: "GET", url, headers: admin.headers });

async function conversationOf(userId: number) {
  const [row] = await t.database.db.select().from(conversations).where(eq(conversations.userId, userId));
  return row!;
}

type Detail = {
  flag: { reason: string | null; flagged_by_user_id: number | null } | null;
  annotations: { message_id: number | null; text: string; author_user_id: number | null }[];
  messages: { id: number; direction: string; text: string | null }[];
};

describe("a failing agent turn is flagged for review and logged by code", () => {
  it.each([
    ["the model answers 503", { status: 503 }, "HTTP_503"],
    ["the model does not answer in time", { hang: true as const }, "TIMEOUT"],
    ["the model's reply shows internal ids", { text: '{"patient_id": 7}' }, "REJECTED_OUTPUT_INTERNAL_ID"],
  ])("%s: the person gets the menu, the admin review lists it flagged", async (_name, reply, code) => {
    const s = await signUp(t, "patient");
    fake.answer(reply);
    const secret = `my knee hurts since ${randomUUID()}`;
    const out = await send(s, secret);
    expect(out.at(-1)?.choices?.map((c) => c.id)).toEqual([
      "find",
      "appointments",
      "medicines",
      "labs",
      "results",
      // An LLM is configured: the records can be asked about.
      "ask_records",
      "human",
    ]);

    const conv = await conversationOf(s.userId);
    expect(conv.flagged).toBe(true);
    const list = await get("/api/admin/conversations?flagged=true&per_page=100");
    expect(list.statusCode).toBe(200);
    expect(list.json<{ conversations: { id: number }[] }>().conversations.map((c) => c.id)).toContain(
      conv.id,
    );

    const detail = (await get(`/api/admin/conversations/${conv.id}`)).json<Detail>();
    expect(detail.flag?.reason).toMatch(new RegExp(`^llm_error: ${code} \\(\\w+\\)$`));
    expect(detail.flag?.flagged_by_user_id).toBeNull();
    const inbound = detail.messages.find((m) => m.direction === "in" && m.text === secret)!;
    expect(detail.annotations).toEqual([
      expect.objectContaining({ message_id: inbound.id, author_user_id: null, text: detail.flag!.reason }),
    ]);

    // One log line: the class and the code, never the text.
    expect(logs).toHaveLength(1);
    expect(logs[0]!.obj).toEqual({
      err_class: expect.any(String) as unknown,
      code,
      conversation_id: conv.id,
    });
    expect(JSON.stringify(logs)).not.toContain("knee");
  });

  it("keeps an admin's own flag reason, and a good turn flags nothing", async () => {
    const s = await signUp(t, "patient");
    fake.answer({ text: "Hello, how can I help?" });
    await send(s, "hello");
    const conv = await conversationOf(s.userId);
    expect(conv.flagged).toBe(false);
    expect(logs).toEqual([]);

    const flagged = await t.app.inject({
      method: "POST",
      url: `/api/admin/conversations/${conv.id}/flag`,
      headers: admin.headers,
      payload: { flagged: true, reason: "check the tone" },
    });
    expect(flagged.statusCode).toBeLessThan(300);
    fake.answer({ status: 500 });
    await send(s, "and now?");
    const detail = (await get(`/api/admin/conversations/${conv.id}`)).json<Detail>();
    expect(detail.flag?.reason).toBe("check the tone");
    expect(detail.annotations.map((a) => a.text)).toEqual([expect.stringMatching(/^llm_error: HTTP_500/)]);
  });
});
