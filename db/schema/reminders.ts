import { sql } from "drizzle-orm";
import {
  bigint,
  index,
  integer,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";

export const reminderStatusEnum = pgEnum("reminder_status", ["pending", "fired", "cancelled", "skipped"]);

/**
 * Reminders waiting for their time (appointment, dose, refill, lab preparation). One row per reminder, keyed
 * by the reminder key; a BullMQ delayed job per due second (`reminder.due`) dispatches that second's rows in
 * batches. A change to the appointment or prescription cancels the pending rows it no longer wants.
 */
export const scheduledReminders = pgTable(
  "scheduled_reminders",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    /** `reminder:<kind>:<entity>:<slot>:<due epoch ms>`: also the outbox row's idempotency key. */
    key: text().notNull(),
    kind: text().notNull(),
    entityId: integer().notNull(),
    slot: text().notNull(),
    dueAt: timestamp({ withTimezone: true }).notNull(),
    /** What the reminder is valid for: the appointment's start, the dose's time. */
    eventAt: timestamp({ withTimezone: true }).notNull(),
    status: reminderStatusEnum().notNull().default("pending"),
    firedAt: timestamp({ withTimezone: true }),
    outboxId: bigint({ mode: "number" }),
  },
  (t) => [
    uniqueIndex("scheduled_reminders_key").on(t.key),
    index("scheduled_reminders_due_idx")
      .on(t.dueAt)
      .where(sql`${t.status} = 'pending'`),
    index("scheduled_reminders_entity_idx").on(t.kind, t.entityId),
    // Analytics (domain/analytics): reminders sent per day.
    index("scheduled_reminders_fired_idx")
      .on(t.firedAt)
      .where(sql`${t.firedAt} is not null`),
  ],
);

/**
 * Reminders to bring in line with a change (the transactional outbox of reminder scheduling): written in the
 * transaction of the appointment, prescription or lab booking that changed, removed once its reminders are
 * in sync. A request left behind (the process died after the commit) is synced by the relay's sweep.
 */
export const reminderSyncs = pgTable(
  "reminder_syncs",
  {
    kind: text().$type<"appointment" | "prescription" | "lab_booking">().notNull(),
    entityId: integer().notNull(),
    requestedAt: timestamp({ withTimezone: true }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.kind, t.entityId] }),
    index("reminder_syncs_requested_idx").on(t.requestedAt),
  ],
);
