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

const Ready = Type.Object({
  status: Type.Union([Type.Literal("ready"), Type.Literal("not_ready")]),
  checks: Type.Object({ database: Type.String(), redis: Type.String(), migrations: Type.String() }),
});

/**
 * Kubernetes-style probes (no auth, no patient data): `/livez` says the process is alive (restart it if not);
 * `/readyz` says it can serve (send it traffic): Postgres and Redis reachable and every migration applied.
 * A Redis blip fails readiness, never liveness, so it does not restart the pods.
 */
export const probeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    "/livez",
    {
      schema: {
        tags: ["system"],
        operationId: "getLiveness",
        summary: "Liveness: the process is up",
        response: { 200: Type.Object({ status: Type.Literal("alive") }) },
      },
    },
    async () => ({ status: "alive" as const }),
  );
  app.get(
    "/readyz",
    {
      schema: {
        tags: ["system"],
        operationId: "getReadiness",
        summary: "Readiness: Postgres and Redis reachable, migrations applied",
        response: { 200: Ready, 503: Ready },
      },
    },
    async (_request, reply) => {
      const { database, cache } = app.deps;
      const [db, redis, migrated] = await Promise.all([
        probe(() => database.ping(), 2000),
        probe(() => cache.ping(), 2000),
        database.migrated().catch(() => false),
      ]);
      const checks = {
        database: db ? "ok" : "down",
        redis: redis ? `ok (${cache.kind})` : "down",
        migrations: migrated ? "applied" : "pending",
      };
      const ready = db && redis && migrated;
      return reply.status(ready ? 200 : 503).send({ status: ready ? "ready" : "not_ready", checks });
    },
  );
};

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(probeRoutes);
  app.get(
    "/api/system/health/check/",
    {
      schema: {
        tags: ["system"],
        operationId: "getHealthCheck",
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
