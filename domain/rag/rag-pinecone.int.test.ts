import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Engine } from "../../bot/engine.js";
import type { OutboundMessage } from "../../bot/types.js";
import { buildTestApp, type TestApp } from "../../test/app.js";
import { signUp, type Session } from "../../test/factories.js";
import { FakeEmbeddings } from "../../test/fakes/embeddings.js";
import { FakePinecone } from "../../test/fakes/pinecone.js";
import { textPdf } from "../../test/rag.js";
import { settle } from "../../test/settle.js";
import type { Actor } from "../shared/actor.js";
import { RAG_JOBS } from "./service.js";

const CANARY = "CANARY-MEERA-0042";

let t: TestApp;
let emb: FakeEmbeddings;
let pinecone: FakePinecone;
let asha: Session & { patientId: number };
let meera: Session & { patientId: number };
let docId: number;

const actorOf = (s: Session & { patientId: number }): Actor => ({
  userId: s.userId,
  role: "patient",
  patientId: s.patientId,
  channel: "api",
});
const ns = (patientId: number) => `patient-${patientId}`;

function ask(s: Session, patientId: number, question: string) {
  return t.app.inject({
    method: "POST",
    url: `/api/patients/${patientId}/ask`,
    headers: s.headers,
    payload: { question },
  });
}

beforeAll(async () => {
  emb = await FakeEmbeddings.start(64);
  pinecone = await FakePinecone.start();
  // No LLM: answers are the best passages themselves (extractive).
  t = await buildTestApp({
    env: {
      EMBEDDINGS_BASE_URL: emb.baseUrl,
      EMBEDDINGS_MODEL: "fake-embed",
      VECTOR_STORE: "pinecone",
      PINECONE_API_KEY: "pc-test-key",
      PINECONE_INDEX_HOST: pinecone.host,
    },
  });
  const a = await signUp(t, "patient", { name: "Asha" });
  const m = await signUp(t, "patient", { name: "Meera" });
  asha = { ...a, patientId: a.patientId! };
  meera = { ...m, patientId: m.patientId! };
  docId = (
    await t.services.records.uploadDocument(actorOf(asha), {
      title: "Thyroid report",
      filename: "tsh.pdf",
      bytes: await textPdf(["TSH 6.8 mIU/L (high)", "Free T4 1.1 ng/dL (normal)"]),
    })
  ).id;
  await t.services.records.createSelfRecord(actorOf(asha), {
    date: "2029-12-03",
    description: "Started walking 30 minutes a day",
  });
  await t.services.records.createSelfRecord(actorOf(meera), {
    date: "2029-12-03",
    description: `Thyroid TSH 9.9 ${CANARY}`,
  });
  await settle(t.jobs, [RAG_JOBS.index], 20_000);
  for (const p of [asha.patientId, meera.patientId]) await t.services.rag.indexPatient(p);
});
afterAll(async () => {
  await t?.close();
  await emb?.close();
  await pinecone?.close();
});

describe("the Pinecone vector store (VECTOR_STORE=pinecone), against a local fake of its data plane", () => {
  it("keeps each patient's vectors in their own namespace, ids being chunk ids, with the API key", () => {
    expect(pinecone.ids(ns(asha.patientId))).toContain(`document:${docId}#0`);
    expect(pinecone.ids(ns(asha.patientId)).every((id) => /^[a-z_]+:\d+#\d+$/.test(id))).toBe(true);
    expect(pinecone.ids(ns(meera.patientId))).toHaveLength(1);
    const upserts = pinecone.calls.filter((c) => c.path === "/vectors/upsert");
    expect(upserts.length).toBeGreaterThan(0);
    expect(upserts.every((c) => c.apiKey === "pc-test-key")).toBe(true);
    // Nothing of the record leaves but its vector.
    expect(JSON.stringify(upserts)).not.toMatch(/TSH|walking|CANARY/);
  });

  it("answers from the patient's namespace only, extractively with dates, without an LLM", async () => {
    pinecone.calls.length = 0;
    const res = await ask(asha, asha.patientId, "What was my TSH?");
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.grounded).toBe(true);
    expect(body.citations[0]).toMatchObject({ source_type: "document", source_id: String(docId) });
    expect(body.answer).toContain("TSH 6.8 mIU/L");
    expect(body.answer).not.toContain(CANARY);
    const queries = pinecone.calls.filter((c) => c.path === "/query");
    expect(queries.map((q) => q.namespace)).toEqual([ns(asha.patientId)]);
  });

  it("drops a deleted document from answers at once, and from Pinecone when the index job runs", async () => {
    const del = await t.app.inject({
      method: "DELETE",
      url: `/api/patient/documents/${docId}/`,
      headers: asha.headers,
    });
    expect(del.statusCode).toBe(204);
    // Pinecone may still answer its id: it is read back from Postgres by patient, and is gone there.
    const body = (await ask(asha, asha.patientId, "What was my TSH?")).json();
    expect(body.citations.map((c: { source_type: string }) => c.source_type)).not.toContain("document");
    expect(JSON.stringify(body)).not.toContain("6.8");
    await settle(t.jobs, [RAG_JOBS.index], 20_000);
    await t.services.rag.indexPatient(asha.patientId);
    expect(pinecone.ids(ns(asha.patientId))).not.toContain(`document:${docId}#0`);
    const deletes = pinecone.calls.filter((c) => c.path === "/vectors/delete");
    expect(deletes.every((d) => d.namespace === ns(asha.patientId))).toBe(true);
  });

  it("offers 'Ask about my records' in the guided menu and answers with the sources' dates", async () => {
    const engine = new Engine({ services: t.services, clock: t.clock, config: t.config });
    const send = (text: string) =>
      engine.handleTurn(
        {
          channel: "web",
          externalUserId: `user:${asha.userId}`,
          text,
          providerMessageId: randomUUID(),
          receivedAt: t.clock.now(),
        },
        { verifiedUserId: asha.userId },
      );
    const ids = (out: OutboundMessage[]) => out.at(-1)?.choices?.map((c) => c.id) ?? [];
    expect(ids(await send("menu"))).toContain("ask_records");
    const prompt = await send("Ask about my records");
    expect(prompt.map((m) => m.text).join("\n")).toMatch(/What would you like to know/);
    const answer = (await send("How much was I walking?")).map((m) => m.text).join("\n");
    expect(answer).toContain("Started walking 30 minutes a day");
    expect(answer).toContain("2029-12-03");
    expect(answer).not.toContain(CANARY);
    const nothing = (await send("Ask about my records"), await send("Any fractures?"));
    expect(nothing.map((m) => m.text).join("\n")).toMatch(/Nothing about that is recorded/);
  });
});
