import type { ServiceContext } from "../context.js";
import type { OutboxMessage } from "../notifications/outbox.js";
import type { SchedulingService } from "../scheduling/service.js";
import type { AppointmentView } from "../scheduling/views.js";
import type { Actor } from "../shared/actor.js";
import { conflict, DomainError, forbidden, notFound, unprocessable } from "../shared/errors.js";
import type {
  ChatConsultation,
  ParticipantRole,
  VisitMessageRow,
  VisitRow,
  VisitsRepository,
} from "./visits-repository.js";

const MINUTE = 60_000;
/** A visit can be entered until this long after the appointment's end (VISIT_GRACE_MINUTES in visits.ts). */
const GRACE_MINUTES = 30;
export const CHAT_MAX_CHARS = 2000;
const PAGE_MAX = 200;

export interface VisitMessageView {
  id: number;
  role: ParticipantRole;
  text: string;
  /** "page", "api", or the patient's chat channel (telegram, whatsapp, sms, web). */
  channel: string | null;
  at: string;
}

/** What the conversation engine did with a patient's message during a chat consultation. */
export interface ChannelLine {
  /** The patient's first message of this visit (the engine acknowledges it). */
  first: boolean;
  /** The doctor has already arrived (read or written in the thread). */
  doctorPresent: boolean;
  doctorName: string;
}

/**
 * Chat consultations and the visit's one thread (`visit_messages`): lines from the visit page's side chat,
 * from the API (`/api/visits/{id}/messages`) and, during a `chat` appointment's window, from the patient's
 * own chat channel (the conversation engine routes them here). The doctor's lines of a chat consultation go
 * back to the patient's channel through the notifications outbox, written in the same transaction as the
 * line (delivery jobs carry the outbox row's id only). Tables stay the visits repository's.
 */
export class VisitChat {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly repo: VisitsRepository,
    private readonly scheduling: SchedulingService,
    private readonly providerName: "webrtc" | "twilio",
  ) {}

  private get earlyMs(): number {
    return this.ctx.config.visits.earlyJoinMinutes * MINUTE;
  }

  // From the patient's chat channel --------------------------------------------------------------------

  /** The patient's chat consultation open now, if any (one indexed read: the engine asks on every turn). */
  async openFor(patientId: number): Promise<ChatConsultation | undefined> {
    return this.repo.openChatFor(patientId, this.ctx.clock.now(), this.earlyMs, GRACE_MINUTES * MINUTE);
  }

  /**
   * A patient's message from their chat channel during the consultation: kept in the visit's thread (once,
   * by its conversation message id); the first one marks the patient joined and the visit started.
   * Undefined when the visit ended meanwhile (the engine then answers as usual).
   */
  async fromPatient(
    actor: Actor,
    c: ChatConsultation,
    line: { text: string; channel: string; inboundMessageId: number },
  ): Promise<ChannelLine | undefined> {
    const text = line.text.trim().slice(0, CHAT_MAX_CHARS);
    const now = this.ctx.clock.now();
    const visit =
      c.visitId !== null
        ? await this.repo.byId(c.visitId)
        : await this.repo.ensure({
            appointmentId: c.appointmentId,
            mode: "chat",
            provider: this.providerName,
            room: `chat-${c.appointmentId}`,
            now,
          });
    if (visit?.status !== "open") return undefined;
    const state = await this.ctx.db.transaction(async (tx) => {
      const locked = await this.repo.lock(tx, visit.id);
      if (locked?.status !== "open") return undefined;
      const present = await this.repo.present(tx, visit.id);
      const first = !present.includes("patient");
      if (first) {
        await this.repo.joined(tx, visit.id, actor.userId, "patient", now);
        await this.repo.markStarted(tx, visit.id, now);
      }
      return { first, doctorPresent: present.includes("doctor") };
    });
    if (!state) return undefined;
    await this.repo.addMessage({
      visitId: visit.id,
      senderUserId: actor.userId,
      senderRole: "patient",
      text,
      now,
      channel: line.channel,
      inboundMessageId: line.inboundMessageId,
    });
    await this.ctx.audit.record(actor, {
      patientId: actor.patientId ?? null,
      action: "create",
      resourceType: "visit_message",
      resourceId: visit.id,
      outcome: "allowed",
    });
    return { ...state, doctorName: c.doctorName };
  }

  // The thread through the API ---------------------------------------------------------------------------

  /** The visit's thread after a message id, for its two people and the doctor's nurse; others 404. */
  async list(
    actor: Actor,
    visitId: number,
    page: { after?: number | undefined; limit?: number | undefined } = {},
  ): Promise<{ messages: VisitMessageView[]; next_after: number | null }> {
    const { visit, appt } = await this.authorize(actor, visitId, "read");
    if (actor.role === "doctor") await this.doctorArrives(actor, visit, appt, true);
    const limit = Math.min(Math.max(page.limit ?? 50, 1), PAGE_MAX);
    const rows = await this.repo.messages(visit.id, page.after ?? 0, limit);
    await this.ctx.audit.record(actor, {
      patientId: appt.patient_id,
      action: "read",
      resourceType: "visit_messages",
      resourceId: visit.id,
      outcome: "allowed",
    });
    return {
      messages: rows.map(messageView),
      next_after: rows.length === limit ? rows[rows.length - 1]!.id : null,
    };
  }

  /**
   * A line from the doctor or the patient through the API (the doctor's console), or the page's side chat
   * (`channel: "page"`). In a chat consultation the doctor's line reaches the patient's chat channel.
   */
  async post(
    actor: Actor,
    visitId: number,
    rawText: string,
    channel: "api" | "page" = "api",
  ): Promise<VisitMessageView> {
    const text = rawText.trim();
    if (text === "" || text.length > CHAT_MAX_CHARS)
      throw unprocessable("INVALID_MESSAGE", `A message is 1 to ${CHAT_MAX_CHARS} characters.`);
    const { visit, appt } = await this.authorize(actor, visitId, "create");
    if (actor.role !== "doctor" && actor.role !== "patient")
      throw forbidden("FORBIDDEN", "Only the doctor and the patient write in the visit.");
    this.assertOpen(visit, appt);
    const now = this.ctx.clock.now();
    const role: ParticipantRole = actor.role;
    let notify: ((id: number) => OutboxMessage) | undefined;
    if (role === "doctor" && visit.mode === "chat") {
      const opened = await this.doctorArrives(actor, visit, appt, false);
      const parties = await this.repo.parties(appt.id);
      const pinned = await this.repo.patientChannel(visit.id);
      if (parties)
        notify = (id) => ({
          userId: parties.patientUserId,
          template: "visit.chat_message",
          data: {
            visit_id: visit.id,
            appointment_id: appt.id,
            doctor_name: appt.doctor_name,
            text,
            ...(opened ? { opened: true } : {}),
          },
          idempotencyKey: `visit-message:${id}`,
          channel: pinned,
        });
    }
    const row = await this.repo.addMessage(
      { visitId: visit.id, senderUserId: actor.userId, senderRole: role, text, now, channel },
      notify,
    );
    await this.ctx.audit.record(actor, {
      patientId: appt.patient_id,
      action: "create",
      resourceType: "visit_message",
      resourceId: visit.id,
      outcome: "allowed",
    });
    return messageView({ id: row!.id, senderRole: role, text, channel, createdAt: row!.createdAt });
  }

  /**
   * A line of the visit page's side chat (its signalling socket, already verified): kept in the thread; in a
   * chat consultation the doctor's line reaches the patient's channel too.
   */
  async pageLine(
    who: { visitId: number; userId: number; role: ParticipantRole },
    rawText: string,
  ): Promise<{ id: number; at: string; text: string }> {
    const text = rawText.trim();
    if (text === "" || text.length > CHAT_MAX_CHARS)
      throw unprocessable("INVALID_MESSAGE", `A message is 1 to ${CHAT_MAX_CHARS} characters.`);
    const visit = await this.repo.byId(who.visitId);
    let notify: ((id: number) => OutboxMessage) | undefined;
    if (visit?.mode === "chat" && who.role === "doctor") {
      const parties = await this.repo.parties(visit.appointmentId);
      const pinned = await this.repo.patientChannel(visit.id);
      if (parties)
        notify = (id) => ({
          userId: parties.patientUserId,
          template: "visit.chat_message",
          data: {
            visit_id: visit.id,
            appointment_id: visit.appointmentId,
            doctor_name: parties.doctorName,
            text,
          },
          idempotencyKey: `visit-message:${id}`,
          channel: pinned,
        });
    }
    const row = await this.repo.addMessage(
      {
        visitId: who.visitId,
        senderUserId: who.userId,
        senderRole: who.role,
        text,
        now: this.ctx.clock.now(),
        channel: "page",
      },
      notify,
    );
    return { id: row!.id, at: row!.createdAt.toISOString(), text };
  }

  /**
   * The doctor ends the visit (a chat consultation has no room to leave): ended, the appointment completed,
   * and the patient told on their channel that their messages go to the assistant again.
   */
  async end(actor: Actor, visitId: number): Promise<VisitRow> {
    const { visit, appt } = await this.authorize(actor, visitId, "update");
    if (actor.role !== "doctor") throw forbidden("FORBIDDEN", "Only the doctor ends the visit.");
    if (visit.status === "ended" || appt.status === "completed")
      throw conflict("VISIT_ENDED", "This visit has ended.");
    const ended = await this.close(visit.id);
    return ended ?? visit;
  }

  /** The relay's sweep: open chat visits whose window has closed end, and the patient is told. */
  async closeExpired(now: Date): Promise<number> {
    const rows = await this.repo.expiredChats(now, GRACE_MINUTES * MINUTE);
    for (const v of rows) await this.close(v.id);
    return rows.length;
  }

  /** Ends an open visit (once); a chat consultation that started tells the patient and completes. */
  private async close(visitId: number): Promise<VisitRow | undefined> {
    const now = this.ctx.clock.now();
    const ended = await this.ctx.db.transaction(async (tx) => {
      const visit = await this.repo.lock(tx, visitId);
      if (visit?.status !== "open") return undefined;
      await this.repo.markEnded(tx, visitId, now);
      if (visit.mode === "chat" && visit.startedAt !== null) {
        const parties = await this.repo.parties(visit.appointmentId);
        const pinned = await this.repo.patientChannel(visitId);
        if (parties)
          await this.repo.notify(tx, {
            userId: parties.patientUserId,
            template: "visit.chat_ended",
            data: { visit_id: visitId, appointment_id: visit.appointmentId, doctor_name: parties.doctorName },
            idempotencyKey: `visit-chat-ended:${visitId}`,
            channel: pinned,
          });
      }
      return { ...visit, status: "ended" as const, endedAt: now };
    });
    if (ended?.startedAt) await this.scheduling.completeAfterVisit(ended.appointmentId);
    return ended;
  }

  // ------------------------------------------------------------------------------------------------------

  /** The visit and its appointment, as the actor may see them: the two people and the doctor's nurse. */
  private async authorize(
    actor: Actor,
    visitId: number,
    action: string,
  ): Promise<{ visit: VisitRow; appt: AppointmentView }> {
    const visit = await this.repo.byId(visitId);
    if (!visit || actor.role === "admin") {
      await this.ctx.audit.record(actor, {
        patientId: null,
        action,
        resourceType: "visit_messages",
        resourceId: visitId,
        outcome: "not_found",
      });
      throw notFound("Visit");
    }
    try {
      return { visit, appt: await this.scheduling.get(actor, visit.appointmentId) };
    } catch (err) {
      if (err instanceof DomainError && err.kind === "not_found") throw notFound("Visit");
      throw err;
    }
  }

  private window(appt: AppointmentView): { opensAt: Date; closesAt: Date } {
    return {
      opensAt: new Date(Date.parse(appt.starts_at) - this.earlyMs),
      closesAt: new Date(Date.parse(appt.ends_at) + GRACE_MINUTES * MINUTE),
    };
  }

  private assertOpen(visit: VisitRow, appt: AppointmentView): void {
    if (visit.status === "ended" || appt.status === "completed")
      throw conflict("VISIT_ENDED", "This visit has ended.");
    const now = this.ctx.clock.now();
    const { opensAt, closesAt } = this.window(appt);
    if (now < opensAt || now >= closesAt || appt.status !== "confirmed")
      throw new DomainError("conflict", "VISIT_NOT_OPEN", "The visit is not open now.", {
        opens_at: opensAt.toISOString(),
        closes_at: closesAt.toISOString(),
      });
  }

  /** The doctor joined a chat consultation (POST …/visit/join): as reading its thread, they are in. */
  async doctorJoined(actor: Actor, visit: VisitRow, appt: AppointmentView): Promise<void> {
    if (actor.role === "doctor") await this.doctorArrives(actor, visit, appt, true);
  }

  /**
   * The doctor reads or writes in a chat consultation's thread inside its window: they are in. The first
   * time, the patient is told on their channel (`notice`; a first reply says it itself). True when this was
   * the doctor's arrival.
   */
  private async doctorArrives(
    actor: Actor,
    visit: VisitRow,
    appt: AppointmentView,
    notice: boolean,
  ): Promise<boolean> {
    if (visit.mode !== "chat" || visit.status !== "open") return false;
    const now = this.ctx.clock.now();
    const { opensAt, closesAt } = this.window(appt);
    if (now < opensAt || now >= closesAt || appt.status !== "confirmed") return false;
    const pinned = await this.repo.patientChannel(visit.id);
    const parties = await this.repo.parties(appt.id);
    return this.ctx.db.transaction(async (tx) => {
      const locked = await this.repo.lock(tx, visit.id);
      if (locked?.status !== "open") return false;
      const present = await this.repo.present(tx, visit.id);
      if (present.includes("doctor")) return false;
      await this.repo.joined(tx, visit.id, actor.userId, "doctor", now);
      if (present.includes("patient")) await this.repo.markStarted(tx, visit.id, now);
      if (notice && parties)
        await this.repo.notify(tx, {
          userId: parties.patientUserId,
          template: "visit.chat_opened",
          data: { visit_id: visit.id, appointment_id: appt.id, doctor_name: appt.doctor_name },
          idempotencyKey: `visit-chat-opened:${visit.id}`,
          channel: pinned,
        });
      return true;
    });
  }
}

function messageView(r: VisitMessageRow): VisitMessageView {
  return {
    id: r.id,
    role: r.senderRole,
    text: r.text,
    channel: r.channel,
    at: r.createdAt.toISOString(),
  };
}
