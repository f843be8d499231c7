import { sql } from "drizzle-orm";
import {
  boolean,
  check,
  date,
  doublePrecision,
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
import { orderPaymentStatusEnum } from "./pharmacy.js";
import { prescriptionLabTests } from "./prescriptions.js";
import { medicalRecords } from "./records.js";

export interface LabAnalyteJson {
  code: string;
  name: string;
  unit: string;
  low?: number;
  high?: number;
  female?: { low?: number; high?: number };
  criticalLow?: number;
  criticalHigh?: number;
}

/** The lab test catalog, seeded from domain/orders/catalog (db/seed/catalog.ts). */
export const labTests = pgTable(
  "lab_tests",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    code: text().notNull(),
    name: text().notNull(),
    synonyms: text().array().notNull().default([]),
    category: text().notNull(),
    sampleType: text().notNull(),
    preparation: text().notNull(),
    priceMinor: integer().notNull(),
    currency: text().notNull(),
    turnaroundHours: integer().notNull(),
    homeCollection: boolean().notNull(),
    analytes: jsonb().$type<LabAnalyteJson[]>().notNull().default([]),
    active: boolean().notNull().default(true),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("lab_tests_code_key").on(t.code),
    check("lab_tests_price_nonnegative", sql`${t.priceMinor} >= 0`),
  ],
);

export const labBookingStatusEnum = pgEnum("lab_booking_status", [
  "scheduled",
  "sample_collected",
  "processing",
  "resulted",
  "cancelled",
]);
export type LabBookingStatus = (typeof labBookingStatusEnum.enumValues)[number];
export const labCollectionEnum = pgEnum("lab_collection", ["lab", "home"]);
export const labResultFlagEnum = pgEnum("lab_result_flag", ["normal", "low", "high", "critical"]);

/** A lab test booked by a patient or ordered by a doctor. */
export const labBookings = pgTable(
  "lab_bookings",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    patientId: integer()
      .notNull()
      .references(() => patients.id),
    labTestId: integer()
      .notNull()
      .references(() => labTests.id),
    /** Snapshot of the catalog name at booking time. */
    testName: text().notNull(),
    appointmentDate: date({ mode: "string" }).notNull(),
    collection: labCollectionEnum().notNull(),
    /** Home collection only. */
    address: text(),
    status: labBookingStatusEnum().notNull().default("scheduled"),
    paymentStatus: orderPaymentStatusEnum().notNull().default("unpaid"),
    priceMinor: integer().notNull(),
    currency: text().notNull(),
    /** The doctor who ordered it (directly, or through the linked prescription); null when self-booked. */
    orderingDoctorId: integer().references(() => doctors.id),
    prescriptionLabTestId: integer().references(() => prescriptionLabTests.id),
    bookedByUserId: integer()
      .notNull()
      .references(() => users.id),
    /** The clinical record the results were summarised into. */
    recordId: integer().references(() => medicalRecords.id),
    /** "Normal" or "Abnormal (Low Hemoglobin)", as written into the clinical record. */
    resultSummary: text(),
    resultedAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("lab_bookings_patient_idx").on(t.patientId, t.appointmentDate),
    index("lab_bookings_status_idx").on(t.status, t.appointmentDate),
    // One live booking per ordered lab test of a prescription.
    uniqueIndex("lab_bookings_prescription_lab_test_key")
      .on(t.prescriptionLabTestId)
      .where(sql`${t.status} <> 'cancelled'`),
    check("lab_bookings_home_address", sql`${t.collection} <> 'home' OR ${t.address} IS NOT NULL`),
    check(
      "lab_bookings_resulted",
      sql`(${t.status} = 'resulted') = (${t.resultedAt} IS NOT NULL AND ${t.recordId} IS NOT NULL)`,
    ),
  ],
);

export const labBookingEvents = pgTable(
  "lab_booking_events",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    bookingId: integer()
      .notNull()
      .references(() => labBookings.id, { onDelete: "cascade" }),
    fromStatus: labBookingStatusEnum(),
    toStatus: labBookingStatusEnum().notNull(),
    actorUserId: integer().references(() => users.id),
    note: text(),
    at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("lab_booking_events_booking_idx").on(t.bookingId, t.at)],
);

/** One analyte's result. `flag` is the final one (computed from the catalog's ranges where possible). */
export const labResults = pgTable(
  "lab_results",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    bookingId: integer()
      .notNull()
      .references(() => labBookings.id, { onDelete: "cascade" }),
    patientId: integer()
      .notNull()
      .references(() => patients.id),
    name: text().notNull(),
    /** The catalog analyte it was matched to, when it was. */
    analyteCode: text(),
    value: text().notNull(),
    numericValue: doublePrecision(),
    unit: text(),
    referenceRange: text(),
    flag: labResultFlagEnum(),
    /** The flag as the lab sent it (kept when the computed one differs). */
    reportedFlag: labResultFlagEnum(),
    recordedByUserId: integer()
      .notNull()
      .references(() => users.id),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("lab_results_booking_idx").on(t.bookingId),
    index("lab_results_patient_idx").on(t.patientId),
    uniqueIndex("lab_results_booking_name_key").on(t.bookingId, t.name),
  ],
);
