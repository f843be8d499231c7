import { and, asc, eq, inArray, isNull, lt, ne, notExists, or, sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.js";
import { prescriptionItems, prescriptions, visitAudio, visitNotes, visits } from "../../db/schema/index.js";

export type NoteRow = typeof visitNotes.$inferSelect;
export type NoteStatus = "drafting" | "draft" | "not_drafted" | "signed";

/** A prescription written for the visit (its appointment), as the note lists it. */
export interface VisitPrescription {
  id: number;
  status: string;
  items: { medicine_name: string; dose: string; frequency: string; duration_days: number }[];
}

/** The visit notes' table (its one writer). */
export class NotesRepository {
  constructor(private readonly db: DbOrTx) {}

  /** The prescriptions written for the visit's appointment (read: the orders module writes them). */
  async visitPrescriptions(visitId: number): Promise<VisitPrescription[]> {
    const rows = await this.db
      .select({
        id: prescriptions.id,
        status: prescriptions.status,
        medicineName: prescriptionItems.medicineName,
        dose: prescriptionItems.dose,
        frequency: prescriptionItems.frequency,
        durationDays: prescriptionItems.durationDays,
      })
      .from(visits)
      .innerJoin(prescriptions, eq(prescriptions.appointmentId, visits.appointmentId))
      .innerJoin(prescriptionItems, eq(prescriptionItems.prescriptionId, prescriptions.id))
      .where(eq(visits.id, visitId))
      .orderBy(asc(prescriptions.id), asc(prescriptionItems.id));
    const out = new Map<number, VisitPrescription>();
    for (const r of rows) {
      let p = out.get(r.id);
      if (!p) out.set(r.id, (p = { id: r.id, status: r.status, items: [] }));
      p.items.push({
        medicine_name: r.medicineName,
        dose: r.dose,
        frequency: r.frequency,
        duration_days: r.durationDays,
      });
    }
    return [...out.values()];
  }

  async find(visitId: number, db: DbOrTx = this.db): Promise<NoteRow | undefined> {
    const [row] = await db.select().from(visitNotes).where(eq(visitNotes.visitId, visitId));
    return row;
  }

  async findById(id: number, db: DbOrTx = this.db): Promise<NoteRow | undefined> {
    const [row] = await db.select().from(visitNotes).where(eq(visitNotes.id, id));
    return row;
  }

  /** The note's row, made in the given status when the visit has none yet (a repeated call changes nothing). */
  async ensure(db: DbOrTx, visitId: number, status: NoteStatus, now: Date): Promise<NoteRow> {
    await db
      .insert(visitNotes)
      .values({ visitId, status, createdAt: now, updatedAt: now })
      .onConflictDoNothing({ target: visitNotes.visitId });
    return (await this.find(visitId, db))!;
  }

  /** The drafting job's result, written only while the note is still being drafted (a doctor's edit wins). */
  async finishDraft(
    db: DbOrTx,
    visitId: number,
    values: Pick<typeof visitNotes.$inferInsert, "status" | "reason" | "sections" | "statements" | "model">,
    now: Date,
  ): Promise<boolean> {
    const rows = await db
      .update(visitNotes)
      .set({ ...values, updatedAt: now })
      .where(and(eq(visitNotes.visitId, visitId), eq(visitNotes.status, "drafting")))
      .returning({ id: visitNotes.id });
    return rows.length > 0;
  }

  /** The doctor's edit of an unsigned note. */
  async saveSections(
    db: DbOrTx,
    visitId: number,
    sections: Record<string, string>,
    now: Date,
  ): Promise<boolean> {
    const rows = await db
      .update(visitNotes)
      .set({ sections, status: "draft", updatedAt: now })
      .where(and(eq(visitNotes.visitId, visitId), ne(visitNotes.status, "signed")))
      .returning({ id: visitNotes.id });
    return rows.length > 0;
  }

  async sign(db: DbOrTx, visitId: number, userId: number, now: Date): Promise<NoteRow | undefined> {
    const [row] = await db
      .update(visitNotes)
      .set({ status: "signed", signedAt: now, signedByUserId: userId, updatedAt: now })
      .where(and(eq(visitNotes.visitId, visitId), ne(visitNotes.status, "signed")))
      .returning();
    return row;
  }

  async setOutcome(
    db: DbOrTx,
    id: number,
    values: Partial<Pick<typeof visitNotes.$inferInsert, "patientSummary" | "recordId" | "documentId">>,
  ): Promise<void> {
    await db.update(visitNotes).set(values).where(eq(visitNotes.id, id));
  }

  /** Signed notes whose record, summary or PDF is still missing, signed before `before` (their run was lost). */
  async unfinishedSigned(before: Date, limit = 100): Promise<number[]> {
    const rows = await this.db
      .select({ id: visitNotes.id })
      .from(visitNotes)
      .where(
        and(
          eq(visitNotes.status, "signed"),
          lt(visitNotes.signedAt, before),
          or(isNull(visitNotes.patientSummary), isNull(visitNotes.recordId), isNull(visitNotes.documentId)),
        ),
      )
      .orderBy(asc(visitNotes.id))
      .limit(limit);
    return rows.map((r) => r.id);
  }

  /**
   * Visits whose note still waits for its draft: a note left "drafting", or transcribed audio (done before
   * `before`) and no note at all.
   */
  async awaitingDraft(before: Date, limit = 100): Promise<number[]> {
    const drafting = await this.db
      .select({ visitId: visitNotes.visitId })
      .from(visitNotes)
      .where(and(eq(visitNotes.status, "drafting"), lt(visitNotes.updatedAt, before)))
      .limit(limit);
    const noNote = await this.db
      .selectDistinct({ visitId: visitAudio.visitId })
      .from(visitAudio)
      .where(
        and(
          inArray(visitAudio.status, ["transcribed", "failed"]),
          lt(visitAudio.createdAt, before),
          notExists(
            this.db
              .select({ one: sql`1` })
              .from(visitNotes)
              .where(eq(visitNotes.visitId, visitAudio.visitId)),
          ),
        ),
      )
      .limit(limit);
    return [...new Set([...drafting, ...noNote].map((r) => r.visitId))];
  }
}
