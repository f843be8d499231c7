import { sql } from "drizzle-orm";
import {
  bigint,
  check,
  date,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { patients, users } from "./accounts.js";
import { appointments } from "./scheduling.js";

export const recordKindEnum = pgEnum("record_kind", ["self_reported", "clinical"]);
export const historyKindEnum = pgEnum("history_kind", ["allergy", "condition", "surgery", "family_history"]);

/** Structured history on the patient profile: allergies, conditions, surgeries, family history. */
export const patientHistoryItems = pgTable(
  "patient_history_items",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    patientId: integer()
      .notNull()
      .references(() => patients.id, { onDelete: "cascade" }),
    kind: historyKindEnum().notNull(),
    /** The substance, condition, procedure, or (family history) the condition. */
    name: text().notNull(),
    detail: text(),
    /** Allergies: mild | moderate | severe. */
    severity: text(),
    /** Allergies: the reaction. Family history: the relative. */
    qualifier: text(),
    /** Conditions: active | resolved. */
    status: text(),
    onsetDate: date({ mode: "string" }),
    recordedByUserId: integer().references(() => users.id),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("patient_history_items_patient_idx").on(t.patientId, t.kind),
    check(
      "patient_history_items_severity_check",
      sql`${t.severity} is null or ${t.severity} in ('mild', 'moderate', 'severe')`,
    ),
    check(
      "patient_history_items_status_check",
      sql`${t.status} is null or ${t.status} in ('active', 'resolved')`,
    ),
  ],
);

export const medicalRecords = pgTable(
  "medical_records",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    patientId: integer()
      .notNull()
      .references(() => patients.id, { onDelete: "cascade" }),
    kind: recordKindEnum().notNull(),
    authorUserId: integer()
      .notNull()
      .references(() => users.id),
    appointmentId: integer().references(() => appointments.id),
    recordDate: date({ mode: "string" }).notNull(),
    description: text().notNull(),
    diagnosis: text(),
    notes: text(),
    prescription: text(),
    /** Test name → result text, e.g. {"Blood Test": "Normal"}. */
    testResults: jsonb().$type<Record<string, string>>(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp({ withTimezone: true }),
    /** Set by a caller that must create the record once (a signed visit note: `visit-note:<id>`). */
    idempotencyKey: text(),
  },
  (t) => [
    index("medical_records_patient_idx").on(t.patientId, t.recordDate),
    uniqueIndex("medical_records_idempotency_key").on(t.idempotencyKey),
  ],
);

/** Uploaded documents. The bytes live in the storage port (encrypted); this row is the metadata. */
export const documents = pgTable(
  "documents",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    patientId: integer()
      .notNull()
      .references(() => patients.id, { onDelete: "cascade" }),
    recordId: integer().references(() => medicalRecords.id, { onDelete: "set null" }),
    uploadedByUserId: integer()
      .notNull()
      .references(() => users.id),
    /** Sanitised original file name (display only; never used on disk). */
    filename: text().notNull(),
    /** Optional title given at upload. */
    title: text(),
    contentType: text().notNull(),
    sizeBytes: bigint({ mode: "number" }).notNull(),
    sha256: text().notNull(),
    storageKey: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    index("documents_patient_idx").on(t.patientId),
    check(
      "documents_content_type_check",
      sql`${t.contentType} in ('application/pdf', 'image/png', 'image/jpeg')`,
    ),
    check("documents_size_check", sql`${t.sizeBytes} > 0`),
  ],
);
