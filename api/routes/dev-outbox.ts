import type { FastifyPluginAsync } from "fastify";
import { devOutboxPage } from "../pages/index.js";

/**
 * GET /dev/outbox — only in the embedded start without an email or SMS provider (config.devOutbox): the
 * messages that would have gone out, newest first, so a newcomer can read their one-time code or reset link.
 * Anywhere else the route is not registered (404).
 */
export const devOutboxRoutes: FastifyPluginAsync = async (app) => {
  if (!app.deps.config.devOutbox) return;
  app.get("/dev/outbox", { schema: { hide: true } }, async (_request, reply) => {
    const entries = await app.services.notifications.devOutbox(100);
    return reply
      .type("text/html; charset=utf-8")
      .header(
        "content-security-policy",
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
      )
      .header("cache-control", "no-store")
      .send(devOutboxPage(entries));
  });
};
