import { sql } from "drizzle-orm";
import {
  check,
  date,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  smallint,
  text,
  timestamp,
} from "drizzle-orm/pg-core";
import { patients, users } from "./accounts.js";
import { doctors } from "./doctors.js";
import { medicalRecords } from "./records.js";
import { appointments } from "./scheduling.js";

export const prescriptionStatusEnum = pgEnum("prescription_status", [
  "active",
  "completed",
  "cancelled",
  "expired",
]);

/** A doctor's prescription: medicines and lab tests for one patient, checked for safety before signing. */
export const prescriptions = pgTable(
  "prescriptions",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    patientId: integer()
      .notNull()
      .references(() => patients.id),
    doctorId: integer()
      .notNull()
      .references(() => doctors.id),
    appointmentId: integer().references(() => appointments.id),
    /** The clinical record entry this prescription appears as. */
    recordId: integer().references(() => medicalRecords.id),
    status: prescriptionStatusEnum().notNull().default("active"),
    issuedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    validUntil: date({ mode: "string" }).notNull(),
    notes: text(),
    /** Safety alerts shown at signing, and the ids the doctor acknowledged (with the reason). */
    alerts: jsonb().$type<unknown[]>().notNull().default([]),
    acknowledgedAlertIds: text().array().notNull().default([]),
    overrideReason: text(),
    createdByUserId: integer()
      .notNull()
      .references(() => users.id),
  },
  (t) => [
    index("prescriptions_patient_idx").on(t.patientId, t.issuedAt),
    index("prescriptions_doctor_idx").on(t.doctorId),
  ],
);

/**
 * One medicine on a prescription. `fillsRemaining` starts at 1 + refills and is decremented atomically by
 * each pharmacy purchase (`... WHERE fills_remaining > 0`), so two parallel purchases cannot both spend the last.
 */
export const prescriptionItems = pgTable(
  "prescription_items",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    prescriptionId: integer()
      .notNull()
      .references(() => prescriptions.id, { onDelete: "cascade" }),
    /** As the doctor wrote it. */
    medicineName: text().notNull(),
    /** Resolved generic names (for safety checks and matching purchases); empty when unrecognised. */
    generics: text().array().notNull().default([]),
    strength: text(),
    dose: text().notNull(),
    /** Human text ("twice daily", "1-0-1") and the number of doses per day derived from it. */
    frequency: text().notNull(),
    timesPerDay: smallint().notNull(),
    durationDays: smallint().notNull(),
    /** Units dispensed per fill (tablets, ml …). */
    quantity: integer().notNull(),
    refills: smallint().notNull().default(0),
    fillsRemaining: smallint().notNull(),
    instructions: text(),
    startDate: date({ mode: "string" }).notNull(),
  },
  (t) => [
    index("prescription_items_prescription_idx").on(t.prescriptionId),
    check("prescription_items_fills_nonnegative", sql`${t.fillsRemaining} >= 0`),
    check("prescription_items_refills_range", sql`${t.refills} BETWEEN 0 AND 12`),
    check(
      "prescription_items_positive",
      sql`${t.timesPerDay} > 0 AND ${t.durationDays} > 0 AND ${t.quantity} > 0`,
    ),
  ],
);

/** A lab test ordered on a prescription; linked to the booking once the patient books it. */
export const prescriptionLabTests = pgTable(
  "prescription_lab_tests",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    prescriptionId: integer()
      .notNull()
      .references(() => prescriptions.id, { onDelete: "cascade" }),
    testName: text().notNull(),
    /** Catalog code when the name matched the catalog. */
    testCode: text(),
    instructions: text(),
  },
  (t) => [index("prescription_lab_tests_prescription_idx").on(t.prescriptionId)],
);
