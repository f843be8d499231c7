import { and, asc, eq, inArray, isNotNull, lt, sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.js";
import {
  appointments,
  doctors,
  patients,
  transcriptSegments,
  visitAudio,
  visitParticipants,
  visits,
} from "../../db/schema/index.js";

/** A visit with the two people it belongs to (read here; the visits module writes the visit rows). */
export interface VisitContext {
  id: number;
  appointmentId: number;
  mode: string;
  status: "open" | "ended";
  startedAt: Date | null;
  endedAt: Date | null;
  patientId: number;
  patientUserId: number;
  doctorId: number;
  doctorUserId: number | null;
  doctorName: string;
  appointmentStartsAt: Date;
}

export interface ParticipantConsent {
  userId: number;
  role: "doctor" | "patient" | "nurse";
  recordingConsentAt: Date | null;
  recordingConsentVersion: string | null;
}

export type AudioRow = typeof visitAudio.$inferSelect;
export type SegmentRow = typeof transcriptSegments.$inferSelect;
export type NewSegment = Omit<typeof transcriptSegments.$inferInsert, "id">;

/** The transcripts' tables: visit_audio and transcript_segments (their one writer). */
export class TranscriptsRepository {
  constructor(private readonly db: DbOrTx) {}

  async findVisit(visitId: number, db: DbOrTx = this.db): Promise<VisitContext | undefined> {
    const [row] = await db
      .select({
        id: visits.id,
        appointmentId: visits.appointmentId,
        mode: visits.mode,
        status: visits.status,
        startedAt: visits.startedAt,
        endedAt: visits.endedAt,
        patientId: appointments.patientId,
        patientUserId: patients.userId,
        doctorId: appointments.doctorId,
        doctorUserId: doctors.userId,
        doctorName: doctors.name,
        appointmentStartsAt: appointments.startsAt,
      })
      .from(visits)
      .innerJoin(appointments, eq(appointments.id, visits.appointmentId))
      .innerJoin(patients, eq(patients.id, appointments.patientId))
      .innerJoin(doctors, eq(doctors.id, appointments.doctorId))
      .where(eq(visits.id, visitId));
    return row;
  }

  async consents(visitId: number, db: DbOrTx = this.db): Promise<ParticipantConsent[]> {
    return db
      .select({
        userId: visitParticipants.userId,
        role: visitParticipants.role,
        recordingConsentAt: visitParticipants.recordingConsentAt,
        recordingConsentVersion: visitParticipants.recordingConsentVersion,
      })
      .from(visitParticipants)
      .where(eq(visitParticipants.visitId, visitId));
  }

  async insertAudio(db: DbOrTx, values: Omit<typeof visitAudio.$inferInsert, "id">): Promise<AudioRow> {
    const [row] = await db.insert(visitAudio).values(values).returning();
    return row!;
  }

  /** A provider recording's audio, once (unique on its sid); undefined when it was already stored. */
  async insertProviderAudio(
    db: DbOrTx,
    values: Omit<typeof visitAudio.$inferInsert, "id">,
  ): Promise<AudioRow | undefined> {
    const [row] = await db
      .insert(visitAudio)
      .values(values)
      .onConflictDoNothing({ target: visitAudio.providerRecordingSid })
      .returning();
    return row;
  }

  async providerRecordingSids(visitId: number, db: DbOrTx = this.db): Promise<Set<string>> {
    const rows = await db
      .select({ sid: visitAudio.providerRecordingSid })
      .from(visitAudio)
      .where(and(eq(visitAudio.visitId, visitId), isNotNull(visitAudio.providerRecordingSid)));
    return new Set(rows.map((r) => r.sid!));
  }

  async findAudio(id: number, db: DbOrTx = this.db): Promise<AudioRow | undefined> {
    const [row] = await db.select().from(visitAudio).where(eq(visitAudio.id, id));
    return row;
  }

  /** Locks an audio row for the transcription that runs on it (a repeated job waits, then sees it done). */
  async lockAudio(tx: DbOrTx, id: number): Promise<AudioRow | undefined> {
    const [row] = await tx.select().from(visitAudio).where(eq(visitAudio.id, id)).for("update");
    return row;
  }

  async listAudio(visitId: number, db: DbOrTx = this.db): Promise<AudioRow[]> {
    return db.select().from(visitAudio).where(eq(visitAudio.visitId, visitId)).orderBy(asc(visitAudio.id));
  }

  async setAudioStatus(
    db: DbOrTx,
    id: number,
    status: "uploaded" | "transcribing" | "transcribed" | "failed",
    extra: { error?: string | null; transcribedAt?: Date | null } = {},
  ): Promise<void> {
    await db
      .update(visitAudio)
      .set({ status, ...extra })
      .where(eq(visitAudio.id, id));
  }

  /** Replaces an audio's segments (a repeated transcription leaves one set). */
  async replaceSegments(tx: DbOrTx, audioId: number, rows: NewSegment[]): Promise<void> {
    await tx.delete(transcriptSegments).where(eq(transcriptSegments.audioId, audioId));
    if (rows.length > 0) await tx.insert(transcriptSegments).values(rows);
  }

  async listSegments(visitId: number, db: DbOrTx = this.db): Promise<SegmentRow[]> {
    return db
      .select()
      .from(transcriptSegments)
      .where(eq(transcriptSegments.visitId, visitId))
      .orderBy(asc(transcriptSegments.startMs), asc(transcriptSegments.id));
  }

  /** Audio left behind (its job lost): uploaded or stuck transcribing since before `before`. */
  async strandedAudio(before: Date, limit = 100): Promise<number[]> {
    const rows = await this.db
      .select({ id: visitAudio.id })
      .from(visitAudio)
      .where(and(inArray(visitAudio.status, ["uploaded", "transcribing"]), lt(visitAudio.createdAt, before)))
      .orderBy(asc(visitAudio.id))
      .limit(limit);
    return rows.map((r) => r.id);
  }

  /** Whether every audio of the visit is past transcription (transcribed or failed). */
  async allTranscribed(visitId: number, db: DbOrTx = this.db): Promise<boolean> {
    const [row] = await db
      .select({
        pending: sql<number>`count(*) filter (where ${visitAudio.status} in ('uploaded','transcribing'))::int`,
      })
      .from(visitAudio)
      .where(eq(visitAudio.visitId, visitId));
    return (row?.pending ?? 0) === 0;
  }
}
