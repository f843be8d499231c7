import { sql } from "drizzle-orm";
import { bigint, index, integer, pgEnum, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";

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
  ],
);
