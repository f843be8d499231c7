import { randomBytes } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { visitAudio, visitParticipants, visits } from "../../db/schema/index.js";
import { decrypt } from "../../domain/records/crypto.js";
import { buildTestApp, type TestApp } from "../app.js";
import { signUp, verifiedDoctor, type Session } from "../factories.js";
import { FakeTranscription, wav } from "../fakes/transcription.js";
import { signedWebhook } from "../fakes/twilio.js";
import { startFakeTwilioVideo, type FakeTwilioVideo } from "../fakes/twilio-video.js";

// A Twilio Video visit's recordings: the signed room-ended callback → a job lists the room's audio tracks
// through Twilio's REST API (the local fake), downloads each track's media, tells the tracks apart by the
// participant sids the status callbacks recorded → the fake transcription server → segments per speaker.

const ACCOUNT_SID = `AC${randomBytes(16).toString("hex")}`;
const AUTH_TOKEN = randomBytes(16).toString("hex");
const API_KEY_SID = `SK${randomBytes(16).toString("hex")}`;
const API_KEY_SECRET = randomBytes(16).toString("hex");
const BASE = "http://healthlink.test";
const pa = () => `PA${randomBytes(16).toString("hex")}`;

let t: TestApp;
let fake: FakeTwilioVideo;
let stt: FakeTranscription;
let doctor: Session & { doctorId: number };
beforeAll(async () => {
  [fake, stt] = await Promise.all([
    startFakeTwilioVideo(API_KEY_SID, API_KEY_SECRET),
    FakeTranscription.start(),
  ]);
  t = await buildTestApp({
    env: {
      TWILIO_ACCOUNT_SID: ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      TWILIO_API_KEY_SID: API_KEY_SID,
      TWILIO_API_KEY_SECRET: API_KEY_SECRET,
      TWILIO_VIDEO_API_BASE_URL: fake.url,
      TRANSCRIPTION_BASE_URL: stt.baseUrl,
    },
  });
  doctor = await verifiedDoctor(t, { autoAccept: true, feeMinor: 0 });
});
afterAll(async () => {
  await t.close();
  await Promise.all([fake.close(), stt.close()]);
});

const callback = (params: Record<string, string>) =>
  t.app.inject({ method: "POST", ...signedWebhook(AUTH_TOKEN, BASE, "/webhooks/twilio/video", params) });

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A Twilio visit both people joined (the callbacks carry their participant sids), consent as given. */
async function twilioVisit(consent: { doctor: boolean; patient: boolean }) {
  const patient = await signUp(t, "patient");
  const res = await t.app.inject({
    method: "POST",
    url: "/api/book/appointment/",
    headers: patient.headers,
    payload: {
      doctor_id: doctor.doctorId,
      appointment_date: "2030-01-08",
      appointment_time: "10:00 AM",
      mode: "video",
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  const appt = res.json<{ appointment: { id: number; starts_at: string } }>().appointment;
  t.clock.set(new Date(Date.parse(appt.starts_at) - 60_000));
  const joined = await t.app.inject({
    method: "POST",
    url: `/api/appointments/${appt.id}/visit/join`,
    headers: patient.headers,
  });
  const visit = joined.json<{ visit: { id: number; room: string } }>().visit;
  const room = fake.rooms.find((r) => r.sid === visit.room)!;
  const sids = { patient: pa(), doctor: pa(), doctorAgain: pa() };
  const event = (e: string, identity?: string, participantSid?: string) => ({
    AccountSid: ACCOUNT_SID,
    RoomSid: room.sid,
    RoomName: room.uniqueName,
    StatusCallbackEvent: e,
    ...(identity ? { ParticipantIdentity: identity } : {}),
    ...(participantSid ? { ParticipantSid: participantSid } : {}),
  });
  const send = async (params: Record<string, string>) =>
    expect((await callback(params)).statusCode).toBe(204);
  await send(event("participant-connected", `patient-${patient.userId}`, sids.patient));
  await send(event("participant-connected", `doctor-${doctor.userId}`, sids.doctor));
  // The doctor's connection dropped and came back: a second participant sid for the same person (sent twice).
  await send(event("participant-disconnected", `doctor-${doctor.userId}`, sids.doctor));
  await send(event("participant-connected", `doctor-${doctor.userId}`, sids.doctorAgain));
  await send(event("participant-connected", `doctor-${doctor.userId}`, sids.doctorAgain));
  for (const [userId, yes] of [
    [doctor.userId, consent.doctor],
    [patient.userId, consent.patient],
  ] as const)
    if (yes)
      await t.database.db
        .update(visitParticipants)
        .set({ recordingConsentAt: t.clock.now(), recordingConsentVersion: "recording-v1" })
        .where(and(eq(visitParticipants.visitId, visit.id), eq(visitParticipants.userId, userId)));
  return { patient, visitId: visit.id, room, sids, event, send };
}

describe("Twilio Video recordings after the room ends", () => {
  it("fetches each audio track, tells doctor from patient by participant sid, and transcribes per speaker", async () => {
    const v = await twilioVisit({ doctor: true, patient: true });
    const [p1, d1, d2] = ["tw-patient", "tw-doctor-1", "tw-doctor-2"];
    fake.addRecording({ roomSid: v.room.sid, participantSid: v.sids.patient, media: wav(p1), offset: 1_000 });
    fake.addRecording({ roomSid: v.room.sid, participantSid: v.sids.doctor, media: wav(d1), offset: 2_000 });
    fake.addRecording({
      roomSid: v.room.sid,
      participantSid: v.sids.doctorAgain,
      media: wav(d2),
      offset: 9_000,
    });
    // A track of someone the visit log does not know is not kept.
    fake.addRecording({ roomSid: v.room.sid, participantSid: pa(), media: wav("stranger"), offset: 1_000 });
    stt.answer(p1, [{ start: 0.5, end: 3, text: "I have had headaches for two weeks." }]);
    stt.answer(d1, [{ start: 0, end: 2, text: "Tell me about the headaches." }]);
    stt.answer(d2, [{ start: 1, end: 4, text: "Your blood pressure is high." }]);

    await v.send(v.event("room-ended"));
    const transcript = await waitFor("the transcript", async () => {
      const res = await t.app.inject({
        method: "GET",
        url: `/api/visits/${v.visitId}/transcript`,
        headers: doctor.headers,
      });
      const body = res.json<{
        transcript: { status: string; segments: { speaker: string; start: number; text: string }[] };
      }>().transcript;
      return body.status === "ready" && body.segments.length === 3 ? body : undefined;
    });
    // Merged by time on the room's clock: the tracks' offsets are relative to the first track's.
    expect(transcript.segments.map((s) => [s.speaker, s.start, s.text])).toEqual([
      ["patient", 0.5, "I have had headaches for two weeks."],
      ["doctor", 1, "Tell me about the headaches."],
      ["doctor", 9, "Your blood pressure is high."],
    ]);

    // Stored like the page's uploads: encrypted, one row per recording, marked with its sid.
    const rows = await t.database.db.select().from(visitAudio).where(eq(visitAudio.visitId, v.visitId));
    expect(rows.map((r) => [r.speaker, r.mimeType]).sort()).toEqual([
      ["doctor", "audio/wav"],
      ["doctor", "audio/wav"],
      ["patient", "audio/wav"],
    ]);
    const sealed = await t.storage.get(rows[0]!.storageKey);
    expect(sealed!.includes(Buffer.from("MARK:"))).toBe(false);
    expect(
      decrypt(t.config.storage.encryptionKey, sealed!, rows[0]!.storageKey).includes(Buffer.from("MARK:")),
    ).toBe(true);
    // The media URL was fetched without our credentials; every REST call carried the API key.
    expect(fake.mediaDownloads.length).toBeGreaterThanOrEqual(3);
    expect(fake.mediaDownloads.every((d) => d.authorization === undefined)).toBe(true);
    expect(fake.requests.filter((r) => r.path.startsWith("/v1")).every((r) => r.user === API_KEY_SID)).toBe(
      true,
    );
    const [marked] = await t.database.db.select().from(visits).where(eq(visits.id, v.visitId));
    expect(marked!.recordingsFetchedAt).not.toBeNull();

    // The job again (a retry, the sweep, a repeated callback): nothing is fetched or stored twice.
    const downloads = fake.mediaDownloads.length;
    await t.database.db.update(visits).set({ recordingsFetchedAt: null }).where(eq(visits.id, v.visitId));
    await t.services.transcripts.fetchProviderRecordings(v.visitId);
    await v.send(v.event("room-ended"));
    expect(
      await t.database.db.select().from(visitAudio).where(eq(visitAudio.visitId, v.visitId)),
    ).toHaveLength(3);
    expect(fake.mediaDownloads.length).toBe(downloads);
  });

  it("waits while Twilio is still processing a track (the job fails and is retried)", async () => {
    const v = await twilioVisit({ doctor: true, patient: true });
    fake.addRecording({
      roomSid: v.room.sid,
      participantSid: v.sids.patient,
      media: wav("proc-p"),
      status: "processing",
    });
    await expect(t.services.transcripts.fetchProviderRecordings(v.visitId)).resolves.toBeUndefined(); // not ended yet
    await t.services.visits.roomEnded(v.visitId);
    await expect(t.services.transcripts.fetchProviderRecordings(v.visitId)).rejects.toMatchObject({
      code: "RECORDINGS_PROCESSING",
    });
    expect(await t.database.db.select().from(visitAudio).where(eq(visitAudio.visitId, v.visitId))).toEqual(
      [],
    );
    fake.recordings.find((r) => r.roomSid === v.room.sid)!.status = "completed";
    await t.services.transcripts.fetchProviderRecordings(v.visitId);
    const rows = await t.database.db.select().from(visitAudio).where(eq(visitAudio.visitId, v.visitId));
    expect(rows.map((r) => r.speaker)).toEqual(["patient"]);
  });

  it("fetches nothing when one person did not consent", async () => {
    const v = await twilioVisit({ doctor: true, patient: false });
    fake.addRecording({ roomSid: v.room.sid, participantSid: v.sids.patient, media: wav("nc-p") });
    const listed = fake.requests.filter((r) => r.path.endsWith("/Recordings")).length;
    await v.send(v.event("room-ended"));
    await waitFor("the visit marked fetched", async () => {
      const [row] = await t.database.db.select().from(visits).where(eq(visits.id, v.visitId));
      return row!.recordingsFetchedAt ?? undefined;
    });
    expect(await t.database.db.select().from(visitAudio).where(eq(visitAudio.visitId, v.visitId))).toEqual(
      [],
    );
    expect(fake.requests.filter((r) => r.path.endsWith("/Recordings")).length).toBe(listed);
  });
});
