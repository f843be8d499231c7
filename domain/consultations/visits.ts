import { createHmac, timingSafeEqual } from "node:crypto";
import { sha256 } from "../accounts/secrets.js";
import type { ServiceContext } from "../context.js";
import type { SchedulingService } from "../scheduling/service.js";
import type { AppointmentView } from "../scheduling/views.js";
import type { Actor } from "../shared/actor.js";
import { conflict, DomainError, notFound, unprocessable } from "../shared/errors.js";
import { VisitChat } from "./visit-chat.js";
import { createVideoProvider, parseIdentity, type VideoProvider } from "./visits-providers.js";
import { VisitsRepository, type ParticipantRole, type VisitRow } from "./visits-repository.js";

/** The visits' jobs (ids only in their data). */
export const VISIT_JOBS = { fetchRecordings: "visit.fetch_recordings" } as const;
export const fetchRecordingsJobId = (visitId: number) => `visit-recordings:${visitId}`;

/** A visit can be entered until this long after the appointment's end; its links expire then too. */
export const VISIT_GRACE_MINUTES = 30;
const MINUTE = 60_000;
const ONLINE_MODES = new Set(["video", "audio", "chat"]);
/** The version of the recording consent text the visit page shows (stored with each consent). */
export const RECORDING_CONSENT_VERSION = "recording-v1";

/** The join answer: `{visit: …}` of POST /api/appointments/{id}/visit/join. */
export interface VisitJoinView {
  id: number;
  appointment_id: number;
  mode: string;
  provider: string;
  role: ParticipantRole;
  join_url: string;
  expires_at: string;
  /** Both people consented to recording at join: the visit records (the page shows it). */
  recording: boolean;
  room: string;
  token: string;
  [providerField: string]: unknown;
}

/** The visit log: GET /api/appointments/{id}/visit. */
export interface VisitLogView {
  id: number;
  appointment_id: number;
  mode: string;
  provider: string;
  status: string;
  participants: { role: ParticipantRole; joined_at: string | null; left_at: string | null }[];
  started_at: string | null;
  ended_at: string | null;
  duration_seconds: number | null;
  recording: boolean;
}

/** A visit and its signed note (null until signed): the FHIR face's Encounter, note and Provenance. */
export interface PatientVisitView {
  id: number;
  appointment_id: number;
  mode: string;
  status: "open" | "ended";
  started_at: string | null;
  ended_at: string | null;
  note: {
    sections: Record<string, string>;
    /** The model that drafted it; null when the doctor wrote it. */
    drafted_by_model: string | null;
    signed_at: string;
    patient_summary: string | null;
    /** The summary's PDF in the patient's documents. */
    document_id: number | null;
  } | null;
}

/** Who is on a verified signalling connection. */
export interface SignallingClaims {
  visitId: number;
  userId: number;
  role: ParticipantRole;
  expiresAt: Date;
}

/**
 * Online visits: who may join an appointment's visit and when, the provider's room and credentials, the
 * per-person visit links, the visit log (joins, leaves, the end) and the side chat. The appointment itself
 * stays scheduling's: its authorization (404 to strangers) is scheduling's `get`, and the end of the visit
 * completes it through `completeAfterVisit`.
 */
export class VisitsService {
  readonly repo: VisitsRepository;
  readonly provider: VideoProvider;
  /** The visit's thread: the side chat, the API, and chat consultations over the patient's channel. */
  readonly chats: VisitChat;
  private readonly key: Buffer;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly scheduling: SchedulingService,
    provider?: VideoProvider,
  ) {
    this.repo = new VisitsRepository(ctx.db);
    // A key of its own, derived from the JWT secret: a visit token is never an access token and vice versa.
    this.key = createHmac("sha256", ctx.config.auth.jwtSecret).update("healthlink visits v1").digest();
    this.provider = provider ?? createVideoProvider(ctx.config, (c) => this.signSignalling(c));
    this.chats = new VisitChat(ctx, this.repo, scheduling, this.provider.name);
  }

  // Joining ------------------------------------------------------------------------------------------

  /** The visit's room and this person's credentials, inside the join window of a paid online appointment. */
  async join(
    actor: Actor,
    appointmentId: number,
    opts: { recordingConsent?: boolean | undefined } = {},
  ): Promise<VisitJoinView> {
    // Only the two people (and a nurse of the doctor) see the appointment; anyone else gets 404 here.
    const appt = await this.scheduling.get(actor, appointmentId);
    const role = roleOf(actor);
    const now = this.ctx.clock.now();
    const { opensAt, closesAt } = this.window(appt);
    if (!ONLINE_MODES.has(appt.mode))
      throw unprocessable("NOT_ONLINE", "This appointment is in person: it has no online visit.");
    if (appt.status === "cancelled" || appt.status === "rejected")
      throw conflict("APPOINTMENT_CANCELLED", "This appointment was cancelled.");
    if (appt.payment_status === "unpaid")
      throw unprocessable("PAYMENT_REQUIRED", "The appointment must be paid before the visit.");
    if (appt.status === "pending" || appt.status === "proposed")
      throw conflict("APPOINTMENT_NOT_CONFIRMED", "The doctor has not confirmed this appointment yet.");
    if (appt.status === "no_show") throw conflict("VISIT_NOT_OPEN", "This appointment was missed.");
    const existing = await this.repo.byAppointment(appointmentId);
    if (existing?.status === "ended" || appt.status === "completed")
      throw conflict("VISIT_ENDED", "This visit has ended.");
    if (now < opensAt || now >= closesAt)
      throw new DomainError(
        "conflict",
        "VISIT_NOT_OPEN",
        now < opensAt
          ? `The visit opens ${this.ctx.config.visits.earlyJoinMinutes} minutes before the start.`
          : "The time for this visit has passed.",
        { opens_at: opensAt.toISOString(), closes_at: closesAt.toISOString() },
      );

    const visit =
      existing ??
      (await this.repo.ensure({
        appointmentId,
        mode: appt.mode,
        provider: this.provider.name,
        room: await this.provider.ensureRoom(appointmentId),
        now,
      }));
    if (visit.mode === "chat") await this.chats.doctorJoined(actor, visit, appt);
    await this.ctx.audit.record(actor, {
      patientId: appt.patient_id,
      action: "join",
      resourceType: "visit",
      resourceId: visit.id,
      outcome: "allowed",
    });
    // Consent to recording is given at join (the doctor's and the patient's; a nurse's is not asked). Once
    // both have consented the visit records (and the page shows it).
    let recording = visit.recording;
    if (opts.recordingConsent === true && role !== "nurse" && visit.mode !== "chat")
      recording = await this.ctx.db.transaction(async (tx) => {
        await this.repo.lock(tx, visit.id);
        return this.repo.consentToRecording(tx, {
          visitId: visit.id,
          userId: actor.userId,
          role,
          at: now,
          version: RECORDING_CONSENT_VERSION,
        });
      });
    // A provider that records the room (Twilio) is told on every join while the visit records: idempotent, and a
    // failed call is retried by the next join rather than failing this one.
    if (recording && this.provider.recordAudio)
      await this.provider.recordAudio(visit.room).catch(() => undefined);
    return {
      recording,
      id: visit.id,
      appointment_id: appointmentId,
      mode: visit.mode,
      provider: visit.provider,
      role,
      join_url: await this.linkFor(appointmentId, actor.userId, closesAt),
      expires_at: closesAt.toISOString(),
      ...this.provider.credentials({
        room: visit.room,
        visitId: visit.id,
        userId: actor.userId,
        role,
        now,
        expiresAt: closesAt,
      }),
    };
  }

  /** The visit page's join: the link's token stands for its one person; expired or unknown → 404. */
  async joinByLink(
    token: string,
    channel: Actor["channel"] = "web",
    opts: { recordingConsent?: boolean | undefined } = {},
  ): Promise<VisitJoinView> {
    const { actor, appointmentId } = await this.linkActor(token, channel);
    return this.join(actor, appointmentId, opts);
  }

  /** The person a visit link belongs to (the link is their credential on the visit page); 404 when expired. */
  async linkActor(
    token: string,
    channel: Actor["channel"] = "web",
  ): Promise<{ actor: Actor; appointmentId: number }> {
    const holder = token.length <= 100 ? await this.repo.linkHolder(sha256(token)) : undefined;
    if (!holder || holder.expiresAt <= this.ctx.clock.now()) throw notFound("Visit link");
    const actor: Actor = {
      userId: holder.userId,
      role: holder.role,
      patientId: holder.patientId ?? undefined,
      doctorId: holder.doctorId ?? undefined,
      channel,
    };
    return { actor, appointmentId: holder.appointmentId };
  }

  private window(appt: Pick<AppointmentView, "starts_at" | "ends_at">): { opensAt: Date; closesAt: Date } {
    return {
      opensAt: new Date(Date.parse(appt.starts_at) - this.ctx.config.visits.earlyJoinMinutes * MINUTE),
      closesAt: new Date(Date.parse(appt.ends_at) + VISIT_GRACE_MINUTES * MINUTE),
    };
  }

  // Links --------------------------------------------------------------------------------------------

  /**
   * PUBLIC_BASE_URL/visit/<token>: this person's link to this appointment's visit, or null when the
   * appointment is not online or the person is not one of its two people. The token is an HMAC of the
   * appointment, the person and its end (so the same link in the confirmation and every reminder, and a new
   * one when the appointment moves); only its hash is stored. It reveals nothing and expires after the visit.
   */
  async visitLink(appointmentId: number, userId: number): Promise<string | null> {
    const parties = await this.repo.parties(appointmentId);
    if (!parties || !ONLINE_MODES.has(parties.mode)) return null;
    if (userId !== parties.patientUserId && userId !== parties.doctorUserId) return null;
    return this.linkFor(
      appointmentId,
      userId,
      new Date(parties.endsAt.getTime() + VISIT_GRACE_MINUTES * MINUTE),
    );
  }

  private async linkFor(appointmentId: number, userId: number, expiresAt: Date): Promise<string> {
    const token = createHmac("sha256", this.key)
      .update(`link|${appointmentId}|${userId}|${expiresAt.toISOString()}`)
      .digest("base64url");
    await this.repo.upsertLink({ appointmentId, userId, tokenHash: sha256(token), expiresAt });
    return `${this.ctx.config.publicBaseUrl}/visit/${token}`;
  }

  // Signalling tokens (WebRTC) -----------------------------------------------------------------------

  signSignalling(c: SignallingClaims): string {
    const body = `${c.visitId}.${c.userId}.${c.role}.${Math.floor(c.expiresAt.getTime() / 1000)}`;
    return `${body}.${this.mac(body)}`;
  }

  /** The claims of a signalling token this service signed and that has not expired; otherwise undefined. */
  verifySignalling(token: unknown): SignallingClaims | undefined {
    if (typeof token !== "string" || token.length > 200) return undefined;
    const m = /^(\d{1,10})\.(\d{1,10})\.(doctor|patient|nurse)\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!m) return undefined;
    const body = `${m[1]}.${m[2]}.${m[3]}.${m[4]}`;
    const given = Buffer.from(m[5]!, "base64url");
    const expected = Buffer.from(this.mac(body), "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const expiresAt = new Date(Number(m[4]) * 1000);
    if (expiresAt <= this.ctx.clock.now()) return undefined;
    return { visitId: Number(m[1]), userId: Number(m[2]), role: m[3] as ParticipantRole, expiresAt };
  }

  private mac(body: string): string {
    return createHmac("sha256", this.key).update(`signal|${body}`).digest("base64url");
  }

  // The visit log ------------------------------------------------------------------------------------

  /** Whether the visit records (both people consented at join). */
  async isRecording(visitId: number): Promise<boolean> {
    return (await this.repo.byId(visitId))?.recording === true;
  }

  /** Whether a visit exists and has not ended (the signalling upgrade checks it). */
  async isOpen(visitId: number): Promise<boolean> {
    return (await this.repo.byId(visitId))?.status === "open";
  }

  /** A person entered the room (the page's signalling, or the provider's callback). */
  async participantJoined(
    visitId: number,
    userId: number,
    role: ParticipantRole,
    providerParticipantSid?: string,
  ): Promise<void> {
    const now = this.ctx.clock.now();
    await this.ctx.db.transaction(async (tx) => {
      const visit = await this.repo.lock(tx, visitId);
      if (visit?.status !== "open") return;
      await this.repo.joined(tx, visitId, userId, role, now, providerParticipantSid);
      const present = await this.repo.present(tx, visitId);
      if (present.includes("doctor") && present.includes("patient"))
        await this.repo.markStarted(tx, visitId, now);
    });
  }

  /**
   * A person left the room. When the visit had started (both were in) and now nobody is left, it has ended:
   * the appointment is completed.
   */
  async participantLeft(visitId: number, userId: number): Promise<void> {
    const now = this.ctx.clock.now();
    const ended = await this.ctx.db.transaction(async (tx) => {
      const visit = await this.repo.lock(tx, visitId);
      if (visit?.status !== "open") return undefined;
      await this.repo.left(tx, visitId, userId, now);
      if (visit.startedAt === null || (await this.repo.present(tx, visitId)).length > 0) return undefined;
      await this.repo.markEnded(tx, visitId, now);
      return visit;
    });
    if (ended) await this.scheduling.completeAfterVisit(ended.appointmentId);
  }

  /** The provider closed the room (Twilio's room-ended): the visit ends whoever is still marked in. */
  async roomEnded(visitId: number): Promise<void> {
    const now = this.ctx.clock.now();
    const ended = await this.ctx.db.transaction(async (tx) => {
      const visit = await this.repo.lock(tx, visitId);
      if (visit?.status !== "open") return undefined;
      await this.repo.markEnded(tx, visitId, now);
      return visit;
    });
    // A room that closed before both people were ever in it was not a visit: the appointment stays as it is.
    if (ended?.startedAt) await this.scheduling.completeAfterVisit(ended.appointmentId);
    // The provider's recordings of the room (kept only if both consented): a job; the sweep if it is lost.
    // (Also on a repeated callback: the job is keyed by the visit and does nothing once fetched.)
    if (this.provider.audioRecordings && (await this.repo.byId(visitId))?.status === "ended")
      await this.enqueueRecordingsFetch(visitId).catch(() => undefined);
  }

  enqueueRecordingsFetch(visitId: number): Promise<void> {
    return this.ctx.jobs.add(
      VISIT_JOBS.fetchRecordings,
      { visitId },
      { jobId: fetchRecordingsJobId(visitId), attempts: 8 },
    );
  }

  /**
   * What the recordings' job needs of the visit: its provider room, whether they were fetched already, and each
   * role's provider participant sids (from the status callbacks). Undefined unless the visit ended.
   */
  async recordedRoom(visitId: number): Promise<
    | {
        room: string;
        fetched: boolean;
        participants: { role: ParticipantRole; sids: string[] }[];
      }
    | undefined
  > {
    const visit = await this.repo.byId(visitId);
    if (visit?.status !== "ended" || visit.provider !== this.provider.name) return undefined;
    const fetchedAt = await this.repo.recordingsFetchedAt(visitId);
    return {
      room: visit.room,
      fetched: fetchedAt !== null && fetchedAt !== undefined,
      participants: await this.repo.participantSids(visitId),
    };
  }

  markRecordingsFetched(visitId: number): Promise<void> {
    return this.repo.markRecordingsFetched(visitId, this.ctx.clock.now());
  }

  /** The relay's sweep: ended visits whose recordings' job was lost are enqueued again. */
  async sweepRecordings(endedBefore: Date): Promise<number> {
    if (!this.provider.audioRecordings) return 0;
    const ids = await this.repo.unfetchedRecordings(this.provider.name, endedBefore);
    for (const id of ids) await this.enqueueRecordingsFetch(id);
    return ids.length;
  }

  /**
   * A Twilio Video status callback (already verified by its signature): participant-connected /
   * participant-disconnected / room-ended of a room we made. Unknown rooms and events are ignored.
   */
  async providerEvent(e: {
    event: string;
    room: string;
    identity?: string | undefined;
    participantSid?: string | undefined;
  }): Promise<void> {
    const visit = await this.repo.byRoom(this.provider.name, e.room);
    if (!visit) return;
    const who = e.identity ? parseIdentity(e.identity) : undefined;
    if (e.event === "room-ended") return this.roomEnded(visit.id);
    if (!who) return;
    if (e.event === "participant-connected")
      return this.participantJoined(visit.id, who.userId, who.role, e.participantSid);
    if (e.event === "participant-disconnected") return this.participantLeft(visit.id, who.userId);
  }

  /**
   * The patients waiting for a doctor: in an open visit's room that neither the doctor nor a nurse has joined
   * (the doctor themself, or an assigned nurse naming the doctor). Longest-waiting first. Audited per patient.
   */
  async waiting(
    actor: Actor,
    doctorId: number | undefined,
  ): Promise<{
    waiting: {
      visit_id: number;
      appointment_id: number;
      patient_id: number;
      patient_name: string;
      mode: string;
      starts_at: string;
      waiting_since: string;
    }[];
  }> {
    if (actor.role !== "doctor" && actor.role !== "nurse") throw notFound("Doctor");
    const id = await this.ctx.access.doctorScope(actor, doctorId);
    const rows = await this.repo.waitingForDoctor(id);
    await this.ctx.audit.recordMany(
      actor,
      [...new Set(rows.map((r) => r.patientId))].map((patientId) => ({
        patientId,
        action: "list",
        resourceType: "visit",
        outcome: "allowed" as const,
      })),
    );
    return {
      waiting: rows.map((r) => ({
        visit_id: r.visitId,
        appointment_id: r.appointmentId,
        patient_id: r.patientId,
        patient_name: r.patientName,
        mode: r.mode,
        starts_at: r.startsAt.toISOString(),
        waiting_since: r.waitingSince.toISOString(),
      })),
    };
  }

  /** The visit log, for the appointment's two people (and the doctor's nurse) and admins; others 404. */
  async log(actor: Actor, appointmentId: number): Promise<VisitLogView> {
    if (actor.role === "admin") {
      const parties = await this.repo.parties(appointmentId);
      if (!parties) throw notFound("Visit");
    } else {
      await this.scheduling.get(actor, appointmentId);
    }
    const visit = await this.repo.byAppointment(appointmentId);
    if (!visit) throw notFound("Visit");
    const participants = await this.repo.participants(visit.id);
    return logView(visit, participants);
  }

  /**
   * A patient's visits with their signed notes (a note is shown only once signed), for the patient and their
   * care team (others 404); audited. The FHIR face maps them to Encounter, DocumentReference and Provenance.
   */
  async patientVisits(actor: Actor, patientId: number): Promise<PatientVisitView[]> {
    const scoped = await this.ctx.access.patientScope(actor, patientId, {
      action: "list",
      resourceType: "visit",
    });
    const rows = await this.repo.ofPatient(scoped);
    await this.ctx.audit.record(actor, {
      patientId: scoped,
      action: "list",
      resourceType: "visit",
      outcome: "allowed",
    });
    return rows.map((r) => ({
      id: r.id,
      appointment_id: r.appointmentId,
      mode: r.mode,
      status: r.status,
      started_at: r.startedAt?.toISOString() ?? null,
      ended_at: r.endedAt?.toISOString() ?? null,
      note:
        r.noteStatus === "signed" && r.signedAt !== null
          ? {
              sections: r.noteSections ?? {},
              drafted_by_model: r.noteModel,
              signed_at: r.signedAt.toISOString(),
              patient_summary: r.patientSummary,
              document_id: r.noteDocumentId,
            }
          : null,
    }));
  }

  // Side chat ----------------------------------------------------------------------------------------

  /** A line of the visit page's side chat (control characters already removed at the edge), kept with the visit. */
  async chat(claims: SignallingClaims, text: string): Promise<{ id: number; at: string; text: string }> {
    return this.chats.pageLine(claims, text);
  }
}

function roleOf(actor: Actor): ParticipantRole {
  if (actor.role === "patient" || actor.role === "doctor" || actor.role === "nurse") return actor.role;
  throw notFound("Appointment");
}

function logView(
  visit: VisitRow,
  participants: { role: ParticipantRole; joinedAt: Date | null; leftAt: Date | null }[],
): VisitLogView {
  return {
    id: visit.id,
    appointment_id: visit.appointmentId,
    mode: visit.mode,
    provider: visit.provider,
    status: visit.status,
    participants: participants.map((p) => ({
      role: p.role,
      joined_at: p.joinedAt?.toISOString() ?? null,
      left_at: p.leftAt?.toISOString() ?? null,
    })),
    started_at: visit.startedAt?.toISOString() ?? null,
    ended_at: visit.endedAt?.toISOString() ?? null,
    duration_seconds:
      visit.startedAt && visit.endedAt
        ? Math.round((visit.endedAt.getTime() - visit.startedAt.getTime()) / 1000)
        : null,
    recording: visit.recording,
  };
}
