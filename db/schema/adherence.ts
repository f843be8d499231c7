import { sql } from "drizzle-orm";
import { index, integer, pgEnum, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { patients, users } from "./accounts.js";
import { prescriptionItems } from "./prescriptions.js";

export const doseStatusEnum = pgEnum("dose_status", ["scheduled", "taken", "skipped", "missed"]);

/**
 * One scheduled dose of a prescription item, created with the prescription (in the patient's time zone).
 * A dose still `scheduled` after its time counts as missed when adherence is read. Reminder jobs (a later
 * issue) read the due rows through `medication_doses_due_idx`.
 */
export const medicationDoses = pgTable(
  "medication_doses",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    prescriptionItemId: integer()
      .notNull()
      .references(() => prescriptionItems.id, { onDelete: "cascade" }),
    patientId: integer()
      .notNull()
      .references(() => patients.id, { onDelete: "cascade" }),
    scheduledAt: timestamp({ withTimezone: true }).notNull(),
    status: doseStatusEnum().notNull().default("scheduled"),
    /** When the patient answered (taken / skipped); null while scheduled. */
    recordedAt: timestamp({ withTimezone: true }),
    /** The channel the answer came through (web, whatsapp, sms …). */
    channel: text(),
    recordedByUserId: integer().references(() => users.id),
  },
  (t) => [
    uniqueIndex("medication_doses_item_time_key").on(t.prescriptionItemId, t.scheduledAt),
    index("medication_doses_patient_idx").on(t.patientId, t.scheduledAt),
    index("medication_doses_due_idx")
      .on(t.scheduledAt)
      .where(sql`${t.status} = 'scheduled'`),
  ],
);
