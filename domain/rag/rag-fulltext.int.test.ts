import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Engine } from "../../bot/engine.js";
import { buildTestApp, type TestApp } from "../../test/app.js";
import { signUp, type Session } from "../../test/factories.js";
import type { Actor } from "../shared/actor.js";

let t: TestApp;
let asha: Session & { patientId: number };

beforeAll(async () => {
  // Neither an LLM nor embeddings: full-text search alone, extractive answers.
  t = await buildTestApp();
  const a = await signUp(t, "patient");
  asha = { ...a, patientId: a.patientId! };
  const actor: Actor = { userId: a.userId, role: "patient", patientId: asha.patientId, channel: "api" };
  await t.services.records.createSelfRecord(actor, {
    date: "2029-10-05",
    description: "Sprained left ankle playing football; ice and rest",
  });
  await t.services.records.addHistoryItem(actor, { kind: "condition", name: "Asthma", status: "active" });
  await t.services.rag.indexPatient(asha.patientId);
});
afterAll(async () => {
  await t?.close();
});

describe("questions about records with neither an LLM nor embeddings", () => {
  it("answers from full-text search with the passages themselves and their dates", async () => {
    expect(t.services.rag.mode).toEqual({ retrieval: "full_text", store: "none", answers: "extractive" });
    const res = await t.app.inject({
      method: "POST",
      url: `/api/patients/${asha.patientId}/ask`,
      headers: asha.headers,
      payload: { question: "What happened to my ankle?" },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.grounded).toBe(true);
    expect(body.answer).toContain("2029-10-05");
    expect(body.answer).toContain("Sprained left ankle");
    expect(body.citations).toHaveLength(1);
    expect(body.citations[0]).toMatchObject({ source_type: "record", date: "2029-10-05" });
  });

  it("says nothing is recorded when no word of the question matches", async () => {
    const res = await t.app.inject({
      method: "POST",
      url: `/api/patients/${asha.patientId}/ask`,
      headers: asha.headers,
      payload: { question: "What did the doctor say about my cholesterol last time?" },
    });
    expect(res.json()).toEqual({ answer: "Nothing about that is recorded.", citations: [], grounded: false });
  });

  it("leaves 'Ask about my records' out of the guided menu", async () => {
    const engine = new Engine({ services: t.services, clock: t.clock, config: t.config });
    const out = await engine.handleTurn(
      {
        channel: "web",
        externalUserId: `user:${asha.userId}`,
        text: "menu",
        providerMessageId: randomUUID(),
        receivedAt: t.clock.now(),
      },
      { verifiedUserId: asha.userId },
    );
    const ids = out.at(-1)?.choices?.map((c) => c.id) ?? [];
    expect(ids).toContain("results");
    expect(ids).not.toContain("ask_records");
  });
});
