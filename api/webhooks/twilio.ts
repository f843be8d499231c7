import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { formFields, parseMessage, parseStatus } from "../../channels/twilio/inbound.js";
import { SIGNATURE_HEADER, verifySignature } from "../../channels/twilio/signature.js";
import { loggableError } from "../../domain/shared/errors.js";
import { errorBody } from "../plugins/errors.js";

/** Twilio waits for TwiML; an empty <Response/> says "nothing to do now" (replies go through the REST API). */
export const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

/**
 * POST /webhooks/twilio/sms, /webhooks/twilio/whatsapp (inbound messages) and /webhooks/twilio/status
 * (delivery status callbacks) — only when Twilio is configured (otherwise 404), the messaging routes only
 * for the numbers configured. Each request's X-Twilio-Signature is checked first (constant time) against
 * PUBLIC_BASE_URL + the path and query Twilio called and the raw form's parameters; forged or missing → 403
 * and nothing read further. A message is parsed, handed to the hub (dedupe by MessageSid, enqueue the turn)
 * and answered with an empty TwiML document at once; the replies go out through the REST API from the
 * `chat.deliver` job. Authentic but unusable requests → 200 and ignored; only a failure to enqueue is a 503
 * (Twilio retries it).
 */
export const twilioWebhook: FastifyPluginAsync = async (app) => {
  const settings = app.deps.config.twilio;
  if (!settings) return;
  const { publicBaseUrl } = app.deps.config;
  // Raw bodies in this plugin's scope only: the signature covers the exact parameters Twilio sent.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: 64 * 1024 }, (_req, body, done) =>
    done(null, body),
  );

  /** The verified form's fields, or undefined after answering 403. */
  const verified = (request: FastifyRequest, reply: FastifyReply): Map<string, string> | undefined => {
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
    ) {
      void reply.status(403).send(errorBody("FORBIDDEN", "The request signature is invalid."));
      return undefined;
    }
    return formFields(form);
  };
  const twiml = (reply: FastifyReply) => reply.status(200).type("text/xml").send(EMPTY_TWIML);

  for (const channel of ["sms", "whatsapp"] as const) {
    if ((channel === "sms" ? settings.phoneNumber : settings.whatsappNumber) === undefined) continue;
    app.post(`/webhooks/twilio/${channel}`, { schema: { hide: true } }, async (request, reply) => {
      const fields = verified(request, reply);
      if (!fields) return reply;
      const parsed = parseMessage(channel, fields, app.deps.clock.now());
      if (parsed.kind === "ignored") {
        request.log.info({ channel, reason: parsed.reason }, "twilio message ignored");
        return twiml(reply);
      }
      try {
        await app.hub.accept(parsed.inbound);
      } catch (err) {
        request.log.error({ channel, err: loggableError(err).message }, "twilio message not queued");
        return reply.status(503).send(errorBody("UNAVAILABLE", "Try again later."));
      }
      return twiml(reply);
    });
  }

  app.post("/webhooks/twilio/status", { schema: { hide: true } }, async (request, reply) => {
    const fields = verified(request, reply);
    if (!fields) return reply;
    const status = parseStatus(fields);
    if (!status) {
      request.log.info({ reason: "unparsable" }, "twilio status ignored");
      return twiml(reply);
    }
    try {
      const at = app.deps.clock.now();
      await app.hub.recordStatus(
        status.channel,
        status.providerMessageId,
        status.status,
        at,
        status.permanentError,
      );
    } catch (err) {
      request.log.error({ err: loggableError(err).message }, "twilio status not recorded");
      return reply.status(503).send(errorBody("UNAVAILABLE", "Try again later."));
    }
    return twiml(reply);
  });
};
