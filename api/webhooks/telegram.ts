import type { FastifyPluginAsync } from "fastify";
import { TelegramClient } from "../../channels/telegram/client.js";
import { SECRET_HEADER, parseUpdate, verifySecret } from "../../channels/telegram/inbound.js";
import { loggableError } from "../../domain/shared/errors.js";
import { errorBody } from "../plugins/errors.js";

/**
 * A contact shared by someone else than its own user (forwarded) proves nothing: refused, neither stored nor
 * messaged, and the person is asked for their own contact or a number to prove with a code.
 */
export const FOREIGN_CONTACT_REPLY =
  "That contact is not yours, so it cannot verify you. Please share your own contact (the button below the message box), or type your mobile number and I'll send you a code.";

/**
 * POST /webhooks/telegram — only when Telegram is configured (otherwise the route does not exist: 404).
 * The secret token first (constant time; wrong or missing → 403, nothing read), then the update parsed with
 * a schema, then handed to the hub (dedupe by update id, enqueue the turn) and answered 200 at once: the turn
 * runs in the `chat.turn` job and the replies go out through the `chat.deliver` job. Authentic but unusable
 * updates → 200 and ignored, never a 5xx. Only a failure to enqueue answers 503, so Telegram redelivers.
 */
export const telegramWebhook: FastifyPluginAsync = async (app) => {
  const settings = app.deps.config.telegram;
  if (!settings) return;
  const client = new TelegramClient(settings);
  // Raw bodies in this plugin's scope only: the secret is checked before anything is parsed.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: 256 * 1024 }, (_req, body, done) =>
    done(null, body),
  );

  app.post("/webhooks/telegram", { schema: { hide: true } }, async (request, reply) => {
    if (!verifySecret(request.headers[SECRET_HEADER], settings.webhookSecret))
      return reply.status(403).send(errorBody("FORBIDDEN", "The webhook secret is invalid."));
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    let json: unknown;
    try {
      json = JSON.parse(raw.toString("utf8"));
    } catch {
      json = undefined;
    }
    const update = parseUpdate(json, app.deps.clock.now());
    if (update.kind === "turn") {
      try {
        await app.hub.accept(update.inbound);
      } catch (err) {
        request.log.error({ err: loggableError(err).message }, "telegram update not queued");
        return reply.status(503).send(errorBody("UNAVAILABLE", "Try again later."));
      }
    }
    // Acknowledging the button press and the foreign-contact answer are courtesies: never awaited.
    if (update.kind !== "foreign_contact" && update.callbackQueryId)
      client.answerCallback(update.callbackQueryId).catch(() => undefined);
    if (update.kind === "foreign_contact")
      client.sendText(update.chatId, FOREIGN_CONTACT_REPLY).catch(() => undefined);
    else if (update.kind === "ignored")
      request.log.info({ reason: update.reason }, "telegram update ignored");
    return reply.status(200).send({ ok: true });
  });
};
