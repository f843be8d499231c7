import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { actorOf } from "../plugins/auth.js";
import { bearer, errorsIn } from "../schemas.js";

/** The error responses of these routes (see errorsIn). */
const errors = errorsIn("domain/teams/");
const TAGS = ["teams"];

const Status = Type.Object({
  configured: Type.Boolean({ description: "Microsoft Teams is set up on this server." }),
  linked: Type.Boolean(),
  linked_at: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
});

/** A doctor's Microsoft Teams link: its status, a one-time link code, unlinking. Thin: validate, call, map. */
export const teamsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { teamsLinks } = app.services;
  const doctorOnly = app.requireRole("doctor");

  app.get(
    "/api/doctor/teams/",
    {
      preHandler: doctorOnly,
      schema: {
        tags: TAGS,
        operationId: "getTeamsLink",
        summary: "Whether the doctor's Microsoft Teams account is linked",
        security: bearer,
        response: { 200: Type.Object({ teams: Status }), ...errors(401, 403) },
      },
    },
    async (request) => ({ teams: await teamsLinks.status(actorOf(request)) }),
  );

  app.post(
    "/api/doctor/teams/link-code",
    {
      preHandler: doctorOnly,
      schema: {
        tags: TAGS,
        operationId: "createTeamsLinkCode",
        summary: "A one-time code (10 minutes) to send to the HealthLink bot in Microsoft Teams",
        description:
          "A new code replaces the previous one. 503 TEAMS_NOT_CONFIGURED when Teams is not set up.",
        security: bearer,
        response: {
          201: Type.Object({
            code: Type.String({ examples: ["K7QP2MXR"] }),
            expires_at: Type.String({ format: "date-time" }),
          }),
          ...errors(401, 403, 429, 503),
        },
      },
    },
    async (request, reply) => reply.code(201).send(await teamsLinks.createLinkCode(actorOf(request))),
  );

  app.delete(
    "/api/doctor/teams/",
    {
      preHandler: doctorOnly,
      schema: {
        tags: TAGS,
        operationId: "unlinkTeams",
        summary: "Unlink the doctor's Microsoft Teams account",
        security: bearer,
        response: { 204: Type.Null(), ...errors(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await teamsLinks.unlink(actorOf(request));
      return reply.code(204).send(null);
    },
  );
};
