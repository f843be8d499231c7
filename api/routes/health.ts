import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";

const Health = Type.Object({
  status: Type.Union([Type.Literal("ok"), Type.Literal("degraded")]),
  message: Type.String(),
  checks: Type.Object({ database: Type.String(), cache: Type.String() }),
});

async function probe(fn: () => Promise<void>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error("timeout")), timeoutMs);
      }),
    ]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    "/api/system/health/check/",
    {
      schema: {
        tags: ["system"],
        summary: "Checks the database and the cache",
        response: { 200: Health, 503: Health },
      },
    },
    async (_request, reply) => {
      const { database, cache } = app.deps;
      const [db, c] = await Promise.all([
        probe(() => database.ping(), 2000),
        probe(() => cache.ping(), 2000),
      ]);
      const checks = { database: db ? "ok" : "down", cache: c ? `ok (${cache.kind})` : "down" };
      if (db && c) return { status: "ok" as const, message: "System is healthy and operational.", checks };
      return reply
        .status(503)
        .send({ status: "degraded" as const, message: "Some dependencies are unavailable.", checks });
    },
  );
};
