import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { ROLES } from "../../domain/shared/role.js";
import { actorOf } from "../plugins/auth.js";
import { bearer, described, Email, errorsIn, Id, Page, Password, PersonName, Phone } from "../schemas.js";
import { UserSchema } from "./auth.js";

/** The error responses of these routes (see errorsIn). */
const errors = errorsIn("domain/accounts/", "domain/shared/phone.ts");

const Roles = Type.Union(ROLES.map((r) => Type.Literal(r)));

export const adminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { auth } = app.services;
  const admin = app.requireRole("admin");

  app.get(
    "/api/admin/users",
    {
      preHandler: admin,
      schema: {
        tags: ["admin"],
        operationId: "listUsers",
        summary: "List users",
        security: bearer,
        querystring: Type.Object({
          role: Type.Optional(described(Roles, "Only users with this role.")),
          q: Type.Optional(
            Type.String({ maxLength: 200, description: "Words of the name or the email (any case)." }),
          ),
          active: Type.Optional(
            Type.Boolean({ description: "Only active (true) or deactivated (false) accounts." }),
          ),
          page: Page,
          per_page: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
        }),
        response: {
          200: Type.Object({
            users: Type.Array(
              Type.Object({
                id: Type.Integer(),
                role: Type.String(),
                name: Type.String(),
                email: Type.String(),
                active: Type.Boolean(),
                created_at: Type.String(),
              }),
            ),
          }),
          ...errors(400, 401, 403),
        },
      },
    },
    async (request) => {
      const q = request.query;
      const rows = await auth.listUsers(actorOf(request), {
        role: q.role,
        q: q.q,
        active: q.active,
        page: q.page,
        perPage: q.per_page,
      });
      return {
        users: rows.map((u) => ({
          id: u.id,
          role: u.role,
          name: u.name,
          email: u.email,
          active: u.active,
          created_at: u.createdAt.toISOString(),
        })),
      };
    },
  );

  app.post(
    "/api/admin/users",
    {
      preHandler: admin,
      schema: {
        tags: ["admin"],
        operationId: "createStaffUser",
        summary: "Create a staff account (nurse, pharmacist, lab, admin)",
        security: bearer,
        body: Type.Object(
          {
            role: Type.Union([
              Type.Literal("nurse"),
              Type.Literal("admin"),
              Type.Literal("pharmacist"),
              Type.Literal("lab"),
            ]),
            name: PersonName,
            email: Email,
            password: Password,
            phone: Type.Optional(Phone),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ user: UserSchema }), ...errors(400, 401, 403, 409) },
      },
    },
    async (request, reply) =>
      reply.status(201).send({ user: await auth.createStaffUser(actorOf(request), request.body) }),
  );

  app.get(
    "/api/nurse/doctors/",
    {
      preHandler: app.requireRole("nurse"),
      schema: {
        tags: ["admin"],
        operationId: "listNurseDoctors",
        summary: "The doctors the signed-in nurse is assigned to",
        description: "Their schedules and their patients' charts are what a nurse sees.",
        security: bearer,
        response: {
          200: Type.Object({
            doctors: Type.Array(Type.Object({ doctor_id: Type.Integer(), name: Type.String() })),
          }),
          ...errors(401, 403),
        },
      },
    },
    async (request) => ({ doctors: await auth.nurseDoctors(actorOf(request)) }),
  );

  app.post(
    "/api/admin/nurses/:id/assignments",
    {
      preHandler: admin,
      schema: {
        tags: ["admin"],
        operationId: "assignNurse",
        summary: "Let a nurse act for a doctor",
        security: bearer,
        params: Type.Object({ id: Id }),
        body: Type.Object({ doctor_id: Id }),
        response: { 204: Type.Null(), ...errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await auth.assignNurse(actorOf(request), request.params.id, request.body.doctor_id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    "/api/admin/users/:id/role",
    {
      preHandler: admin,
      schema: {
        tags: ["admin"],
        operationId: "setUserRole",
        summary: "Move a staff account to another staff role (their sessions end)",
        security: bearer,
        params: Type.Object({ id: Id }),
        body: Type.Object(
          { role: described(Roles, "The new role: nurse, pharmacist, lab or admin.") },
          { additionalProperties: false },
        ),
        response: { 204: Type.Null(), ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      await auth.setUserRole(actorOf(request), request.params.id, request.body.role);
      return reply.status(204).send(null);
    },
  );

  app.post(
    "/api/admin/users/:id/reset-access",
    {
      preHandler: admin,
      schema: {
        tags: ["admin"],
        operationId: "resetUserAccess",
        summary: "Email the person a password reset link (the forgot-password flow)",
        security: bearer,
        params: Type.Object({ id: Id }),
        response: { 202: Type.Null(), ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      await auth.resetUserAccess(actorOf(request), request.params.id);
      return reply.status(202).send(null);
    },
  );

  for (const [path, active] of [
    ["deactivate", false],
    ["activate", true],
  ] as const) {
    app.post(
      `/api/admin/users/:id/${path}`,
      {
        preHandler: admin,
        schema: {
          tags: ["admin"],
          operationId: active ? "activateUser" : "deactivateUser",
          summary: active ? "Reactivate a user" : "Deactivate a user and end their sessions",
          security: bearer,
          params: Type.Object({ id: Id }),
          response: { 204: Type.Null(), ...errors(400, 401, 403, 404) },
        },
      },
      async (request, reply) => {
        await auth.setUserActive(actorOf(request), request.params.id, active);
        return reply.status(204).send(null);
      },
    );
  }
};
