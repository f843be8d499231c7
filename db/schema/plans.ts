import { sql } from "drizzle-orm";
import {
  check,
  date,
  index,
  integer,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { patients, users } from "./accounts.js";
import { doctors } from "./doctors.js";

export const careTeamRoleEnum = pgEnum("care_team_role", ["doctor", "nurse"]);
export const planStatusEnum = pgEnum("plan_status", ["active", "completed", "cancelled"]);
export const planNoteKindEnum = pgEnum("plan_note_kind", ["progress", "outcome"]);

export const treatmentPlans = pgTable(
  "treatment_plans",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    patientId: integer()
      .notNull()
      .references(() => patients.id, { onDelete: "cascade" }),
    createdByDoctorId: integer()
      .notNull()
      .references(() => doctors.id),
    createdByUserId: integer()
      .notNull()
      .references(() => users.id),
    condition: text().notNull(),
    goals: text().array().notNull().default([]),
    status: planStatusEnum().notNull().default("active"),
    startDate: date({ mode: "string" }).notNull(),
    /** The next follow-up review. */
    nextReviewDate: date({ mode: "string" }),
    /** Planned or actual end of the plan. */
    endDate: date({ mode: "string" }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("treatment_plans_patient_idx").on(t.patientId, t.createdAt),
    check(
      "treatment_plans_dates_check",
      sql`(${t.nextReviewDate} is null or ${t.nextReviewDate} >= ${t.startDate}) and (${t.endDate} is null or ${t.endDate} >= ${t.startDate})`,
    ),
  ],
);

/**
 * Providers explicitly on a patient's care team (besides doctors with an appointment and their nurses).
 * A member may read and write the patient's data as a care-team doctor or nurse does.
 */
export const careTeamMembers = pgTable(
  "care_team_members",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    patientId: integer()
      .notNull()
      .references(() => patients.id, { onDelete: "cascade" }),
    userId: integer()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: careTeamRoleEnum().notNull(),
    /** The plan through which the member was added, if any. */
    planId: integer().references(() => treatmentPlans.id, { onDelete: "set null" }),
    addedByUserId: integer()
      .notNull()
      .references(() => users.id),
    addedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("care_team_members_patient_user_key").on(t.patientId, t.userId),
    index("care_team_members_user_idx").on(t.userId),
  ],
);

export const planTasks = pgTable(
  "plan_tasks",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    planId: integer()
      .notNull()
      .references(() => treatmentPlans.id, { onDelete: "cascade" }),
    title: text().notNull(),
    dueDate: date({ mode: "string" }),
    doneAt: timestamp({ withTimezone: true }),
    doneByUserId: integer().references(() => users.id),
    createdByUserId: integer()
      .notNull()
      .references(() => users.id),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("plan_tasks_plan_idx").on(t.planId)],
);

/** Progress notes and outcomes on a plan; append-only from the API. */
export const planNotes = pgTable(
  "plan_notes",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    planId: integer()
      .notNull()
      .references(() => treatmentPlans.id, { onDelete: "cascade" }),
    authorUserId: integer()
      .notNull()
      .references(() => users.id),
    kind: planNoteKindEnum().notNull(),
    text: text().notNull(),
    at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("plan_notes_plan_idx").on(t.planId, t.at)],
);
