import { randomBytes } from "node:crypto";
import { fileTypeFromBuffer } from "file-type";
import type { ServiceContext } from "../context.js";
import { decrypt, encrypt } from "../records/crypto.js";
import type { DocumentStorage } from "../records/storage.js";
import type { Actor } from "../shared/actor.js";
import { conflict, DomainError, notFound, unprocessable } from "../shared/errors.js";
import {
  TranscriptsRepository,
  type AudioRow,
  type SegmentRow,
  type VisitContext,
} from "./transcripts-repository.js";
import type { VisitsService } from "./visits.js";

/** The transcription jobs (ids only in their data). */
export const TRANSCRIPT_JOBS = {
  transcribe: "visit.transcribe",
  draftNote: "visit.draft_note",
} as const;
export const transcribeJobId = (audioId: number) => `visit-audio:${audioId}`;
export const draftJobId = (visitId: number) => `visit-note:${visitId}`;
/** Attempts of a transcription before its audio is marked failed. */
export const TRANSCRIBE_ATTEMPTS = 5;
/** How long after a visit ends a missing second track is waited for before drafting from one track. */
export const LATE_TRACK_GRACE_MS = 2 * 60_000;

/** One segment as the speech-to-text server gives it (seconds from the start of its track). */
export interface SpokenSegment {
  start: number;
  end: number;
  text: string;
}

/** The speech-to-text port (infra/transcription.ts: any OpenAI-compatible `/audio/transcriptions`). */
export interface Transcriber {
  readonly model: string;
  transcribe(audio: { bytes: Buffer; mimeType: string; filename: string }): Promise<SpokenSegment[]>;
}

export type Speaker = "doctor" | "patient";

export interface TranscriptSegment {
  id: number;
  speaker: Speaker;
  /** Seconds from the start of the visit. */
  start: number;
  end: number;
  text: string;
}

export type TranscriptStatus = "none" | "processing" | "ready" | "failed" | "not_configured";

export interface TranscriptView {
  visit_id: number;
  status: TranscriptStatus;
  segments: TranscriptSegment[];
}

export interface AudioUpload {
  bytes: Buffer;
  /** When this person's recording began, in milliseconds from the start of the visit. */
  offsetMs?: number | undefined;
  /**
   * Or when it began on the uploader's clock (the visit page sends this: it does not know when the server
   * started the visit). Turned into an offset from the visit's start (or its appointment's) here.
   */
  startedAt?: Date | undefined;
}

/** The recorded audio types we keep, by the bytes (never by the name or the declared type). */
const AUDIO_TYPES: Record<string, string> = {
  webm: "audio/webm",
  ogg: "audio/ogg",
  opus: "audio/ogg",
  oga: "audio/ogg",
  wav: "audio/wav",
  // Twilio Video's audio tracks: Matroska audio with Opus, which is what WebM is (sent to the server as .webm).
  mka: "audio/webm",
};

/** The audio type of the bytes (sniffed), if it is one we keep. */
async function audioType(bytes: Buffer): Promise<string | undefined> {
  const found = await fileTypeFromBuffer(bytes);
  return found ? AUDIO_TYPES[found.ext] : undefined;
}

const TRANSCRIPT = "visit_transcript";
const AUDIO = "visit_audio";

/** The visit's patient or doctor, or nobody: everyone else is answered "not found". */
export function visitRole(visit: VisitContext, actor: Actor): Speaker | undefined {
  if (actor.role === "patient" && actor.userId === visit.patientUserId) return "patient";
  if (actor.role === "doctor" && visit.doctorUserId !== null && actor.userId === visit.doctorUserId)
    return "doctor";
  return undefined;
}

/** The associated data that binds a segment's ciphertext to its visit and audio. */
const segmentAad = (visitId: number, audioId: number) => `transcript:${visitId}:${audioId}`;

/**
 * Visit recordings and their transcript. Each person's own microphone is one track (no diarization):
 * uploaded only when both people consented to recording at join, stored encrypted like documents,
 * transcribed by a job (ids only, retried, idempotent), its segments' text encrypted at rest. The transcript
 * is for the visit's two people only; every read is audited, and none of it is logged.
 */
export class TranscriptService {
  readonly repo: TranscriptsRepository;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly storage: DocumentStorage,
    private readonly transcriber: Transcriber | undefined,
    /** The visits (their provider's recordings of a room, the participants' provider sids). */
    private readonly visits?: VisitsService,
  ) {
    this.repo = new TranscriptsRepository(ctx.db);
  }

  get transcriptionConfigured(): boolean {
    return this.transcriber !== undefined;
  }

  /** The visit as this actor may see it (their role in it), or a 404 with an audit row. */
  async visitFor(
    actor: Actor,
    visitId: number,
    entry: { action: string; resourceType: string },
  ): Promise<{ visit: VisitContext; role: Speaker }> {
    const visit = await this.repo.findVisit(visitId);
    const role = visit ? visitRole(visit, actor) : undefined;
    if (!visit || !role) {
      await this.ctx.audit.record(actor, {
        ...entry,
        patientId: visit?.patientId ?? null,
        resourceId: visitId,
        outcome: "not_found",
      });
      throw notFound("Visit", "VISIT_NOT_FOUND");
    }
    return { visit, role };
  }

  /** Both the doctor and the patient consented to recording at join (time and version stored there). */
  async bothConsented(visitId: number): Promise<boolean> {
    const people = await this.repo.consents(visitId);
    const consented = (role: Speaker) =>
      people.some(
        (p) => p.role === role && p.recordingConsentAt !== null && p.recordingConsentVersion !== null,
      );
    return consented("doctor") && consented("patient");
  }

  /** A person's recording of their own microphone: 202 with the audio's id, transcribed by a job. */
  async uploadAudio(
    actor: Actor,
    visitId: number,
    upload: AudioUpload,
  ): Promise<{ audio_id: number; status: string }> {
    const { visit, role } = await this.visitFor(actor, visitId, { action: "create", resourceType: AUDIO });
    const entry = { patientId: visit.patientId, action: "create", resourceType: AUDIO };
    if (!(await this.bothConsented(visitId))) {
      await this.ctx.audit.record(actor, { ...entry, resourceId: visitId, outcome: "denied" });
      throw conflict(
        "RECORDING_NOT_CONSENTED",
        "Both people must consent to recording at join before audio is kept.",
      );
    }
    if (upload.bytes.length > this.ctx.config.visitAudioMaxBytes) {
      throw new DomainError("invalid", "PAYLOAD_TOO_LARGE", "The recording is too large.");
    }
    const mimeType = await audioType(upload.bytes);
    if (mimeType === undefined) {
      throw unprocessable("UNSUPPORTED_AUDIO_TYPE", "Only WebM, Ogg and WAV recordings can be uploaded.");
    }
    const key = `visit-audio/${randomBytes(1).toString("hex")}/${randomBytes(16).toString("hex")}`;
    await this.storage.put(key, encrypt(this.ctx.config.storage.encryptionKey, upload.bytes, key));
    let audio: AudioRow;
    try {
      audio = await this.ctx.db.transaction(async (tx) => {
        const row = await this.repo.insertAudio(tx, {
          visitId,
          speaker: role,
          storageKey: key,
          mimeType,
          bytes: upload.bytes.length,
          startOffsetMs: Math.max(
            0,
            Math.round(
              upload.offsetMs ??
                (upload.startedAt
                  ? upload.startedAt.getTime() - (visit.startedAt ?? visit.appointmentStartsAt).getTime()
                  : 0),
            ),
          ),
          createdAt: this.ctx.clock.now(),
        });
        await this.ctx.audit.record(actor, { ...entry, resourceId: row.id, outcome: "allowed" }, tx);
        return row;
      });
    } catch (err) {
      await this.storage.delete(key).catch(() => undefined);
      throw err;
    }
    // After the commit: the job is the fast path; the relay's sweep finds audio whose job was lost.
    if (this.transcriber) await this.enqueueTranscription(audio.id).catch(() => undefined);
    return { audio_id: audio.id, status: audio.status };
  }

  /**
   * The job after a recording provider's room ended (Twilio): when both people consented, each audio track the
   * provider recorded is fetched, told apart by its participant sid (kept from the status callbacks: doctor or
   * patient; a nurse's track or an unknown participant is not kept), stored encrypted like an upload and
   * transcribed like one. Idempotent: a track is stored once (unique on its recording sid) and the visit is
   * marked fetched at the end. Tracks the provider is still processing make the job fail and be retried.
   */
  async fetchProviderRecordings(visitId: number): Promise<void> {
    const provider = this.visits?.provider;
    if (!this.visits || !provider?.audioRecordings || !provider.recordingMedia) return;
    const room = await this.visits.recordedRoom(visitId);
    if (!room || room.fetched) return;
    if (!(await this.bothConsented(visitId))) return this.visits.markRecordingsFetched(visitId);
    const tracks = await provider.audioRecordings(room.room);
    if (tracks.some((t) => t.status === "processing" || t.status === "enqueued"))
      throw new DomainError(
        "unavailable",
        "RECORDINGS_PROCESSING",
        "The provider is still processing the tracks.",
      );
    const usable = tracks.filter((t) => t.status === "completed");
    const firstOffset = Math.min(...usable.map((t) => t.offsetMs));
    const stored = await this.repo.providerRecordingSids(visitId);
    const speakerOf = (participantSid: string): Speaker | undefined => {
      const role = room.participants.find((p) => p.sids.includes(participantSid))?.role;
      return role === "doctor" || role === "patient" ? role : undefined;
    };
    for (const track of usable) {
      const speaker = speakerOf(track.participantSid);
      if (!speaker || stored.has(track.sid)) continue;
      const bytes = await provider.recordingMedia(track.sid, this.ctx.config.visitAudioMaxBytes);
      const mimeType = await audioType(bytes);
      if (!mimeType) continue; // not audio we can transcribe: the track is skipped, the rest kept
      const key = `visit-audio/${randomBytes(1).toString("hex")}/${randomBytes(16).toString("hex")}`;
      await this.storage.put(key, encrypt(this.ctx.config.storage.encryptionKey, bytes, key));
      const row = await this.repo
        .insertProviderAudio(this.ctx.db, {
          visitId,
          speaker,
          storageKey: key,
          mimeType,
          bytes: bytes.length,
          startOffsetMs: Math.max(0, Math.round(track.offsetMs - firstOffset)),
          createdAt: this.ctx.clock.now(),
          providerRecordingSid: track.sid,
        })
        .catch(async (err: unknown) => {
          await this.storage.delete(key).catch(() => undefined);
          throw err;
        });
      // A concurrent run stored it first: this copy of the bytes is not needed.
      if (!row) await this.storage.delete(key).catch(() => undefined);
      else if (this.transcriber) await this.enqueueTranscription(row.id).catch(() => undefined);
    }
    await this.visits.markRecordingsFetched(visitId);
  }

  enqueueTranscription(audioId: number): Promise<void> {
    return this.ctx.jobs.add(
      TRANSCRIPT_JOBS.transcribe,
      { audioId },
      { jobId: transcribeJobId(audioId), attempts: TRANSCRIBE_ATTEMPTS },
    );
  }

  /**
   * The job: transcribes one audio through the speech-to-text server and stores its segments (replacing any
   * from an earlier run, so a repeated job leaves one set). When every track of the visit is done, the note's
   * draft is asked for. The last failed attempt marks the audio failed (no text of it anywhere).
   */
  async transcribe(audioId: number, attempt = 1): Promise<void> {
    if (!this.transcriber) return;
    const audio = await this.repo.findAudio(audioId);
    if (!audio) return;
    if (audio.status !== "transcribed" && audio.status !== "failed") {
      try {
        await this.runTranscription(audio, this.transcriber);
      } catch (err) {
        if (attempt < TRANSCRIBE_ATTEMPTS) throw err;
        const code = err instanceof DomainError ? err.code : "TRANSCRIPTION_FAILED";
        await this.repo.setAudioStatus(this.ctx.db, audio.id, "failed", { error: code });
      }
    }
    await this.requestDraftWhenReady(audio.visitId);
  }

  private async runTranscription(audio: AudioRow, transcriber: Transcriber): Promise<void> {
    await this.repo.setAudioStatus(this.ctx.db, audio.id, "transcribing");
    const sealed = await this.storage.get(audio.storageKey);
    if (!sealed) throw new DomainError("unavailable", "AUDIO_UNAVAILABLE", "The recording is not available.");
    const bytes = decrypt(this.ctx.config.storage.encryptionKey, sealed, audio.storageKey);
    const ext = audio.mimeType === "audio/wav" ? "wav" : audio.mimeType === "audio/ogg" ? "ogg" : "webm";
    const spoken = await transcriber.transcribe({
      bytes,
      mimeType: audio.mimeType,
      filename: `track.${ext}`,
    });
    const key = this.ctx.config.storage.encryptionKey;
    const rows = spoken
      .map((s) => ({ ...s, text: s.text.trim() }))
      .filter((s) => s.text !== "" && Number.isFinite(s.start) && Number.isFinite(s.end))
      .map((s) => ({
        visitId: audio.visitId,
        audioId: audio.id,
        speaker: audio.speaker,
        startMs: audio.startOffsetMs + Math.max(0, Math.round(s.start * 1000)),
        endMs: audio.startOffsetMs + Math.max(0, Math.round(Math.max(s.end, s.start) * 1000)),
        textCiphertext: encrypt(
          key,
          Buffer.from(s.text, "utf8"),
          segmentAad(audio.visitId, audio.id),
        ).toString("base64"),
      }));
    const visit = await this.repo.findVisit(audio.visitId);
    await this.ctx.db.transaction(async (tx) => {
      await this.repo.replaceSegments(tx, audio.id, rows);
      if (visit) await this.ctx.ragChanges.changed(tx, visit.patientId);
      await this.repo.setAudioStatus(tx, audio.id, "transcribed", {
        error: null,
        transcribedAt: this.ctx.clock.now(),
      });
    });
    if (visit) this.ctx.ragChanges.kick(visit.patientId);
  }

  /**
   * The note is drafted once every track is transcribed and either both people's tracks are in or the visit
   * ended LATE_TRACK_GRACE_MS ago (the relay's sweep drafts from the one track then).
   */
  async requestDraftWhenReady(visitId: number): Promise<boolean> {
    if (!(await this.readyForDraft(visitId))) return false;
    await this.ctx.jobs.add(TRANSCRIPT_JOBS.draftNote, { visitId }, { jobId: draftJobId(visitId) });
    return true;
  }

  async readyForDraft(visitId: number): Promise<boolean> {
    const audio = await this.repo.listAudio(visitId);
    if (audio.length === 0 || !(await this.repo.allTranscribed(visitId))) return false;
    const speakers = new Set(audio.map((a) => a.speaker));
    const visit = await this.repo.findVisit(visitId);
    if (!visit) return false;
    if (speakers.size >= 2) return true;
    const ended = visit.status === "ended" ? (visit.endedAt ?? visit.startedAt) : null;
    return ended !== null && this.ctx.clock.now().getTime() - ended.getTime() >= LATE_TRACK_GRACE_MS;
  }

  /** The decrypted segments of a visit, merged by time (for the note's drafting; not audited: no reader). */
  async segments(visitId: number): Promise<TranscriptSegment[]> {
    return (await this.repo.listSegments(visitId)).map((row) => this.openSegment(row));
  }

  private openSegment(row: SegmentRow): TranscriptSegment {
    const text = decrypt(
      this.ctx.config.storage.encryptionKey,
      Buffer.from(row.textCiphertext, "base64"),
      segmentAad(row.visitId, row.audioId),
    ).toString("utf8");
    return { id: row.id, speaker: row.speaker, start: row.startMs / 1000, end: row.endMs / 1000, text };
  }

  async status(visitId: number): Promise<TranscriptStatus> {
    const audio = await this.repo.listAudio(visitId);
    if (audio.length === 0) return "none";
    if (!this.transcriber) return "not_configured";
    if (audio.some((a) => a.status === "uploaded" || a.status === "transcribing")) return "processing";
    if (audio.every((a) => a.status === "failed")) return "failed";
    return "ready";
  }

  /** `GET /api/visits/{id}/transcript`: the visit's two people only; every read audited. */
  async getTranscript(actor: Actor, visitId: number): Promise<TranscriptView> {
    const { visit } = await this.visitFor(actor, visitId, { action: "read", resourceType: TRANSCRIPT });
    // The status first: a track's segments and its "transcribed" commit together, so "ready" means all there.
    const status = await this.status(visitId);
    const segments = await this.segments(visitId);
    await this.ctx.audit.record(actor, {
      patientId: visit.patientId,
      action: "read",
      resourceType: TRANSCRIPT,
      resourceId: visitId,
      outcome: "allowed",
    });
    return { visit_id: visitId, status, segments };
  }

  /** The relay's sweep: audio whose transcription job was lost (older than `before`) is enqueued again. */
  async sweepStranded(before: Date): Promise<number> {
    if (!this.transcriber) return 0;
    const ids = await this.repo.strandedAudio(before);
    for (const id of ids) await this.enqueueTranscription(id);
    return ids.length;
  }
}
