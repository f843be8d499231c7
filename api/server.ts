import { ConfigError, loadConfig } from "../config/index.js";
import Fastify, { type FastifyInstance } from "fastify";
import { probeRoutes } from "./routes/health.js";
import { startPlatform, type Platform } from "./platform.js";
import { DataDirLockedError } from "../infra/data-dir-lock.js";
import { shutdownTracing } from "../infra/telemetry/state.js";
import { metricsRoute } from "./plugins/metrics.js";

/**
 * A worker's HTTP surface: /livez and /readyz over the platform's database and cache, and /metrics unless
 * METRICS_PORT serves it apart.
 */
async function probeServer(platform: Platform): Promise<FastifyInstance> {
  const server = Fastify({ logger: false });
  server.decorate("deps", platform.app.deps);
  await server.register(probeRoutes);
  const { metrics } = platform.app.deps.config;
  if (metrics.port === undefined) metricsRoute(server, platform.app.metrics, metrics.token);
  return server;
}

/** /metrics on METRICS_PORT (a port the ingress does not expose), for every role. */
function metricsServer(platform: Platform): FastifyInstance {
  const server = Fastify({ logger: false });
  metricsRoute(server, platform.app.metrics, platform.app.deps.config.metrics.token);
  return server;
}

const SHUTDOWN_TIMEOUT_MS = 25_000;

/** Entry point: boot, listen, close gracefully on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`HealthLink cannot start: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  let platform: Platform;
  try {
    platform = await startPlatform(config);
  } catch (err) {
    if (err instanceof DataDirLockedError) {
      console.error(`HealthLink cannot start: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const { app } = platform;

  let probes: FastifyInstance | undefined;
  let metrics: FastifyInstance | undefined;
  let shuttingDown = false;
  const shutdown = (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    app.log.info({ signal }, "shutting down");
    // Within Kubernetes' default 30 s grace period: running jobs finish, BullMQ workers close, then exit.
    const force = setTimeout(() => {
      app.log.error("graceful shutdown timed out; exiting");
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    force.unref();
    Promise.all([probes?.close(), metrics?.close()])
      .then(() => platform.close())
      // The spans of the last requests and jobs, before the process ends.
      .then(() => shutdownTracing())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          app.log.error({ err }, "error during shutdown");
          process.exit(1);
        },
      );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));

  if (config.metrics.port !== undefined) {
    metrics = metricsServer(platform);
    await metrics.listen({ host: config.host, port: config.metrics.port });
    app.log.info(`Prometheus metrics on port ${config.metrics.port} (/metrics)`);
  }
  if (config.role === "worker") {
    // A worker serves no API: only the probes, for the orchestrator.
    probes = await probeServer(platform);
    await probes.listen({ host: config.host, port: config.port });
    app.log.info(`HealthLink worker is up (probes on port ${config.port}: /livez, /readyz)`);
    return;
  }
  await app.listen({ host: config.host, port: config.port });
  app.log.info(
    `HealthLink is up (${config.role === "api" ? "API only" : "API and workers"}): ${config.publicBaseUrl} (API docs at ${config.publicBaseUrl}/docs)`,
  );
}

main().catch((err: unknown) => {
  console.error("HealthLink failed to start:", err);
  process.exit(1);
});
