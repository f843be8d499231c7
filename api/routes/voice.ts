import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import AccessToken from "twilio/lib/jwt/AccessToken.js";
import { CALL_PAGE } from "../../channels/voice/page.js";
import { DomainError } from "../../domain/shared/errors.js";
import { actorOf } from "../plugins/auth.js";
import { sendPage } from "../plugins/security.js";
import { errorsIn } from "../schemas.js";

/** The error responses of these routes (see errorsIn). */
const errors = errorsIn("api/routes/voice.ts", "domain/scheduling/");

/** A browser call token lives this long (Twilio allows up to 24 hours). */
const TOKEN_TTL_SECONDS = 3600;

/** The Twilio client identity of a staff account (no name or email in it). */
export function staffIdentity(userId: number): string {
  return `staff_${userId}`;
}

const VoiceToken = Type.Object({
  token: Type.String({ description: "A Twilio access token with a VoiceGrant for the clinic's TwiML app." }),
  identity: Type.String(),
  expires_in: Type.Integer(),
});

/**
 * Doctors (and their nurses) call patients from the browser: GET /api/voice/token hands out a Twilio access
 * token with a VoiceGrant for TWILIO_TWIML_APP_SID (outgoing only); the page /voice/call uses
 * @twilio/voice-sdk (served from our origin at /voice/sdk.js) to call with an appointment id, and Twilio
 * asks /webhooks/twilio/voice/outbound what to dial: the patient of that appointment, if the caller may see
 * it. The patient's number never reaches the browser.
 */
export const voiceRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const voice = app.deps.config.voice;
  const twilio = app.deps.config.twilio;

  app.get(
    "/api/voice/token",
    {
      preHandler: app.requireRole("doctor", "nurse"),
      schema: {
        operationId: "getVoiceToken",
        tags: ["voice"],
        summary: "A browser calling token (doctors and nurses)",
        description:
          "A Twilio access token with a VoiceGrant for the clinic's TwiML app, for @twilio/voice-sdk. Calls go " +
          "out from the clinic's number to the patient of an appointment the caller may see. 409 when browser " +
          "calling is not configured.",
        security: [{ bearerAuth: [] }],
        response: { 200: VoiceToken, ...errors(401, 403, 409) },
      },
    },
    async (request, reply) => {
      const browser = voice?.browser;
      if (!browser || !twilio)
        throw new DomainError("conflict", "VOICE_NOT_CONFIGURED", "Browser calling is not configured.");
      const identity = staffIdentity(actorOf(request).userId);
      const token = new AccessToken(twilio.accountSid, browser.apiKeySid, browser.apiKeySecret, {
        identity,
        ttl: TOKEN_TTL_SECONDS,
      });
      token.addGrant(
        new AccessToken.VoiceGrant({ outgoingApplicationSid: browser.twimlAppSid, incomingAllow: false }),
      );
      return reply
        .header("cache-control", "no-store")
        .send({ token: token.toJwt(), identity, expires_in: TOKEN_TTL_SECONDS });
    },
  );

  app.get(
    "/api/voice/capabilities",
    {
      preHandler: app.requireRole("doctor", "nurse"),
      schema: {
        operationId: "getVoiceCapabilities",
        tags: ["voice"],
        summary: "Whether browser calling is configured (the console shows its Call buttons only then)",
        description:
          "True when GET /api/voice/token can hand out a token (Twilio and its TwiML app are set).",
        security: [{ bearerAuth: [] }],
        response: {
          200: Type.Object({
            browser_calling: Type.Boolean({ description: "Browser calling is configured." }),
          }),
          ...errors(401, 403),
        },
      },
    },
    async () => ({ browser_calling: Boolean(voice?.browser && twilio) }),
  );

  if (!voice?.browser) return;
  const require = createRequire(import.meta.url);
  let sdk: Buffer | undefined;

  app.get("/voice/call", { schema: { hide: true } }, async (_request, reply) => sendPage(reply, CALL_PAGE));

  // The SDK's browser bundle, from our own origin (the page's CSP allows scripts from 'self' only).
  app.get("/voice/sdk.js", { schema: { hide: true } }, async (_request, reply) => {
    // The package exports only its module entry (es5/twilio.js); the browser bundle sits beside it in dist/.
    sdk ??= readFileSync(
      path.join(path.dirname(require.resolve("@twilio/voice-sdk")), "..", "dist", "twilio.min.js"),
    );
    return reply
      .type("application/javascript; charset=utf-8")
      .header("cache-control", "public, max-age=3600")
      .send(sdk);
  });
};
