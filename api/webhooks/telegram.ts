import type { FastifyPluginAsync } from "fastify";
import { Engine } from "../../bot/engine.js";
import { TelegramClient } from "../../channels/telegram/client.js";
import { SECRET_HEADER, parseUpdate, verifySecret } from "../../channels/telegram/inbound.js";
import { errorBody } from "../plugins/errors.js";

export const FOREIGN_CONTACT_REPLY =
  "Please share your own contact (the button below the message box), or type your mobile number.";

/**
 * POST /webhooks/telegram — only when Telegram is configured (otherwise the route does not exist: 404).
 * The secret token first (constant time; wrong or missing → 403, nothing read), then the update parsed with
 * a schema, then one engine turn (deduplicated by update id under the conversation's lock), then the replies
 * sent through the Bot API. Authentic but unusable updates → 200 and ignored, never a 5xx.
 */
export const telegramWebhook: FastifyPluginAsync = async (app) => {
  const settings = app.deps.config.telegram;
  if (!settings) return;
  const client = new TelegramClient(settings);
  const engine = new Engine({
    services: app.services,
    database: app.deps.database,
    clock: app.deps.clock,
    config: app.deps.config,
  });
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
    try {
      if (update.kind === "ignored") {
        if (update.callbackQueryId) await client.answerCallback(update.callbackQueryId).catch(() => {});
        request.log.info({ reason: update.reason }, "telegram update ignored");
      } else if (update.kind === "foreign_contact") {
        await client.sendText(update.chatId, FOREIGN_CONTACT_REPLY);
      } else {
        if (update.callbackQueryId) await client.answerCallback(update.callbackQueryId).catch(() => {});
        const out = await engine.handleTurn(update.inbound, { requestId: request.id });
        await client.send(update.chatId, out, engine.store, () => app.deps.clock.now());
      }
    } catch (err) {
      // A failure of ours (database, Bot API): acknowledged all the same, so Telegram does not redeliver
      // a turn that may have been applied; the outcome is in the logs and on the messages.
      request.log.error(
        { err: { name: (err as Error).name, code: (err as { code?: unknown }).code } },
        "telegram update failed",
      );
    }
    return reply.status(200).send({ ok: true });
  });
};
