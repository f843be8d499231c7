import { index, integer, jsonb, pgEnum, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { patients, users } from "./accounts.js";
import { doctors } from "./doctors.js";

/**
 * pending   — requested, waiting for the doctor
 * proposed  — the doctor proposed another time (held), waiting for the patient
 * confirmed — accepted (or auto-accepted)
 * rejected, cancelled, completed, no_show — final
 * The database forbids two *active* (pending, proposed, confirmed) appointments of one doctor, or of one
 * patient, overlapping in time (see the EXCLUDE constraints in the migrations).
 */
export const appointmentStatusEnum = pgEnum("appointment_status", [
  "pending",
  "proposed",
  "confirmed",
  "rejected",
  "cancelled",
  "completed",
  "no_show",
]);
export type AppointmentStatus = (typeof appointmentStatusEnum.enumValues)[number];

/** How a consultation happens: at the clinic, or online by video, audio (a call) or chat. */
export const visitModeEnum = pgEnum("visit_mode", ["in_person", "video", "audio", "chat"]);
export type VisitMode = (typeof visitModeEnum.enumValues)[number];

export const appointments = pgTable(
  "appointments",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    doctorId: integer()
      .notNull()
      .references(() => doctors.id),
    patientId: integer()
      .notNull()
      .references(() => patients.id),
    startsAt: timestamp({ withTimezone: true }).notNull(),
    endsAt: timestamp({ withTimezone: true }).notNull(),
    status: appointmentStatusEnum().notNull().default("pending"),
    mode: visitModeEnum().notNull().default("in_person"),
    /** The name given at booking (may be a family member's). */
    patientName: text().notNull(),
    reason: text(),
    feeMinor: integer().notNull().default(0),
    currency: text().notNull().default("INR"),
    /**
     * not_required (no fee) | unpaid | paid | refunded | partially_refunded. An unpaid booking holds its slot
     * until payment_hold_until, then is released (a job, and lazily by the next booking of that time).
     */
    paymentStatus: text().notNull().default("not_required"),
    paymentHoldUntil: timestamp({ withTimezone: true }),
    /** While status = proposed: the time the patient originally asked for. */
    previousStartsAt: timestamp({ withTimezone: true }),
    previousEndsAt: timestamp({ withTimezone: true }),
    statusReason: text(),
    /** The patient confirmed they will attend (answering a reminder). */
    patientConfirmedAt: timestamp({ withTimezone: true }),
    createdByUserId: integer().references(() => users.id),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("appointments_doctor_time_idx").on(t.doctorId, t.startsAt),
    index("appointments_patient_time_idx").on(t.patientId, t.startsAt),
    index("appointments_status_idx").on(t.status),
    // Analytics (domain/analytics): bookings per day, outcomes by visit day.
    index("appointments_created_idx").on(t.createdAt),
    index("appointments_starts_idx").on(t.startsAt),
  ],
);

/** Every status change of an appointment, with who did it and why. */
export const appointmentEvents = pgTable(
  "appointment_events",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    appointmentId: integer()
      .notNull()
      .references(() => appointments.id, { onDelete: "cascade" }),
    actorUserId: integer().references(() => users.id),
    type: text().notNull(),
    fromStatus: appointmentStatusEnum(),
    toStatus: appointmentStatusEnum(),
    data: jsonb().$type<Record<string, unknown>>(),
    at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("appointment_events_appointment_idx").on(t.appointmentId)],
);
