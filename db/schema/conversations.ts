import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { users } from "./accounts.js";

/**
 * The conversation engine's tables. A conversation belongs to a person (user_id, null until identified),
 * not to a channel; channel identities (a web session, a Telegram user id, a phone number) link to the person.
 */
export const conversations = pgTable(
  "conversations",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    userId: integer().references(() => users.id, { onDelete: "set null" }),
    /** The channel of the last activity. */
    channel: text().notNull(),
    /** The guided mode's state, the onboarding step and the pending action (bot/state.ts). */
    state: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    flagged: boolean().notNull().default(false),
    closedAt: timestamp({ withTimezone: true }),
    /**
     * An admin took the conversation over: the agent is paused (the person's messages are stored, not
     * answered) and the admin answers on the person's channel until they hand it back.
     */
    takenOverBy: integer().references(() => users.id, { onDelete: "set null" }),
    takenOverAt: timestamp({ withTimezone: true }),
    /** A lease serialising the turns of this conversation: token + expiry (compare-and-set, like SET NX PX). */
    lockToken: text(),
    lockedUntil: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("conversations_user_idx").on(t.userId, t.updatedAt),
    // Analytics (domain/analytics): conversations per day.
    index("conversations_created_idx").on(t.createdAt),
  ],
);

export const channelIdentities = pgTable(
  "channel_identities",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    channel: text().notNull(),
    /** The channel's id of the person: a hashed web session token, a Telegram user id, a phone number. */
    externalId: text().notNull(),
    userId: integer().references(() => users.id, { onDelete: "cascade" }),
    /** Set once the identity is proven to belong to the user (signed in, or a one-time code). */
    verifiedAt: timestamp({ withTimezone: true }),
    /** The conversation of a not yet identified person. */
    conversationId: bigint({ mode: "number" }).references(() => conversations.id, { onDelete: "set null" }),
    /** STOP: nothing but the confirmation is sent to this identity until START. */
    optedOutAt: timestamp({ withTimezone: true }),
    /** The person's last message on this identity: opens WhatsApp's 24-hour customer-service window. */
    lastInboundAt: timestamp({ withTimezone: true }),
    /**
     * Leases (token + expiry, compare-and-set) serialising the work of this identity: taking its inbound
     * messages in arrival order (inbox) and sending its outbound messages in order (outbox).
     */
    inboxLeaseToken: text(),
    inboxLeaseUntil: timestamp({ withTimezone: true }),
    outboxLeaseToken: text(),
    outboxLeaseUntil: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("channel_identities_key").on(t.channel, t.externalId),
    index("channel_identities_user_idx").on(t.userId),
  ],
);

/** Consent to the terms and privacy notice, with the time and the version consented to. */
export const consents = pgTable(
  "consents",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    identityId: integer()
      .notNull()
      .references(() => channelIdentities.id, { onDelete: "cascade" }),
    userId: integer().references(() => users.id, { onDelete: "cascade" }),
    kind: text().notNull(),
    version: text().notNull(),
    acceptedAt: timestamp({ withTimezone: true }).notNull(),
  },
  (t) => [index("consents_identity_idx").on(t.identityId), index("consents_user_idx").on(t.userId)],
);

export const conversationMessages = pgTable(
  "conversation_messages",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    conversationId: bigint({ mode: "number" })
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    direction: text().$type<"in" | "out">().notNull(),
    channel: text().notNull(),
    text: text(),
    payload: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    providerMessageId: text(),
    /** Outbound: the identity (channel + address) it goes to; the outbox drain sends by it. */
    identityId: integer().references(() => channelIdentities.id, { onDelete: "set null" }),
    /** Outbound: when a channel client handed it over; null while undelivered (sent again on reconnect). */
    deliveredAt: timestamp({ withTimezone: true }),
    /** Outbound posted outside a turn (a notification): its key, so posting it again stores nothing. */
    postKey: text(),
    /** Outbound: given up on (a permanent failure, or too many attempts); sendError says why. */
    failedAt: timestamp({ withTimezone: true }),
    sendAttempts: integer().notNull().default(0),
    /** Outbound: the last send failure (a code, never the text). */
    sendError: text(),
    /** The provider's latest delivery status (queued, sent, delivered, read, failed, undelivered). */
    deliveryStatus: text(),
    deliveryStatusAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("conversation_messages_provider_key").on(t.channel, t.providerMessageId),
    index("conversation_messages_conversation_idx").on(t.conversationId, t.id),
    uniqueIndex("conversation_messages_post_key").on(t.postKey),
    // The outbox: outbound messages not yet delivered nor given up on, per identity, in order.
    index("conversation_messages_unsent_idx")
      .on(t.identityId, t.id)
      .where(sql`${t.direction} = 'out' and ${t.deliveredAt} is null and ${t.failedAt} is null`),
  ],
);

/**
 * The inbox: every inbound message, stored before the webhook answers 2xx (the unique key on channel +
 * provider message id is the dedupe and the durability in one statement). A drain per identity takes the
 * pending rows in arrival order (id) and runs their turns; once done, the text is cleared (the conversation
 * keeps it) and the row stays a while as the dedupe record.
 */
export const inboundMessages = pgTable(
  "inbound_messages",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    channel: text().notNull(),
    providerMessageId: text().notNull(),
    /** The channel's id of the sender (identity external id). */
    address: text().notNull(),
    /** The InboundMessage's content (text, choice, contact, attachments); null once processed. */
    message: jsonb().$type<Record<string, unknown>>(),
    /** What the transport proved about the sender (TurnContext: verified user, request id). */
    context: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    receivedAt: timestamp({ withTimezone: true }).notNull(),
    attempts: integer().notNull().default(0),
    /** Set when the turn ran (or the row was given up on after too many attempts: see error). */
    processedAt: timestamp({ withTimezone: true }),
    /** A code, never text: why the row was given up on. */
    error: text(),
  },
  (t) => [
    uniqueIndex("inbound_messages_provider_key").on(t.channel, t.providerMessageId),
    index("inbound_messages_pending_idx")
      .on(t.channel, t.address, t.id)
      .where(sql`${t.processedAt} is null`),
    index("inbound_messages_received_idx").on(t.receivedAt),
  ],
);

export const toolCalls = pgTable(
  "tool_calls",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    conversationId: bigint({ mode: "number" })
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    messageId: bigint({ mode: "number" }).references(() => conversationMessages.id, { onDelete: "set null" }),
    name: text().notNull(),
    args: jsonb().$type<Record<string, unknown>>().notNull(),
    result: jsonb().$type<unknown>(),
    error: text(),
    /** Set on a successful consequential action: a repeat with the same key returns this result. */
    idempotencyKey: text(),
    durationMs: integer().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("tool_calls_conversation_idx").on(t.conversationId),
    uniqueIndex("tool_calls_idempotency_key").on(t.idempotencyKey),
  ],
);

export const supportTickets = pgTable(
  "support_tickets",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    conversationId: bigint({ mode: "number" })
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    userId: integer().references(() => users.id, { onDelete: "set null" }),
    reason: text().notNull(),
    urgent: boolean().notNull().default(false),
    status: text().notNull().default("open"),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("support_tickets_status_idx").on(t.status, t.createdAt),
    // At most one open hand-off per conversation: a second request while one is open is that ticket.
    uniqueIndex("support_tickets_one_open_idx")
      .on(t.conversationId)
      .where(sql`${t.status} = 'open'`),
  ],
);
