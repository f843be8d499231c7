import { randomUUID } from "node:crypto";
import { and, desc, eq, gt, inArray, isNotNull, isNull, lt, or, sql } from "drizzle-orm";
import { statusNotBehind } from "../notifications/delivery-status.js";
import { queryRows, type DbOrTx } from "../../db/client.js";
import {
  channelIdentities,
  consents,
  conversationAnnotations,
  conversationFlags,
  conversationMessages,
  conversations,
  inboundMessages,
  patients,
  supportTickets,
  toolCalls,
  users,
} from "../../db/schema/index.js";

export type ConversationRow = typeof conversations.$inferSelect;
export type IdentityRow = typeof channelIdentities.$inferSelect;
export type MessageRow = typeof conversationMessages.$inferSelect;

export interface ToolCallValues {
  conversationId: number;
  messageId: number | null;
  name: string;
  args: Record<string, unknown>;
  result: unknown;
  error: string | null;
  idempotencyKey: string | null;
  durationMs: number;
  createdAt: Date;
}

const LEASE_MS = 30_000;

/** An outbound message as stored: to a conversation, through one identity (channel + address). */
export interface OutboundValues {
  conversationId: number;
  channel: string;
  identityId: number | null;
  /** A message posted outside a turn: its key (a second post with the same key stores nothing). */
  postKey?: string | undefined;
  text: string;
  payload: Record<string, unknown>;
  createdAt: Date;
}

export type InboundRow = typeof inboundMessages.$inferSelect;
export type LeaseKind = "inbox" | "outbox";

/**
 * The conversations module's repository (the only writer of its tables): conversations, identities, messages,
 * the inbox, tool calls, consents, tickets, flags and the leases. Statements only; ConversationService decides.
 */
export class ConversationRepository {
  constructor(private readonly db: DbOrTx) {}

  /** Runs `fn` in one transaction, with a repository bound to it. */
  async inTransaction<T>(fn: (repo: ConversationRepository) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => fn(new ConversationRepository(tx)));
  }

  /** The last `limit` messages of a conversation before message `beforeId` (all, if unset), oldest first. */
  async recentMessages(
    conversationId: number,
    beforeId: number | undefined,
    limit: number,
  ): Promise<{ direction: "in" | "out"; text: string | null }[]> {
    const rows = await this.db
      .select({ direction: conversationMessages.direction, text: conversationMessages.text })
      .from(conversationMessages)
      .where(
        and(
          eq(conversationMessages.conversationId, conversationId),
          ...(beforeId !== undefined ? [lt(conversationMessages.id, beforeId)] : []),
        ),
      )
      .orderBy(desc(conversationMessages.id))
      .limit(limit);
    return rows.reverse();
  }

  /** The identity, created on first sight. One round trip when it exists (every turn but the first). */
  async identity(channel: string, externalId: string): Promise<IdentityRow> {
    const found = await this.findIdentity(channel, externalId);
    if (found) return found;
    const [created] = await this.db
      .insert(channelIdentities)
      .values({ channel, externalId })
      .onConflictDoNothing()
      .returning();
    return created ?? (await this.findIdentity(channel, externalId))!;
  }

  /** The person's verified identities, most recently active first. */
  async verifiedIdentities(userId: number): Promise<IdentityRow[]> {
    return this.db
      .select()
      .from(channelIdentities)
      .where(and(eq(channelIdentities.userId, userId), isNotNull(channelIdentities.verifiedAt)))
      .orderBy(
        sql`${channelIdentities.lastInboundAt} DESC NULLS LAST`,
        desc(channelIdentities.verifiedAt),
        desc(channelIdentities.id),
      );
  }

  /** The identities of a person not yet identified: those whose conversation this is. */
  async identitiesOfConversation(conversationId: number): Promise<IdentityRow[]> {
    return this.db
      .select()
      .from(channelIdentities)
      .where(eq(channelIdentities.conversationId, conversationId))
      .orderBy(sql`${channelIdentities.lastInboundAt} DESC NULLS LAST`, desc(channelIdentities.id));
  }

  /**
   * Sets (an admin's user id) or clears (null) the take-over of a conversation. `onlyIfFree`: only when no
   * other admin holds it. The row after the change, or undefined when there is no such conversation (or, with
   * `onlyIfFree`, another admin holds it).
   */
  async setTakeover(
    id: number,
    by: number | null,
    at: Date,
    onlyIfFree = false,
  ): Promise<ConversationRow | undefined> {
    const [row] = await this.db
      .update(conversations)
      .set({ takenOverBy: by, takenOverAt: by === null ? null : at })
      .where(
        and(
          eq(conversations.id, id),
          onlyIfFree && by !== null
            ? or(isNull(conversations.takenOverBy), eq(conversations.takenOverBy, by))
            : undefined,
        ),
      )
      .returning();
    return row;
  }

  /** The patient id of a user, if they are a patient (for audit rows). */
  async patientIdOf(userId: number | null): Promise<number | null> {
    if (userId === null) return null;
    const [row] = await this.db.select({ id: patients.id }).from(patients).where(eq(patients.userId, userId));
    return row?.id ?? null;
  }

  async findIdentity(channel: string, externalId: string): Promise<IdentityRow | undefined> {
    const [row] = await this.db
      .select()
      .from(channelIdentities)
      .where(and(eq(channelIdentities.channel, channel), eq(channelIdentities.externalId, externalId)));
    return row;
  }

  async linkIdentity(identityId: number, userId: number, verifiedAt: Date): Promise<void> {
    await this.db
      .update(channelIdentities)
      .set({ userId, verifiedAt })
      .where(eq(channelIdentities.id, identityId));
    await this.db
      .update(consents)
      .set({ userId })
      .where(and(eq(consents.identityId, identityId), isNull(consents.userId)));
  }

  /** The person's conversation: their latest open one, else this identity's, else a new one. */
  async conversationFor(identity: IdentityRow, channel: string): Promise<ConversationRow> {
    if (identity.userId !== null && identity.verifiedAt !== null) {
      const [latest] = await this.db
        .select()
        .from(conversations)
        .where(and(eq(conversations.userId, identity.userId), isNull(conversations.closedAt)))
        .orderBy(desc(conversations.updatedAt), desc(conversations.id))
        .limit(1);
      if (latest) return latest;
    }
    if (identity.conversationId !== null) {
      const [own] = await this.db
        .select()
        .from(conversations)
        .where(eq(conversations.id, identity.conversationId));
      if (own) return own;
    }
    const [created] = await this.db
      .insert(conversations)
      .values({ channel, userId: identity.verifiedAt !== null ? identity.userId : null, state: {} })
      .returning();
    // Two first messages at once: one conversation wins, the other is left unused.
    await this.db
      .update(channelIdentities)
      .set({ conversationId: created!.id })
      .where(and(eq(channelIdentities.id, identity.id), isNull(channelIdentities.conversationId)));
    const [again] = await this.db
      .select()
      .from(channelIdentities)
      .where(eq(channelIdentities.id, identity.id));
    if (again?.conversationId && again.conversationId !== created!.id && identity.verifiedAt === null) {
      const [own] = await this.db
        .select()
        .from(conversations)
        .where(eq(conversations.id, again.conversationId));
      if (own) return own;
    }
    return created!;
  }

  /**
   * The fast path of conversationFor + lock in one statement: takes the lease of the conversation
   * conversationFor would pick (the person's latest open one, else this identity's own) and returns it as
   * it is under the lease. Undefined when there is none yet or it is busy: then take the slow path.
   */
  async lockCurrent(
    identity: IdentityRow,
  ): Promise<{ token: string; conversation: ConversationRow } | undefined> {
    const token = randomUUID();
    const now = new Date();
    const free = or(isNull(conversations.lockedUntil), lt(conversations.lockedUntil, now));
    const take = { lockToken: token, lockedUntil: new Date(now.getTime() + LEASE_MS) };
    if (identity.userId !== null && identity.verifiedAt !== null) {
      const latest = this.db
        .select({ id: conversations.id })
        .from(conversations)
        .where(and(eq(conversations.userId, identity.userId), isNull(conversations.closedAt)))
        .orderBy(desc(conversations.updatedAt), desc(conversations.id))
        .limit(1);
      const [row] = await this.db
        .update(conversations)
        .set(take)
        .where(and(eq(conversations.id, sql`(${latest})`), free))
        .returning();
      return row && { token, conversation: row };
    }
    if (identity.conversationId === null) return undefined;
    const [row] = await this.db
      .update(conversations)
      .set(take)
      .where(and(eq(conversations.id, identity.conversationId), free))
      .returning();
    return row && { token, conversation: row };
  }

  /** lock() that also returns the conversation as it is under the lease (no separate load). */
  async lockAndLoad(id: number, waitMs = 20_000): Promise<{ token: string; conversation: ConversationRow }> {
    const token = randomUUID();
    const deadline = Date.now() + waitMs;
    let delay = 5;
    for (;;) {
      const now = new Date();
      const [row] = await this.db
        .update(conversations)
        .set({ lockToken: token, lockedUntil: new Date(now.getTime() + LEASE_MS) })
        .where(
          and(
            eq(conversations.id, id),
            or(isNull(conversations.lockedUntil), lt(conversations.lockedUntil, now)),
          ),
        )
        .returning();
      if (row) return { token, conversation: row };
      if (Date.now() > deadline) throw new Error("conversation is busy");
      await new Promise((r) => setTimeout(r, delay + Math.random() * delay));
      delay = Math.min(delay * 2, 200);
    }
  }

  async load(id: number): Promise<ConversationRow | undefined> {
    const [row] = await this.db.select().from(conversations).where(eq(conversations.id, id));
    return row;
  }

  /** Saves the turn's outcome; with `releaseToken`, also releases the lease if it is still that one (unlock). */
  async save(
    id: number,
    values: { state: Record<string, unknown>; channel: string; userId?: number | null; flagged?: boolean },
    now: Date,
    releaseToken?: string,
  ): Promise<void> {
    const mine = sql`${conversations.lockToken} = ${releaseToken ?? null}`;
    await this.db
      .update(conversations)
      .set({
        state: values.state,
        channel: values.channel,
        ...(values.userId !== undefined ? { userId: values.userId } : {}),
        ...(values.flagged ? { flagged: true } : {}),
        updatedAt: now,
        ...(releaseToken !== undefined
          ? {
              lockToken: sql`case when ${mine} then null else ${conversations.lockToken} end`,
              lockedUntil: sql`case when ${mine} then null else ${conversations.lockedUntil} end`,
            }
          : {}),
      })
      .where(eq(conversations.id, id));
  }

  /**
   * Takes the conversation's lease (compare-and-set on a token with an expiry, the semantics of Redis
   * SET NX PX, kept in Postgres so embedded mode has it too), retrying with backoff. Returns the token.
   */
  async lock(id: number, waitMs = 20_000): Promise<string> {
    return (await this.lockAndLoad(id, waitMs)).token;
  }

  /** Releases the lease only if it is still ours (compare-and-delete). */
  async unlock(id: number, token: string): Promise<void> {
    await this.db
      .update(conversations)
      .set({ lockToken: null, lockedUntil: null })
      .where(and(eq(conversations.id, id), eq(conversations.lockToken, token)));
  }

  /** Records an inbound message; undefined when this provider message id was already recorded (a duplicate). */
  async recordInbound(values: {
    conversationId: number;
    channel: string;
    text: string;
    payload: Record<string, unknown>;
    providerMessageId: string;
    createdAt: Date;
  }): Promise<number | undefined> {
    const [row] = await this.db
      .insert(conversationMessages)
      .values({ ...values, direction: "in" })
      .onConflictDoNothing()
      .returning({ id: conversationMessages.id });
    return row?.id;
  }

  /** The stored inbound message with this provider message id (an earlier attempt of the same turn). */
  async inboundMessageId(channel: string, providerMessageId: string): Promise<number | undefined> {
    const [row] = await this.db
      .select({ id: conversationMessages.id })
      .from(conversationMessages)
      .where(
        and(
          eq(conversationMessages.channel, channel),
          eq(conversationMessages.providerMessageId, providerMessageId),
        ),
      );
    return row?.id;
  }

  async recordOutbound(values: OutboundValues): Promise<number> {
    const [row] = await this.db
      .insert(conversationMessages)
      .values({ ...values, direction: "out" })
      .returning({ id: conversationMessages.id });
    return row!.id;
  }

  /** Records a turn's outbound messages in one statement; their ids, in the given order. */
  async recordOutboundMany(rows: OutboundValues[]): Promise<number[]> {
    if (rows.length === 0) return [];
    const inserted = await this.db
      .insert(conversationMessages)
      .values(rows.map((r) => ({ ...r, direction: "out" as const })))
      .onConflictDoNothing({ target: conversationMessages.postKey })
      .returning({ id: conversationMessages.id });
    // Identity values are drawn row by row in VALUES order: ascending ids are the rows in order.
    return inserted.map((r) => r.id).sort((a, b) => a - b);
  }

  /** The ids of the messages posted with these keys, in id order. */
  async outboundIdsByPostKeys(keys: string[]): Promise<number[]> {
    if (keys.length === 0) return [];
    const rows = await this.db
      .select({ id: conversationMessages.id })
      .from(conversationMessages)
      .where(inArray(conversationMessages.postKey, keys))
      .orderBy(conversationMessages.id);
    return rows.map((r) => r.id);
  }

  /** Records the outcome of handing outbound messages to a channel: delivered, or a failure code. */
  async recordDelivery(ids: number[], outcome: { deliveredAt: Date } | { error: string }): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .update(conversationMessages)
      .set(
        "deliveredAt" in outcome
          ? {
              deliveredAt: outcome.deliveredAt,
              sendError: null,
              sendAttempts: sql`${conversationMessages.sendAttempts} + 1`,
            }
          : { sendError: outcome.error, sendAttempts: sql`${conversationMessages.sendAttempts} + 1` },
      )
      .where(inArray(conversationMessages.id, ids));
  }

  /** Outbound messages by id, in id order (what a delivery job sends). */
  async outboundByIds(ids: number[]): Promise<MessageRow[]> {
    if (ids.length === 0) return [];
    return this.db
      .select()
      .from(conversationMessages)
      .where(and(inArray(conversationMessages.id, ids), eq(conversationMessages.direction, "out")))
      .orderBy(conversationMessages.id);
  }

  /** A delivered outbound message: when, and the provider's id (delivery status callbacks find it by it). */
  /** Replaces the text of a conversation's outbound messages (what a phone caller heard of them). */
  async setOutboundText(conversationId: number, texts: { id: number; text: string }[]): Promise<void> {
    for (const { id, text } of texts)
      await this.db
        .update(conversationMessages)
        .set({ text })
        .where(
          and(
            eq(conversationMessages.id, id),
            eq(conversationMessages.conversationId, conversationId),
            eq(conversationMessages.direction, "out"),
          ),
        );
  }

  async recordSent(id: number, at: Date, providerMessageId: string | undefined): Promise<void> {
    await this.db
      .update(conversationMessages)
      .set({
        deliveredAt: at,
        sendError: null,
        sendAttempts: sql`${conversationMessages.sendAttempts} + 1`,
        ...(providerMessageId !== undefined ? { providerMessageId } : {}),
      })
      .where(eq(conversationMessages.id, id));
  }

  /** The person wrote on this identity: opens WhatsApp's 24-hour window. */
  async touchInbound(channel: string, externalId: string, at: Date): Promise<void> {
    await this.db
      .update(channelIdentities)
      .set({ lastInboundAt: at })
      .where(and(eq(channelIdentities.channel, channel), eq(channelIdentities.externalId, externalId)));
  }

  /** STOP (at) / START (null) for an identity. */
  async setOptOut(channel: string, externalId: string, at: Date | null): Promise<void> {
    await this.db
      .update(channelIdentities)
      .set({ optedOutAt: at })
      .where(and(eq(channelIdentities.channel, channel), eq(channelIdentities.externalId, externalId)));
  }

  /**
   * A provider's delivery status callback for an outbound conversation message. Returns the message's post key
   * when the status moved it (null: a message with no post key), undefined when unknown or not moved.
   */
  async recordDeliveryStatus(
    channel: string,
    providerMessageId: string,
    status: string,
    at: Date,
  ): Promise<string | null | undefined> {
    const rows = await this.db
      .update(conversationMessages)
      .set({ deliveryStatus: status, deliveryStatusAt: at })
      .where(
        and(
          eq(conversationMessages.channel, channel),
          eq(conversationMessages.providerMessageId, providerMessageId),
          eq(conversationMessages.direction, "out"),
          // Callbacks arrive out of order: a status never goes back (read stays read after a late "sent").
          statusNotBehind(conversationMessages.deliveryStatus, status),
        ),
      )
      .returning({ postKey: conversationMessages.postKey });
    return rows[0]?.postKey;
  }

  /**
   * Both sides of a conversation after this id, oldest first: the newest `limit` of them (a web page that
   * reloads shows its recent history; one that reconnects catches up).
   */
  async historyAfter(conversationId: number, afterId: number, limit = 50): Promise<MessageRow[]> {
    const rows = await this.db
      .select()
      .from(conversationMessages)
      .where(
        and(eq(conversationMessages.conversationId, conversationId), gt(conversationMessages.id, afterId)),
      )
      .orderBy(desc(conversationMessages.id))
      .limit(limit);
    return rows.reverse();
  }

  /** Outbound messages after this id (a reconnecting client catching up). */
  async outboundAfter(conversationId: number, afterId: number, limit = 100): Promise<MessageRow[]> {
    return this.db
      .select()
      .from(conversationMessages)
      .where(
        and(
          eq(conversationMessages.conversationId, conversationId),
          eq(conversationMessages.direction, "out"),
          gt(conversationMessages.id, afterId),
        ),
      )
      .orderBy(conversationMessages.id)
      .limit(limit);
  }

  async recordToolCall(values: ToolCallValues): Promise<void> {
    await this.db.insert(toolCalls).values(values).onConflictDoNothing();
  }

  /** Several tool calls in one statement, in order. */
  async recordToolCalls(rows: ToolCallValues[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.insert(toolCalls).values(rows).onConflictDoNothing();
  }

  async completedAction(idempotencyKey: string): Promise<unknown> {
    const [row] = await this.db
      .select({ result: toolCalls.result })
      .from(toolCalls)
      .where(eq(toolCalls.idempotencyKey, idempotencyKey));
    return row?.result;
  }

  async recordConsent(identityId: number, userId: number | null, version: string, at: Date): Promise<void> {
    await this.db
      .insert(consents)
      .values({ identityId, userId, kind: "terms_privacy", version, acceptedAt: at });
  }

  /**
   * Opens the conversation's hand-off ticket, or returns the one already open (at most one, a partial
   * unique index): an urgent request makes it urgent. Atomic, so concurrent requests share one ticket.
   */
  async openTicket(values: {
    conversationId: number;
    userId: number | null;
    reason: string;
    urgent: boolean;
  }): Promise<number> {
    const [row] = await this.db
      .insert(supportTickets)
      .values(values)
      .onConflictDoUpdate({
        target: supportTickets.conversationId,
        targetWhere: sql`${supportTickets.status} = 'open'`,
        set: {
          urgent: sql`${supportTickets.urgent} or excluded.urgent`,
          reason: sql`case when excluded.urgent and not ${supportTickets.urgent} then excluded.reason else ${supportTickets.reason} end`,
        },
      })
      .returning({ id: supportTickets.id });
    return row!.id;
  }

  /**
   * Flags the conversation for the admin review (unless an admin flagged it: their reason stays) and notes
   * the reason on the message that caused it. The reason is a code, never message text.
   */
  async flagForReview(
    conversationId: number,
    messageId: number | null,
    reason: string,
    at: Date,
  ): Promise<void> {
    await Promise.all([
      this.db
        .insert(conversationFlags)
        .values({ conversationId, reason, flaggedByUserId: null, flaggedAt: at })
        .onConflictDoUpdate({
          target: conversationFlags.conversationId,
          set: { reason, flaggedAt: at },
          setWhere: isNull(conversationFlags.flaggedByUserId),
        }),
      this.db
        .insert(conversationAnnotations)
        .values({ conversationId, messageId, authorUserId: null, text: reason, createdAt: at }),
    ]);
  }

  /** The city and phone of a person's patient profile (for the emergency number). */
  async contactOf(userId: number): Promise<{ city: string | null; phone: string | null } | undefined> {
    const [row] = await this.db
      .select({ city: patients.city, phone: patients.phone, userPhone: users.phone })
      .from(users)
      .leftJoin(patients, eq(patients.userId, users.id))
      .where(eq(users.id, userId))
      .limit(1);
    return row && { city: row.city, phone: row.phone ?? row.userPhone };
  }

  /** The patient's date of birth on file (ISO), or null (compared by the caller check; never said). */
  async dateOfBirthOf(userId: number): Promise<string | null> {
    const [row] = await this.db
      .select({ dob: patients.dateOfBirth })
      .from(patients)
      .where(eq(patients.userId, userId))
      .limit(1);
    return row?.dob ?? null;
  }

  /** Counts rows for tests and the admin tool. */
  async count(table: "messages" | "tool_calls", conversationId: number): Promise<number> {
    const t = table === "messages" ? conversationMessages : toolCalls;
    const [row] = await this.db
      .select({ n: sql<number>`count(*)::int` })
      .from(t)
      .where(eq(t.conversationId, conversationId));
    return row?.n ?? 0;
  }

  // ---- the inbox -------------------------------------------------------------------------------------

  /** Stores an inbound message; undefined when this provider message id is already stored (a redelivery). */
  async insertInbound(values: {
    channel: string;
    providerMessageId: string;
    address: string;
    message: Record<string, unknown>;
    context: Record<string, unknown>;
    receivedAt: Date;
  }): Promise<number | undefined> {
    this.insertInboundQuery ??= this.prepareInsertInbound();
    const [row] = await this.insertInboundQuery.execute(values);
    return row?.id;
  }
  private insertInboundQuery: ReturnType<ConversationRepository["prepareInsertInbound"]> | undefined;

  /** The webhooks' one statement, prepared once: no query building per request, no planning per execution. */
  private prepareInsertInbound() {
    return this.db
      .insert(inboundMessages)
      .values({
        channel: sql.placeholder("channel"),
        providerMessageId: sql.placeholder("providerMessageId"),
        address: sql.placeholder("address"),
        message: sql.placeholder("message"),
        context: sql.placeholder("context"),
        receivedAt: sql.placeholder("receivedAt"),
      })
      .onConflictDoNothing()
      .returning({ id: inboundMessages.id })
      .prepare("inbound_messages_insert");
  }

  async inboundById(id: number): Promise<InboundRow | undefined> {
    const [row] = await this.db.select().from(inboundMessages).where(eq(inboundMessages.id, id));
    return row;
  }

  /** The sender's inbound messages not yet processed, in arrival order. */
  async pendingInbound(channel: string, address: string, limit: number): Promise<InboundRow[]> {
    return this.db
      .select()
      .from(inboundMessages)
      .where(
        and(
          eq(inboundMessages.channel, channel),
          eq(inboundMessages.address, address),
          isNull(inboundMessages.processedAt),
        ),
      )
      .orderBy(inboundMessages.id)
      .limit(limit);
  }

  /** Processed (or given up on, with a code): the text is cleared, the row stays as the dedupe record. */
  async finishInbound(id: number, at: Date, error: string | null = null): Promise<void> {
    await this.db
      .update(inboundMessages)
      .set({ processedAt: at, message: null, error })
      .where(eq(inboundMessages.id, id));
  }

  /** Counts a failed attempt at a row's turn; returns the attempts so far. */
  async countInboundAttempt(id: number): Promise<number> {
    const [row] = await this.db
      .update(inboundMessages)
      .set({ attempts: sql`${inboundMessages.attempts} + 1` })
      .where(eq(inboundMessages.id, id))
      .returning({ attempts: inboundMessages.attempts });
    return row?.attempts ?? 0;
  }

  /**
   * The oldest pending row of every sender whose rows wait since before `before` and whose inbox lease is
   * free: their drain job never ran (lost with Redis, or the process died).
   */
  async strandedInbound(before: Date, now: Date, limit: number): Promise<number[]> {
    const rows = await queryRows<{ id: number }>(
      this.db,
      sql`select min(m.id)::bigint as id
            from ${inboundMessages} m
            left join ${channelIdentities} i on i.channel = m.channel and i.external_id = m.address
           where m.processed_at is null and m.received_at < ${before}
             and (i.inbox_lease_until is null or i.inbox_lease_until < ${now})
           group by m.channel, m.address
           order by 1
           limit ${limit}`,
    );
    return rows.map((r) => Number(r.id));
  }

  /** Forgets processed rows received before `before` (providers redeliver within hours, not days). */
  async purgeInbound(before: Date): Promise<number> {
    const rows = await this.db
      .delete(inboundMessages)
      .where(and(lt(inboundMessages.receivedAt, before), sql`${inboundMessages.processedAt} is not null`))
      .returning({ id: inboundMessages.id });
    return rows.length;
  }

  // ---- leases on an identity --------------------------------------------------------------------------

  /** Takes the identity's inbox or outbox lease if it is free or expired (compare-and-set). */
  async takeLease(
    identityId: number,
    kind: LeaseKind,
    token: string,
    now: Date,
    ms: number,
  ): Promise<boolean> {
    const [, untilCol] = leaseColumns(kind);
    const until = new Date(now.getTime() + ms);
    const rows = await this.db
      .update(channelIdentities)
      .set(
        kind === "inbox"
          ? { inboxLeaseToken: token, inboxLeaseUntil: until }
          : { outboxLeaseToken: token, outboxLeaseUntil: until },
      )
      .where(and(eq(channelIdentities.id, identityId), or(isNull(untilCol), lt(untilCol, now))))
      .returning({ id: channelIdentities.id });
    return rows.length > 0;
  }

  /** Extends a lease still held with this token; false when it was lost. */
  async renewLease(identityId: number, kind: LeaseKind, token: string, until: Date): Promise<boolean> {
    const [tokenCol] = leaseColumns(kind);
    const rows = await this.db
      .update(channelIdentities)
      .set(kind === "inbox" ? { inboxLeaseUntil: until } : { outboxLeaseUntil: until })
      .where(and(eq(channelIdentities.id, identityId), eq(tokenCol, token)))
      .returning({ id: channelIdentities.id });
    return rows.length > 0;
  }

  async releaseLease(identityId: number, kind: LeaseKind, token: string): Promise<void> {
    const [tokenCol] = leaseColumns(kind);
    await this.db
      .update(channelIdentities)
      .set(
        kind === "inbox"
          ? { inboxLeaseToken: null, inboxLeaseUntil: null }
          : { outboxLeaseToken: null, outboxLeaseUntil: null },
      )
      .where(and(eq(channelIdentities.id, identityId), eq(tokenCol, token)));
  }

  // ---- the outbox -------------------------------------------------------------------------------------

  async identityById(id: number): Promise<IdentityRow | undefined> {
    const [row] = await this.db.select().from(channelIdentities).where(eq(channelIdentities.id, id));
    return row;
  }

  /** An identity's outbound messages not yet delivered nor given up on, in order. */
  async unsentFor(identityId: number, limit: number): Promise<MessageRow[]> {
    return this.db
      .select()
      .from(conversationMessages)
      .where(
        and(
          eq(conversationMessages.identityId, identityId),
          eq(conversationMessages.direction, "out"),
          isNull(conversationMessages.deliveredAt),
          isNull(conversationMessages.failedAt),
        ),
      )
      .orderBy(conversationMessages.id)
      .limit(limit);
  }

  /** A failed send: its code and one more attempt; `failed` gives up on the messages (a permanent failure). */
  async recordSendFailure(ids: number[], code: string, failedAt: Date | null): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .update(conversationMessages)
      .set({
        sendError: code,
        sendAttempts: sql`${conversationMessages.sendAttempts} + 1`,
        ...(failedAt ? { failedAt } : {}),
      })
      .where(inArray(conversationMessages.id, ids));
  }

  /** Identities with outbound messages unsent since before `before` and a free outbox lease. */
  async strandedOutbox(before: Date, now: Date, limit: number): Promise<number[]> {
    const rows = await queryRows<{ id: number }>(
      this.db,
      sql`select distinct m.identity_id as id
            from ${conversationMessages} m
            join ${channelIdentities} i on i.id = m.identity_id
           where m.direction = 'out' and m.delivered_at is null and m.failed_at is null
             and m.identity_id is not null and m.created_at < ${before}
             and (i.outbox_lease_until is null or i.outbox_lease_until < ${now})
           limit ${limit}`,
    );
    return rows.map((r) => Number(r.id));
  }
}

function leaseColumns(kind: LeaseKind) {
  return kind === "inbox"
    ? ([channelIdentities.inboxLeaseToken, channelIdentities.inboxLeaseUntil] as const)
    : ([channelIdentities.outboxLeaseToken, channelIdentities.outboxLeaseUntil] as const);
}
