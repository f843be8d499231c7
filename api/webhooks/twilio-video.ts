import type { FastifyPluginAsync } from "fastify";
import { SIGNATURE_HEADER, verifySignature } from "../../channels/twilio/signature.js";
import { loggableError } from "../../domain/shared/errors.js";
import { errorBody } from "../plugins/errors.js";

const HANDLED = new Set(["participant-connected", "participant-disconnected", "room-ended"]);

/**
 * POST /webhooks/twilio/video: Twilio Video's room and participant status callbacks (only when Twilio Video is
 * configured; otherwise 404). The X-Twilio-Signature is checked first (constant time) against PUBLIC_BASE_URL
 * + the path and the raw form; forged or missing → 403. Joins, leaves and the room's end feed the visit log
 * (each is idempotent, so Twilio's retries are harmless); the participant's sid is kept so the room's
 * recordings (fetched by a job after room-ended) can be told apart by person. Other events and unknown rooms →
 * 204, ignored.
 */
export const twilioVideoWebhook: FastifyPluginAsync = async (app) => {
  const settings = app.deps.config.visits.twilio;
  if (!settings) return;
  const { publicBaseUrl } = app.deps.config;
  // Raw bodies in this plugin's scope only: the signature covers the exact parameters Twilio sent.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: 64 * 1024 }, (_req, body, done) =>
    done(null, body),
  );

  app.post("/webhooks/twilio/video", { schema: { hide: true } }, async (request, reply) => {
    const raw = Buffer.isBuffer(request.body) ? request.body.toString("utf8") : "";
    const form = (request.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")
      ? new URLSearchParams(raw)
      : new URLSearchParams();
    if (
      !verifySignature(
        request.headers[SIGNATURE_HEADER],
        settings.authToken,
        publicBaseUrl + request.url,
        form,
      )
    )
      return reply.status(403).send(errorBody("FORBIDDEN", "The request signature is invalid."));
    const event = form.get("StatusCallbackEvent") ?? "";
    const room = form.get("RoomSid") ?? "";
    if (!HANDLED.has(event) || !/^RM[0-9a-f]{32}$/i.test(room)) return reply.status(204).send();
    try {
      await app.services.visits.providerEvent({
        event,
        room,
        identity: form.get("ParticipantIdentity") ?? undefined,
        participantSid: /^PA[0-9a-f]{32}$/i.test(form.get("ParticipantSid") ?? "")
          ? form.get("ParticipantSid")!
          : undefined,
      });
    } catch (err) {
      request.log.error({ err: loggableError(err).message }, "twilio video status not recorded");
      return reply.status(503).send(errorBody("UNAVAILABLE", "Try again later."));
    }
    return reply.status(204).send();
  });
};
