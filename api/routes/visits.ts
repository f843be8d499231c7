import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import { Type } from "typebox";
import { cleanText } from "../../channels/shared/text.js";
import type { SignallingClaims } from "../../domain/consultations/index.js";
import { DomainError, loggableError } from "../../domain/shared/errors.js";
import { actorOf } from "../plugins/auth.js";
import { errorBody } from "../plugins/errors.js";
import { bearer, errorsIn, Id } from "../schemas.js";
import { VISIT_PAGE } from "../visits/page.js";
import { SignallingHub, type SignalSocket } from "../visits/signalling.js";

/** The error responses of these routes (see errorsIn). */
const errors = errorsIn("domain/consultations/visits", "domain/consultations/visit-chat.ts");

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const Join = Type.Object(
  {
    id: Type.Integer(),
    appointment_id: Type.Integer(),
    mode: Type.String({ examples: ["video"] }),
    provider: Type.String({ examples: ["webrtc", "twilio"] }),
    role: Type.String({ examples: ["patient", "doctor", "nurse"] }),
    join_url: Type.String({ description: "This person's visit page (PUBLIC_BASE_URL/visit/<token>)." }),
    expires_at: Type.String({ format: "date-time" }),
    recording: Type.Boolean({
      description: "Both people consented to recording at join: the visit is recorded and transcribed.",
    }),
    room: Type.String(),
    token: Type.String({ description: "WebRTC: the signalling token. Twilio: the Video access token." }),
    identity: Type.Optional(Type.String()),
    ice_servers: Type.Optional(Type.Array(Type.Unknown())),
    signalling_path: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

const JoinBody = Type.Object({
  recording_consent: Type.Optional(
    Type.Boolean({
      description:
        "This person consents to the visit being recorded and transcribed (stored with the time and the consent text's version). Recording happens only when both the doctor and the patient consented.",
    }),
  ),
});

const Log = Type.Object({
  id: Type.Integer(),
  appointment_id: Type.Integer(),
  mode: Type.String(),
  provider: Type.String(),
  status: Type.String({ examples: ["open", "ended"] }),
  participants: Type.Array(
    Type.Object({
      role: Type.String(),
      joined_at: Nullable(Type.String()),
      left_at: Nullable(Type.String()),
    }),
  ),
  started_at: Nullable(Type.String()),
  ended_at: Nullable(Type.String()),
  duration_seconds: Nullable(Type.Integer()),
  recording: Type.Boolean(),
});

/** Frames the page sends; everything else is refused. */
const RELAYED = new Set(["offer", "answer", "ice", "state"]);
const SIGNAL_PROTOCOL = "visit.v1";

interface Socket extends SignalSocket {
  on(event: "message", listener: (data: Buffer | string) => void): void;
  on(event: "close", listener: () => void): void;
}

declare module "fastify" {
  interface FastifyRequest {
    visitClaims?: SignallingClaims;
  }
}

/**
 * Online visits. Thin: validate, call VisitsService, map. The visit page (GET /visit/<token>) joins with its
 * link's token (POST /api/visit/join); the signed-in API joins by appointment id. Signalling is our own
 * WebSocket (/api/visits/signal): the upgrade is refused unless the Sec-WebSocket-Protocol header carries
 * "visit.v1" and a signalling token from a join (the token never goes in a URL).
 */
export const visitRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { visits } = app.services;
  // Any signed-in account: whoever is not one of the appointment's people gets the domain's 404 (not a 403
  // that would say the appointment exists).
  const signedIn = app.authenticate;
  const hub = new SignallingHub(app.deps.pubsub);
  // A consenting join that made the visit record tells the pages already in the room (in every process).
  const announceRecording = (visit: { id: number; recording: boolean; provider: string }) => {
    if (visit.recording && visit.provider === "webrtc")
      hub.broadcast(visit.id, { type: "recording", on: true });
  };

  app.post(
    "/api/appointments/:id/visit/join",
    {
      preHandler: signedIn,
      schema: {
        tags: ["visits"],
        operationId: "joinVisit",
        summary: "Join an online appointment's visit: the room and this person's credentials",
        description:
          "Open from VISIT_EARLY_JOIN_MINUTES before the start until 30 minutes after the end (else 409 VISIT_NOT_OPEN); unpaid → 422 PAYMENT_REQUIRED; cancelled → 409; anyone but the two people (and the doctor's nurse) → 404.",
        security: bearer,
        params: Type.Object({ id: Id }),
        body: Type.Optional(Nullable(JoinBody)),
        response: { 200: Type.Object({ visit: Join }), ...errors(401, 403, 404, 409, 422, 503) },
      },
    },
    async (request) => {
      const visit = await visits.join(actorOf(request), request.params.id, {
        recordingConsent: request.body?.recording_consent,
      });
      announceRecording(visit);
      return { visit };
    },
  );

  app.get(
    "/api/appointments/:id/visit",
    {
      preHandler: signedIn,
      schema: {
        tags: ["visits"],
        operationId: "getVisitLog",
        summary: "The visit log: who joined and left when, start, end, duration",
        security: bearer,
        params: Type.Object({ id: Id }),
        response: { 200: Type.Object({ visit: Log }), ...errors(401, 403, 404) },
      },
    },
    async (request) => ({ visit: await visits.log(actorOf(request), request.params.id) }),
  );

  const Message = Type.Object({
    id: Type.Integer(),
    role: Type.String({ examples: ["doctor", "patient"] }),
    text: Type.String(),
    channel: Nullable(Type.String({ examples: ["telegram", "api", "page"] })),
    at: Type.String({ format: "date-time" }),
  });

  app.get(
    "/api/visits/:visit_id/messages",
    {
      preHandler: signedIn,
      schema: {
        tags: ["visits"],
        operationId: "listVisitMessages",
        summary: "The visit's thread: side chat, API and (chat consultations) the patient's chat channel",
        description:
          "For the visit's patient and doctor and a nurse assigned to the doctor; others 404. Paging: `after` (a message id) and `limit`; `next_after` is the id to ask after next (null at the end). The doctor's read inside a chat consultation's window tells the patient the doctor is there.",
        security: bearer,
        params: Type.Object({ visit_id: Id }),
        querystring: Type.Object({
          after: Type.Optional(
            Type.Integer({
              minimum: 0,
              description: "Only messages after this message id (the previous page's next_after).",
            }),
          ),
          limit: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: 200,
              description: "How many messages at most (default 50).",
            }),
          ),
        }),
        response: {
          200: Type.Object({ messages: Type.Array(Message), next_after: Nullable(Type.Integer()) }),
          ...errors(400, 401, 404),
        },
      },
    },
    async (request) =>
      visits.chats.list(actorOf(request), request.params.visit_id, {
        after: request.query.after,
        limit: request.query.limit,
      }),
  );

  app.post(
    "/api/visits/:visit_id/messages",
    {
      preHandler: signedIn,
      schema: {
        tags: ["visits"],
        operationId: "postVisitMessage",
        summary: "Write in the visit's thread (the doctor, or the patient)",
        description:
          "In a chat consultation the doctor's message reaches the patient's chat channel (through the notifications outbox). The nurse may read only (403); others 404; an ended visit → 409 VISIT_ENDED; outside the window → 409 VISIT_NOT_OPEN.",
        security: bearer,
        params: Type.Object({ visit_id: Id }),
        body: Type.Object({ text: Type.String({ minLength: 1, maxLength: 2000 }) }),
        response: { 201: Type.Object({ message: Message }), ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const message = await visits.chats.post(
        actorOf(request),
        request.params.visit_id,
        cleanText(request.body.text),
      );
      // Anyone on the visit page of this replica sees the line at once.
      hub.broadcast(request.params.visit_id, {
        type: "chat",
        role: message.role,
        from: "api",
        id: message.id,
        at: message.at,
        text: message.text,
      });
      return reply.status(201).send({ message });
    },
  );

  app.post(
    "/api/visits/:visit_id/end",
    {
      preHandler: signedIn,
      schema: {
        tags: ["visits"],
        operationId: "endVisit",
        summary: "The doctor ends the visit (a chat consultation has no room to leave)",
        description:
          "Ends the visit, completes the appointment when it had started, and tells the patient of a chat consultation on their channel. Patient or nurse → 403; others 404; already ended → 409 VISIT_ENDED.",
        security: bearer,
        params: Type.Object({ visit_id: Id }),
        response: {
          200: Type.Object({
            visit: Type.Object({
              id: Type.Integer(),
              status: Type.String(),
              ended_at: Nullable(Type.String()),
            }),
          }),
          ...errors(401, 403, 404, 409),
        },
      },
    },
    async (request) => {
      const v = await visits.chats.end(actorOf(request), request.params.visit_id);
      return { visit: { id: v.id, status: v.status, ended_at: v.endedAt?.toISOString() ?? null } };
    },
  );

  app.post(
    "/api/visit/join",
    {
      schema: {
        tags: ["visits"],
        operationId: "joinVisitWithLink",
        summary: "Join with a visit link's token (the visit page)",
        body: Type.Object({
          token: Type.String({ minLength: 20, maxLength: 100 }),
          recording_consent: Type.Optional(Type.Boolean()),
        }),
        response: { 200: Type.Object({ visit: Join }), ...errors(400, 404, 409, 422, 503) },
      },
    },
    async (request, reply) => {
      const visit = await visits.joinByLink(request.body.token, "web", {
        recordingConsent: request.body.recording_consent,
      });
      announceRecording(visit);
      return reply.header("cache-control", "no-store").send({ visit });
    },
  );

  app.get("/visit/:token", { schema: { hide: true } }, async (_request, reply) =>
    reply
      .type("text/html; charset=utf-8")
      .header("cache-control", "no-store")
      // The link is the credential: it must not leak to other sites through the Referer header.
      .header("referrer-policy", "no-referrer")
      .header(
        "content-security-policy",
        "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self' ws: wss:; media-src 'self' blob: mediastream:; img-src 'self' data:",
      )
      .header("permissions-policy", "camera=(self), microphone=(self)")
      .send(VISIT_PAGE),
  );

  /** The upgrade's check: a valid signalling token in Sec-WebSocket-Protocol, for a visit still open. */
  const verifyUpgrade = async (request: FastifyRequest, reply: FastifyReply) => {
    const offered = String(request.headers["sec-websocket-protocol"] ?? "")
      .split(",")
      .map((s) => s.trim());
    const claims = offered[0] === SIGNAL_PROTOCOL ? visits.verifySignalling(offered[1]) : undefined;
    if (!claims || !(await visits.isOpen(claims.visitId)))
      return reply.status(401).send(errorBody("UNAUTHENTICATED", "A valid visit token is required."));
    request.visitClaims = claims;
  };

  app.get(
    "/api/visits/signal",
    { websocket: true, preValidation: verifyUpgrade, schema: { hide: true } },
    (raw, request) => {
      const socket = raw as unknown as Socket;
      const claims = request.visitClaims!;
      const send = (frame: Record<string, unknown>) => socket.send(JSON.stringify(frame));
      const failed = (err: unknown) =>
        request.log.error({ err: loggableError(err) }, "visit signalling failed");
      // This socket's id in the room, once joined (the room spans every API process: see SignallingHub).
      let me: string | undefined;
      // Frames are handled one after another, after the join (a chat line is stored before the next frame).
      let queue: Promise<unknown> = hub.join(claims, socket).then(
        async (joined) => {
          if (!joined) {
            send({ type: "error", code: "ROOM_FULL" });
            return socket.close(4429, "full");
          }
          me = joined.id;
          const recording = await visits.isRecording(claims.visitId);
          send({ type: "welcome", id: me, role: claims.role, peers: joined.others, recording });
          await visits.participantJoined(claims.visitId, claims.userId, claims.role);
        },
        (err: unknown) => {
          failed(err);
          send({ type: "error", code: "SIGNALLING_UNAVAILABLE" });
          socket.close(1011, "unavailable");
        },
      );

      const handle = async (data: string): Promise<void> => {
        let frame: { type?: unknown; to?: unknown; data?: unknown; text?: unknown };
        try {
          frame = JSON.parse(data) as typeof frame;
        } catch {
          return send({ type: "error", code: "BAD_FRAME" });
        }
        if (typeof frame !== "object" || frame === null) return send({ type: "error", code: "BAD_FRAME" });
        if (me === undefined) return;
        if (typeof frame.type === "string" && RELAYED.has(frame.type) && typeof frame.to === "string") {
          hub.relay(claims.visitId, me, frame.to, { type: frame.type, data: frame.data, role: claims.role });
          return;
        }
        if (frame.type === "chat" && typeof frame.text === "string") {
          try {
            const line = await visits.chat(claims, cleanText(frame.text));
            hub.broadcast(claims.visitId, { type: "chat", role: claims.role, from: me, ...line });
          } catch (err) {
            if (err instanceof DomainError) return send({ type: "error", code: err.code });
            throw err;
          }
          return;
        }
        if (frame.type === "leave") return socket.close(1000, "left");
        send({ type: "error", code: "BAD_FRAME" });
      };
      socket.on("message", (data) => {
        queue = queue
          .then(() => handle(typeof data === "string" ? data : data.toString("utf8")))
          .catch(failed);
      });
      socket.on("close", () => {
        queue = queue
          .then(() =>
            me !== undefined && hub.leave(claims.visitId, me)
              ? visits.participantLeft(claims.visitId, claims.userId)
              : undefined,
          )
          .catch(failed);
      });
    },
  );
};
