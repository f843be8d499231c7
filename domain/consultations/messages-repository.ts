import { and, asc, desc, eq, gt, inArray, isNull, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Db, DbOrTx } from "../../db/client.js";
import {
  appointments,
  doctors,
  documents,
  messageThreads,
  nurseAssignments,
  patients,
  threadMessages,
  threadReads,
  users,
} from "../../db/schema/index.js";
import { enqueueNotification, type OutboxMessage } from "../notifications/outbox.js";

export interface ThreadRow {
  id: number;
  patientId: number;
  doctorId: number;
  subject: string;
  lastMessageAt: Date;
  createdAt: Date;
  patientUserId: number;
  patientName: string;
  doctorUserId: number | null;
  doctorName: string | null;
}

export interface ThreadMessageRow {
  id: number;
  senderUserId: number;
  text: string;
  documentId: number | null;
  createdAt: Date;
}

const patientUser = alias(users, "patient_user");
const doctorUser = alias(users, "doctor_user");

const threadColumns = {
  id: messageThreads.id,
  patientId: messageThreads.patientId,
  doctorId: messageThreads.doctorId,
  subject: messageThreads.subject,
  lastMessageAt: messageThreads.lastMessageAt,
  createdAt: messageThreads.createdAt,
  patientUserId: patients.userId,
  patientName: patientUser.name,
  doctorUserId: doctors.userId,
  doctorName: doctorUser.name,
};

/**
 * Secure messages outside visits: the only writer of `message_threads`, `thread_messages` and `thread_reads`.
 * A message, the thread's last-message time, the sender's read mark and the other person's notification are
 * one transaction.
 */
export class MessagesRepository {
  constructor(private readonly db: Db) {}

  private threads(db: DbOrTx = this.db) {
    return db
      .select(threadColumns)
      .from(messageThreads)
      .innerJoin(patients, eq(patients.id, messageThreads.patientId))
      .innerJoin(patientUser, eq(patientUser.id, patients.userId))
      .innerJoin(doctors, eq(doctors.id, messageThreads.doctorId))
      .leftJoin(doctorUser, eq(doctorUser.id, doctors.userId));
  }

  async thread(id: number): Promise<ThreadRow | undefined> {
    const [row] = await this.threads().where(eq(messageThreads.id, id));
    return row;
  }

  /** A new thread with its first message (and the notification), in one transaction. */
  async create(
    t: { patientId: number; doctorId: number; subject: string; now: Date },
    first: { senderUserId: number; text: string; documentId: number | null },
    notify: (threadId: number, messageId: number) => OutboxMessage | undefined,
  ): Promise<{ threadId: number; messageId: number }> {
    return this.db.transaction(async (tx) => {
      const [thread] = await tx
        .insert(messageThreads)
        .values({
          patientId: t.patientId,
          doctorId: t.doctorId,
          subject: t.subject,
          lastMessageAt: t.now,
          createdAt: t.now,
        })
        .returning({ id: messageThreads.id });
      const messageId = await this.insertMessage(tx, thread!.id, first, t.now);
      const message = notify(thread!.id, messageId);
      if (message) await enqueueNotification(tx, message);
      return { threadId: thread!.id, messageId };
    });
  }

  /** A message in a thread (and the notification), in one transaction. */
  async add(
    threadId: number,
    m: { senderUserId: number; text: string; documentId: number | null },
    now: Date,
    notify: (messageId: number) => OutboxMessage | undefined,
  ): Promise<number> {
    return this.db.transaction(async (tx) => {
      const id = await this.insertMessage(tx, threadId, m, now);
      await tx.update(messageThreads).set({ lastMessageAt: now }).where(eq(messageThreads.id, threadId));
      const message = notify(id);
      if (message) await enqueueNotification(tx, message);
      return id;
    });
  }

  private async insertMessage(
    tx: DbOrTx,
    threadId: number,
    m: { senderUserId: number; text: string; documentId: number | null },
    now: Date,
  ): Promise<number> {
    const [row] = await tx
      .insert(threadMessages)
      .values({
        threadId,
        senderUserId: m.senderUserId,
        text: m.text,
        documentId: m.documentId,
        createdAt: now,
      })
      .returning({ id: threadMessages.id });
    // The sender has read their own message.
    await this.markRead(row!.id, threadId, m.senderUserId, tx);
    return row!.id;
  }

  /** How far this person has read the thread (never moves back). */
  async markRead(lastId: number, threadId: number, userId: number, db: DbOrTx = this.db): Promise<void> {
    await db
      .insert(threadReads)
      .values({ threadId, userId, lastReadMessageId: lastId })
      .onConflictDoUpdate({
        target: [threadReads.threadId, threadReads.userId],
        set: {
          lastReadMessageId: sql`GREATEST(${threadReads.lastReadMessageId}, excluded.last_read_message_id)`,
        },
      });
  }

  /** The highest message id this person has read in the thread (0: none). */
  async readMark(threadId: number, userId: number): Promise<number> {
    const [row] = await this.db
      .select({ last: threadReads.lastReadMessageId })
      .from(threadReads)
      .where(and(eq(threadReads.threadId, threadId), eq(threadReads.userId, userId)));
    return row?.last ?? 0;
  }

  async messages(threadId: number, after: number, limit: number): Promise<ThreadMessageRow[]> {
    return this.db
      .select({
        id: threadMessages.id,
        senderUserId: threadMessages.senderUserId,
        text: threadMessages.text,
        documentId: threadMessages.documentId,
        createdAt: threadMessages.createdAt,
      })
      .from(threadMessages)
      .where(and(eq(threadMessages.threadId, threadId), gt(threadMessages.id, after)))
      .orderBy(asc(threadMessages.id))
      .limit(limit);
  }

  /**
   * Threads of a patient or of some doctors, newest first, with the messages this person has not read (from
   * others, after their read mark).
   */
  async list(
    scope: { patientId: number } | { doctorIds: number[] },
    userId: number,
    limit = 100,
  ): Promise<(ThreadRow & { unread: number })[]> {
    if ("doctorIds" in scope && scope.doctorIds.length === 0) return [];
    const unread = sql<number>`(
      SELECT count(*)::int FROM ${threadMessages}
      WHERE ${threadMessages.threadId} = ${messageThreads.id}
        AND ${threadMessages.senderUserId} <> ${userId}
        AND ${threadMessages.id} > COALESCE((
          SELECT ${threadReads.lastReadMessageId} FROM ${threadReads}
          WHERE ${threadReads.threadId} = ${messageThreads.id} AND ${threadReads.userId} = ${userId}
        ), 0)
    )`;
    return this.db
      .select({ ...threadColumns, unread })
      .from(messageThreads)
      .innerJoin(patients, eq(patients.id, messageThreads.patientId))
      .innerJoin(patientUser, eq(patientUser.id, patients.userId))
      .innerJoin(doctors, eq(doctors.id, messageThreads.doctorId))
      .leftJoin(doctorUser, eq(doctorUser.id, doctors.userId))
      .where(
        "patientId" in scope
          ? eq(messageThreads.patientId, scope.patientId)
          : inArray(messageThreads.doctorId, scope.doctorIds),
      )
      .orderBy(desc(messageThreads.lastMessageAt), desc(messageThreads.id))
      .limit(limit);
  }

  /** Whether the doctor and the patient have (or had) an appointment: the doctor is on the care team. */
  async hadAppointment(doctorId: number, patientId: number): Promise<boolean> {
    const rows = await this.db
      .select({ one: sql`1` })
      .from(appointments)
      .where(and(eq(appointments.doctorId, doctorId), eq(appointments.patientId, patientId)))
      .limit(1);
    return rows.length > 0;
  }

  /** The doctors a nurse is assigned to. */
  async nurseDoctors(nurseUserId: number): Promise<number[]> {
    const rows = await this.db
      .select({ doctorId: nurseAssignments.doctorId })
      .from(nurseAssignments)
      .where(eq(nurseAssignments.nurseUserId, nurseUserId));
    return rows.map((r) => r.doctorId);
  }

  /** Whether the document is one of this patient's (and not deleted). */
  async isPatientDocument(documentId: number, patientId: number): Promise<boolean> {
    const rows = await this.db
      .select({ one: sql`1` })
      .from(documents)
      .where(
        and(eq(documents.id, documentId), eq(documents.patientId, patientId), isNull(documents.deletedAt)),
      )
      .limit(1);
    return rows.length > 0;
  }

  /** A doctor's name (a new thread's notification). */
  async doctorName(doctorId: number): Promise<{ userId: number | null; name: string | null } | undefined> {
    const [row] = await this.db
      .select({ userId: doctors.userId, name: users.name })
      .from(doctors)
      .leftJoin(users, eq(users.id, doctors.userId))
      .where(eq(doctors.id, doctorId));
    return row;
  }

  async patientUser(patientId: number): Promise<number | undefined> {
    const [row] = await this.db
      .select({ userId: patients.userId })
      .from(patients)
      .where(eq(patients.id, patientId));
    return row?.userId;
  }
}
