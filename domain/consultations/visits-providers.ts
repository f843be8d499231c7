import twilio from "twilio";
import type { Config, IceServer } from "../../config/index.js";
import { DomainError } from "../shared/errors.js";
import type { ParticipantRole, VisitProviderName } from "./visits-repository.js";

/**
 * The video provider port: where a visit's room lives and what a participant needs to enter it. WebRTC (our
 * own signalling, peer to peer) is the default; Twilio Video when an API key is configured. Another provider
 * (LiveKit) is one more implementation of this interface.
 */
export interface VideoProvider {
  readonly name: VisitProviderName;
  /** The provider's room for an appointment's visit (created if needed; the same room on a repeat call). */
  ensureRoom(appointmentId: number): Promise<string>;
  /** What the participant's page needs to enter that room, valid until `expiresAt`. */
  credentials(q: {
    room: string;
    visitId: number;
    userId: number;
    role: ParticipantRole;
    now: Date;
    expiresAt: Date;
  }): ProviderCredentials;
  /**
   * Providers that record the room (Twilio): the room's audio tracks, one per participant's connection.
   * WebRTC has none: the page uploads each person's microphone itself.
   */
  audioRecordings?(room: string): Promise<ProviderRecording[]>;
  /** The bytes of one recording (at most `maxBytes`). */
  recordingMedia?(recordingSid: string, maxBytes: number): Promise<Buffer>;
  /**
   * Providers that record the room: start recording its audio (both people consented). Repeating it is
   * harmless. WebRTC has none: the pages record themselves once they are told the visit records.
   */
  recordAudio?(room: string): Promise<void>;
}

/** One audio track the provider recorded. */
export interface ProviderRecording {
  sid: string;
  /** The provider's participant (Twilio's PA…), mapped to a person through the visit log. */
  participantSid: string;
  /** processing | completed | failed | deleted … */
  status: string;
  /** When the track began, in milliseconds on the provider's clock (common to the room's tracks). */
  offsetMs: number;
}

/** The provider's fields of the join answer: the room and a token, plus what else the page needs. */
export type ProviderCredentials = { room: string; token: string } & Record<string, unknown>;

/** The identity a participant has in a provider's room: role and user id, nothing personal. */
export function participantIdentity(role: ParticipantRole, userId: number): string {
  return `${role}-${userId}`;
}

export function parseIdentity(identity: string): { role: ParticipantRole; userId: number } | undefined {
  const m = /^(doctor|patient|nurse)-(\d{1,10})$/.exec(identity);
  return m ? { role: m[1] as ParticipantRole, userId: Number(m[2]) } : undefined;
}

/** Signs the WebRTC page's signalling token (verified on the WebSocket upgrade). */
export type SignallingSigner = (claims: {
  visitId: number;
  userId: number;
  role: ParticipantRole;
  expiresAt: Date;
}) => string;

/** Peer to peer in the browser; the room is our signalling room, named after the visit's appointment. */
export class WebRtcProvider implements VideoProvider {
  readonly name = "webrtc" as const;
  constructor(
    private readonly iceServers: readonly IceServer[],
    private readonly sign: SignallingSigner,
  ) {}

  ensureRoom(appointmentId: number): Promise<string> {
    return Promise.resolve(`appointment-${appointmentId}`);
  }

  credentials(q: Parameters<VideoProvider["credentials"]>[0]): ProviderCredentials {
    return {
      room: q.room,
      token: this.sign({ visitId: q.visitId, userId: q.userId, role: q.role, expiresAt: q.expiresAt }),
      ice_servers: this.iceServers,
      signalling_path: "/api/visits/signal",
    };
  }
}

type TwilioSettings = NonNullable<Config["visits"]["twilio"]>;

/** Twilio's "a room with this UniqueName is already in progress" error. */
const ROOM_EXISTS = 53113;
const MAX_TOKEN_SECONDS = 24 * 3600;

/**
 * Twilio Video group rooms. The room is created through the REST API with plain fetch: the `twilio` client's
 * Video domain cannot be pointed at another host (TWILIO_VIDEO_API_BASE_URL, the tests' local fake), and the
 * call is one form POST. The access token is the `twilio` package's AccessToken with a VideoGrant for that
 * room only.
 */
export class TwilioVideoProvider implements VideoProvider {
  readonly name = "twilio" as const;
  constructor(
    private readonly settings: TwilioSettings,
    /** Where Twilio posts the room's and participants' status (PUBLIC_BASE_URL/webhooks/twilio/video). */
    private readonly statusCallbackUrl: string,
    private readonly fetchFn: typeof fetch = fetch,
  ) {}

  private get auth(): string {
    return `Basic ${Buffer.from(`${this.settings.apiKeySid}:${this.settings.apiKeySecret}`).toString("base64")}`;
  }

  async ensureRoom(appointmentId: number): Promise<string> {
    const uniqueName = `appointment-${appointmentId}`;
    const body = new URLSearchParams({
      UniqueName: uniqueName,
      Type: "group",
      StatusCallback: this.statusCallbackUrl,
      StatusCallbackMethod: "POST",
    });
    const res = await this.call("/v1/Rooms", { method: "POST", body });
    if (res.ok) return sidOf(await res.json());
    const error = (await res.json().catch(() => ({}))) as { code?: number };
    if (res.status === 400 && error.code === ROOM_EXISTS) {
      const found = await this.call(`/v1/Rooms/${encodeURIComponent(uniqueName)}`, { method: "GET" });
      if (found.ok) return sidOf(await found.json());
    }
    throw new DomainError("unavailable", "VIDEO_PROVIDER_UNAVAILABLE", "The video service is not reachable.");
  }

  /**
   * POST /v1/Rooms/{sid}/RecordingRules: record every audio track from now on (never video; rooms are created
   * without recording, so nothing is recorded before both people consented).
   */
  async recordAudio(room: string): Promise<void> {
    const body = new URLSearchParams({ Rules: JSON.stringify([{ type: "include", kind: "audio" }]) });
    const res = await this.call(`/v1/Rooms/${encodeURIComponent(room)}/RecordingRules`, {
      method: "POST",
      body,
    });
    if (!res.ok)
      throw new DomainError(
        "unavailable",
        "VIDEO_PROVIDER_UNAVAILABLE",
        "The video service is not reachable.",
      );
  }

  /** GET /v1/Rooms/{sid}/Recordings, every page, audio tracks only. */
  async audioRecordings(room: string): Promise<ProviderRecording[]> {
    const out: ProviderRecording[] = [];
    let path: string | undefined = `/v1/Rooms/${encodeURIComponent(room)}/Recordings?PageSize=100`;
    for (let page = 0; path && page < 20; page++) {
      const res = await this.call(path, { method: "GET" });
      if (!res.ok) throw unavailable("The video service did not list the recordings.");
      const body = (await res.json()) as {
        recordings?: {
          sid?: unknown;
          type?: unknown;
          status?: unknown;
          offset?: unknown;
          grouping_sids?: { participant_sid?: unknown };
        }[];
        meta?: { next_page_url?: unknown };
      };
      for (const r of body.recordings ?? []) {
        const participantSid = r.grouping_sids?.participant_sid;
        if (r.type !== "audio" || typeof r.sid !== "string" || !/^RT[0-9a-f]{32}$/i.test(r.sid)) continue;
        if (typeof participantSid !== "string") continue;
        out.push({
          sid: r.sid,
          participantSid,
          status: typeof r.status === "string" ? r.status : "unknown",
          offsetMs: typeof r.offset === "number" && Number.isFinite(r.offset) ? r.offset : 0,
        });
      }
      // The next page's URL is absolute (Twilio's host): its path and query, on our configured host.
      const next = body.meta?.next_page_url;
      path = typeof next === "string" && next !== "" ? pathOf(next) : undefined;
    }
    return out;
  }

  /**
   * GET /v1/Recordings/{sid}/Media answers a redirect to a short-lived media URL (or, with Redirect=false,
   * `{redirect_to}`); the media is fetched from there without our credentials.
   */
  async recordingMedia(recordingSid: string, maxBytes: number): Promise<Buffer> {
    const res = await this.call(`/v1/Recordings/${encodeURIComponent(recordingSid)}/Media`, {
      method: "GET",
      redirect: "manual",
    });
    let location: string | null = null;
    if (res.status >= 300 && res.status < 400) location = res.headers.get("location");
    else if (res.ok) {
      const body = (await res.json().catch(() => ({}))) as { redirect_to?: unknown };
      location = typeof body.redirect_to === "string" ? body.redirect_to : null;
    }
    if (!location) throw unavailable("The video service did not give the recording's media.");
    let media: Response;
    try {
      media = await this.fetchFn(new URL(location, this.settings.apiBaseUrl), {
        signal: AbortSignal.timeout(60_000),
      });
    } catch {
      throw unavailable("The recording's media could not be fetched.");
    }
    if (!media.ok) throw unavailable("The recording's media could not be fetched.");
    const declared = Number(media.headers.get("content-length") ?? "0");
    if (declared > maxBytes)
      throw new DomainError("invalid", "PAYLOAD_TOO_LARGE", "The recording is too large.");
    const bytes = Buffer.from(await media.arrayBuffer());
    if (bytes.length > maxBytes)
      throw new DomainError("invalid", "PAYLOAD_TOO_LARGE", "The recording is too large.");
    return bytes;
  }

  private async call(
    path: string,
    init: { method: string; body?: URLSearchParams; redirect?: "manual" },
  ): Promise<Response> {
    try {
      return await this.fetchFn(`${this.settings.apiBaseUrl}${path}`, {
        method: init.method,
        ...(init.redirect ? { redirect: init.redirect } : {}),
        headers: {
          authorization: this.auth,
          ...(init.body ? { "content-type": "application/x-www-form-urlencoded" } : {}),
        },
        ...(init.body ? { body: init.body.toString() } : {}),
        signal: AbortSignal.timeout(10_000),
      });
    } catch {
      throw new DomainError(
        "unavailable",
        "VIDEO_PROVIDER_UNAVAILABLE",
        "The video service is not reachable.",
      );
    }
  }

  credentials(q: Parameters<VideoProvider["credentials"]>[0]): ProviderCredentials {
    const { AccessToken } = twilio.jwt;
    const ttl = Math.min(
      MAX_TOKEN_SECONDS,
      Math.max(60, Math.ceil((q.expiresAt.getTime() - q.now.getTime()) / 1000)),
    );
    const identity = participantIdentity(q.role, q.userId);
    const token = new AccessToken(
      this.settings.accountSid,
      this.settings.apiKeySid,
      this.settings.apiKeySecret,
      {
        identity,
        ttl,
      },
    );
    token.addGrant(new AccessToken.VideoGrant({ room: q.room }));
    return { room: q.room, token: token.toJwt(), identity };
  }
}

function unavailable(message: string): DomainError {
  return new DomainError("unavailable", "VIDEO_PROVIDER_UNAVAILABLE", message);
}

function pathOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.pathname + u.search;
  } catch {
    return undefined;
  }
}

function sidOf(body: unknown): string {
  const sid = (body as { sid?: unknown }).sid;
  if (typeof sid !== "string" || !/^RM[0-9a-f]{32}$/i.test(sid))
    throw new DomainError("unavailable", "VIDEO_PROVIDER_UNAVAILABLE", "The video service answered oddly.");
  return sid;
}

export function createVideoProvider(config: Config, sign: SignallingSigner): VideoProvider {
  const t = config.visits.twilio;
  if (t) return new TwilioVideoProvider(t, `${config.publicBaseUrl}/webhooks/twilio/video`);
  return new WebRtcProvider(config.visits.iceServers, sign);
}
