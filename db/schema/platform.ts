import { sql } from "drizzle-orm";
import {
  bigint,
  check,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { users } from "./accounts.js";

export const auditOutcomeEnum = pgEnum("audit_outcome", ["allowed", "denied", "not_found", "error"]);

/** Append-only: a trigger in the migrations refuses UPDATE and DELETE. Holds ids, never patient data. */
export const auditLog = pgTable(
  "audit_log",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    at: timestamp({ withTimezone: true }).notNull().defaultNow(),
    actorUserId: integer(),
    actorRole: text(),
    channel: text().notNull().default("api"),
    patientId: integer(),
    action: text().notNull(),
    resourceType: text().notNull(),
    resourceId: text(),
    outcome: auditOutcomeEnum().notNull(),
    requestId: text(),
  },
  (t) => [
    index("audit_log_patient_idx").on(t.patientId, t.at),
    index("audit_log_actor_idx").on(t.actorUserId, t.at),
    // Analytics (domain/analytics): the channel an appointment was booked on (its creation's audit row).
    index("audit_log_appointment_created_idx")
      .on(t.resourceId)
      .where(sql`${t.resourceType} = 'appointment' and ${t.action} = 'create'`),
  ],
);

export const outboxStatusEnum = pgEnum("outbox_status", [
  "pending",
  "sending",
  "sent",
  "failed",
  "cancelled",
]);

/**
 * Notifications to deliver to a person. Channels (a later issue) deliver them; until then they wait here.
 * `template` names the event; `data` holds what the template needs.
 */
export const notificationsOutbox = pgTable(
  "notifications_outbox",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    /** The person; null only for a message to an address with no account yet (a one-time code). */
    userId: integer().references(() => users.id, { onDelete: "cascade" }),
    /** A phone number or email to send to directly, when there is no account to look it up from. */
    toAddress: text(),
    /** Null: the person's preferred channel. */
    channel: text(),
    template: text().notNull(),
    data: jsonb().$type<Record<string, unknown>>().notNull(),
    idempotencyKey: text().notNull(),
    status: outboxStatusEnum().notNull().default("pending"),
    attempts: integer().notNull().default(0),
    lastError: text(),
    notBefore: timestamp({ withTimezone: true }).notNull().defaultNow(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp({ withTimezone: true }),
    /** Where it went: the channel used and the provider's message id (status callbacks find it by this). */
    deliveredChannel: text(),
    providerMessageId: text(),
    /** The provider's latest delivery status (queued, sent, delivered, read, failed, undelivered). */
    deliveryStatus: text(),
  },
  (t) => [
    index("notifications_outbox_provider_idx").on(t.deliveredChannel, t.providerMessageId),
    uniqueIndex("notifications_outbox_key").on(t.idempotencyKey),
    index("notifications_outbox_pending_idx").on(t.status, t.notBefore),
    index("notifications_outbox_user_idx").on(t.userId),
    check("notifications_outbox_recipient", sql`${t.userId} IS NOT NULL OR ${t.toAddress} IS NOT NULL`),
  ],
);
