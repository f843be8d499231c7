import { Pinecone, type Index } from "@pinecone-database/pinecone";
import type { Config } from "../config/index.js";
import type { VectorStore } from "../domain/rag/ports.js";

/** Pinecone's namespace of one patient: every upsert, query and delete names it, so patients never mix. */
export const patientNamespace = (patientId: number) => `patient-${patientId}`;

/**
 * The records index's vectors in Pinecone (`VECTOR_STORE=pinecone`): one namespace per patient, ids are chunk
 * ids, no metadata (nothing of the record leaves but its vector). The texts stay in Postgres; a query's ids are
 * read back there by patient, so an id deleted in Postgres is never answered even before Pinecone forgets it.
 */
export class PineconeStore implements VectorStore {
  readonly kind = "pinecone";
  private readonly index: Index;

  constructor(cfg: { apiKey: string; indexHost: string }) {
    const client = new Pinecone({ apiKey: cfg.apiKey });
    this.index = client.index({ host: cfg.indexHost });
  }

  async upsert(patientId: number, items: { id: string; vector: Float32Array }[]): Promise<void> {
    const ns = this.index.namespace(patientNamespace(patientId));
    for (let i = 0; i < items.length; i += 100) {
      await ns.upsert({
        records: items.slice(i, i + 100).map((it) => ({ id: it.id, values: Array.from(it.vector) })),
      });
    }
  }

  async delete(patientId: number, ids: string[]): Promise<void> {
    const ns = this.index.namespace(patientNamespace(patientId));
    for (let i = 0; i < ids.length; i += 1000) await ns.deleteMany({ ids: ids.slice(i, i + 1000) });
  }

  async query(
    patientId: number,
    vector: Float32Array,
    topK: number,
  ): Promise<{ id: string; score: number }[]> {
    const ns = this.index.namespace(patientNamespace(patientId));
    const res = await ns.query({
      vector: Array.from(vector),
      topK,
      includeValues: false,
      includeMetadata: false,
    });
    return (res.matches ?? []).map((m) => ({ id: m.id, score: m.score ?? 0 }));
  }
}

export function createVectorStore(config: Config): VectorStore | undefined {
  const store = config.rag.vectorStore;
  return store.kind === "pinecone" ? new PineconeStore(store) : undefined;
}
