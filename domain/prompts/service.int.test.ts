import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { conversationMessages, conversations } from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../../test/app.js";
import type { ServiceContext } from "../context.js";
import type { Actor } from "../shared/actor.js";
import { PromptsService, type ReplayRunner } from "./service.js";

let t: TestApp;
let ctx: ServiceContext;
let conversationId: number;
const admin: Actor = { userId: 0, role: "admin", channel: "api" };

beforeAll(async () => {
  t = await buildTestApp();
  ctx = {
    database: t.database,
    db: t.database.db,
    cache: t.cache,
    clock: t.clock,
    jobs: t.jobs,
    config: t.config,
    audit: t.services.audit,
    access: t.services.access,
    ragChanges: t.services.ragChanges,
  };
  const [c] = await t.database.db.insert(conversations).values({ channel: "web" }).returning();
  conversationId = c!.id;
  await t.database.db.insert(conversationMessages).values(
    [
      ["in", "hello"],
      ["out", "Hi! How can I help?"],
      ["out", "1. Find a doctor"],
      ["in", "what do I have?"],
      ["out", "I can't diagnose."],
      ["in", "thanks"],
    ].map(([direction, text]) => ({
      conversationId,
      direction: direction as "in" | "out",
      channel: "web",
      text: text!,
    })),
  );
});
afterAll(async () => {
  await t.close();
});

describe("PromptsService", () => {
  it("replays a conversation's user messages against a draft, beside the original replies", async () => {
    const calls: { prompt: string; messages: string[] }[] = [];
    const runner: ReplayRunner = {
      run: (prompt, messages) => {
        calls.push({ prompt, messages });
        return Promise.resolve(messages.map((m) => `[${prompt}] ${m.toUpperCase()}`));
      },
    };
    const service = new PromptsService(ctx, { runner: () => runner, source: t.services.review });
    const draft = await service.createDraft(admin, { name: "assistant", text: "DRAFT" });
    const result = await service.replay(admin, draft.id, conversationId);
    expect(calls).toEqual([{ prompt: "DRAFT", messages: ["hello", "what do I have?", "thanks"] }]);
    expect(result).toEqual({
      promptId: draft.id,
      conversationId,
      turns: [
        { user: "hello", original: ["Hi! How can I help?", "1. Find a doctor"], replay: "[DRAFT] HELLO" },
        { user: "what do I have?", original: ["I can't diagnose."], replay: "[DRAFT] WHAT DO I HAVE?" },
        { user: "thanks", original: [], replay: "[DRAFT] THANKS" },
      ],
    });
    await expect(service.replay(admin, draft.id, 999999)).rejects.toMatchObject({
      code: "CONVERSATION_NOT_FOUND",
    });
    await expect(
      service.replay({ ...admin, role: "doctor" }, draft.id, conversationId),
    ).rejects.toMatchObject({
      code: "ADMIN_ONLY",
    });
  });

  it("without an LLM there is no runner: replay is LLM_NOT_CONFIGURED, also over HTTP (409)", async () => {
    const service = t.services.prompts;
    const draft = await service.createDraft(admin, { name: "assistant", text: "LATER" });
    await expect(service.replay(admin, draft.id, conversationId)).rejects.toMatchObject({
      kind: "conflict",
      code: "LLM_NOT_CONFIGURED",
    });
    const { signInAs } = await import("../../test/factories.js");
    const session = await signInAs(t, "admin");
    const res = await t.app.inject({
      method: "POST",
      url: `/api/admin/prompts/${draft.id}/replay`,
      headers: session.headers,
      payload: { conversation_id: conversationId },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ error: { code: "LLM_NOT_CONFIGURED" } });
  });

  it("uses the highest-numbered default file, and the shipped assistant prompt", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "hl-prompts-"));
    writeFileSync(path.join(dir, "assistant.v2.md"), "two");
    writeFileSync(path.join(dir, "assistant.v10.md"), "ten");
    writeFileSync(path.join(dir, "other.v99.md"), "other");
    const service = new PromptsService(ctx, { dir });
    expect(await service.defaultFile("assistant")).toEqual({
      name: "assistant",
      version: "v10",
      text: "ten",
    });
    expect(await service.defaultFile("missing")).toBeNull();
    await expect(service.active("missing")).rejects.toMatchObject({ code: "PROMPT_NOT_FOUND" });
    const shipped = await new PromptsService(ctx).defaultFile("assistant");
    expect(shipped?.text).toMatch(/diagnos/i);
    expect(shipped?.text).toMatch(/data, not instructions/);
  });
});
