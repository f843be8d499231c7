import { and, asc, desc, eq, exists, gte, ilike, isNotNull, isNull, lt, sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.js";
import {
  conversationAnnotations,
  conversationFlags,
  conversationMessages,
  conversations,
  patients,
  supportTickets,
  toolCalls,
} from "../../db/schema/index.js";

export interface ConversationFilter {
  channel?: string | undefined;
  q?: string | undefined;
  from?: Date | undefined;
  /** Exclusive. */
  to?: Date | undefined;
  flagged?: boolean | undefined;
  /** Only conversations where the person asked for a human (a hand-off ticket), or none. */
  humanRequested?: boolean | undefined;
  /** Only conversations with a failed tool call, or none. */
  toolFailed?: boolean | undefined;
  /** Only conversations where the model failed a turn (the guided menu answered), or none. */
  modelFailed?: boolean | undefined;
  /** Only conversations an admin has taken over, or none. */
  takenOver?: boolean | undefined;
  limit: number;
  offset: number;
}

export interface ConversationSummaryRow {
  id: number;
  userId: number | null;
  patientId: number | null;
  channel: string;
  flagged: boolean;
  closedAt: Date | null;
  createdAt: Date;
  lastActivityAt: Date;
  messageCount: number;
  humanRequested: boolean;
  toolFailed: boolean;
  modelFailed: boolean;
  takenOverBy: number | null;
  takenOverAt: Date | null;
}

export type MessageRow = typeof conversationMessages.$inferSelect;
export type ToolCallRow = typeof toolCalls.$inferSelect;
export type AnnotationRow = typeof conversationAnnotations.$inferSelect;
export type FlagRow = typeof conversationFlags.$inferSelect;
export type TicketRow = typeof supportTickets.$inferSelect;

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

// Qualified by hand: inside a subquery drizzle renders a column unqualified, which would bind to the subquery's table.
const CID = sql.raw(`"conversations"."id"`);
const HUMAN_REQUESTED = sql<boolean>`exists (select 1 from ${supportTickets} s where s.conversation_id = ${CID})`;
const TOOL_FAILED = sql<boolean>`exists (select 1 from ${toolCalls} c where c.conversation_id = ${CID} and c.error is not null)`;
/** The engine notes a failed agent turn as an annotation by nobody, "llm_error: …" (bot/middleware/persist.ts). */
const MODEL_FAILED = sql<boolean>`exists (select 1 from ${conversationAnnotations} a where a.conversation_id = ${CID} and a.author_user_id is null and starts_with(a.text, 'llm_error:'))`;

/** The only place the review module touches the database. */
export class ReviewRepository {
  constructor(private readonly db: DbOrTx) {}

  private summaryColumns() {
    // Qualified by hand: inside a subquery drizzle renders a column unqualified, which would bind to the subquery's table.
    const cid = sql.raw(`"conversations"."id"`);
    const cuser = sql.raw(`"conversations"."user_id"`);
    const cupdated = sql.raw(`"conversations"."updated_at"`);
    const lastMessageAt = sql<Date | null>`(select max(m.created_at) from ${conversationMessages} m where m.conversation_id = ${cid})`;
    return {
      id: conversations.id,
      userId: conversations.userId,
      patientId: sql<number | null>`(select p.id from ${patients} p where p.user_id = ${cuser} limit 1)`,
      channel: conversations.channel,
      flagged: conversations.flagged,
      closedAt: conversations.closedAt,
      createdAt: conversations.createdAt,
      lastActivityAt: sql<Date>`greatest(${cupdated}, coalesce(${lastMessageAt}, ${cupdated}))`.mapWith(
        (v: string | Date) => new Date(v),
      ),
      messageCount: sql<number>`(select count(*)::int from ${conversationMessages} m where m.conversation_id = ${cid})`,
      humanRequested: HUMAN_REQUESTED,
      toolFailed: TOOL_FAILED,
      modelFailed: MODEL_FAILED,
      takenOverBy: conversations.takenOverBy,
      takenOverAt: conversations.takenOverAt,
    };
  }

  async list(f: ConversationFilter): Promise<{ rows: ConversationSummaryRow[]; total: number }> {
    const where: SQL[] = [];
    if (f.channel !== undefined) where.push(eq(conversations.channel, f.channel));
    if (f.flagged !== undefined) where.push(eq(conversations.flagged, f.flagged));
    if (f.from !== undefined) where.push(gte(conversations.updatedAt, f.from));
    if (f.to !== undefined) where.push(lt(conversations.createdAt, f.to));
    const has = (on: boolean | undefined, condition: SQL) => {
      if (on !== undefined) where.push(on ? condition : sql`not ${condition}`);
    };
    has(f.humanRequested, HUMAN_REQUESTED);
    has(f.toolFailed, TOOL_FAILED);
    has(f.modelFailed, MODEL_FAILED);
    if (f.takenOver !== undefined)
      where.push(f.takenOver ? isNotNull(conversations.takenOverBy) : isNull(conversations.takenOverBy));
    if (f.q !== undefined && f.q.trim() !== "") {
      where.push(
        exists(
          this.db
            .select({ one: sql`1` })
            .from(conversationMessages)
            .where(
              and(
                sql`${conversationMessages.conversationId} = "conversations"."id"`,
                ilike(conversationMessages.text, `%${escapeLike(f.q.trim())}%`),
              ),
            ),
        ),
      );
    }
    const cond = where.length > 0 ? and(...where) : undefined;
    const rows = await this.db
      .select(this.summaryColumns())
      .from(conversations)
      .where(cond)
      .orderBy(desc(conversations.updatedAt), desc(conversations.id))
      .limit(f.limit)
      .offset(f.offset);
    const [count] = await this.db
      .select({ n: sql<number>`count(*)::int` })
      .from(conversations)
      .where(cond);
    return { rows, total: count?.n ?? 0 };
  }

  async summary(id: number): Promise<ConversationSummaryRow | undefined> {
    const [row] = await this.db
      .select(this.summaryColumns())
      .from(conversations)
      .where(eq(conversations.id, id))
      .limit(1);
    return row;
  }

  async messages(conversationId: number): Promise<MessageRow[]> {
    return this.db
      .select()
      .from(conversationMessages)
      .where(eq(conversationMessages.conversationId, conversationId))
      .orderBy(asc(conversationMessages.id));
  }

  async toolCalls(conversationId: number): Promise<ToolCallRow[]> {
    return this.db
      .select()
      .from(toolCalls)
      .where(eq(toolCalls.conversationId, conversationId))
      .orderBy(asc(toolCalls.id));
  }

  async tickets(conversationId: number): Promise<TicketRow[]> {
    return this.db
      .select()
      .from(supportTickets)
      .where(eq(supportTickets.conversationId, conversationId))
      .orderBy(asc(supportTickets.id));
  }

  /** Tickets by status, oldest first (urgent first): the staff's queue. */
  async ticketQueue(status: string, limit: number, offset: number): Promise<TicketRow[]> {
    return this.db
      .select()
      .from(supportTickets)
      .where(eq(supportTickets.status, status))
      .orderBy(desc(supportTickets.urgent), asc(supportTickets.createdAt), asc(supportTickets.id))
      .limit(limit)
      .offset(offset);
  }

  /** Locks an open ticket and marks it answered; undefined when there is no such open ticket. */
  async answerTicket(
    tx: DbOrTx,
    id: number,
  ): Promise<(TicketRow & { patientId: number | null }) | undefined> {
    const [row] = await tx
      .update(supportTickets)
      .set({ status: "answered" })
      .where(and(eq(supportTickets.id, id), eq(supportTickets.status, "open")))
      .returning();
    if (!row) return undefined;
    const [p] =
      row.userId === null
        ? []
        : await tx.select({ id: patients.id }).from(patients).where(eq(patients.userId, row.userId));
    return { ...row, patientId: p?.id ?? null };
  }

  async annotations(conversationId: number): Promise<AnnotationRow[]> {
    return this.db
      .select()
      .from(conversationAnnotations)
      .where(eq(conversationAnnotations.conversationId, conversationId))
      .orderBy(asc(conversationAnnotations.id));
  }

  async flag(conversationId: number): Promise<FlagRow | undefined> {
    const [row] = await this.db
      .select()
      .from(conversationFlags)
      .where(eq(conversationFlags.conversationId, conversationId))
      .limit(1);
    return row;
  }

  async setFlag(
    conversationId: number,
    flagged: boolean,
    reason: string | null,
    byUserId: number | null,
    now: Date,
  ): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const updated = await tx
        .update(conversations)
        .set({ flagged })
        .where(eq(conversations.id, conversationId))
        .returning({ id: conversations.id });
      if (updated.length === 0) return false;
      if (flagged) {
        await tx
          .insert(conversationFlags)
          .values({ conversationId, reason, flaggedByUserId: byUserId, flaggedAt: now })
          .onConflictDoUpdate({
            target: conversationFlags.conversationId,
            set: { reason, flaggedByUserId: byUserId, flaggedAt: now },
          });
      } else {
        await tx.delete(conversationFlags).where(eq(conversationFlags.conversationId, conversationId));
      }
      return true;
    });
  }

  async messageBelongs(conversationId: number, messageId: number): Promise<boolean> {
    const [row] = await this.db
      .select({ id: conversationMessages.id })
      .from(conversationMessages)
      .where(
        and(eq(conversationMessages.id, messageId), eq(conversationMessages.conversationId, conversationId)),
      )
      .limit(1);
    return row !== undefined;
  }

  async addAnnotation(values: typeof conversationAnnotations.$inferInsert): Promise<AnnotationRow> {
    const [row] = await this.db.insert(conversationAnnotations).values(values).returning();
    if (!row) throw new Error("insert returned no row");
    return row;
  }

  /** The inbound texts of a conversation, each with the outbound texts that answered it (for prompt replay). */
  async exchanges(conversationId: number): Promise<{ user: string; replies: string[] }[]> {
    const rows = await this.db
      .select({ direction: conversationMessages.direction, text: conversationMessages.text })
      .from(conversationMessages)
      .where(
        and(eq(conversationMessages.conversationId, conversationId), isNotNull(conversationMessages.text)),
      )
      .orderBy(asc(conversationMessages.id));
    const out: { user: string; replies: string[] }[] = [];
    for (const r of rows) {
      if (r.direction === "in") out.push({ user: r.text ?? "", replies: [] });
      else out.at(-1)?.replies.push(r.text ?? "");
    }
    return out;
  }
}
