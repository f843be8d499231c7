import type { DbOrTx } from "../../db/client.js";
import type { Jobs } from "../shared/jobs.js";
import type { SourceType } from "./ports.js";
import { RagRepository } from "./repository.js";

/** The indexing job: ids only in its data. */
export const RAG_JOBS = { index: "rag.index" } as const;
export interface RagIndexJob {
  patientId: number;
}

/**
 * How the modules that own a patient's history tell the index about a change: inside their own transaction
 * (`changed`, `removed`), then after the commit (`kick`). A removed source leaves the index in that same
 * transaction, so it can never be retrieved again once the deletion is visible; everything else is rebuilt by the
 * `rag.index` job, whose request is recorded in the transaction (rag_pending) and swept again if the job is lost.
 */
export class RagChanges {
  private readonly repo: RagRepository;

  constructor(
    db: DbOrTx,
    private readonly jobs: Jobs,
  ) {
    this.repo = new RagRepository(db);
  }

  /** The patient's history changed: their index is rebuilt after the commit. */
  changed(tx: DbOrTx, patientId: number): Promise<void> {
    return this.repo.markPending(tx, patientId);
  }

  /** A source was deleted: its chunks go now, in the caller's transaction. */
  async removed(
    tx: DbOrTx,
    patientId: number,
    sourceType: SourceType,
    sourceId: number | string,
  ): Promise<void> {
    const ids = await this.repo.deleteSource(tx, patientId, sourceType, String(sourceId));
    // The rebuild clears an outside vector store (Pinecone) of these ids too.
    await this.repo.markPending(tx, patientId, ids);
  }

  /** After the commit: the fast path. A failure (Redis away) is left to the relay's sweep. */
  kick(patientId: number): void {
    this.jobs
      .add<RagIndexJob>(RAG_JOBS.index, { patientId }, { removeOnComplete: true })
      .catch(() => undefined);
  }
}
