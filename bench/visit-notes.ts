/**
 * Visit-note pipeline overhead (npx tsx bench/visit-notes.ts): for each visit, two recorded tracks (doctor
 * and patient, each 40 segments) are transcribed and the note drafted through the real services against real
 * Postgres and local storage: read and decrypt the audio, encrypt and store the segments, read and decrypt them
 * back, ground the model's statements, store the draft. The speech-to-text server and the model are stand-ins
 * that answer at once, so their time is excluded and what is timed is our own overhead. Jobs are called
 * directly (no queue). Prints p50/p99/max per visit, sequentially and with BENCH_CONCURRENCY visits at once.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { loadConfig } from "../config/index.js";
import { createDatabase } from "../db/client.js";
import { appointments, doctors, patients, users, visitParticipants, visits } from "../db/schema/index.js";
import type { VisitNoteModel } from "../domain/consultations/notes.js";
import type { Transcriber, TranscriptSegment } from "../domain/consultations/transcripts.js";
import { createServices } from "../domain/index.js";
import { ManualClock } from "../domain/shared/clock.js";
import type { Jobs } from "../domain/shared/jobs.js";
import { MemoryCache } from "../infra/cache.js";
import { LocalStorage } from "../infra/storage/local.js";
import { databaseUrl, TEST_PG_URL } from "../test/env.js";
import { wav } from "../test/fakes/transcription.js";

const VISITS = Number(process.env.BENCH_VISITS ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const SEGMENTS = 40;

const transcriber: Transcriber = {
  model: "instant",
  transcribe: () =>
    Promise.resolve(
      Array.from({ length: SEGMENTS }, (_, i) => ({
        start: i * 6,
        end: i * 6 + 5,
        text: `This is sentence number ${i} of the visit, about headaches, sleep and blood pressure readings.`,
      })),
    ),
};
const noteModel: VisitNoteModel = {
  model: "instant",
  draft: (segments: TranscriptSegment[]) =>
    Promise.resolve(
      segments.map((s, i) => ({
        section: ["subjective", "objective", "assessment", "plan"][i % 4],
        text: `Statement ${i}.`,
        segment_ids: [s.id, 999_999_999],
      })),
    ),
  summarize: () => Promise.resolve("You are well. Rest."),
};
/** No queue: the bench calls each step itself. */
const noJobs: Jobs = {
  kind: "in-process",
  handle: () => undefined,
  add: () => Promise.resolve(),
  addBulk: () => Promise.resolve(),
  remove: () => Promise.resolve(),
  busy: () => Promise.resolve(0),
  counts: () => Promise.resolve([]),
  start: () => Promise.resolve(),
  close: () => Promise.resolve(),
};

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

async function main(): Promise<void> {
  const name = `hl_bench_visit_notes_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  const dir = mkdtempSync(path.join(os.tmpdir(), "hl-bench-notes-"));
  const database = await createDatabase({ kind: "pg", url: databaseUrl(name), poolSize: 10 });
  try {
    await database.migrate();
    const db = database.db;
    const config = loadConfig({
      DATABASE_URL: "postgres://bench",
      JWT_SECRET: randomBytes(32).toString("hex"),
      STORAGE_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
      LOG_LEVEL: "silent",
      DATA_DIR: dir,
    });
    const clock = new ManualClock(new Date("2030-01-07T12:00:00Z"));
    const services = createServices({
      database,
      cache: new MemoryCache(),
      clock,
      jobs: noJobs,
      config,
      storage: new LocalStorage(path.join(dir, "docs")),
      transcriber,
      visitNoteModel: noteModel,
    });
    const [du] = await db
      .insert(users)
      .values({ role: "doctor", name: "Dr Bench", email: "dr@bench.test", passwordHash: "x" })
      .returning({ id: users.id });
    const [doc] = await db
      .insert(doctors)
      .values({ userId: du!.id, name: "Dr Bench", city: "Delhi", timeZone: "Asia/Kolkata" })
      .returning({ id: doctors.id });
    const [pu] = await db
      .insert(users)
      .values({ role: "patient", name: "Bench Patient", email: "p@bench.test", passwordHash: "x" })
      .returning({ id: users.id });
    const [pat] = await db
      .insert(patients)
      .values({ userId: pu!.id, name: "Bench Patient", timeZone: "UTC" })
      .returning({ id: patients.id });
    const doctorActor = {
      userId: du!.id,
      role: "doctor" as const,
      doctorId: doc!.id,
      channel: "api" as const,
    };
    const patientActor = {
      userId: pu!.id,
      role: "patient" as const,
      patientId: pat!.id,
      channel: "api" as const,
    };

    // Visits with both tracks uploaded (through the service: encrypted and stored) before timing starts.
    const prepared: { visitId: number; audioIds: number[] }[] = [];
    for (let i = 0; i < VISITS * 2; i++) {
      const startsAt = new Date(Date.UTC(2029, 0, 1) + i * 3_600_000);
      const [appt] = await db
        .insert(appointments)
        .values({
          doctorId: doc!.id,
          patientId: pat!.id,
          startsAt,
          endsAt: new Date(startsAt.getTime() + 1_800_000),
          status: "completed",
          patientName: "Bench Patient",
        })
        .returning({ id: appointments.id });
      const [visit] = await db
        .insert(visits)
        .values({
          appointmentId: appt!.id,
          mode: "video",
          provider: "webrtc",
          room: `r${i}`,
          status: "ended",
        })
        .returning({ id: visits.id });
      const consent = { joinedAt: startsAt, recordingConsentAt: startsAt, recordingConsentVersion: "v1" };
      await db.insert(visitParticipants).values([
        { visitId: visit!.id, userId: du!.id, role: "doctor", ...consent },
        { visitId: visit!.id, userId: pu!.id, role: "patient", ...consent },
      ]);
      const a = await services.transcripts.uploadAudio(doctorActor, visit!.id, { bytes: wav(`d${i}`) });
      const b = await services.transcripts.uploadAudio(patientActor, visit!.id, { bytes: wav(`p${i}`) });
      prepared.push({ visitId: visit!.id, audioIds: [a.audio_id, b.audio_id] });
    }

    const one = async (v: { visitId: number; audioIds: number[] }): Promise<number> => {
      const t0 = performance.now();
      for (const id of v.audioIds) await services.transcripts.transcribe(id);
      await services.visitNotes.draft(v.visitId);
      return performance.now() - t0;
    };
    const report = (label: string, ms: number[], wall: number) => {
      const s = [...ms].sort((x, y) => x - y);
      console.log(
        `${label}: ${s.length} visits (2 tracks × ${SEGMENTS} segments each) — per visit p50 ${pct(s, 50).toFixed(1)} ms, ` +
          `p99 ${pct(s, 99).toFixed(1)} ms, max ${(s.at(-1) ?? 0).toFixed(1)} ms; ${((s.length / wall) * 1000).toFixed(1)} visits/s`,
      );
    };

    const sequential = prepared.slice(0, VISITS);
    let t0 = performance.now();
    const seqTimes: number[] = [];
    for (const v of sequential) seqTimes.push(await one(v));
    report("sequential", seqTimes, performance.now() - t0);

    const parallel = prepared.slice(VISITS);
    const parTimes: number[] = [];
    t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < parallel.length) parTimes.push(await one(parallel[next++]!));
      }),
    );
    report(`${CONCURRENCY} at once`, parTimes, performance.now() - t0);
  } finally {
    await database.close();
    await admin.query(`drop database if exists "${name}" with (force)`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
