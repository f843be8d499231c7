import { sql } from "drizzle-orm";
import {
  bigint,
  check,
  index,
  integer,
  pgTable,
  real,
  smallint,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { patients } from "./accounts.js";
import { doctors } from "./doctors.js";
import { appointments } from "./scheduling.js";

/**
 * Patients' ratings of their doctors: one row per completed appointment, made when the patient is asked
 * (rating null) and filled when they answer 1–5 (and an optional comment). The only writer is
 * domain/ratings/repository.ts; the doctor's reviews_count, rating and recommendation_percent are derived
 * from the answered rows (doctors.ratings_from_patients tells real figures from seeded ones).
 */
export const doctorReviews = pgTable(
  "doctor_reviews",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    appointmentId: integer()
      .notNull()
      .references(() => appointments.id, { onDelete: "cascade" }),
    doctorId: integer()
      .notNull()
      .references(() => doctors.id, { onDelete: "cascade" }),
    patientId: integer()
      .notNull()
      .references(() => patients.id, { onDelete: "cascade" }),
    requestedAt: timestamp({ withTimezone: true }).notNull(),
    rating: smallint(),
    comment: text(),
    /** The channel the answer came on. */
    channel: text(),
    answeredAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    uniqueIndex("doctor_reviews_appointment_key").on(t.appointmentId),
    index("doctor_reviews_doctor_idx").on(t.doctorId, t.answeredAt),
    // The patient's open request (the chat answers the latest one).
    index("doctor_reviews_open_idx")
      .on(t.patientId, t.requestedAt)
      .where(sql`${t.rating} is null`),
    index("doctor_reviews_answered_idx").on(t.answeredAt),
    check("doctor_reviews_rating_range", sql`${t.rating} is null or ${t.rating} between 1 and 5`),
  ],
);

/**
 * Model usage, one row per call to a language model (kind "llm": latency, tokens, outcome) and per voice
 * answer's first token (kind "voice_first_token": latency only). No prompt, no answer, no person: the
 * dashboard's model usage and voice latency. The only writer is domain/analytics/usage-repository.ts, batched off the
 * request path.
 */
export const modelUsage = pgTable(
  "model_usage",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    at: timestamp({ withTimezone: true }).notNull(),
    kind: text().$type<"llm" | "voice_first_token">().notNull(),
    model: text(),
    /** ok | error (llm); answer | tool (voice_first_token). */
    outcome: text().notNull(),
    latencyMs: real().notNull(),
    promptTokens: integer(),
    completionTokens: integer(),
  },
  (t) => [index("model_usage_at_idx").on(t.kind, t.at)],
);
