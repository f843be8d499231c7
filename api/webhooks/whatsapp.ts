import type { FastifyPluginAsync } from "fastify";
import {
  SIGNATURE_HEADER,
  parseWebhook,
  verifyChallenge,
  verifySignature,
  type StatusUpdate,
} from "../../channels/whatsapp/inbound.js";
import { loggableError } from "../../domain/shared/errors.js";
import { errorBody } from "../plugins/errors.js";

/**
 * GET/POST /webhooks/whatsapp — the WhatsApp Cloud API (Meta); only when configured (otherwise 404).
 * GET answers Meta's subscription challenge when the verify token matches (constant time), else 403.
 * POST: the X-Hub-Signature-256 HMAC of the raw body first (constant time; forged or missing → 403, nothing
 * read), then every entry/change parsed: each message handed to the hub (dedupe by wamid, enqueue its turn),
 * each status (sent/delivered/read/failed) recorded on the conversation message and on the notification
 * it carried; then 200. Authentic but unusable parts are acknowledged and skipped, never a 5xx; only a
 * failure to enqueue or record answers 503, so Meta redelivers (what was already accepted is deduped, and
 * statuses are idempotent).
 */
export const whatsappWebhook: FastifyPluginAsync = async (app) => {
  const settings = app.deps.config.whatsapp;
  if (!settings) return;
  // Raw bodies in this plugin's scope only: the signature covers the exact bytes.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: 1024 * 1024 }, (_req, body, done) =>
    done(null, body),
  );

  app.get("/webhooks/whatsapp", { schema: { hide: true } }, async (request, reply) => {
    const challenge = verifyChallenge(request.query as Record<string, unknown>, settings.verifyToken);
    if (challenge === undefined)
      return reply.status(403).send(errorBody("FORBIDDEN", "The verify token is invalid."));
    return reply.status(200).type("text/plain; charset=utf-8").send(challenge);
  });

  const recordStatus = (s: StatusUpdate): Promise<void> =>
    app.hub.recordStatus("whatsapp", s.providerMessageId, s.status, s.at, s.permanentError);

  app.post("/webhooks/whatsapp", { schema: { hide: true } }, async (request, reply) => {
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    if (!verifySignature(raw, request.headers[SIGNATURE_HEADER], settings.appSecret))
      return reply.status(403).send(errorBody("FORBIDDEN", "The webhook signature is invalid."));
    let json: unknown;
    try {
      json = JSON.parse(raw.toString("utf8"));
    } catch {
      json = undefined;
    }
    const parsed = parseWebhook(json, app.deps.clock.now(), settings.phoneNumberId);
    try {
      for (const inbound of parsed.messages) await app.hub.accept(inbound);
      for (const s of parsed.statuses) await recordStatus(s);
    } catch (err) {
      request.log.error({ err: loggableError(err).message }, "whatsapp webhook not processed");
      return reply.status(503).send(errorBody("UNAVAILABLE", "Try again later."));
    }
    if (parsed.ignored.length > 0)
      request.log.info({ reasons: [...new Set(parsed.ignored)] }, "whatsapp webhook parts ignored");
    return reply.status(200).send({ ok: true });
  });
};
