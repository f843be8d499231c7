import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { IssuedSession } from "../../domain/accounts/auth-service.js";
import { actorOf } from "../plugins/auth.js";
import { bearer, Email, errors, Id, Password, PersonName, Phone } from "../schemas.js";

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

export const authRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { auth } = app.services;
  const tokens = (issued: IssuedSession) => ({
    access_token: app.signAccessToken(issued.claims),
    refresh_token: issued.refreshToken,
    token_type: "Bearer" as const,
    expires_in: app.deps.config.auth.accessTtlSeconds,
    user: issued.user,
  });

  app.post(
    "/api/auth/register",
    {
      schema: {
        tags: ["auth"],
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
};
