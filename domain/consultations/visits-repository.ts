import { and, asc, eq, gt, inArray, isNotNull, isNull, lt, lte, or, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/client.js";
import {
  appointments,
  doctors,
  patients,
  users,
  visitLinks,
  visitMessages,
  visitNotes,
  visitParticipants,
  visits,
  type VisitMode,
} from "../../db/schema/index.js";
import { enqueueNotification, type OutboxMessage } from "../notifications/outbox.js";
import type { Role } from "../shared/role.js";

export type VisitProviderName = "webrtc" | "twilio";
export type ParticipantRole = "doctor" | "patient" | "nurse";

/** A patient in a visit's room whom no one of the care team has joined yet. */
export interface WaitingRow {
  visitId: number;
  appointmentId: number;
  mode: VisitMode;
  patientId: number;
  patientName: string;
  startsAt: Date;
  waitingSince: Date;
}

export interface VisitRow {
  id: number;
  appointmentId: number;
  mode: VisitMode;
  provider: VisitProviderName;
  room: string;
  status: "open" | "ended";
  startedAt: Date | null;
  endedAt: Date | null;
  recording: boolean;
}

export interface ParticipantRow {
  userId: number;
  role: ParticipantRole;
  joinedAt: Date | null;
  leftAt: Date | null;
}

export interface PatientVisitRow extends VisitRow {
  noteStatus: string | null;
  noteSections: Record<string, string> | null;
  noteModel: string | null;
  patientSummary: string | null;
  signedAt: Date | null;
  noteDocumentId: number | null;
}

/** The person a visit link belongs to, as an actor needs them. */
export interface LinkHolder {
  appointmentId: number;
  expiresAt: Date;
  userId: number;
  role: Role;
  patientId: number | null;
  doctorId: number | null;
}

const visitColumns = {
  id: visits.id,
  appointmentId: visits.appointmentId,
  mode: visits.mode,
  provider: visits.provider,
  room: visits.room,
  status: visits.status,
  startedAt: visits.startedAt,
  endedAt: visits.endedAt,
  recording: visits.recording,
};

/** The consultations module's visits, participants, links and side chat: the only writer of those tables. */
export class VisitsRepository {
  constructor(private readonly db: Db) {}

  async byAppointment(appointmentId: number, db: DbOrTx = this.db): Promise<VisitRow | undefined> {
    const [row] = await db.select(visitColumns).from(visits).where(eq(visits.appointmentId, appointmentId));
    return row;
  }

  async byId(id: number, db: DbOrTx = this.db): Promise<VisitRow | undefined> {
    const [row] = await db.select(visitColumns).from(visits).where(eq(visits.id, id));
    return row;
  }

  /** A patient's visits (oldest first) with their note, for the FHIR face (Encounter, signed notes). */
  async ofPatient(patientId: number): Promise<PatientVisitRow[]> {
    return this.db
      .select({
        ...visitColumns,
        noteStatus: visitNotes.status,
        noteSections: visitNotes.sections,
        noteModel: visitNotes.model,
        patientSummary: visitNotes.patientSummary,
        signedAt: visitNotes.signedAt,
        noteDocumentId: visitNotes.documentId,
      })
      .from(visits)
      .innerJoin(appointments, eq(appointments.id, visits.appointmentId))
      .leftJoin(visitNotes, eq(visitNotes.visitId, visits.id))
      .where(eq(appointments.patientId, patientId))
      .orderBy(asc(visits.id));
  }

  async byRoom(provider: VisitProviderName, room: string): Promise<VisitRow | undefined> {
    const [row] = await this.db
      .select(visitColumns)
      .from(visits)
      .where(and(eq(visits.provider, provider), eq(visits.room, room)));
    return row;
  }

  /** The appointment's visit, made by the first join (a concurrent first join finds the same row). */
  async ensure(v: {
    appointmentId: number;
    mode: VisitMode;
    provider: VisitProviderName;
    room: string;
    now: Date;
  }): Promise<VisitRow> {
    await this.db
      .insert(visits)
      .values({
        appointmentId: v.appointmentId,
        mode: v.mode,
        provider: v.provider,
        room: v.room,
        createdAt: v.now,
      })
      .onConflictDoNothing({ target: visits.appointmentId });
    const row = await this.byAppointment(v.appointmentId);
    if (!row) throw new Error("visit row vanished after its insert");
    return row;
  }

  /** Locks the visit row for the rest of the transaction (joins, leaves and the end are serialized on it). */
  async lock(tx: DbOrTx, id: number): Promise<VisitRow | undefined> {
    const [row] = await tx.select(visitColumns).from(visits).where(eq(visits.id, id)).for("update");
    return row;
  }

  /** First join sets joined_at; a rejoin clears left_at. */
  async joined(
    tx: DbOrTx,
    visitId: number,
    userId: number,
    role: ParticipantRole,
    now: Date,
    providerParticipantSid?: string,
  ): Promise<void> {
    const sids = providerParticipantSid ? [providerParticipantSid] : [];
    await tx
      .insert(visitParticipants)
      .values({ visitId, userId, role, joinedAt: now, providerParticipantSids: sids })
      .onConflictDoUpdate({
        target: [visitParticipants.visitId, visitParticipants.userId],
        set: {
          leftAt: null,
          joinedAt: sql`COALESCE(${visitParticipants.joinedAt}, ${now.toISOString()}::timestamptz)`,
          // Each connection's sid once (Twilio repeats its callbacks).
          providerParticipantSids: providerParticipantSid
            ? sql`CASE WHEN ${providerParticipantSid}::text = ANY(${visitParticipants.providerParticipantSids})
                THEN ${visitParticipants.providerParticipantSids}
                ELSE array_append(${visitParticipants.providerParticipantSids}, ${providerParticipantSid}::text) END`
            : sql`${visitParticipants.providerParticipantSids}`,
        },
      });
  }

  /**
   * A person's consent to recording at join (time and version; the first consent stands). True when, after
   * it, both the doctor and the patient have consented: the visit is then marked recording.
   */
  async consentToRecording(
    tx: DbOrTx,
    c: { visitId: number; userId: number; role: ParticipantRole; at: Date; version: string },
  ): Promise<boolean> {
    await tx
      .insert(visitParticipants)
      .values({
        visitId: c.visitId,
        userId: c.userId,
        role: c.role,
        recordingConsentAt: c.at,
        recordingConsentVersion: c.version,
      })
      .onConflictDoUpdate({
        target: [visitParticipants.visitId, visitParticipants.userId],
        set: {
          recordingConsentAt: sql`COALESCE(${visitParticipants.recordingConsentAt}, excluded.recording_consent_at)`,
          recordingConsentVersion: sql`COALESCE(${visitParticipants.recordingConsentVersion}, excluded.recording_consent_version)`,
        },
      });
    const rows = await tx
      .select({ role: visitParticipants.role })
      .from(visitParticipants)
      .where(and(eq(visitParticipants.visitId, c.visitId), isNotNull(visitParticipants.recordingConsentAt)));
    const roles = new Set(rows.map((r) => r.role));
    if (!roles.has("doctor") || !roles.has("patient")) return false;
    await tx.update(visits).set({ recording: true }).where(eq(visits.id, c.visitId));
    return true;
  }

  /** Who had which provider participant sids in a visit (Twilio recordings name the participant by sid). */
  async participantSids(visitId: number): Promise<{ role: ParticipantRole; sids: string[] }[]> {
    return this.db
      .select({ role: visitParticipants.role, sids: visitParticipants.providerParticipantSids })
      .from(visitParticipants)
      .where(eq(visitParticipants.visitId, visitId));
  }

  async recordingsFetchedAt(visitId: number): Promise<Date | null | undefined> {
    const [row] = await this.db
      .select({ at: visits.recordingsFetchedAt })
      .from(visits)
      .where(eq(visits.id, visitId));
    return row?.at;
  }

  async markRecordingsFetched(visitId: number, now: Date): Promise<void> {
    await this.db
      .update(visits)
      .set({ recordingsFetchedAt: now })
      .where(and(eq(visits.id, visitId), isNull(visits.recordingsFetchedAt)));
  }

  /** Ended visits of a recording provider whose recordings were never fetched (their job was lost). */
  async unfetchedRecordings(provider: VisitProviderName, endedBefore: Date, limit = 100): Promise<number[]> {
    const rows = await this.db
      .select({ id: visits.id })
      .from(visits)
      .where(
        and(
          eq(visits.provider, provider),
          eq(visits.status, "ended"),
          isNull(visits.recordingsFetchedAt),
          lt(visits.endedAt, endedBefore),
        ),
      )
      .limit(limit);
    return rows.map((r) => r.id);
  }

  async left(tx: DbOrTx, visitId: number, userId: number, now: Date): Promise<void> {
    await tx
      .update(visitParticipants)
      .set({ leftAt: now })
      .where(
        and(
          eq(visitParticipants.visitId, visitId),
          eq(visitParticipants.userId, userId),
          isNotNull(visitParticipants.joinedAt),
        ),
      );
  }

  /** The roles in the room now (joined and not left). */
  /**
   * A doctor's open visits where the patient is in the room and neither the doctor nor a nurse is: the patients
   * waiting, longest-waiting first.
   */
  async waitingForDoctor(doctorId: number): Promise<WaitingRow[]> {
    const staffIn = sql`exists (select 1 from visit_participants s where s.visit_id = "visits"."id" and s.role in ('doctor', 'nurse') and s.joined_at is not null and s.left_at is null)`;
    return this.db
      .select({
        visitId: visits.id,
        appointmentId: visits.appointmentId,
        mode: visits.mode,
        patientId: appointments.patientId,
        patientName: patients.name,
        startsAt: appointments.startsAt,
        waitingSince: visitParticipants.joinedAt,
      })
      .from(visits)
      .innerJoin(appointments, eq(appointments.id, visits.appointmentId))
      .innerJoin(patients, eq(patients.id, appointments.patientId))
      .innerJoin(
        visitParticipants,
        and(
          eq(visitParticipants.visitId, visits.id),
          eq(visitParticipants.role, "patient"),
          isNotNull(visitParticipants.joinedAt),
          isNull(visitParticipants.leftAt),
        ),
      )
      .where(and(eq(visits.status, "open"), eq(appointments.doctorId, doctorId), sql`not ${staffIn}`))
      .orderBy(asc(visitParticipants.joinedAt), asc(visits.id)) as Promise<WaitingRow[]>;
  }

  async present(tx: DbOrTx, visitId: number): Promise<ParticipantRole[]> {
    const rows = await tx
      .select({ role: visitParticipants.role })
      .from(visitParticipants)
      .where(
        and(
          eq(visitParticipants.visitId, visitId),
          isNotNull(visitParticipants.joinedAt),
          isNull(visitParticipants.leftAt),
        ),
      );
    return rows.map((r) => r.role);
  }

  async participants(visitId: number): Promise<ParticipantRow[]> {
    return this.db
      .select({
        userId: visitParticipants.userId,
        role: visitParticipants.role,
        joinedAt: visitParticipants.joinedAt,
        leftAt: visitParticipants.leftAt,
      })
      .from(visitParticipants)
      .where(eq(visitParticipants.visitId, visitId))
      .orderBy(asc(visitParticipants.joinedAt), asc(visitParticipants.id));
  }

  async markStarted(tx: DbOrTx, visitId: number, now: Date): Promise<void> {
    await tx
      .update(visits)
      .set({ startedAt: now })
      .where(and(eq(visits.id, visitId), isNull(visits.startedAt)));
  }

  async markEnded(tx: DbOrTx, visitId: number, now: Date): Promise<void> {
    await tx
      .update(visits)
      .set({ status: "ended", endedAt: now })
      .where(and(eq(visits.id, visitId), eq(visits.status, "open")));
    // Nobody is left in an ended room.
    await tx
      .update(visitParticipants)
      .set({ leftAt: now })
      .where(
        and(
          eq(visitParticipants.visitId, visitId),
          isNotNull(visitParticipants.joinedAt),
          isNull(visitParticipants.leftAt),
        ),
      );
  }

  // Links ---------------------------------------------------------------------------------------------

  /** One link per person and appointment; a moved appointment gets a new token and expiry. */
  async upsertLink(l: {
    appointmentId: number;
    userId: number;
    tokenHash: string;
    expiresAt: Date;
  }): Promise<void> {
    await this.db
      .insert(visitLinks)
      .values(l)
      .onConflictDoUpdate({
        target: [visitLinks.appointmentId, visitLinks.userId],
        set: { tokenHash: l.tokenHash, expiresAt: l.expiresAt },
        // The same link again (every join, every reminder): no write.
        setWhere: sql`${visitLinks.tokenHash} <> excluded.token_hash`,
      });
  }

  async linkHolder(tokenHash: string): Promise<LinkHolder | undefined> {
    const [row] = await this.db
      .select({
        appointmentId: visitLinks.appointmentId,
        expiresAt: visitLinks.expiresAt,
        userId: users.id,
        role: users.role,
        patientId: patients.id,
        doctorId: doctors.id,
      })
      .from(visitLinks)
      .innerJoin(users, eq(users.id, visitLinks.userId))
      .leftJoin(patients, eq(patients.userId, users.id))
      .leftJoin(doctors, eq(doctors.userId, users.id))
      .where(eq(visitLinks.tokenHash, tokenHash))
      .limit(1);
    return row;
  }

  /** Who the appointment's two people are (user ids), for links. */
  async parties(appointmentId: number): Promise<
    | {
        patientUserId: number;
        doctorUserId: number | null;
        doctorName: string | null;
        mode: VisitMode;
        endsAt: Date;
      }
    | undefined
  > {
    const [row] = await this.db
      .select({
        patientUserId: patients.userId,
        doctorUserId: doctors.userId,
        doctorName: users.name,
        mode: appointments.mode,
        endsAt: appointments.endsAt,
      })
      .from(appointments)
      .innerJoin(patients, eq(patients.id, appointments.patientId))
      .innerJoin(doctors, eq(doctors.id, appointments.doctorId))
      .leftJoin(users, eq(users.id, doctors.userId))
      .where(eq(appointments.id, appointmentId))
      .limit(1);
    return row;
  }

  // Side chat and chat consultations ----------------------------------------------------------------

  /**
   * One line of the visit's chat. A line from the patient's channel carries its conversation message id: a
   * retried turn finds it stored (undefined) and adds nothing. A notification for the other person (the
   * doctor's reply to the patient's channel) goes into the outbox in the same transaction.
   */
  async addMessage(
    m: {
      visitId: number;
      senderUserId: number;
      senderRole: ParticipantRole;
      text: string;
      now: Date;
      channel?: string | undefined;
      inboundMessageId?: number | undefined;
    },
    notify?: (id: number) => OutboxMessage,
  ): Promise<{ id: number; createdAt: Date } | undefined> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(visitMessages)
        .values({
          visitId: m.visitId,
          senderUserId: m.senderUserId,
          senderRole: m.senderRole,
          text: m.text,
          channel: m.channel ?? null,
          inboundMessageId: m.inboundMessageId ?? null,
          createdAt: m.now,
        })
        .onConflictDoNothing()
        .returning({ id: visitMessages.id, createdAt: visitMessages.createdAt });
      if (row && notify) await enqueueNotification(tx, notify(row.id));
      return row;
    });
  }

  /** The visit's chat in order, after a message id (paging). */
  async messages(visitId: number, after: number, limit: number): Promise<VisitMessageRow[]> {
    return this.db
      .select({
        id: visitMessages.id,
        senderRole: visitMessages.senderRole,
        text: visitMessages.text,
        channel: visitMessages.channel,
        createdAt: visitMessages.createdAt,
      })
      .from(visitMessages)
      .where(and(eq(visitMessages.visitId, visitId), gt(visitMessages.id, after)))
      .orderBy(asc(visitMessages.id))
      .limit(limit);
  }

  /** The chat channel the patient last wrote from in this visit (the doctor's replies go back there). */
  async patientChannel(visitId: number): Promise<string | undefined> {
    const [row] = await this.db
      .select({ channel: visitMessages.channel })
      .from(visitMessages)
      .where(
        and(
          eq(visitMessages.visitId, visitId),
          eq(visitMessages.senderRole, "patient"),
          isNotNull(visitMessages.inboundMessageId),
        ),
      )
      .orderBy(sql`${visitMessages.id} DESC`)
      .limit(1);
    return row?.channel ?? undefined;
  }

  /**
   * The patient's chat consultation open now, if any: a confirmed, paid (or free) `chat` appointment whose
   * window (from `opensBefore` ms before the start to `graceMs` after the end) holds `now`, and whose visit
   * has not ended. One indexed read (appointments by patient and start).
   */
  async openChatFor(
    patientId: number,
    now: Date,
    opensBeforeMs: number,
    graceMs: number,
  ): Promise<ChatConsultation | undefined> {
    const [row] = await this.db
      .select({
        appointmentId: appointments.id,
        startsAt: appointments.startsAt,
        endsAt: appointments.endsAt,
        doctorUserId: doctors.userId,
        doctorName: users.name,
        visitId: visits.id,
      })
      .from(appointments)
      .innerJoin(doctors, eq(doctors.id, appointments.doctorId))
      .innerJoin(users, eq(users.id, doctors.userId))
      .leftJoin(visits, eq(visits.appointmentId, appointments.id))
      .where(
        and(
          eq(appointments.patientId, patientId),
          eq(appointments.mode, "chat"),
          eq(appointments.status, "confirmed"),
          inArray(appointments.paymentStatus, ["paid", "not_required"]),
          lte(appointments.startsAt, new Date(now.getTime() + opensBeforeMs)),
          gt(appointments.startsAt, new Date(now.getTime() - graceMs - 24 * 3_600_000)),
          gt(appointments.endsAt, new Date(now.getTime() - graceMs)),
          or(isNull(visits.id), eq(visits.status, "open")),
        ),
      )
      .orderBy(asc(appointments.startsAt))
      .limit(1);
    return row ? { ...row, visitId: row.visitId ?? null } : undefined;
  }

  /** Open chat visits whose window has closed (the relay ends them and tells the patient). */
  async expiredChats(now: Date, graceMs: number, limit = 100): Promise<VisitRow[]> {
    return this.db
      .select(visitColumns)
      .from(visits)
      .innerJoin(appointments, eq(appointments.id, visits.appointmentId))
      .where(
        and(
          eq(visits.status, "open"),
          eq(visits.mode, "chat"),
          lte(appointments.endsAt, new Date(now.getTime() - graceMs)),
        ),
      )
      .limit(limit);
  }

  /** Puts a notification in the outbox inside the caller's transaction (the visit's own changes). */
  async notify(tx: DbOrTx, message: OutboxMessage): Promise<void> {
    await enqueueNotification(tx, message);
  }
}

export interface VisitMessageRow {
  id: number;
  senderRole: ParticipantRole;
  text: string;
  channel: string | null;
  createdAt: Date;
}

/** A chat consultation open for a patient now (its visit row may not exist yet). */
export interface ChatConsultation {
  appointmentId: number;
  startsAt: Date;
  endsAt: Date;
  doctorUserId: number | null;
  doctorName: string;
  visitId: number | null;
}
