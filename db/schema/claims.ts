import { sql } from "drizzle-orm";
import {
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
import { patients, users } from "./accounts.js";
import { doctors } from "./doctors.js";
import { paymentPurposeEnum } from "./payments.js";

export const claimStatusEnum = pgEnum("claim_status", ["submitted", "accepted", "rejected", "paid"]);
export type ClaimStatus = (typeof claimStatusEnum.enumValues)[number];

/**
 * An insurance claim for one thing a patient paid for or received (an appointment, a pharmacy order, a lab
 * booking: the payment purposes). Amounts in minor units of the item's currency. Written only by
 * domain/insurance (its repository). One live claim per item: a rejected one may be followed by another.
 */
export const claims = pgTable(
  "claims",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    itemKind: paymentPurposeEnum().notNull(),
    itemId: integer().notNull(),
    patientId: integer()
      .notNull()
      .references(() => patients.id),
    /** The doctor who provided the service (appointments, ordered lab tests), for the FHIR Claim's provider. */
    doctorId: integer().references(() => doctors.id),
    payer: text().notNull(),
    memberId: text().notNull(),
    /** Service (procedure) codes billed, e.g. CPT-like codes or our catalog's codes. */
    serviceCodes: jsonb().$type<string[]>().notNull(),
    /** ICD-10 codes, optional. */
    diagnosisCodes: jsonb().$type<string[]>().notNull().default([]),
    currency: text().notNull(),
    billedMinor: integer().notNull(),
    /** What the payer covers (set when accepted). */
    approvedMinor: integer(),
    /** What the patient pays (billed − approved; set when accepted). */
    patientShareMinor: integer(),
    /**
     * How the patient's share reached the payment: "checkout_reduced" (accepted before payment: the patient was
     * asked for the share only) or "covered_refunded" (paid first: the covered part refunded when the claim
     * was paid); null while nothing was applied.
     */
    shareApplied: text(),
    status: claimStatusEnum().notNull().default("submitted"),
    rejectionReason: text(),
    /** The clearinghouse's reference for the submission. */
    clearinghouseRef: text(),
    createdByUserId: integer().references(() => users.id),
    submittedAt: timestamp({ withTimezone: true }).notNull(),
    decidedAt: timestamp({ withTimezone: true }),
    paidAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("claims_live_item_key")
      .on(t.itemKind, t.itemId)
      .where(sql`${t.status} <> 'rejected'`),
    index("claims_patient_idx").on(t.patientId, t.createdAt),
    index("claims_status_idx").on(t.status, t.createdAt),
    check(
      "claims_amounts",
      sql`${t.billedMinor} > 0 AND (${t.approvedMinor} IS NULL OR (${t.approvedMinor} >= 0 AND ${t.approvedMinor} <= ${t.billedMinor}))`,
    ),
  ],
);

/**
 * A Microsoft Teams user linked to a HealthLink doctor (by a one-time code from the console). Written only by
 * domain/teams (its repository). One Teams user per doctor and one doctor per Teams user.
 */
export const teamsLinks = pgTable(
  "teams_links",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    doctorId: integer()
      .notNull()
      .references(() => doctors.id, { onDelete: "cascade" }),
    /** The Teams user's Entra object id (activity.from.aadObjectId), else the channel account id. */
    teamsUserId: text().notNull(),
    tenantId: text(),
    linkedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("teams_links_doctor_key").on(t.doctorId),
    uniqueIndex("teams_links_user_key").on(t.teamsUserId),
  ],
);
