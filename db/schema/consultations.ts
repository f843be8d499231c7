import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { doctors } from "./doctors.js";
import { patients, users } from "./accounts.js";
import { documents } from "./records.js";
import { appointments, visitModeEnum } from "./scheduling.js";

/**
 * The consultations module's tables (domain/consultations owns them): the visit of an online appointment,
 * who joined it, the per-person visit links, the side chat, the recorded audio, the transcript, the note the
 * doctor signs, and the secure messages between a patient and their care team outside visits.
 */

/** One visit per appointment, made when the first person joins. */
export const visits = pgTable("visits", {
  id: integer().primaryKey().generatedAlwaysAsIdentity(),
  appointmentId: integer()
    .notNull()
    .unique()
    .references(() => appointments.id, { onDelete: "cascade" }),
  mode: visitModeEnum().notNull(),
  /** webrtc (our signalling, peer to peer) | twilio (a Twilio Video group room). */
  provider: text().$type<"webrtc" | "twilio">().notNull(),
  /** The provider's room: the Twilio room sid, or our signalling room id. */
  room: text().notNull(),
  /** open | ended */
  status: text().$type<"open" | "ended">().notNull().default("open"),
  /** When both sides were first in the room; when it ended. */
  startedAt: timestamp({ withTimezone: true }),
  endedAt: timestamp({ withTimezone: true }),
  /** Recording (and so transcription) happens only when both people consented at join. */
  recording: boolean().notNull().default(false),
  /** Twilio: when the room's audio recordings were fetched into visit_audio (the job's durable marker). */
  recordingsFetchedAt: timestamp({ withTimezone: true }),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

/** A person in a visit: first join, last leave, and their consent to recording (time and version). */
export const visitParticipants = pgTable(
  "visit_participants",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    visitId: integer()
      .notNull()
      .references(() => visits.id, { onDelete: "cascade" }),
    userId: integer()
      .notNull()
      .references(() => users.id),
    role: text().$type<"doctor" | "patient" | "nurse">().notNull(),
    joinedAt: timestamp({ withTimezone: true }),
    leftAt: timestamp({ withTimezone: true }),
    recordingConsentAt: timestamp({ withTimezone: true }),
    recordingConsentVersion: text(),
    /** The provider's participant sids of this person (Twilio's PA…: one per connection), from its callbacks. */
    providerParticipantSids: text().array().notNull().default([]),
  },
  (t) => [uniqueIndex("visit_participants_person_key").on(t.visitId, t.userId)],
);

/**
 * A person's link to an appointment's visit (PUBLIC_BASE_URL/visit/<token>): only a hash of the token is kept;
 * the link works for that person only and expires after the visit.
 */
export const visitLinks = pgTable(
  "visit_links",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    appointmentId: integer()
      .notNull()
      .references(() => appointments.id, { onDelete: "cascade" }),
    userId: integer()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    tokenHash: text().notNull().unique(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("visit_links_person_key").on(t.appointmentId, t.userId)],
);

/** The visit's chat: the side chat of a video or audio visit, and the whole of a chat consultation. */
export const visitMessages = pgTable(
  "visit_messages",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    visitId: integer()
      .notNull()
      .references(() => visits.id, { onDelete: "cascade" }),
    senderUserId: integer()
      .notNull()
      .references(() => users.id),
    senderRole: text().$type<"doctor" | "patient" | "nurse">().notNull(),
    text: text().notNull(),
    /** Where the line was written: "page" (the visit page), "api", or the patient's chat channel (telegram …). */
    channel: text(),
    /** A chat consultation's line from the patient's channel: its conversation message (a retried turn adds it once). */
    inboundMessageId: bigint({ mode: "number" }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("visit_messages_visit_idx").on(t.visitId, t.id),
    uniqueIndex("visit_messages_inbound_key").on(t.inboundMessageId),
  ],
);

/** One person's recorded audio of a visit (their own microphone: one speaker per track, no diarization). */
export const visitAudio = pgTable(
  "visit_audio",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    visitId: integer()
      .notNull()
      .references(() => visits.id, { onDelete: "cascade" }),
    speaker: text().$type<"doctor" | "patient">().notNull(),
    /** Where the encrypted bytes are (the documents' storage). */
    storageKey: text().notNull(),
    mimeType: text().notNull(),
    bytes: integer().notNull(),
    /** When this track began, in milliseconds from the start of the visit (its segments are shifted by it). */
    startOffsetMs: integer().notNull().default(0),
    /** uploaded | transcribing | transcribed | failed */
    status: text().notNull().default("uploaded"),
    error: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    transcribedAt: timestamp({ withTimezone: true }),
    /** The provider's recording this track was fetched from (Twilio's RT…); null for the page's uploads. */
    providerRecordingSid: text(),
  },
  (t) => [
    index("visit_audio_visit_idx").on(t.visitId),
    uniqueIndex("visit_audio_provider_recording_key").on(t.providerRecordingSid),
  ],
);

/** The transcript, one row per segment of one speaker's audio; the text encrypted at rest like documents. */
export const transcriptSegments = pgTable(
  "transcript_segments",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    visitId: integer()
      .notNull()
      .references(() => visits.id, { onDelete: "cascade" }),
    audioId: integer()
      .notNull()
      .references(() => visitAudio.id, { onDelete: "cascade" }),
    speaker: text().$type<"doctor" | "patient">().notNull(),
    /** Milliseconds from the start of the visit. */
    startMs: integer().notNull(),
    endMs: integer().notNull(),
    /** AES-256-GCM ciphertext of the text (domain/records/crypto.ts), base64. */
    textCiphertext: text().notNull(),
  },
  (t) => [index("transcript_segments_visit_idx").on(t.visitId, t.startMs)],
);

/**
 * The visit's note: drafted by the LLM from the transcript (each statement citing the segments it rests on),
 * edited and signed by the doctor; on signing it becomes a clinical record and the patient's summary.
 */
export const visitNotes = pgTable("visit_notes", {
  id: integer().primaryKey().generatedAlwaysAsIdentity(),
  visitId: integer()
    .notNull()
    .unique()
    .references(() => visits.id, { onDelete: "cascade" }),
  /** drafting | draft | not_drafted (too little speech, or no LLM: the doctor writes it) | signed */
  status: text().notNull().default("drafting"),
  /** Why no draft was made (a code the doctor is told, e.g. TOO_LITTLE_SPEECH). */
  reason: text(),
  /** { subjective, objective, assessment, plan } */
  sections: jsonb().$type<Record<string, string>>().notNull().default({}),
  /** [{ section, text, segment_ids }] — every drafted statement with the transcript segments it rests on. */
  statements: jsonb().$type<unknown[]>().notNull().default([]),
  /** The patient's plain-language summary, made from the signed note only. */
  patientSummary: text(),
  model: text(),
  signedAt: timestamp({ withTimezone: true }),
  signedByUserId: integer().references(() => users.id),
  /** The clinical record the signed note became, and the PDF of the patient's summary in their documents. */
  recordId: integer(),
  documentId: integer().references(() => documents.id, { onDelete: "set null" }),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

/** Secure messages outside visits: a thread between a patient and a doctor of their care team. */
export const messageThreads = pgTable(
  "message_threads",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    patientId: integer()
      .notNull()
      .references(() => patients.id, { onDelete: "cascade" }),
    doctorId: integer()
      .notNull()
      .references(() => doctors.id, { onDelete: "cascade" }),
    subject: text().notNull(),
    lastMessageAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("message_threads_patient_idx").on(t.patientId, t.lastMessageAt),
    index("message_threads_doctor_idx").on(t.doctorId, t.lastMessageAt),
  ],
);

export const threadMessages = pgTable(
  "thread_messages",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    threadId: integer()
      .notNull()
      .references(() => messageThreads.id, { onDelete: "cascade" }),
    senderUserId: integer()
      .notNull()
      .references(() => users.id),
    text: text().notNull(),
    /** An attachment, kept as a document of the patient's. */
    documentId: integer().references(() => documents.id, { onDelete: "set null" }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("thread_messages_thread_idx").on(t.threadId, t.id)],
);

/** How far each person has read a thread. */
export const threadReads = pgTable(
  "thread_reads",
  {
    threadId: integer()
      .notNull()
      .references(() => messageThreads.id, { onDelete: "cascade" }),
    userId: integer()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    lastReadMessageId: bigint({ mode: "number" }).notNull().default(0),
  },
  (t) => [uniqueIndex("thread_reads_key").on(t.threadId, t.userId)],
);
