import type { FastifyPluginAsync } from "fastify";
import { RESET_PASSWORD_PAGE } from "../pages/index.js";
import { sendPage } from "../plugins/security.js";

/** GET /reset-password: the page the reset email links to (the token stays in the fragment: see the page). */
export const resetPasswordPage: FastifyPluginAsync = async (app) => {
  app.get("/reset-password", { schema: { hide: true } }, async (_request, reply) =>
    // Its one inline script is allowed by hash, nothing else (no 'unsafe-inline' for scripts).
    sendPage(reply, RESET_PASSWORD_PAGE),
  );
};
