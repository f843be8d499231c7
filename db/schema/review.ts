import { sql } from "drizzle-orm";
import { bigint, index, integer, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { users } from "./accounts.js";
import { conversationMessages, conversations } from "./conversations.js";

/** Admins' notes on a conversation (optionally on one message of it). */
export const conversationAnnotations = pgTable(
  "conversation_annotations",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    conversationId: bigint({ mode: "number" })
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    messageId: bigint({ mode: "number" }).references(() => conversationMessages.id, { onDelete: "set null" }),
    authorUserId: integer().references(() => users.id, { onDelete: "set null" }),
    text: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("conversation_annotations_conversation_idx").on(t.conversationId, t.id)],
);

/** Why (and by whom) a conversation was flagged; conversations.flagged stays the flag itself. */
export const conversationFlags = pgTable("conversation_flags", {
  conversationId: bigint({ mode: "number" })
    .primaryKey()
    .references(() => conversations.id, { onDelete: "cascade" }),
  reason: text(),
  flaggedByUserId: integer().references(() => users.id, { onDelete: "set null" }),
  flaggedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

/** Admin-edited versions of the agent's prompts; the defaults are files in prompts/. One active per name. */
export const promptVersions = pgTable(
  "prompt_versions",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    name: text().notNull(),
    version: text().notNull(),
    text: text().notNull(),
    authorUserId: integer().references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    activatedAt: timestamp({ withTimezone: true }),
    deactivatedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    uniqueIndex("prompt_versions_one_active")
      .on(t.name)
      .where(sql`activated_at is not null and deactivated_at is null`),
    uniqueIndex("prompt_versions_name_version_key").on(t.name, t.version),
    index("prompt_versions_name_idx").on(t.name, t.id),
  ],
);
