import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  auditLog,
  patients,
  transcriptSegments,
  visitAudio,
  visitNotes,
  visitParticipants,
  visits,
} from "../../db/schema/index.js";
import { fleschKincaidGrade } from "../../domain/shared/readability.js";
import { TRANSCRIBE_ATTEMPTS } from "../../domain/consultations/transcripts.js";
import { buildTestApp, TEST_NOW, type TestApp } from "../app.js";
import { careTeamAppointment, signInAs, signUp, verifiedDoctor, type Session } from "../factories.js";
import { FakeOpenAI, type ChatRequest, type FakeReply } from "../fakes/openai.js";
import { startFakeTelegram, type FakeTelegram } from "../fakes/telegram.js";
import { FakeTranscription, wav } from "../fakes/transcription.js";
import { multipart, PNG_1X1 } from "../multipart.js";

/**
 * A visit's recording to the patient's summary: each person's audio → the fake transcription server →
 * transcript segments per speaker, merged by time → the fake LLM drafts the note (statements citing nothing
 * real dropped) → the doctor edits and signs → a clinical record, the summary in the patient's Telegram chat
 * (fake Bot API) and its PDF in their documents. Plus: no consent, nothing kept; no speech, no draft; 404s.
 */

let t: TestApp;
let stt: FakeTranscription;
let llm: FakeOpenAI;
let tg: FakeTelegram;
let dr: Session & { doctorId: number };
let otherDoctor: Session & { doctorId: number };
let outsider: Session;
let admin: Session;
let nurse: Session;
let nextChat = 7700;

const SUMMARY =
  "What we found: your blood pressure is high.\n" +
  "What to do: walk each day and eat less salt.\n" +
  "Medicines: take amlodipine 5 mg once a day.\n" +
  "Warning signs: get help at once if you have chest pain or a bad headache.\n" +
  "Follow-up: come back in 4 weeks.";

const contentText = (c: unknown): string => (typeof c === "string" ? c : JSON.stringify(c ?? ""));

/** The fake model: a draft citing the transcript's own ids (plus two statements that must be dropped), or the summary. */
function model(request: ChatRequest): FakeReply {
  const system = JSON.stringify(request.messages[0]?.content ?? "");
  const user = contentText(request.messages.at(-1)?.content);
  if (system.includes("patient's summary")) return { text: SUMMARY };
  const ids = [...user.matchAll(/^\[(\d+)\] (doctor|patient)/gm)].map((m) => ({
    id: Number(m[1]),
    who: m[2],
  }));
  const patientIds = ids.filter((i) => i.who === "patient").map((i) => i.id);
  const doctorIds = ids.filter((i) => i.who === "doctor").map((i) => i.id);
  const statements = [
    {
      section: "subjective",
      text: "Headaches for two weeks, worse in the morning.",
      segment_ids: patientIds,
    },
    { section: "objective", text: "Blood pressure 150/95.", segment_ids: [doctorIds[1]] },
    { section: "assessment", text: "Stage 2 hypertension.", segment_ids: [doctorIds[1], 999_999] },
    { section: "plan", text: "Amlodipine 5 mg once daily; review in 4 weeks.", segment_ids: [doctorIds[2]] },
    { section: "plan", text: "Start an MRI of the brain.", segment_ids: [999_999] },
    { section: "assessment", text: "Migraine.", segment_ids: [] },
  ];
  return { text: "```json\n" + JSON.stringify({ statements }) + "\n```" };
}

beforeAll(async () => {
  [stt, llm, tg] = await Promise.all([FakeTranscription.start(), FakeOpenAI.start(), startFakeTelegram()]);
  llm.respondWith(model);
  t = await buildTestApp({
    env: {
      TRANSCRIPTION_BASE_URL: stt.baseUrl,
      TRANSCRIPTION_MODEL: "whisper-1",
      TRANSCRIPTION_API_KEY: "stt-test-key",
      OPENAI_API_KEY: "sk-test",
      OPENAI_BASE_URL: llm.baseUrl,
      LLM_MAX_RETRIES: "0",
      TELEGRAM_BOT_TOKEN: "123456:test-token",
      TELEGRAM_WEBHOOK_SECRET: "test_webhook_secret_0123456789",
      TELEGRAM_API_ROOT: tg.url,
      NOTIFY_RELAY_INTERVAL_MS: "50",
    },
  });
  dr = await verifiedDoctor(t, { name: "Dr Meera Shah" });
  otherDoctor = await verifiedDoctor(t, { name: "Dr Other" });
  outsider = await signUp(t, "patient", { name: "Someone Else" });
  admin = await signInAs(t, "admin");
  nurse = await signInAs(t, "nurse");
});
afterAll(async () => {
  await t.close();
  await Promise.all([stt.close(), llm.close(), tg.close()]);
});

/** A patient with a verified Telegram identity. */
async function patientOnTelegram(name: string): Promise<Session & { patientId: number; chatId: number }> {
  const s = await signUp(t, "patient", { name });
  await t.database.db.update(patients).set({ timeZone: "Asia/Kolkata" }).where(eq(patients.userId, s.userId));
  const chatId = ++nextChat;
  const store = t.app.hub.engine.conversations;
  const identity = await store.identity("telegram", String(chatId));
  await store.linkIdentity(identity.id, s.userId, t.clock.now());
  return { ...s, patientId: s.patientId!, chatId };
}

/** A visit of a (past) appointment between the two, both joined; consent to recording as given. */
async function visitBetween(
  patient: Session & { patientId: number },
  consent: { doctor: boolean; patient: boolean } = { doctor: true, patient: true },
): Promise<{ visitId: number; appointmentId: number }> {
  const appointmentId = await careTeamAppointment(t, dr.doctorId, patient.patientId);
  const db = t.database.db;
  const [visit] = await db
    .insert(visits)
    .values({
      appointmentId,
      mode: "video",
      provider: "webrtc",
      room: `room-${appointmentId}`,
      status: "ended",
      endedAt: t.clock.now(),
    })
    .returning({ id: visits.id });
  const at = t.clock.now();
  const person = (userId: number, role: "doctor" | "patient", yes: boolean) => ({
    visitId: visit!.id,
    userId,
    role,
    joinedAt: at,
    recordingConsentAt: yes ? at : null,
    recordingConsentVersion: yes ? "recording-v1" : null,
  });
  await db
    .insert(visitParticipants)
    .values([
      person(dr.userId, "doctor", consent.doctor),
      person(patient.userId, "patient", consent.patient),
    ]);
  return { visitId: visit!.id, appointmentId };
}

function upload(s: Session, visitId: number, file: Buffer, fields: Record<string, string | number> = {}) {
  const body = multipart(fields, { filename: "mic.wav", contentType: "audio/wav", data: file });
  return t.app.inject({
    method: "POST",
    url: `/api/visits/${visitId}/audio`,
    headers: { ...s.headers, ...body.headers },
    payload: body.payload,
  });
}

const get = (s: Session, url: string) => t.app.inject({ method: "GET", url, headers: s.headers });

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const draftSettled = (visitId: number) =>
  waitFor(`the note of visit ${visitId}`, async () => {
    const res = await get(dr, `/api/visits/${visitId}/note`);
    const note = res.json().note;
    return note && note.draft.status !== "drafting" && note.draft.status !== "none" ? note : undefined;
  });

describe("a recorded visit becomes a signed note and the patient's summary", () => {
  it("transcribes each track, drafts a grounded note, and on signing files the record, the PDF and the chat summary", async () => {
    const asha = await patientOnTelegram("Asha Verma");
    const { visitId, appointmentId } = await visitBetween(asha);
    stt.answer("doctor-1", [
      { start: 0, end: 2.5, text: "Good morning, what brings you in today?" },
      { start: 9, end: 14, text: "Your blood pressure is 150 over 95, which is high." },
      {
        start: 15,
        end: 21,
        text: "I will start amlodipine 5 mg once a day and see you again in four weeks.",
      },
    ]);
    stt.answer("patient-1", [
      {
        start: 0.5,
        end: 6,
        text: "I have had headaches for two weeks now, mostly in the morning when I wake up.",
      },
      { start: 10, end: 10.5, text: " ", no_speech_prob: 0.9, avg_logprob: -1.5 },
    ]);

    const mine = await upload(dr, visitId, wav("doctor-1"));
    expect(mine.statusCode).toBe(202);
    expect(mine.json().audio.status).toBe("uploaded");
    // The patient's recording began 2 s into the visit: their segments are shifted by it.
    expect((await upload(asha, visitId, wav("patient-1"), { offset_ms: 2000 })).statusCode).toBe(202);

    const transcript = await waitFor("the transcript", async () => {
      const res = await get(asha, `/api/visits/${visitId}/transcript`);
      return res.json().transcript.status === "ready" ? res.json().transcript : undefined;
    });
    expect(transcript.segments.map((s: { speaker: string; start: number }) => [s.speaker, s.start])).toEqual([
      ["doctor", 0],
      ["patient", 2.5],
      ["doctor", 9],
      ["doctor", 15],
    ]);
    expect(transcript.segments[1].text).toContain("headaches for two weeks");
    expect(stt.requests.every((r) => r.responseFormat === "verbose_json" && r.model === "whisper-1")).toBe(
      true,
    );
    expect(stt.requests.every((r) => r.authorization === "Bearer stt-test-key")).toBe(true);

    // At rest: neither the audio nor the segments hold the words in the clear.
    const rows = await t.database.db
      .select()
      .from(transcriptSegments)
      .where(eq(transcriptSegments.visitId, visitId));
    expect(rows).toHaveLength(4);
    for (const row of rows)
      expect(Buffer.from(row.textCiphertext, "base64").toString("latin1")).not.toContain("headache");
    const [audio] = await t.database.db.select().from(visitAudio).where(eq(visitAudio.speaker, "doctor"));
    const stored = await t.storage.get(audio!.storageKey);
    expect(stored!.includes(Buffer.from("MARK:doctor-1:"))).toBe(false);

    // The draft: statements cite real segments; the ones citing nothing real are gone.
    const ids = new Set(rows.map((r) => r.id));
    const draft = await draftSettled(visitId);
    expect(draft.status).toBe("draft");
    expect(draft.draft.status).toBe("ready");
    expect(draft.statements.map((s: { text: string }) => s.text)).toEqual([
      "Headaches for two weeks, worse in the morning.",
      "Blood pressure 150/95.",
      "Stage 2 hypertension.",
      "Amlodipine 5 mg once daily; review in 4 weeks.",
    ]);
    for (const s of draft.statements) for (const id of s.segment_ids) expect(ids.has(id)).toBe(true);
    expect(draft.sections.plan).not.toContain("MRI");
    expect(draft.sections.assessment).toBe("Stage 2 hypertension.");

    // Before the signature the patient cannot see the note.
    expect((await get(asha, `/api/visits/${visitId}/note`)).statusCode).toBe(404);

    const edited = await t.app.inject({
      method: "PUT",
      url: `/api/visits/${visitId}/note`,
      headers: dr.headers,
      payload: {
        sections: { plan: "Amlodipine 5 mg once daily. Less salt, daily walks. Review in 4 weeks." },
      },
    });
    expect(edited.statusCode).toBe(200);
    expect(edited.json().note.sections.plan).toContain("daily walks");
    expect(edited.json().note.sections.assessment).toBe("Stage 2 hypertension.");

    const signed = await t.app.inject({
      method: "POST",
      url: `/api/visits/${visitId}/note/sign`,
      headers: dr.headers,
    });
    expect(signed.statusCode).toBe(200);
    const note = signed.json().note;
    expect(note.status).toBe("signed");
    expect(note.record_id).toEqual(expect.any(Number));
    expect(note.document_id).toEqual(expect.any(Number));
    expect(note.patient_summary).toBe(SUMMARY);
    expect(fleschKincaidGrade(note.patient_summary)).toBeLessThanOrEqual(8);
    // The summary was written from the signed note only: the model saw the note, not the transcript.
    const summaryRequest = llm.requests.find((r) =>
      String(r.messages[0]?.content).includes("patient's summary"),
    );
    expect(String(summaryRequest!.messages.at(-1)!.content)).toContain("daily walks");
    expect(String(summaryRequest!.messages.at(-1)!.content)).not.toContain("wake up");

    // A signed note is final.
    expect(
      (
        await t.app.inject({ method: "POST", url: `/api/visits/${visitId}/note/sign`, headers: dr.headers })
      ).json().error.code,
    ).toBe("NOTE_SIGNED");
    const late = await t.app.inject({
      method: "PUT",
      url: `/api/visits/${visitId}/note`,
      headers: dr.headers,
      payload: { sections: { plan: "changed" } },
    });
    expect([late.statusCode, late.json().error.code]).toEqual([409, "NOTE_SIGNED"]);

    // The clinical record, linked to the appointment.
    const records = (await get(asha, "/api/patient/clinical/records/")).json().clinical_records;
    const record = records.find((r: { record_id: number }) => r.record_id === note.record_id);
    expect(record.appointment_id).toBe(appointmentId);
    expect(record.diagnosis).toBe("Stage 2 hypertension.");
    expect(record.notes).toContain("daily walks");

    // The PDF in the patient's documents.
    const docs = (await get(asha, "/api/patient/documents/")).json().documents;
    expect(docs.map((d: { id: number }) => d.id)).toContain(note.document_id);
    const pdf = await get(asha, `/api/patient/documents/${note.document_id}/download`);
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers["content-type"]).toContain("application/pdf");
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe("%PDF-");

    // The summary in the patient's Telegram chat.
    const text = await waitFor("the summary on Telegram", () => {
      const sent = tg
        .sent("sendMessage")
        .filter((c) => Number(c.params.chat_id) === asha.chatId)
        .map((c) => String(c.params.text));
      return Promise.resolve(sent.find((s) => s.includes("Your visit summary from Dr Meera Shah")));
    });
    expect(text).toContain("amlodipine 5 mg once a day");

    // Jobs run again (at least once delivery): one set of segments, one record, one document, one message.
    for (const a of await t.database.db.select().from(visitAudio).where(eq(visitAudio.visitId, visitId))) {
      await t.database.db.update(visitAudio).set({ status: "uploaded" }).where(eq(visitAudio.id, a.id));
      await t.services.transcripts.transcribe(a.id);
    }
    expect(
      await t.database.db.select().from(transcriptSegments).where(eq(transcriptSegments.visitId, visitId)),
    ).toHaveLength(4);
    await t.services.visitNotes.draft(visitId);
    const [noteRow] = await t.database.db.select().from(visitNotes).where(eq(visitNotes.visitId, visitId));
    await t.services.visitNotes.completeSigning(noteRow!.id);
    expect((await get(asha, "/api/patient/clinical/records/")).json().clinical_records).toHaveLength(
      records.length,
    );
    expect((await get(asha, "/api/patient/documents/")).json().documents).toHaveLength(docs.length);
    expect((await get(dr, `/api/visits/${visitId}/note`)).json().note.sections.plan).toContain("daily walks");
    await t.relay.tick();
    await new Promise((r) => setTimeout(r, 300));
    expect(
      tg
        .sent("sendMessage")
        .filter(
          (c) => Number(c.params.chat_id) === asha.chatId && String(c.params.text).includes("visit summary"),
        ),
    ).toHaveLength(1);

    // Now the patient sees the signed note; every read was audited.
    const seen = await get(asha, `/api/visits/${visitId}/note`);
    expect(seen.statusCode).toBe(200);
    expect(seen.json().note.status).toBe("signed");
    const audits = await t.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.resourceId, String(visitId)), eq(auditLog.patientId, asha.patientId)));
    const seenAs = (type: string, outcome: string, userId: number) =>
      audits.some((a) => a.resourceType === type && a.outcome === outcome && a.actorUserId === userId);
    expect(seenAs("visit_transcript", "allowed", asha.userId)).toBe(true);
    expect(seenAs("visit_note", "allowed", dr.userId)).toBe(true);
    expect(seenAs("visit_note", "not_found", asha.userId)).toBe(true);
    expect(seenAs("visit_note", "allowed", asha.userId)).toBe(true);
  });

  it("keeps nothing when one person did not consent to recording", async () => {
    const p = await signUp(t, "patient", { name: "No Consent" });
    const { visitId } = await visitBetween(p as Session & { patientId: number }, {
      doctor: true,
      patient: false,
    });
    stt.answer("never", [{ start: 0, end: 1, text: "Should never be transcribed." }]);
    const transcribed = stt.requests.length;
    const res = await upload(dr, visitId, wav("never"));
    expect([res.statusCode, res.json().error.code]).toEqual([409, "RECORDING_NOT_CONSENTED"]);
    const kept = await t.database.db.select().from(visitAudio).where(eq(visitAudio.visitId, visitId));
    expect(kept).toHaveLength(0);
    await t.relay.tick();
    expect(stt.requests.length).toBe(transcribed);
    const transcript = (await get(dr, `/api/visits/${visitId}/transcript`)).json().transcript;
    expect(transcript).toEqual({ visit_id: visitId, status: "none", segments: [] });
  });

  it("drafts no note from an empty recording and tells the doctor why; the doctor writes and signs it", async () => {
    const p = await patientOnTelegram("Quiet Patient");
    const { visitId } = await visitBetween(p);
    stt.answer("silent-doctor", []);
    stt.answer("silent-patient", [{ start: 0, end: 1, text: "Hello." }]);
    const asked = llm.requests.length;
    expect((await upload(dr, visitId, wav("silent-doctor"))).statusCode).toBe(202);
    expect((await upload(p, visitId, wav("silent-patient"))).statusCode).toBe(202);

    const note = await draftSettled(visitId);
    expect(note.draft.status).toBe("not_drafted");
    expect(note.draft.reason).toBe("TOO_LITTLE_SPEECH");
    expect(note.draft.message).toContain("Too little speech");
    expect(note.statements).toEqual([]);
    expect(llm.requests.length).toBe(asked); // the model was never asked to invent a visit

    const empty = await t.app.inject({
      method: "POST",
      url: `/api/visits/${visitId}/note/sign`,
      headers: dr.headers,
    });
    expect([empty.statusCode, empty.json().error.code]).toEqual([422, "NOTE_EMPTY"]);
    await t.app.inject({
      method: "PUT",
      url: `/api/visits/${visitId}/note`,
      headers: dr.headers,
      payload: { sections: { assessment: "Well.", plan: "Come back in 2 weeks if not better." } },
    });
    const signed = await t.app.inject({
      method: "POST",
      url: `/api/visits/${visitId}/note/sign`,
      headers: dr.headers,
    });
    expect(signed.json().note.status).toBe("signed");
    expect(signed.json().note.record_id).toEqual(expect.any(Number));
    const [row] = await t.database.db.select().from(visitNotes).where(eq(visitNotes.visitId, visitId));
    expect(row!.documentId).toEqual(expect.any(Number));
  });

  it("refuses audio that is not WebM, Ogg or WAV by its content", async () => {
    const p = await signUp(t, "patient", { name: "Png Sender" });
    const { visitId } = await visitBetween(p as Session & { patientId: number });
    const res = await upload(p, visitId, PNG_1X1);
    expect([res.statusCode, res.json().error.code]).toEqual([422, "UNSUPPORTED_AUDIO_TYPE"]);
  });
});

describe("failures and lost jobs", () => {
  it("marks a track failed after its last attempt, and the sweep then reports why no note was drafted", async () => {
    const p = await signUp(t, "patient", { name: "Broken Track" });
    const { visitId } = await visitBetween(p as Session & { patientId: number });
    stt.answer("broken", { status: 500 });
    const res = await upload(dr, visitId, wav("broken"));
    expect(res.statusCode).toBe(202);
    // The job's last attempt (earlier ones throw and are retried by the queue).
    await expect(t.services.transcripts.transcribe(res.json().audio.id, 1)).rejects.toMatchObject({
      code: "TRANSCRIPTION_FAILED",
    });
    await t.services.transcripts.transcribe(res.json().audio.id, TRANSCRIBE_ATTEMPTS);
    expect((await get(dr, `/api/visits/${visitId}/transcript`)).json().transcript.status).toBe("failed");

    // One track and the visit just ended: the other track is waited for; past the grace period the relay's
    // sweep asks for the draft, which explains why there is none.
    expect(await t.services.transcripts.readyForDraft(visitId)).toBe(false);
    t.clock.advance(3 * 60_000);
    try {
      await t.relay.tick();
      const note = await draftSettled(visitId);
      expect([note.draft.status, note.draft.reason]).toEqual(["not_drafted", "NO_TRANSCRIPT"]);
    } finally {
      t.clock.set(TEST_NOW);
    }
  });
});

describe("only the visit's two people reach its recording, transcript and note", () => {
  it("answers 404 to everyone else on every route, and for a visit that does not exist", async () => {
    const p = await signUp(t, "patient", { name: "Private Patient" });
    const { visitId } = await visitBetween(p as Session & { patientId: number });
    const routes = (id: number) => [
      { method: "GET" as const, url: `/api/visits/${id}/transcript` },
      { method: "GET" as const, url: `/api/visits/${id}/note` },
      { method: "PUT" as const, url: `/api/visits/${id}/note`, payload: { sections: { plan: "x" } } },
      { method: "POST" as const, url: `/api/visits/${id}/note/sign` },
    ];
    for (const who of [outsider, otherDoctor, admin, nurse]) {
      for (const r of routes(visitId)) {
        const res = await t.app.inject({ ...r, headers: who.headers });
        expect([r.method, r.url, res.statusCode]).toEqual([r.method, r.url, 404]);
      }
      expect((await upload(who, visitId, wav("x"))).statusCode).toBe(404);
    }
    // The patient may neither edit nor sign the note.
    for (const r of routes(visitId).slice(1)) {
      expect((await t.app.inject({ ...r, headers: p.headers })).statusCode).toBe(404);
    }
    for (const r of routes(2_000_000)) {
      expect((await t.app.inject({ ...r, headers: dr.headers })).statusCode).toBe(404);
    }
    expect((await t.app.inject({ method: "GET", url: `/api/visits/${visitId}/note` })).statusCode).toBe(401);
  });
});
