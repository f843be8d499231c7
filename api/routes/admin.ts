import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { actorOf } from "../plugins/auth.js";
import { bearer, errors, Id, Page } from "../schemas.js";

const Roles = Type.Union(
  ["patient", "doctor", "nurse", "admin", "pharmacist", "lab"].map((r) => Type.Literal(r)),
);

export const adminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { auth } = app.services;
  const admin = app.requireRole("admin");

  app.get(
    "/api/admin/users",
    {
      preHandler: admin,
      schema: {
        tags: ["admin"],
        summary: "List users",
        security: bearer,
        querystring: Type.Object({
          role: Type.Optional(Roles),
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
