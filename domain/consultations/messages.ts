import type { ServiceContext } from "../context.js";
import type { OutboxMessage } from "../notifications/outbox.js";
import type { Actor } from "../shared/actor.js";
import { forbidden, invalid, notFound, unprocessable } from "../shared/errors.js";
import { MessagesRepository, type ThreadMessageRow, type ThreadRow } from "./messages-repository.js";

export const MESSAGE_MAX_CHARS = 4000;
const SUBJECT_MAX_CHARS = 200;
const PAGE_MAX = 200;

export interface ThreadView {
  id: number;
  subject: string;
  patient_id: number;
  patient_name: string;
  doctor_id: number;
  doctor_name: string | null;
  last_message_at: string;
  created_at: string;
  unread: number;
}

export interface ThreadMessageView {
  id: number;
  sender_role: "patient" | "doctor" | "nurse";
  text: string;
  document_id: number | null;
  at: string;
}

/**
 * Secure messages outside visits: threads between a patient and a doctor of their care team (an appointment
 * together). A nurse assigned to the doctor reads and answers the doctor's threads. Anyone else: 404. Each
 * person has their own read mark; each message notifies the other side through the notifications outbox (a
 * patient on their chat channel with the text and a Reply button; doctors and nurses with no patient data).
 * Attachments are the patient's own documents (records). Every read is audited.
 */
export class MessagesService {
  readonly repo: MessagesRepository;

  constructor(private readonly ctx: ServiceContext) {
    this.repo = new MessagesRepository(ctx.db);
  }

  /** A new thread: the patient with a doctor of theirs (`doctor_id`), or the doctor with their patient. */
  async start(
    actor: Actor,
    input: {
      doctor_id?: number | undefined;
      patient_id?: number | undefined;
      subject: string;
      text: string;
      document_id?: number | undefined;
    },
  ): Promise<{ thread: ThreadView; message: ThreadMessageView }> {
    const subject = input.subject.trim();
    if (subject === "" || subject.length > SUBJECT_MAX_CHARS)
      throw unprocessable("INVALID_SUBJECT", `A subject is 1 to ${SUBJECT_MAX_CHARS} characters.`);
    const text = this.checkText(input.text);
    let patientId: number;
    let doctorId: number;
    if (actor.role === "patient" && actor.patientId !== undefined) {
      if (input.doctor_id === undefined) throw invalid("DOCTOR_ID_REQUIRED", "doctor_id is required.");
      patientId = actor.patientId;
      doctorId = input.doctor_id;
      if (!(await this.repo.hadAppointment(doctorId, patientId))) {
        await this.refused(actor, patientId, "create");
        throw notFound("Doctor");
      }
    } else if (actor.role === "doctor" && actor.doctorId !== undefined) {
      if (input.patient_id === undefined) throw invalid("PATIENT_ID_REQUIRED", "patient_id is required.");
      doctorId = actor.doctorId;
      patientId = input.patient_id;
      if (!(await this.repo.hadAppointment(doctorId, patientId))) {
        await this.refused(actor, patientId, "create");
        throw notFound("Patient");
      }
    } else if (actor.role === "nurse") {
      throw forbidden(
        "FORBIDDEN",
        "A nurse answers the doctor's threads; the doctor or the patient starts one.",
      );
    } else {
      throw notFound("Doctor");
    }
    const documentId = await this.checkDocument(input.document_id, patientId);
    const doctor = await this.repo.doctorName(doctorId);
    const patientUserId = await this.repo.patientUser(patientId);
    const now = this.ctx.clock.now();
    const { threadId, messageId } = await this.repo.create(
      { patientId, doctorId, subject, now },
      { senderUserId: actor.userId, text, documentId },
      (tid, mid) =>
        this.notification(
          actor,
          {
            threadId: tid,
            doctorUserId: doctor?.userId ?? null,
            doctorName: doctor?.name ?? null,
            patientUserId: patientUserId!,
          },
          mid,
          text,
        ),
    );
    await this.audit(actor, patientId, "create", threadId);
    const thread = (await this.repo.thread(threadId))!;
    return {
      thread: threadView(thread, 0),
      message: this.messageView(thread, {
        id: messageId,
        senderUserId: actor.userId,
        text,
        documentId,
        createdAt: now,
      }),
    };
  }

  /** The caller's threads, newest first, with their unread counts. */
  async list(actor: Actor): Promise<ThreadView[]> {
    let rows: (ThreadRow & { unread: number })[];
    if (actor.role === "patient" && actor.patientId !== undefined)
      rows = await this.repo.list({ patientId: actor.patientId }, actor.userId);
    else if (actor.role === "doctor" && actor.doctorId !== undefined)
      rows = await this.repo.list({ doctorIds: [actor.doctorId] }, actor.userId);
    else if (actor.role === "nurse")
      rows = await this.repo.list({ doctorIds: await this.repo.nurseDoctors(actor.userId) }, actor.userId);
    else rows = [];
    await this.ctx.audit.recordMany(
      actor,
      [...new Set(rows.map((r) => r.patientId))].map((patientId) => ({
        patientId,
        action: "list",
        resourceType: "message_thread",
        outcome: "allowed" as const,
      })),
    );
    return rows.map((r) => threadView(r, r.unread));
  }

  /** A thread's messages; reading marks them read for the caller. */
  async get(
    actor: Actor,
    threadId: number,
    page: { after?: number | undefined; limit?: number | undefined } = {},
  ): Promise<{ thread: ThreadView; messages: ThreadMessageView[] }> {
    const thread = await this.authorize(actor, threadId, "read");
    const limit = Math.min(Math.max(page.limit ?? 100, 1), PAGE_MAX);
    const rows = await this.repo.messages(thread.id, page.after ?? 0, limit);
    const last = rows[rows.length - 1];
    if (last) await this.repo.markRead(last.id, thread.id, actor.userId);
    await this.audit(actor, thread.patientId, "read", thread.id);
    return { thread: threadView(thread, 0), messages: rows.map((r) => this.messageView(thread, r)) };
  }

  /** A reply in a thread by its patient, its doctor or the doctor's nurse; the other side is notified. */
  async reply(
    actor: Actor,
    threadId: number,
    input: { text: string; document_id?: number | undefined },
  ): Promise<ThreadMessageView> {
    const text = this.checkText(input.text);
    const thread = await this.authorize(actor, threadId, "create");
    const documentId = await this.checkDocument(input.document_id, thread.patientId);
    const now = this.ctx.clock.now();
    const id = await this.repo.add(thread.id, { senderUserId: actor.userId, text, documentId }, now, (mid) =>
      this.notification(actor, { threadId: thread.id, ...thread }, mid, text),
    );
    await this.audit(actor, thread.patientId, "create", thread.id);
    return this.messageView(thread, { id, senderUserId: actor.userId, text, documentId, createdAt: now });
  }

  /** The patient's threads with unread messages (the chat's "Messages"), with those messages. */
  async unreadFor(actor: Actor): Promise<{ thread: ThreadView; messages: ThreadMessageView[] }[]> {
    const threads = (await this.list(actor)).filter((t) => t.unread > 0).slice(0, 5);
    const out = [];
    for (const t of threads) {
      const after = await this.repo.readMark(t.id, actor.userId);
      const { thread, messages } = await this.get(actor, t.id, { after, limit: 20 });
      out.push({ thread, messages: messages.filter((m) => m.sender_role !== "patient") });
    }
    return out;
  }

  // ------------------------------------------------------------------------------------------------------

  private checkText(raw: string): string {
    const text = raw.trim();
    if (text === "" || text.length > MESSAGE_MAX_CHARS)
      throw unprocessable("INVALID_MESSAGE", `A message is 1 to ${MESSAGE_MAX_CHARS} characters.`);
    return text;
  }

  /** An attachment must be one of the thread's patient's documents (else 422, saying nothing more). */
  private async checkDocument(documentId: number | undefined, patientId: number): Promise<number | null> {
    if (documentId === undefined) return null;
    if (!(await this.repo.isPatientDocument(documentId, patientId)))
      throw unprocessable("INVALID_DOCUMENT", "Attach one of the patient's own documents.");
    return documentId;
  }

  /** The thread, if the actor is its patient, its doctor or a nurse assigned to its doctor; else 404. */
  private async authorize(actor: Actor, threadId: number, action: string): Promise<ThreadRow> {
    const thread = await this.repo.thread(threadId);
    let ok = false;
    if (thread) {
      if (actor.role === "patient") ok = actor.patientId === thread.patientId;
      else if (actor.role === "doctor") ok = actor.doctorId === thread.doctorId;
      else if (actor.role === "nurse")
        ok = (await this.repo.nurseDoctors(actor.userId)).includes(thread.doctorId);
    }
    if (!thread || !ok) {
      await this.refused(actor, thread?.patientId ?? null, action, threadId);
      throw notFound("Thread");
    }
    return thread;
  }

  /** The other side's notification: the patient (text and Reply) or the doctor (no patient data). */
  private notification(
    sender: Actor,
    t: { threadId: number; doctorUserId: number | null; doctorName: string | null; patientUserId: number },
    messageId: number,
    text: string,
  ): OutboxMessage | undefined {
    const toPatient = sender.role !== "patient";
    const userId = toPatient ? t.patientUserId : t.doctorUserId;
    // A doctor listed without an account has nobody to tell.
    if (userId === null) return undefined;
    return {
      userId,
      template: "message.received",
      data: toPatient
        ? { thread_id: t.threadId, doctor_name: t.doctorName, text: text.slice(0, 500) }
        : { thread_id: t.threadId },
      idempotencyKey: `thread-message:${messageId}`,
    };
  }

  private messageView(thread: ThreadRow, r: ThreadMessageRow): ThreadMessageView {
    return {
      id: r.id,
      sender_role:
        r.senderUserId === thread.patientUserId
          ? "patient"
          : r.senderUserId === thread.doctorUserId
            ? "doctor"
            : "nurse",
      text: r.text,
      document_id: r.documentId,
      at: r.createdAt.toISOString(),
    };
  }

  private async audit(actor: Actor, patientId: number, action: string, threadId: number): Promise<void> {
    await this.ctx.audit.record(actor, {
      patientId,
      action,
      resourceType: "message_thread",
      resourceId: threadId,
      outcome: "allowed",
    });
  }

  private async refused(
    actor: Actor,
    patientId: number | null,
    action: string,
    threadId?: number,
  ): Promise<void> {
    await this.ctx.audit.record(actor, {
      patientId,
      action,
      resourceType: "message_thread",
      ...(threadId !== undefined ? { resourceId: threadId } : {}),
      outcome: "not_found",
    });
  }
}

function threadView(r: ThreadRow, unread: number): ThreadView {
  return {
    id: r.id,
    subject: r.subject,
    patient_id: r.patientId,
    patient_name: r.patientName,
    doctor_id: r.doctorId,
    doctor_name: r.doctorName,
    last_message_at: r.lastMessageAt.toISOString(),
    created_at: r.createdAt.toISOString(),
    unread,
  };
}
