import {
  boolean,
  date,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

/** The stored form of domain/shared/role.ts ROLES (which checks at compile time that both agree). */
export const roleEnum = pgEnum("role", ["patient", "doctor", "nurse", "admin", "pharmacist", "lab"]);

export const users = pgTable(
  "users",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    role: roleEnum().notNull(),
    name: text().notNull(),
    /** Always stored lower-cased. */
    email: text().notNull(),
    phone: text(),
    passwordHash: text().notNull(),
    /** The channel notifications go to first (telegram, whatsapp, sms, web); null → the most recently used. */
    preferredChannel: text(),
    active: boolean().notNull().default(true),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("users_email_key").on(t.email), index("users_phone_idx").on(t.phone)],
);

/** A login session: the access token carries its id, logout revokes it, refresh tokens rotate inside it. */
export const sessions = pgTable(
  "sessions",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: integer()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    revokedAt: timestamp({ withTimezone: true }),
    revokedReason: text(),
  },
  (t) => [index("sessions_user_idx").on(t.userId)],
);

/** Refresh tokens, stored as SHA-256 hashes. Presenting a used one revokes the whole session (reuse detection). */
export const refreshTokens = pgTable(
  "refresh_tokens",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    sessionId: uuid()
      .notNull()
      .references(() => sessions.id, { onDelete: "cascade" }),
    tokenHash: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    usedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    uniqueIndex("refresh_tokens_hash_key").on(t.tokenHash),
    index("refresh_tokens_session_idx").on(t.sessionId),
  ],
);

export const passwordResetTokens = pgTable(
  "password_reset_tokens",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    userId: integer()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    tokenHash: text().notNull(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    usedAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("password_reset_tokens_hash_key").on(t.tokenHash)],
);

export type Insurance = {
  provider?: string;
  policy_number?: string;
  valid_until?: string;
  member_name?: string;
};
export type EmergencyContact = { name?: string; phone?: string; relation?: string };

export const patients = pgTable(
  "patients",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    userId: integer()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text().notNull(),
    dateOfBirth: date({ mode: "string" }),
    sex: text(),
    phone: text(),
    email: text(),
    address: text(),
    city: text(),
    bloodGroup: text(),
    timeZone: text().notNull().default("UTC"),
    /** "HH:MM-HH:MM" in the patient's zone when reminders wait; null → the platform default (QUIET_HOURS). */
    quietHours: text(),
    emergencyContact: jsonb().$type<EmergencyContact>(),
    insurance: jsonb().$type<Insurance>(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("patients_user_key").on(t.userId), index("patients_phone_idx").on(t.phone)],
);

/** Nurses act for the doctors they are assigned to. */
export const nurseAssignments = pgTable(
  "nurse_assignments",
  {
    nurseUserId: integer()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    doctorId: integer().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.nurseUserId, t.doctorId] }),
    index("nurse_assignments_doctor_idx").on(t.doctorId),
  ],
);
