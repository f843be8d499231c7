import type { FastifyPluginAsync } from "fastify";
import { RESET_PASSWORD_PAGE } from "../pages/index.js";

/** GET /reset-password: the page the reset email links to (the token stays in the fragment: see the page). */
export const resetPasswordPage: FastifyPluginAsync = async (app) => {
  app.get("/reset-password", { schema: { hide: true } }, async (_request, reply) => {
    return reply
      .type("text/html; charset=utf-8")
      .header(
        "content-security-policy",
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'",
      )
      .header("referrer-policy", "no-referrer")
      .header("cache-control", "no-store")
      .send(RESET_PASSWORD_PAGE);
  });
};
