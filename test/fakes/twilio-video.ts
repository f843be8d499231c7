import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeRoom {
  sid: string;
  uniqueName: string;
  type: string;
  statusCallback: string;
}

/** An audio track the fake recorded in a room (serve it by adding it: `addRecording`). */
export interface FakeRecording {
  sid: string;
  roomSid: string;
  participantSid: string;
  /** processing | completed | failed … (tests move it along) */
  status: string;
  /** Milliseconds on Twilio's clock (common to the room's tracks). */
  offset: number;
  media: Buffer;
  mediaType: string;
}

export interface FakeTwilioVideo {
  url: string;
  rooms: FakeRoom[];
  recordings: FakeRecording[];
  /** Records an audio track of a participant (its media served from a short-lived, unauthenticated URL). */
  addRecording(r: {
    roomSid: string;
    participantSid: string;
    media: Buffer;
    mediaType?: string;
    status?: string;
    offset?: number;
  }): FakeRecording;
  /** Media downloads (the redirect target), with the Authorization header they carried (must be none). */
  mediaDownloads: { sid: string; authorization: string | undefined }[];
  /** Every POST …/RecordingRules: the room (sid) and the rules it set. */
  recordingRules: { room: string; rules: unknown }[];
  /** Every request (method, path) with the basic-auth user it carried. */
  requests: { method: string; path: string; user: string | undefined }[];
  close(): Promise<void>;
}

/**
 * A local Twilio Video REST API: POST /v1/Rooms (group rooms, a UniqueName in progress → 400 code 53113, as
 * Twilio answers), GET /v1/Rooms/{sid or UniqueName}, GET /v1/Rooms/{sid}/Recordings (two per page, with
 * `meta.next_page_url`, each with `type`, `status`, `offset`, `grouping_sids.participant_sid`, `links.media`)
 * and GET /v1/Recordings/{sid}/Media (302 to a media URL that needs no credentials, as Twilio's does; with
 * `Redirect=false`, `{redirect_to}`). Requests to /v1 must authenticate with the API key.
 */
export async function startFakeTwilioVideo(
  apiKeySid: string,
  apiKeySecret: string,
): Promise<FakeTwilioVideo> {
  const rooms: FakeRoom[] = [];
  const recordings: FakeRecording[] = [];
  const mediaDownloads: FakeTwilioVideo["mediaDownloads"] = [];
  const requests: FakeTwilioVideo["requests"] = [];
  const recordingRules: FakeTwilioVideo["recordingRules"] = [];
  let base = "";
  const expected = "Basic " + Buffer.from(`${apiKeySid}:${apiKeySecret}`).toString("base64");
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://fake-twilio-video");
      const auth = req.headers.authorization ?? "";
      requests.push({
        method: req.method ?? "",
        path: url.pathname,
        user: auth.startsWith("Basic ")
          ? Buffer.from(auth.slice(6), "base64").toString().split(":")[0]
          : undefined,
      });
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      const view = (r: FakeRoom) => ({
        sid: r.sid,
        unique_name: r.uniqueName,
        type: r.type,
        status: "in-progress",
      });
      const media = /^\/media\/(RT[0-9a-f]{32})$/.exec(url.pathname);
      if (req.method === "GET" && media) {
        // The short-lived media URL: no credentials are needed (or wanted) here.
        mediaDownloads.push({ sid: media[1]!, authorization: req.headers.authorization });
        const rec = recordings.find((r) => r.sid === media[1]);
        if (!rec) return send(404, { message: "gone" });
        res.writeHead(200, { "content-type": rec.mediaType, "content-length": String(rec.media.length) });
        return res.end(rec.media);
      }
      if (auth !== expected) return send(401, { code: 20003, message: "Authenticate", status: 401 });
      const listing = /^\/v1\/Rooms\/([^/]+)\/Recordings$/.exec(url.pathname);
      if (req.method === "GET" && listing) {
        const all = recordings.filter((r) => r.roomSid === decodeURIComponent(listing[1]!));
        const page = Number(url.searchParams.get("Page") ?? "0");
        const size = 2;
        const items = all.slice(page * size, page * size + size);
        const more = all.length > (page + 1) * size;
        return send(200, {
          recordings: items.map((r) => ({
            sid: r.sid,
            room_sid: r.roomSid,
            type: "audio",
            status: r.status,
            codec: "opus",
            container: "mka",
            offset: r.offset,
            grouping_sids: { room_sid: r.roomSid, participant_sid: r.participantSid },
            links: { media: `${base}/v1/Recordings/${r.sid}/Media` },
          })),
          meta: {
            page,
            page_size: size,
            next_page_url: more
              ? `https://video.twilio.com${url.pathname}?PageSize=${size}&Page=${page + 1}`
              : null,
          },
        });
      }
      const mediaLink = /^\/v1\/Recordings\/(RT[0-9a-f]{32})\/Media$/.exec(url.pathname);
      if (req.method === "GET" && mediaLink) {
        const rec = recordings.find((r) => r.sid === mediaLink[1]);
        if (!rec) return send(404, { code: 20404, message: "Not found", status: 404 });
        const to = `${base}/media/${rec.sid}`;
        if (url.searchParams.get("Redirect") === "false") return send(200, { redirect_to: to });
        res.writeHead(302, { location: to });
        return res.end();
      }
      const rules = /^\/v1\/Rooms\/([^/]+)\/RecordingRules$/.exec(url.pathname);
      if (req.method === "POST" && rules) {
        const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
        const parsed = JSON.parse(form.get("Rules") ?? "[]") as unknown;
        recordingRules.push({ room: decodeURIComponent(rules[1]!), rules: parsed });
        return send(200, { room_sid: rules[1], rules: parsed });
      }
      if (req.method === "POST" && url.pathname === "/v1/Rooms") {
        const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
        const uniqueName = form.get("UniqueName") ?? "";
        if (rooms.some((r) => r.uniqueName === uniqueName))
          return send(400, { code: 53113, message: "Room exists", status: 400 });
        const room: FakeRoom = {
          sid: `RM${randomBytes(16).toString("hex")}`,
          uniqueName,
          type: form.get("Type") ?? "",
          statusCallback: form.get("StatusCallback") ?? "",
        };
        rooms.push(room);
        return send(201, view(room));
      }
      const m = /^\/v1\/Rooms\/([^/]+)$/.exec(url.pathname);
      if (req.method === "GET" && m) {
        const key = decodeURIComponent(m[1]!);
        const room = rooms.find((r) => r.sid === key || r.uniqueName === key);
        return room ? send(200, view(room)) : send(404, { code: 20404, message: "Not found", status: 404 });
      }
      send(404, { code: 20404, message: "Not found", status: 404 });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;
  return {
    url: base,
    rooms,
    recordingRules,
    recordings,
    mediaDownloads,
    addRecording: (r) => {
      const rec: FakeRecording = {
        sid: `RT${randomBytes(16).toString("hex")}`,
        roomSid: r.roomSid,
        participantSid: r.participantSid,
        status: r.status ?? "completed",
        offset: r.offset ?? 0,
        media: r.media,
        mediaType: r.mediaType ?? "audio/x-wav",
      };
      recordings.push(rec);
      return rec;
    },
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
