import type { ServiceContext } from "../context.js";
import type { TranscriptService } from "../consultations/transcripts.js";
import type { PromptsService } from "../prompts/service.js";
import { decrypt } from "../records/crypto.js";
import type { DocumentStorage } from "../records/storage.js";
import type { Actor } from "../shared/actor.js";
import { extractiveAnswer, groundAnswer, notGrounded, userMessage, type GroundedAnswer } from "./answer.js";
import { chunksOf, contentHash, type SourceText } from "./chunks.js";
import { pdfText } from "./pdf.js";
import type { Chunk, Embedder, RagAnswerModel, VectorStore } from "./ports.js";
import { RagRepository, type ChunkText, type ChunkWrite } from "./repository.js";
import { dotBytes, fuse, normalize, questionTerms, toBytes, topK } from "./retrieval.js";
import { rowSources, visitRefs } from "./sources.js";
import type { StoredVector, VectorCache } from "./vector-cache.js";

export { RAG_JOBS, type RagIndexJob } from "./changes.js";
export type { GroundedAnswer, Citation } from "./answer.js";

export interface RagOptions {
  embedder?: Embedder | undefined;
  /** An outside vector store (Pinecone); absent: embeddings beside the chunks in Postgres. */
  vectorStore?: VectorStore | undefined;
  model?: RagAnswerModel | undefined;
  /** Below this cosine similarity a chunk found by its vector alone does not count as support. */
  minSimilarity: number;
  /** Chunks given to the model (or to the extractive answer). */
  topK: number;
  /** Patients' vectors kept in memory under their index version (Postgres store); absent: read every time. */
  vectorCache?: VectorCache | undefined;
}

/** Candidates taken from each ranking before fusion. */
const PER_RANKING = 20;
const EMBED_BATCH = 64;
const RESOURCE = "patient_history";

/**
 * Questions answered from one patient's history (the design card's "RAG over each patient's history").
 * Indexing: every source of the patient becomes chunks with stable ids; the `rag.index` job rebuilds a patient
 * (only changed chunks are embedded again); deletions leave the index in their own transaction (changes.ts).
 * Retrieval: full-text and vector rankings over that one patient's rows, fused by reciprocal rank. Answers:
 * the model sees only the retrieved chunks, as data, and must cite them; anything uncited is dropped.
 */
export class RagService {
  private readonly repo: RagRepository;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly deps: {
      storage: DocumentStorage;
      transcripts: Pick<TranscriptService, "segments">;
      prompts: Pick<PromptsService, "active">;
    },
    private readonly opts: RagOptions,
  ) {
    this.repo = new RagRepository(ctx.db);
  }

  /** Whether the chat should offer questions about the records (a model or embeddings exist). */
  get offered(): boolean {
    return this.opts.model !== undefined || this.opts.embedder !== undefined;
  }

  get mode(): { retrieval: "hybrid" | "full_text"; store: string; answers: "llm" | "extractive" } {
    return {
      retrieval: this.opts.embedder ? "hybrid" : "full_text",
      store: this.opts.embedder ? (this.opts.vectorStore?.kind ?? "postgres") : "none",
      answers: this.opts.model ? "llm" : "extractive",
    };
  }

  // --- indexing ------------------------------------------------------------------------------------

  /**
   * Rebuilds one patient's index from their sources (the `rag.index` job; idempotent). Unchanged chunks stay as
   * they are; new or changed ones are embedded (one patient per request) and written; vanished ones are removed.
   */
  async indexPatient(patientId: number): Promise<{ chunks: number; embedded: number; removed: number }> {
    const pending = await this.repo.pending(patientId);
    const stored = await this.repo.stored(patientId);
    const storedById = new Map(stored.map((s) => [s.id, s]));
    const model = this.opts.embedder?.model ?? null;
    const external = this.opts.vectorStore;

    const sources = await this.sources(
      patientId,
      new Set(stored.filter((s) => s.sourceType === "document").map((s) => s.sourceId)),
    );
    const desired = new Map<string, Chunk & { contentHash: string }>();
    const keep = new Set<string>();
    for (const source of sources.texts) {
      for (const chunk of chunksOf(patientId, source))
        desired.set(chunk.id, { ...chunk, contentHash: contentHash(chunk, model) });
    }
    // Documents already indexed are not read again (their bytes never change).
    for (const s of stored)
      if (s.sourceType === "document" && sources.documentsKept.has(s.sourceId)) keep.add(s.id);

    const changed = [...desired.values()].filter((c) => {
      const s = storedById.get(c.id);
      return !s || s.contentHash !== c.contentHash || (model !== null && !external && !s.embedded);
    });
    const vectors = await this.embed(changed.map((c) => `${c.title}\n${c.body}`));
    const writes: ChunkWrite[] = changed.map((c, i) => ({
      ...c,
      embedding: vectors && !external ? toBytes(vectors[i]!) : null,
      embeddingModel: vectors ? model : null,
    }));
    const gone = stored.filter((s) => !desired.has(s.id) && !keep.has(s.id)).map((s) => s.id);

    if (external && vectors && changed.length > 0) {
      await external.upsert(
        patientId,
        changed.map((c, i) => ({ id: c.id, vector: vectors[i]! })),
      );
    }
    // The outside store first: should it fail, the request stays pending and the job is retried. (A vector it
    // still holds for a chunk gone from Postgres is harmless: query results are read back here by patient.)
    const forget = [...new Set([...gone, ...(pending?.removedIds ?? [])])];
    if (external && forget.length > 0) await external.delete(patientId, forget);
    await this.ctx.db.transaction(async (tx) => {
      await this.repo.lockPatient(tx, patientId);
      await this.repo.upsert(tx, writes, this.ctx.clock.now());
      await this.repo.deleteChunks(tx, patientId, gone);
      if (pending !== null) await this.repo.clearPending(tx, patientId, pending.at);
    });
    return { chunks: desired.size + keep.size, embedded: vectors ? changed.length : 0, removed: gone.length };
  }

  private async embed(texts: string[]): Promise<Float32Array[] | null> {
    const embedder = this.opts.embedder;
    if (!embedder) return null;
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += EMBED_BATCH) {
      const batch = await embedder.embed(texts.slice(i, i + EMBED_BATCH));
      out.push(...batch.map(normalize));
    }
    return out;
  }

  /** Every source of the patient as text; documents in `indexed` are listed but not read again. */
  private async sources(
    patientId: number,
    indexed: Set<string>,
  ): Promise<{ texts: SourceText[]; documentsKept: Set<string> }> {
    const texts = await rowSources(this.repo, patientId);
    for (const v of await visitRefs(this.repo, patientId)) {
      const segments = await this.deps.transcripts.segments(v.visitId);
      if (segments.length === 0) continue;
      texts.push({
        sourceType: "transcript",
        sourceId: String(v.visitId),
        date: v.date,
        title: `Visit transcript${v.doctorName ? ` with ${v.doctorName}` : ""}`,
        text: segments.map((s) => `${s.speaker === "doctor" ? "Doctor" : "Patient"}: ${s.text}`).join("\n"),
      });
    }
    const documentsKept = new Set<string>();
    for (const d of await this.repo.listDocuments(patientId)) {
      const id = String(d.id);
      if (indexed.has(id)) {
        documentsKept.add(id);
        continue;
      }
      const title = d.title ?? d.filename;
      let text = "";
      if (d.contentType === "application/pdf") {
        const sealed = await this.deps.storage.get(d.storageKey);
        if (sealed)
          text = await pdfText(decrypt(this.ctx.config.storage.encryptionKey, sealed, d.storageKey));
      }
      // Images (and unreadable PDFs) are listed by their title only.
      texts.push({
        sourceType: "document",
        sourceId: id,
        date: d.createdAt.toISOString().slice(0, 10),
        title: `Document: ${title}`,
        text,
      });
    }
    return { texts, documentsKept };
  }

  /** `npm run rag:reindex`: every patient's index rebuilt. */
  async reindexAll(onPatient?: (patientId: number) => void): Promise<number> {
    let after = 0;
    let n = 0;
    for (;;) {
      const ids = await this.repo.patientsWithSources(after, 200);
      if (ids.length === 0) return n;
      for (const id of ids) {
        await this.indexPatient(id);
        onPatient?.(id);
        n++;
      }
      after = ids.at(-1)!;
    }
  }

  /** The relay's sweep: patients whose indexing job was lost (requested `ageSeconds` ago or more) are enqueued again. */
  async sweepStranded(ageSeconds: number): Promise<number> {
    const ids = await this.repo.stalePending(ageSeconds);
    for (const patientId of ids) this.ctx.ragChanges.kick(patientId);
    return ids.length;
  }

  // --- retrieval -----------------------------------------------------------------------------------

  /** The chunks of this patient that best match the question, best first (nothing of anyone else's). */
  async retrieve(patientId: number, question: string): Promise<ChunkText[]> {
    const vector = this.opts.embedder
      ? normalize((await this.opts.embedder.embed([question]))[0]!)
      : undefined;
    return this.retrieveWith(patientId, question, vector);
  }

  /**
   * Every embedded chunk of the patient with its vector: from memory when the patient's index version has not
   * moved since it was read (the version is read first, so a change committed meanwhile only causes a re-read).
   */
  private async patientVectors(patientId: number): Promise<StoredVector[]> {
    const cache = this.opts.vectorCache;
    if (!cache) return this.repo.vectors(patientId);
    const version = await this.repo.version(patientId);
    const hit = cache.get(patientId, version);
    if (hit) return hit;
    // Kept 4-byte aligned, so scoring reads each vector in place instead of copying it every time.
    const rows = (await this.repo.vectors(patientId)).map((r) =>
      r.embedding.byteOffset % 4 === 0 ? r : { id: r.id, embedding: Buffer.from(r.embedding) },
    );
    cache.set(patientId, version, rows);
    return rows;
  }

  /** Retrieval given the question's vector (the benchmark measures this part). */
  async retrieveWith(
    patientId: number,
    question: string,
    vector: Float32Array | undefined,
  ): Promise<ChunkText[]> {
    const terms = questionTerms(question);
    const inPostgres = vector !== undefined && !this.opts.vectorStore;
    // Both rankings are of this patient's chunks only: the patient is in each query, before any ranking.
    const [lexRows, vectorRows, hits] = await Promise.all([
      this.repo.lexical(patientId, terms, PER_RANKING),
      inPostgres ? this.patientVectors(patientId) : Promise.resolve([]),
      vector && this.opts.vectorStore
        ? this.opts.vectorStore.query(patientId, vector, PER_RANKING)
        : Promise.resolve([]),
    ]);
    const lexical = lexRows.map((r) => r.id);
    let semantic: string[];
    if (inPostgres) {
      const scored = vectorRows
        .map((r) => ({ id: r.id, score: dotBytes(r.embedding, vector) }))
        .filter((r) => r.score >= this.opts.minSimilarity);
      semantic = topK(scored, PER_RANKING, (r) => r.score).map((r) => r.id);
    } else {
      semantic = hits.filter((h) => h.score >= this.opts.minSimilarity).map((h) => h.id);
    }
    const ids = fuse([lexical, semantic])
      .slice(0, this.opts.topK)
      .map((f) => f.id);
    // Read back by patient: an id from the outside store that is not this patient's live chunk is dropped.
    const texts = await this.repo.texts(patientId, ids);
    const byId = new Map(texts.map((t) => [t.id, t]));
    return ids.map((id) => byId.get(id)).filter((t): t is ChunkText => t !== undefined);
  }

  // --- answers -------------------------------------------------------------------------------------

  /**
   * `POST /api/patients/{id}/ask`: the patient themself, or a doctor or nurse of their care team; anyone else
   * 404. The question and the ids it retrieved are audited (never the question's text).
   */
  async ask(actor: Actor, patientId: number | undefined, question: string): Promise<GroundedAnswer> {
    const scoped = await this.ctx.access.patientScope(actor, patientId, {
      action: "ask",
      resourceType: RESOURCE,
    });
    const chunks = await this.retrieve(scoped, question);
    await this.ctx.audit.recordMany(actor, [
      { patientId: scoped, action: "ask", resourceType: RESOURCE, resourceId: null, outcome: "allowed" },
      ...chunks.map((c) => ({
        patientId: scoped,
        action: "retrieve",
        resourceType: "rag_chunk",
        resourceId: c.id,
        outcome: "allowed" as const,
      })),
    ]);
    if (chunks.length === 0) return notGrounded();
    const model = this.opts.model;
    if (!model) return extractiveAnswer(chunks);
    const prompt = await this.deps.prompts.active(actor.role === "patient" ? "rag-patient" : "rag-clinician");
    let raw: string;
    try {
      raw = await model.complete(prompt.text, userMessage(question, chunks));
    } catch {
      // The model is away: the passages themselves still answer.
      return extractiveAnswer(chunks);
    }
    return groundAnswer(raw, chunks);
  }
}
