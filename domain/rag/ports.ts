/**
 * The ports of the records question-answering (domain/rag): the embedding model, an outside vector store and the
 * language model that writes grounded answers. Adapters live in infra/ (embeddings, Pinecone) and bot/rag (the
 * LLM through LangChain); none is required: without them retrieval is full-text search and answers are extractive.
 */

/** Any OpenAI-compatible `/embeddings` (infra/embeddings.ts). */
export interface Embedder {
  readonly model: string;
  /** One vector per text, in order. The caller sends one patient's texts per call, never two patients'. */
  embed(texts: string[]): Promise<Float32Array[]>;
}

/** A vector store outside Postgres (Pinecone), one namespace per patient: ids are chunk ids. */
export interface VectorStore {
  readonly kind: string;
  upsert(patientId: number, items: { id: string; vector: Float32Array }[]): Promise<void>;
  delete(patientId: number, ids: string[]): Promise<void>;
  /** The nearest chunk ids in this patient's namespace only, best first, with cosine similarity. */
  query(patientId: number, vector: Float32Array, topK: number): Promise<{ id: string; score: number }[]>;
}

/** The LLM that answers from retrieved chunks (bot/rag/model.ts). Returns the raw text of its answer. */
export interface RagAnswerModel {
  readonly model: string;
  complete(system: string, user: string): Promise<string>;
}

/** The kinds of source a chunk comes from. */
export type SourceType =
  "record" | "history" | "prescription" | "lab_result" | "visit_note" | "transcript" | "document";

/** A piece of one source of one patient's history, as indexed. */
export interface Chunk {
  /** Stable: `<source_type>:<source_id>#<n>`. */
  id: string;
  patientId: number;
  sourceType: SourceType;
  sourceId: string;
  /** YYYY-MM-DD. */
  date: string;
  title: string;
  body: string;
}
