import { assertAdmin } from "../accounts/auth-service.js";
import type { ServiceContext } from "../context.js";
import type { Actor } from "../shared/actor.js";
import { enqueueNotification } from "../notifications/outbox.js";
import { invalid, notFound, unprocessable } from "../shared/errors.js";
import {
  ReviewRepository,
  type AnnotationRow,
  type ConversationSummaryRow,
  type FlagRow,
  type MessageRow,
  type TicketRow,
  type ToolCallRow,
} from "./repository.js";

export interface ConversationListQuery {
  channel?: string | undefined;
  q?: string | undefined;
  /** YYYY-MM-DD, inclusive: conversations active on or after this day (UTC). */
  from?: string | undefined;
  /** YYYY-MM-DD, inclusive: conversations started on or before this day (UTC). */
  to?: string | undefined;
  flagged?: boolean | undefined;
  humanRequested?: boolean | undefined;
  toolFailed?: boolean | undefined;
  modelFailed?: boolean | undefined;
  takenOver?: boolean | undefined;
  page: number;
  perPage: number;
}

export interface ConversationDetail {
  conversation: ConversationSummaryRow;
  flag: FlagRow | null;
  messages: MessageRow[];
  toolCalls: ToolCallRow[];
  tickets: TicketRow[];
  annotations: AnnotationRow[];
  /** A short description of how the conversation ended up. */
  outcome: "human_requested" | "tool_failed" | "closed" | "open";
}

/**
 * The admin review of the agent's conversations. Admins only; every read of a conversation writes an
 * audit row (it holds patient data), as do flags, annotations and exports. Audit rows hold ids only.
 */
export class ReviewService {
  private readonly repo: ReviewRepository;

  constructor(private readonly ctx: ServiceContext) {
    this.repo = new ReviewRepository(ctx.db);
  }

  async list(
    actor: Actor,
    query: ConversationListQuery,
  ): Promise<{ conversations: ConversationSummaryRow[]; total: number }> {
    assertAdmin(actor);
    const { rows, total } = await this.repo.list({
      channel: query.channel,
      q: query.q,
      from: query.from === undefined ? undefined : parseDay(query.from, "from"),
      to: query.to === undefined ? undefined : new Date(parseDay(query.to, "to").getTime() + 86_400_000),
      flagged: query.flagged,
      humanRequested: query.humanRequested,
      toolFailed: query.toolFailed,
      modelFailed: query.modelFailed,
      takenOver: query.takenOver,
      limit: query.perPage,
      offset: (query.page - 1) * query.perPage,
    });
    await this.ctx.audit.recordMany(
      actor,
      rows.map((r) => ({
        patientId: r.patientId,
        action: "list",
        resourceType: "conversation",
        resourceId: r.id,
        outcome: "allowed" as const,
      })),
    );
    return { conversations: rows, total };
  }

  async detail(actor: Actor, id: number, action: "read" | "export" = "read"): Promise<ConversationDetail> {
    assertAdmin(actor);
    const conversation = await this.repo.summary(id);
    if (!conversation) {
      await this.ctx.audit.record(actor, {
        action,
        resourceType: "conversation",
        resourceId: id,
        outcome: "not_found",
      });
      throw notFound("Conversation", "CONVERSATION_NOT_FOUND");
    }
    const [messages, toolCalls, tickets, annotations, flag] = await Promise.all([
      this.repo.messages(id),
      this.repo.toolCalls(id),
      this.repo.tickets(id),
      this.repo.annotations(id),
      this.repo.flag(id),
    ]);
    await this.ctx.audit.record(actor, {
      patientId: conversation.patientId,
      action,
      resourceType: "conversation",
      resourceId: id,
      outcome: "allowed",
    });
    const outcome = conversation.humanRequested
      ? "human_requested"
      : conversation.toolFailed
        ? "tool_failed"
        : conversation.closedAt
          ? "closed"
          : "open";
    return { conversation, flag: flag ?? null, messages, toolCalls, tickets, annotations, outcome };
  }

  async export(actor: Actor, id: number): Promise<ConversationDetail> {
    return this.detail(actor, id, "export");
  }

  /** The "talk to a human" tickets waiting for staff (open) or answered. */
  async tickets(
    actor: Actor,
    query: { status: "open" | "answered"; page: number; perPage: number },
  ): Promise<TicketRow[]> {
    assertAdmin(actor);
    return this.repo.ticketQueue(query.status, query.perPage, (query.page - 1) * query.perPage);
  }

  /**
   * Staff answer a ticket: it closes as answered and the answer goes to the person as a notification (their
   * preferred channel, else the one they use), in one transaction. A ticket from someone never identified
   * has nobody to answer to (422); an answered or unknown ticket is 404.
   */
  async answerTicket(actor: Actor, id: number, answer: string): Promise<void> {
    assertAdmin(actor);
    const text = answer.trim();
    if (text === "") throw invalid("EMPTY_ANSWER", "Write the answer.");
    await this.ctx.db.transaction(async (tx) => {
      const ticket = await this.repo.answerTicket(tx, id);
      if (!ticket) throw notFound("Open ticket", "TICKET_NOT_FOUND");
      if (ticket.userId === null)
        throw unprocessable(
          "NO_RECIPIENT",
          "This person never identified themselves in the chat: answer them in the conversation's channel.",
        );
      await enqueueNotification(tx, {
        userId: ticket.userId,
        template: "support.ticket_answered",
        data: { ticket_id: ticket.id, answer: text },
        idempotencyKey: `ticket:${ticket.id}:answer`,
      });
      await this.ctx.audit.record(
        actor,
        {
          patientId: ticket.patientId,
          action: "answer",
          resourceType: "support_ticket",
          resourceId: ticket.id,
          outcome: "allowed",
        },
        tx,
      );
    });
  }

  async setFlag(actor: Actor, id: number, flagged: boolean, reason?: string): Promise<void> {
    assertAdmin(actor);
    const conversation = await this.repo.summary(id);
    const ok =
      conversation !== undefined &&
      (await this.repo.setFlag(
        id,
        flagged,
        reason?.trim() || null,
        actor.userId || null,
        this.ctx.clock.now(),
      ));
    await this.ctx.audit.record(actor, {
      patientId: conversation?.patientId ?? null,
      action: flagged ? "flag" : "unflag",
      resourceType: "conversation",
      resourceId: id,
      outcome: ok ? "allowed" : "not_found",
    });
    if (!ok) throw notFound("Conversation", "CONVERSATION_NOT_FOUND");
  }

  async annotate(
    actor: Actor,
    id: number,
    input: { text: string; messageId?: number | undefined },
  ): Promise<AnnotationRow> {
    assertAdmin(actor);
    const conversation = await this.repo.summary(id);
    if (!conversation) {
      await this.ctx.audit.record(actor, {
        action: "annotate",
        resourceType: "conversation",
        resourceId: id,
        outcome: "not_found",
      });
      throw notFound("Conversation", "CONVERSATION_NOT_FOUND");
    }
    if (input.messageId !== undefined && !(await this.repo.messageBelongs(id, input.messageId))) {
      throw notFound("Message", "MESSAGE_NOT_FOUND");
    }
    const row = await this.repo.addAnnotation({
      conversationId: id,
      messageId: input.messageId ?? null,
      authorUserId: actor.userId || null,
      text: input.text.trim(),
      createdAt: this.ctx.clock.now(),
    });
    await this.ctx.audit.record(actor, {
      patientId: conversation.patientId,
      action: "annotate",
      resourceType: "conversation",
      resourceId: id,
      outcome: "allowed",
    });
    return row;
  }

  /** For prompt replay: the user messages of a conversation, each with the replies it got. Audited as a read. */
  async exchanges(actor: Actor, id: number): Promise<{ user: string; replies: string[] }[]> {
    assertAdmin(actor);
    const conversation = await this.repo.summary(id);
    if (!conversation) throw notFound("Conversation", "CONVERSATION_NOT_FOUND");
    await this.ctx.audit.record(actor, {
      patientId: conversation.patientId,
      action: "replay",
      resourceType: "conversation",
      resourceId: id,
      outcome: "allowed",
    });
    return this.repo.exchanges(id);
  }
}

function parseDay(day: string, field: string): Date {
  const d = new Date(`${day}T00:00:00.000Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== day) {
    throw invalid("INVALID_DATE", `${field} is not a valid date (YYYY-MM-DD).`);
  }
  return d;
}
