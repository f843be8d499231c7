import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Config } from "../../config/index.js";
import type { Jobs } from "../../domain/shared/jobs.js";
import { installMetrics } from "../../domain/shared/metrics.js";
import { appRegistry, promMetrics } from "../../infra/telemetry/metrics.js";

/** What /metrics serves: this app's registry (HTTP, process, queue depth) and the process's application metrics. */
export interface MetricsEndpoint {
  readonly contentType: string;
  render(): Promise<string>;
}

declare module "fastify" {
  interface FastifyInstance {
    metrics: MetricsEndpoint;
  }
}

const QUEUE_STATES = ["waiting", "active", "delayed", "failed"] as const;

/**
 * Prometheus metrics: process metrics, request durations by route pattern and status, queue depth per queue and
 * state (read from the queues at each scrape), and the application's own (infra/telemetry/metrics.ts: jobs,
 * channel sends, LLM and transcription calls, voice). Labels are route patterns (`/api/view/doctor/`), never
 * concrete URLs, so no id or query reaches them.
 *
 * `/metrics` is served on PORT unless METRICS_PORT gives it a server of its own (api/server.ts); with
 * METRICS_TOKEN it asks for `Authorization: Bearer <token>`.
 */
export function registerMetrics(app: FastifyInstance, config: Config, jobs: Jobs): void {
  installMetrics(promMetrics);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: "http_request_duration_seconds",
    help: "HTTP request duration by method, route pattern and status code",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  new Gauge({
    name: "healthlink_queue_jobs",
    help: "Jobs per queue and state (waiting, active, delayed, failed), read from the queues at each scrape",
    labelNames: ["queue", "state"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      // Redis away: no queue figures in this scrape (the scrape itself still answers).
      const counts = await jobs.counts().catch(() => []);
      for (const c of counts) for (const state of QUEUE_STATES) this.set({ queue: c.queue, state }, c[state]);
    },
  });

  app.addHook("onResponse", (request, reply, done) => {
    const route = request.routeOptions.url ?? "unmatched";
    if (route !== "/metrics")
      duration.observe(
        { method: request.method, route, status: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    done();
  });

  const endpoint: MetricsEndpoint = {
    contentType: registry.contentType,
    render: async () => `${await registry.metrics()}\n${await appRegistry.metrics()}`,
  };
  app.decorate("metrics", endpoint);
  if (config.metrics.port === undefined) metricsRoute(app, endpoint, config.metrics.token);
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

/** GET /metrics on a server (the app's, a worker's probe server, or the metrics port's), behind the token if any. */
export function metricsRoute(
  server: FastifyInstance,
  endpoint: MetricsEndpoint,
  token: string | undefined,
): void {
  const expected = token === undefined ? undefined : digest(token);
  server.get("/metrics", { schema: { hide: true } }, async (request, reply) => {
    if (expected) {
      const header = request.headers.authorization ?? "";
      const given = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
      if (given === undefined || !timingSafeEqual(digest(given), expected))
        return reply
          .code(401)
          .header("www-authenticate", 'Bearer realm="metrics"')
          .send({ error: { code: "UNAUTHORIZED", message: "A valid metrics token is required." } });
    }
    return reply.header("content-type", endpoint.contentType).send(await endpoint.render());
  });
}
