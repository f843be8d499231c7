import { sql } from "drizzle-orm";
import { bigint, customType, index, integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { patients } from "./accounts.js";

const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => "bytea",
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value)),
});

const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });

/**
 * The retrieval index of each patient's history (domain/rag): one row per chunk of a source (a record, a history
 * item, a prescription, a lab result, a signed visit note, a transcript, an uploaded document). The id is stable
 * (`<source_type>:<source_id>#<n>`), the full-text vector is generated from the title and the text, and the
 * embedding (when an embedding model is configured and the vector store is Postgres) is the unit-length float32
 * vector, little-endian, beside the chunk. Searched only within one patient (patient_id first, always).
 */
export const ragChunks = pgTable(
  "rag_chunks",
  {
    id: text().primaryKey(),
    patientId: integer()
      .notNull()
      .references(() => patients.id, { onDelete: "cascade" }),
    sourceType: text().notNull(),
    sourceId: text().notNull(),
    /** The source's date (YYYY-MM-DD): shown with every citation. */
    sourceDate: text().notNull(),
    title: text().notNull(),
    body: text().notNull(),
    /** sha256 of title + body + model: an unchanged chunk is not embedded again. */
    contentHash: text().notNull(),
    tsv: tsvector()
      .notNull()
      .generatedAlwaysAs(sql`to_tsvector('english', title || ' ' || body)`),
    embedding: bytea(),
    embeddingModel: text(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("rag_chunks_patient_idx").on(t.patientId),
    // The full-text half: only this patient's matching rows (btree_gin lets patient_id sit in a GIN index).
    index("rag_chunks_patient_tsv_idx").using("gin", t.patientId, t.tsv),
    index("rag_chunks_source_idx").on(t.sourceType, t.sourceId),
  ],
);

/**
 * Patients whose index must be rebuilt (the outbox of indexing): written in the transaction of the change, taken
 * by the `rag.index` job (its fast path) or by the relay's sweep when the job was lost.
 */
export const ragPending = pgTable("rag_pending", {
  patientId: integer()
    .primaryKey()
    .references(() => patients.id, { onDelete: "cascade" }),
  requestedAt: timestamp({ withTimezone: true, precision: 6 }).notNull().defaultNow(),
  /** Chunks deleted with their source since the last rebuild: an outside vector store (Pinecone) forgets them. */
  removedIds: text()
    .array()
    .notNull()
    .default(sql`'{}'::text[]`),
});

/**
 * A counter per patient, raised in the same transaction as every change to that patient's chunks. Retrieval keeps
 * a patient's decoded vectors in memory under the counter it read, and reads them again only when the counter
 * moved — so a change or a deletion made by any process is seen by the next question, and repeated questions
 * about one patient do not move every vector over the wire again.
 */
export const ragVersions = pgTable("rag_versions", {
  patientId: integer()
    .primaryKey()
    .references(() => patients.id, { onDelete: "cascade" }),
  version: bigint({ mode: "number" }).notNull().default(0),
});
