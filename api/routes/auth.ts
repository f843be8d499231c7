import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import { Type } from "typebox";
import type { IssuedSession } from "../../domain/accounts/auth-service.js";
import { DomainError } from "../../domain/shared/errors.js";
import { actorOf } from "../plugins/auth.js";
import { bearer, Email, errorsIn, Id, Password, PersonName, Phone } from "../schemas.js";

/** The error responses of these routes (see errorsIn). */
const errors = errorsIn("domain/accounts/", "api/routes/auth.ts", "domain/shared/phone.ts");

export const UserSchema = Type.Object({
  id: Id,
  role: Type.String(),
  name: Type.String(),
  email: Type.String(),
  phone: Type.Union([Type.String(), Type.Null()]),
  patient_id: Type.Optional(Type.Integer()),
  doctor_id: Type.Optional(Type.Integer()),
});

const Tokens = Type.Object({
  access_token: Type.String(),
  refresh_token: Type.String(),
  token_type: Type.Literal("Bearer"),
  expires_in: Type.Integer(),
  user: UserSchema,
});

const BrowserTokens = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal("Bearer"),
  expires_in: Type.Integer(),
  user: UserSchema,
});

/**
 * Browser sessions (the web chat page) keep their refresh token in this cookie, not in page storage: it is
 * HttpOnly (a script injected into the page cannot read it, while localStorage would hand it over and let the
 * session be replayed from anywhere for 30 days), SameSite=Strict (no other site's page can make the browser
 * send it), Secure when the site is served over https, and scoped to the three routes below (Path), so no other
 * request carries it. The short-lived access token stays in the page's memory only. A reload asks
 * /api/auth/web/refresh for a new one; the rotation and reuse detection are the same as /api/auth/refresh.
 */
export const REFRESH_COOKIE = "hl_refresh";
const COOKIE_PATH = "/api/auth/web";

/**
 * The refresh cookie's value from a Cookie header. Hand-written (a dozen lines) rather than a cookie library:
 * the project has none among its dependencies, we read one name whose value is base64url (no quoting or
 * decoding needed), and anything else is ignored.
 */
export function refreshCookieOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0 || part.slice(0, eq).trim() !== REFRESH_COOKIE) continue;
    const value = part.slice(eq + 1).trim();
    return /^[A-Za-z0-9_-]{1,200}$/.test(value) ? value : undefined;
  }
  return undefined;
}

/** An empty JSON object: a cross-site form cannot send one (application/json needs a CORS preflight). */
const EmptyBody = Type.Object({}, { additionalProperties: false });

export const authRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { auth } = app.services;
  const tokens = (issued: IssuedSession) => ({
    access_token: app.signAccessToken(issued.claims),
    refresh_token: issued.refreshToken,
    token_type: "Bearer" as const,
    expires_in: app.deps.config.auth.accessTtlSeconds,
    user: issued.user,
  });
  const secure = app.deps.config.publicBaseUrl.startsWith("https:");
  const maxAge = app.deps.config.auth.refreshTtlDays * 86_400;
  const setRefreshCookie = (reply: FastifyReply, value: string | undefined) =>
    reply.header(
      "set-cookie",
      `${REFRESH_COOKIE}=${value ?? ""}; Path=${COOKIE_PATH}; Max-Age=${value ? maxAge : 0}; HttpOnly; SameSite=Strict${secure ? "; Secure" : ""}`,
    );
  /** The browser's pair: the refresh token goes into the cookie, the access token into the body only. */
  const browserTokens = (reply: FastifyReply, issued: IssuedSession) => {
    setRefreshCookie(reply, issued.refreshToken).header("cache-control", "no-store");
    return {
      access_token: app.signAccessToken(issued.claims),
      token_type: "Bearer" as const,
      expires_in: app.deps.config.auth.accessTtlSeconds,
      user: issued.user,
    };
  };
  const cookieOf = (request: FastifyRequest) => refreshCookieOf(request.headers.cookie);

  app.post(
    "/api/auth/register",
    {
      schema: {
        tags: ["auth"],
        operationId: "register",
        summary: "Create a patient or doctor account",
        body: Type.Object(
          {
            role: Type.Union([Type.Literal("patient"), Type.Literal("doctor")]),
            name: PersonName,
            email: Email,
            password: Password,
            phone: Type.Optional(Phone),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ user: UserSchema }), ...errors(400, 409) },
      },
    },
    async (request, reply) => reply.status(201).send({ user: await auth.register(request.body) }),
  );

  app.post(
    "/api/auth/login",
    {
      schema: {
        tags: ["auth"],
        operationId: "login",
        summary: "Sign in; repeated failures are rate-limited",
        body: Type.Object({
          email: Type.String({ maxLength: 254 }),
          password: Type.String({ maxLength: 200 }),
        }),
        response: { 200: Tokens, ...errors(400, 401, 429) },
      },
    },
    async (request) => tokens(await auth.login({ ...request.body, ip: request.ip })),
  );

  app.post(
    "/api/auth/refresh",
    {
      schema: {
        tags: ["auth"],
        operationId: "refreshTokens",
        summary: "Rotate a refresh token for a new pair",
        body: Type.Object({ refresh_token: Type.String({ minLength: 1, maxLength: 200 }) }),
        response: { 200: Tokens, ...errors(400, 401) },
      },
    },
    async (request) => tokens(await auth.refresh(request.body.refresh_token)),
  );

  app.post(
    "/api/auth/logout",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["auth"],
        operationId: "logout",
        summary: "End this session (access and refresh tokens)",
        security: bearer,
        response: { 204: Type.Null(), ...errors(401) },
      },
    },
    async (request, reply) => {
      const claims = request.user;
      await auth.logout(claims.sid);
      return reply.status(204).send(null);
    },
  );

  app.get(
    "/api/auth/me",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["auth"],
        operationId: "getMe",
        summary: "The signed-in user",
        security: bearer,
        response: { 200: Type.Object({ user: UserSchema }), ...errors(401) },
      },
    },
    async (request) => ({ user: await auth.me(actorOf(request)) }),
  );

  app.post(
    "/api/auth/password/forgot",
    {
      schema: {
        tags: ["auth"],
        operationId: "requestPasswordReset",
        summary:
          "Send a password reset link (202 whatever the email; at most 3 per email and 10 per address an hour)",
        body: Type.Object({ email: Type.String({ maxLength: 254 }) }),
        response: { 202: Type.Object({ status: Type.String(), message: Type.String() }), ...errors(400) },
      },
    },
    async (request, reply) => {
      await auth.forgotPassword(request.body.email, request.ip);
      return reply.status(202).send({
        status: "accepted",
        message: "If an account exists for this email, a reset link is on its way.",
      });
    },
  );

  app.post(
    "/api/auth/password/reset",
    {
      schema: {
        tags: ["auth"],
        operationId: "resetPassword",
        summary: "Set a new password with a reset token (single use)",
        body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }), password: Password }),
        response: { 204: Type.Null(), ...errors(400) },
      },
    },
    async (request, reply) => {
      await auth.resetPassword(request.body.token, request.body.password);
      return reply.status(204).send(null);
    },
  );

  app.post(
    "/api/auth/web/login",
    {
      schema: {
        tags: ["auth"],
        operationId: "webLogin",
        summary: "Sign in from a browser: the refresh token is set as an HttpOnly cookie",
        description:
          "Like /api/auth/login, but the refresh token is never in the body: it is set as the `hl_refresh` cookie (HttpOnly, SameSite=Strict, Path=/api/auth/web).",
        body: Type.Object({
          email: Type.String({ maxLength: 254 }),
          password: Type.String({ maxLength: 200 }),
        }),
        response: { 200: BrowserTokens, ...errors(400, 401, 429) },
      },
    },
    async (request, reply) => browserTokens(reply, await auth.login({ ...request.body, ip: request.ip })),
  );

  app.post(
    "/api/auth/web/refresh",
    {
      schema: {
        tags: ["auth"],
        operationId: "webRefresh",
        summary: "A new access token for a browser session (rotates the refresh cookie)",
        body: EmptyBody,
        response: { 200: BrowserTokens, ...errors(400, 401) },
      },
    },
    async (request, reply) => {
      const token = cookieOf(request);
      if (!token) throw new DomainError("unauthenticated", "NO_SESSION", "Sign in first.");
      try {
        return browserTokens(reply, await auth.refresh(token));
      } catch (err) {
        // A spent or revoked cookie is of no further use: the browser drops it.
        setRefreshCookie(reply, undefined);
        throw err;
      }
    },
  );

  app.post(
    "/api/auth/web/logout",
    {
      schema: {
        tags: ["auth"],
        operationId: "webLogout",
        summary: "End a browser session and clear its refresh cookie (204 even without one)",
        body: EmptyBody,
        response: { 204: Type.Null(), ...errors(400) },
      },
    },
    async (request, reply) => {
      const token = cookieOf(request);
      if (token) {
        // Spending the refresh token names its session, which is then ended (every token of it).
        const issued = await auth.refresh(token).catch(() => undefined);
        if (issued) await auth.logout(issued.claims.sid);
      }
      setRefreshCookie(reply, undefined);
      return reply.status(204).send(null);
    },
  );
};
