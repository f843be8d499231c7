import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  customType,
  date,
  doublePrecision,
  index,
  integer,
  pgEnum,
  pgTable,
  primaryKey,
  smallint,
  text,
  time,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { users } from "./accounts.js";

export const verificationStatusEnum = pgEnum("verification_status", ["pending", "verified", "rejected"]);

export const specialties = pgTable(
  "specialties",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    name: text().notNull(),
    slug: text().notNull(),
    /** Common conditions and symptoms this specialty treats, in plain words ("tooth pain"). */
    conditions: text().array().notNull().default([]),
    description: text(),
  },
  (t) => [uniqueIndex("specialties_slug_key").on(t.slug)],
);

export const doctors = pgTable(
  "doctors",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    /** Null for listed doctors who have not claimed an account yet. */
    userId: integer().references(() => users.id, { onDelete: "set null" }),
    name: text().notNull(),
    photoUrl: text(),
    gender: text(),
    registrationNumber: text(),
    experienceYears: smallint().notNull().default(0),
    clinicName: text(),
    clinicAddress: text(),
    city: text().notNull(),
    latitude: doublePrecision(),
    longitude: doublePrecision(),
    languages: text().array().notNull().default([]),
    feeMinor: integer().notNull().default(0),
    currency: text().notNull().default("INR"),
    summary: text(),
    timeZone: text().notNull().default("UTC"),
    phone: text(),
    /** Set once the doctor proved the phone (a one-time code): only then do SMS commands from it run. */
    phoneVerifiedAt: timestamp({ withTimezone: true }),
    /** argon2id hash of the PIN that authorises WITHDRAW by SMS; null → WITHDRAW by SMS is refused. */
    smsPinHash: text(),
    smsPinFailures: smallint().notNull().default(0),
    smsPinLockedUntil: timestamp({ withTimezone: true }),
    verificationStatus: verificationStatusEnum().notNull().default("pending"),
    verifiedAt: timestamp({ withTimezone: true }),
    verifiedBy: integer().references(() => users.id),
    /** The admin's note on the last verification decision (why rejected, what was checked). */
    verificationNote: text(),
    autoAccept: boolean().notNull().default(false),
    /** How this doctor consults: in_person, video, audio, chat (appointments take one of them). */
    modes: text()
      .array()
      .$type<("in_person" | "video" | "audio" | "chat")[]>()
      .notNull()
      .default(sql`'{in_person,video}'::text[]`),
    /** Bit i set = works on ISO weekday i+1 (bit 0 = Monday). Maintained with the weekly availability. */
    availableDaysMask: smallint().notNull().default(0),
    /** Derived figures, kept on the row for fast listing. */
    reviewsCount: integer().notNull().default(0),
    recommendationPercent: smallint().notNull().default(0),
    patientsCount: integer().notNull().default(0),
    waitTimeMinutes: smallint().notNull().default(15),
    rating: doublePrecision().notNull().default(0),
    /**
     * False: reviews_count, rating and recommendation_percent are seeded (demo) figures or none. True: they are
     * computed from patients' answered ratings only (doctor_reviews, domain/ratings), never mixed with seeded ones.
     */
    ratingsFromPatients: boolean().notNull().default(false),
    /**
     * The first date with a free slot (today on, in the doctor's zone) as scheduling last computed it, and
     * until when that answer holds (null: unknown). Scheduling's changes clear it; only the doctors
     * repository writes it (doctors.storeNextFree / dropNextFree, called by scheduling).
     */
    nextFreeDate: date({ mode: "string" }),
    nextFreeUntil: timestamp({ withTimezone: true }),
    /** Lower-cased name, specialties and degrees: the target of typo-tolerant text search. */
    searchText: text().notNull().default(""),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("doctors_user_key").on(t.userId),
    index("doctors_city_idx").on(t.city),
    index("doctors_lat_lng_idx").on(t.latitude, t.longitude),
    index("doctors_verified_idx").on(t.verificationStatus),
  ],
);

export const doctorSpecialties = pgTable(
  "doctor_specialties",
  {
    doctorId: integer()
      .notNull()
      .references(() => doctors.id, { onDelete: "cascade" }),
    specialtyId: integer()
      .notNull()
      .references(() => specialties.id, { onDelete: "cascade" }),
    isPrimary: boolean().notNull().default(false),
  },
  (t) => [
    primaryKey({ columns: [t.doctorId, t.specialtyId] }),
    // A specialty's doctors, primary or not, from the index alone (search by specialty, then city).
    index("doctor_specialties_specialty_doctor_idx").on(t.specialtyId, t.doctorId, t.isPrimary),
  ],
);

/**
 * One row: a number that every change to what doctor search matches in memory bumps (domain/doctors/directory.ts)
 * — a statement-level trigger on `doctors` (insert, delete, its search text, city, verification) and on
 * `doctor_specialties`, in the writing transaction (hand-written in migration 0015). Searches read it to know
 * their in-memory directory is current. Written only by those triggers.
 */
export const doctorDirectoryVersion = pgTable("doctor_directory_version", {
  id: smallint().primaryKey(),
  version: bigint({ mode: "number" }).notNull(),
});

export const doctorQualifications = pgTable(
  "doctor_qualifications",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    doctorId: integer()
      .notNull()
      .references(() => doctors.id, { onDelete: "cascade" }),
    degree: text().notNull(),
    institute: text().notNull(),
    year: smallint(),
  },
  (t) => [index("doctor_qualifications_doctor_idx").on(t.doctorId)],
);

/** Weekly recurring availability, in the doctor's time zone. isoDay: 1 = Monday … 7 = Sunday. */
export const doctorAvailability = pgTable(
  "doctor_availability",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    doctorId: integer()
      .notNull()
      .references(() => doctors.id, { onDelete: "cascade" }),
    isoDay: smallint().notNull(),
    startTime: time().notNull(),
    endTime: time().notNull(),
    slotMinutes: smallint().notNull().default(15),
  },
  (t) => [index("doctor_availability_doctor_idx").on(t.doctorId, t.isoDay)],
);

/** A day (or part of a day) off. Null times mean the whole day. */
export const doctorAvailabilityExceptions = pgTable(
  "doctor_availability_exceptions",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    doctorId: integer()
      .notNull()
      .references(() => doctors.id, { onDelete: "cascade" }),
    date: date({ mode: "string" }).notNull(),
    startTime: time(),
    endTime: time(),
    reason: text(),
  },
  (t) => [
    index("doctor_availability_exceptions_idx").on(t.doctorId, t.date),
    index("doctor_availability_exceptions_date_idx").on(t.date),
  ],
);

const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => "bytea",
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value)),
});

/** A doctor's profile photo (PNG or JPEG, at most 2 MB). Photos are public, not PHI. */
export const doctorPhotos = pgTable("doctor_photos", {
  doctorId: integer()
    .primaryKey()
    .references(() => doctors.id, { onDelete: "cascade" }),
  contentType: text().notNull(),
  bytes: bytea().notNull(),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

export const credentialKindEnum = pgEnum("doctor_credential_kind", ["registration", "degree", "other"]);

/**
 * A doctor's credential document (registration certificate, degree certificate …) for the admin's verification.
 * The bytes live in the storage port (encrypted, like patients' documents); this row is the metadata. Written
 * only by domain/doctors (credentials-repository.ts).
 */
export const doctorCredentials = pgTable(
  "doctor_credentials",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    doctorId: integer()
      .notNull()
      .references(() => doctors.id, { onDelete: "cascade" }),
    kind: credentialKindEnum().notNull(),
    title: text().notNull(),
    /** Sanitised original file name (display only; never used on disk). */
    filename: text().notNull(),
    contentType: text().notNull(),
    sizeBytes: bigint({ mode: "number" }).notNull(),
    sha256: text().notNull(),
    storageKey: text().notNull(),
    uploadedByUserId: integer()
      .notNull()
      .references(() => users.id),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("doctor_credentials_doctor_idx").on(t.doctorId),
    check(
      "doctor_credentials_content_type_check",
      sql`${t.contentType} in ('application/pdf', 'image/png', 'image/jpeg')`,
    ),
    check("doctor_credentials_size_check", sql`${t.sizeBytes} > 0`),
  ],
);
