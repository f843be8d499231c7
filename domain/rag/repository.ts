import { and, asc, eq, inArray, isNotNull, isNull, lt, sql } from "drizzle-orm";
import { queryRows, type DbOrTx } from "../../db/client.js";
import {
  appointments,
  doctors,
  documents,
  labBookings,
  labResults,
  medicalRecords,
  patientHistoryItems,
  prescriptionItems,
  prescriptions,
  ragChunks,
  ragPending,
  ragVersions,
  visitNotes,
  visits,
} from "../../db/schema/index.js";
import type { Chunk, SourceType } from "./ports.js";

export interface StoredChunk {
  id: string;
  sourceType: string;
  sourceId: string;
  contentHash: string;
  embedded: boolean;
}

export interface ChunkWrite extends Chunk {
  contentHash: string;
  embedding: Buffer | null;
  embeddingModel: string | null;
}

/** One row of a patient's scan: its full-text rank for the question and (Postgres store) its embedding. */
export interface ScanRow {
  id: string;
  lex: number;
  embedding: Buffer | null;
}

export interface ChunkText {
  id: string;
  sourceType: SourceType;
  sourceId: string;
  date: string;
  title: string;
  body: string;
}

/**
 * The rag module's tables (rag_chunks, rag_pending; their one writer) and the reads of each source of a patient's
 * history, which other modules own and write. Every query names the patient first.
 */
export class RagRepository {
  constructor(private readonly db: DbOrTx) {}

  // --- the index ---------------------------------------------------------------------------------

  async stored(patientId: number, db: DbOrTx = this.db): Promise<StoredChunk[]> {
    return db
      .select({
        id: ragChunks.id,
        sourceType: ragChunks.sourceType,
        sourceId: ragChunks.sourceId,
        contentHash: ragChunks.contentHash,
        embedded: sql<boolean>`${ragChunks.embedding} is not null`,
      })
      .from(ragChunks)
      .where(eq(ragChunks.patientId, patientId));
  }

  /** Serialises the writes of one patient's index (inside a transaction). */
  async lockPatient(tx: DbOrTx, patientId: number): Promise<void> {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('rag'), ${patientId})`);
  }

  async upsert(tx: DbOrTx, rows: ChunkWrite[], now: Date): Promise<void> {
    await this.bump(tx, [...new Set(rows.map((r) => r.patientId))]);
    for (let i = 0; i < rows.length; i += 200) {
      const batch = rows.slice(i, i + 200).map((r) => ({
        id: r.id,
        patientId: r.patientId,
        sourceType: r.sourceType,
        sourceId: r.sourceId,
        sourceDate: r.date,
        title: r.title,
        body: r.body,
        contentHash: r.contentHash,
        embedding: r.embedding,
        embeddingModel: r.embeddingModel,
        updatedAt: now,
      }));
      await tx
        .insert(ragChunks)
        .values(batch)
        .onConflictDoUpdate({
          target: ragChunks.id,
          set: {
            sourceDate: sql`excluded.source_date`,
            title: sql`excluded.title`,
            body: sql`excluded.body`,
            contentHash: sql`excluded.content_hash`,
            embedding: sql`excluded.embedding`,
            embeddingModel: sql`excluded.embedding_model`,
            updatedAt: now,
          },
          // A chunk id belongs to one patient for ever (the id names its source).
          setWhere: eq(ragChunks.patientId, sql`excluded.patient_id`),
        });
    }
  }

  async deleteChunks(tx: DbOrTx, patientId: number, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.bump(tx, [patientId]);
    await tx.delete(ragChunks).where(and(eq(ragChunks.patientId, patientId), inArray(ragChunks.id, ids)));
  }

  /** Removes one source's chunks at once (called in the transaction that deletes the source); their ids. */
  async deleteSource(
    tx: DbOrTx,
    patientId: number,
    sourceType: SourceType,
    sourceId: string,
  ): Promise<string[]> {
    await this.bump(tx, [patientId]);
    const rows = await tx
      .delete(ragChunks)
      .where(
        and(
          eq(ragChunks.patientId, patientId),
          eq(ragChunks.sourceType, sourceType),
          eq(ragChunks.sourceId, sourceId),
        ),
      )
      .returning({ id: ragChunks.id });
    return rows.map((r) => r.id);
  }

  /**
   * The full-text ranking of this patient's chunks for the question's terms (any of them), best first. The patient
   * filter is part of the index lookup (patient_id, tsv): other patients' rows are never ranked.
   */
  async lexical(patientId: number, terms: string[], limit: number, db: DbOrTx = this.db): Promise<ScanRow[]> {
    if (terms.length === 0) return [];
    const query = terms.map((t) => `'${t.replace(/[^a-z0-9]/g, "")}'`).join(" | ");
    const rows = await queryRows<{ id: string; lex: number }>(
      db,
      sql`select id, ts_rank_cd(tsv, q, 1)::float8 as lex
            from rag_chunks, to_tsquery('english', ${query}) as q
           where patient_id = ${patientId} and tsv @@ q
           order by lex desc, id
           limit ${limit}`,
    );
    return rows.map((r) => ({ id: r.id, lex: Number(r.lex), embedding: null }));
  }

  /** Raises these patients' index versions (in the transaction of a change to their chunks). */
  private async bump(tx: DbOrTx, patientIds: number[]): Promise<void> {
    if (patientIds.length === 0) return;
    await tx
      .insert(ragVersions)
      .values(patientIds.map((patientId) => ({ patientId, version: 1 })))
      .onConflictDoUpdate({
        target: ragVersions.patientId,
        set: { version: sql`${ragVersions.version} + 1` },
      });
  }

  /** The patient's index version (0 before any change): what cached vectors are valid for. */
  async version(patientId: number, db: DbOrTx = this.db): Promise<number> {
    const [row] = await db
      .select({ version: ragVersions.version })
      .from(ragVersions)
      .where(eq(ragVersions.patientId, patientId));
    return row ? Number(row.version) : 0;
  }

  /** Every embedded chunk of this patient, with its vector (exact search reads them all: one patient's are few). */
  async vectors(patientId: number, db: DbOrTx = this.db): Promise<{ id: string; embedding: Buffer }[]> {
    const rows = await queryRows<{ id: string; embedding: Buffer | Uint8Array }>(
      db,
      sql`select id, embedding from rag_chunks where patient_id = ${patientId} and embedding is not null`,
    );
    return rows.map((r) => ({
      id: r.id,
      embedding: Buffer.isBuffer(r.embedding) ? r.embedding : Buffer.from(r.embedding),
    }));
  }

  /** The texts of chunks of this patient (ids of another patient's chunks are not found). */
  async texts(patientId: number, ids: string[], db: DbOrTx = this.db): Promise<ChunkText[]> {
    if (ids.length === 0) return [];
    const rows = await db
      .select({
        id: ragChunks.id,
        sourceType: ragChunks.sourceType,
        sourceId: ragChunks.sourceId,
        date: ragChunks.sourceDate,
        title: ragChunks.title,
        body: ragChunks.body,
      })
      .from(ragChunks)
      .where(and(eq(ragChunks.patientId, patientId), inArray(ragChunks.id, ids)));
    return rows.map((r) => ({ ...r, sourceType: r.sourceType as SourceType }));
  }

  async countChunks(patientId: number): Promise<number> {
    const [row] = await this.db
      .select({ n: sql<number>`count(*)::int` })
      .from(ragChunks)
      .where(eq(ragChunks.patientId, patientId));
    return row?.n ?? 0;
  }

  // --- the outbox ----------------------------------------------------------------------------------

  /** Marks a patient's index stale (in the transaction of the change), with chunk ids removed meanwhile. */
  async markPending(tx: DbOrTx, patientId: number, removedIds: string[] = []): Promise<void> {
    const removed = sql`${`{${removedIds.map((id) => `"${id}"`).join(",")}}`}::text[]`;
    await tx
      .insert(ragPending)
      .values({ patientId, requestedAt: sql`clock_timestamp()`, removedIds: removed })
      .onConflictDoUpdate({
        target: ragPending.patientId,
        set: {
          requestedAt: sql`clock_timestamp()`,
          removedIds: sql`${ragPending.removedIds} || ${removed}`,
        },
      });
  }

  async pending(
    patientId: number,
    db: DbOrTx = this.db,
  ): Promise<{ at: string; removedIds: string[] } | null> {
    const rows = await queryRows<{ at: string; removed_ids: string[] }>(
      db,
      sql`select requested_at::text as at, removed_ids from rag_pending where patient_id = ${patientId}`,
    );
    const row = rows[0];
    return row ? { at: row.at, removedIds: row.removed_ids } : null;
  }

  /** Done with the request seen at `at`; a newer request (a change during the rebuild) stays. */
  async clearPending(tx: DbOrTx, patientId: number, at: string): Promise<void> {
    await tx.execute(
      sql`delete from rag_pending where patient_id = ${patientId} and requested_at = ${at}::timestamptz`,
    );
  }

  /** Requests older than `ageSeconds` by the database's clock (the one that stamped them). */
  async stalePending(ageSeconds: number, limit = 100): Promise<number[]> {
    const rows = await this.db
      .select({ patientId: ragPending.patientId })
      .from(ragPending)
      .where(lt(ragPending.requestedAt, sql`clock_timestamp() - make_interval(secs => ${ageSeconds})`))
      .orderBy(asc(ragPending.requestedAt))
      .limit(limit);
    return rows.map((r) => r.patientId);
  }

  /** Every patient with something to index (the reindex script), in id order from `after`. */
  async patientsWithSources(after: number, limit: number): Promise<number[]> {
    const rows = await queryRows<{ id: number }>(
      this.db,
      sql`select id from patients where id > ${after} order by id limit ${limit}`,
    );
    return rows.map((r) => Number(r.id));
  }

  // --- the sources (owned and written by other modules; read here) ---------------------------------

  listRecords(patientId: number) {
    return this.db
      .select({
        id: medicalRecords.id,
        kind: medicalRecords.kind,
        date: medicalRecords.recordDate,
        description: medicalRecords.description,
        diagnosis: medicalRecords.diagnosis,
        notes: medicalRecords.notes,
        prescription: medicalRecords.prescription,
        testResults: medicalRecords.testResults,
        doctorName: doctors.name,
      })
      .from(medicalRecords)
      .leftJoin(doctors, eq(doctors.userId, medicalRecords.authorUserId))
      .where(and(eq(medicalRecords.patientId, patientId), isNull(medicalRecords.deletedAt)));
  }

  listHistory(patientId: number) {
    return this.db.select().from(patientHistoryItems).where(eq(patientHistoryItems.patientId, patientId));
  }

  listPrescriptions(patientId: number) {
    return this.db
      .select({
        id: prescriptions.id,
        status: prescriptions.status,
        issuedAt: prescriptions.issuedAt,
        validUntil: prescriptions.validUntil,
        notes: prescriptions.notes,
        doctorName: doctors.name,
        medicine: prescriptionItems.medicineName,
        strength: prescriptionItems.strength,
        dose: prescriptionItems.dose,
        frequency: prescriptionItems.frequency,
        durationDays: prescriptionItems.durationDays,
        instructions: prescriptionItems.instructions,
      })
      .from(prescriptions)
      .innerJoin(prescriptionItems, eq(prescriptionItems.prescriptionId, prescriptions.id))
      .leftJoin(doctors, eq(doctors.id, prescriptions.doctorId))
      .where(eq(prescriptions.patientId, patientId))
      .orderBy(asc(prescriptions.id), asc(prescriptionItems.id));
  }

  listLabResults(patientId: number) {
    return this.db
      .select({
        bookingId: labBookings.id,
        testName: labBookings.testName,
        resultedAt: labBookings.resultedAt,
        summary: labBookings.resultSummary,
        name: labResults.name,
        value: labResults.value,
        unit: labResults.unit,
        range: labResults.referenceRange,
        flag: labResults.flag,
      })
      .from(labBookings)
      .innerJoin(labResults, eq(labResults.bookingId, labBookings.id))
      .where(
        and(
          eq(labBookings.patientId, patientId),
          eq(labResults.patientId, patientId),
          isNotNull(labBookings.resultedAt),
        ),
      )
      .orderBy(asc(labBookings.id), asc(labResults.id));
  }

  /** Signed notes, and the visits with a transcript, of this patient's appointments. */
  listVisits(patientId: number) {
    return this.db
      .select({
        visitId: visits.id,
        startedAt: visits.startedAt,
        startsAt: appointments.startsAt,
        doctorName: doctors.name,
        noteStatus: visitNotes.status,
        sections: visitNotes.sections,
        signedAt: visitNotes.signedAt,
      })
      .from(visits)
      .innerJoin(appointments, eq(appointments.id, visits.appointmentId))
      .leftJoin(doctors, eq(doctors.id, appointments.doctorId))
      .leftJoin(visitNotes, eq(visitNotes.visitId, visits.id))
      .where(eq(appointments.patientId, patientId));
  }

  listDocuments(patientId: number) {
    return this.db
      .select({
        id: documents.id,
        title: documents.title,
        filename: documents.filename,
        contentType: documents.contentType,
        storageKey: documents.storageKey,
        createdAt: documents.createdAt,
      })
      .from(documents)
      .where(and(eq(documents.patientId, patientId), isNull(documents.deletedAt)));
  }
}
