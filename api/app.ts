import { metrics } from "../domain/shared/metrics.js";
import { randomUUID } from "node:crypto";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { Redis } from "ioredis";
import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import type { Config } from "../config/index.js";
import type { Database } from "../db/client.js";
import { Engine, replayRunner } from "../bot/engine.js";
import type { MediaFetcher } from "../bot/turn.js";
import type { ChannelAdapter } from "../channels/contract.js";
import { createAdapters } from "../channels/adapters.js";
import { ChannelHub } from "../channels/hub.js";
import { visitNoteModel } from "../bot/visit-notes/model.js";
import { ragModel } from "../bot/rag/model.js";
import { createEmbedder } from "../infra/embeddings.js";
import { createVectorStore } from "../infra/pinecone.js";
import { createTranscriber } from "../infra/transcription.js";
import { createServices, type Services } from "../domain/index.js";
import type { DocumentStorage } from "../domain/records/storage.js";
import type { Cache } from "../domain/shared/cache.js";
import { type Clock, systemClock } from "../domain/shared/clock.js";
import type { Jobs } from "../domain/shared/jobs.js";
import type { PubSub } from "../domain/shared/pubsub.js";
import type { VoiceMetrics } from "../channels/voice/session.js";
import { authPlugin } from "./plugins/auth.js";
import { registerErrorHandling } from "./plugins/errors.js";
import { registerMetrics } from "./plugins/metrics.js";
import { bothMetrics, ModelUsageRecorder } from "../domain/analytics/usage-repository.js";
import { installMetrics } from "../domain/shared/metrics.js";
import { promMetrics } from "../infra/telemetry/metrics.js";
import { registerSecurity } from "./plugins/security.js";
import { registerTracing, traceIds } from "./plugins/tracing.js";
import { finishDocument } from "./openapi.js";
import { routes } from "./routes/index.js";
import { ErrorResponse } from "./schemas.js";

export interface AppOptions {
  config: Config;
  database: Database;
  cache: Cache;
  storage: DocumentStorage;
  jobs: Jobs;
  /** Between the processes of a deployment (web-chat sockets, visit signalling). */
  pubsub: PubSub;
  /** The Redis the rate limits count in (shared by every API process); none → counted in this process. */
  redis?: Redis | undefined;
  /** Key prefix of the rate-limit counters (tests give each app its own). */
  rateLimitNamespace?: string | undefined;
  clock?: Clock;
  logger?: FastifyServerOptions["logger"];
  /** The phone line's latency hook (first text token after a caller's prompt); e.g. a Prometheus histogram. */
  voiceMetrics?: VoiceMetrics | undefined;
}

declare module "fastify" {
  interface FastifyInstance {
    services: Services;
    /** The conversation engine and the channels that send its replies. */
    hub: ChannelHub;
    deps: { config: Config; database: Database; cache: Cache; clock: Clock; pubsub: PubSub };
    /** Where the phone line reports its first-token latency (AppOptions.voiceMetrics). */
    voiceMetrics: VoiceMetrics | undefined;
  }
}

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

/**
 * Pino options that keep patient data out of the logs: no bodies, no query strings, no auth headers. A line
 * written inside a traced request or job carries its `trace_id` and `span_id`.
 */
export function loggerOptions(level: string): FastifyServerOptions["logger"] {
  return {
    level,
    mixin: traceIds,
    redact: {
      paths: [
        "req.headers.authorization",
        "req.headers.cookie",
        "req.headers['x-telegram-bot-api-secret-token']",
        "req.headers['x-twilio-signature']",
      ],
      remove: true,
    },
    serializers: {
      req: (req: { method: string; url: string; id: string }) => ({
        method: req.method,
        path: req.url.split("?")[0],
        id: req.id,
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  };
}

/** The engine, and a hub with an adapter for every configured channel. */
function createHub(
  opts: AppOptions,
  services: Services,
  clock: Clock,
  log: FastifyInstance["log"],
): ChannelHub {
  const engine: Engine = new Engine({
    services,
    clock,
    config: opts.config,
    log,
    // Inbound attachments are downloaded through their channel's adapter (credentials, size cap).
    media: (channel: string): MediaFetcher | undefined => {
      const adapter: ChannelAdapter | undefined = hub.registry.get(channel);
      return adapter?.fetchMedia ? (url) => adapter.fetchMedia!(url) : undefined;
    },
  });
  const hub: ChannelHub = new ChannelHub(
    engine,
    opts.jobs,
    clock,
    log,
    createAdapters(opts.config, clock, opts.pubsub),
  );
  return hub;
}

/** The whole HTTP application as one Fastify instance, without listening. Tests inject into it. */
export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const clock = opts.clock ?? systemClock;
  const app = Fastify({
    logger: opts.logger ?? loggerOptions(opts.config.logLevel),
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
    },
    requestIdHeader: false,
    // A hop count trusts that many proxies nearest to us (what proxy-addr does with a number).
    trustProxy:
      typeof opts.config.trustProxy === "number"
        ? (
            (hops: number) => (_address: string, hop: number) =>
              hop < hops
          )(opts.config.trustProxy)
        : opts.config.trustProxy,
    bodyLimit: 1024 * 1024,
    ajv: {
      customOptions: { coerceTypes: "array", removeAdditional: false, useDefaults: true, allErrors: false },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const services = createServices({
    database: opts.database,
    cache: opts.cache,
    clock,
    jobs: opts.jobs,
    config: opts.config,
    storage: opts.storage,
    replayRunner: (built) => replayRunner(opts.config, built),
    transcriber: createTranscriber(opts.config),
    visitNoteModel: visitNoteModel(opts.config.llm),
    embedder: createEmbedder(opts.config),
    vectorStore: createVectorStore(opts.config),
    ragModel: ragModel(opts.config.llm),
  });
  app.decorate("services", services);
  app.decorate("hub", createHub(opts, services, clock, app.log));
  // The phone line's first-token latency goes to Prometheus unless a caller (a test, a bench) listens itself.
  app.decorate(
    "voiceMetrics",
    opts.voiceMetrics ?? {
      firstToken: (seconds: number, { tool }: { tool: boolean }) =>
        metrics.voiceFirstToken(seconds, tool ? "tool" : "answer"),
    },
  );
  app.decorate("deps", {
    config: opts.config,
    database: opts.database,
    cache: opts.cache,
    clock,
    pubsub: opts.pubsub,
  });
  app.addHook("onSend", (request, reply, payload, done) => {
    void reply.header("x-request-id", request.id);
    done(null, payload);
  });

  registerTracing(app);
  registerErrorHandling(app);
  registerMetrics(app, opts.config, opts.jobs);
  // Model calls and voice first-token delays are also kept as rows for the analytics dashboard (batched).
  const usage = new ModelUsageRecorder(opts.database.db, () => clock.now());
  installMetrics(bothMetrics(promMetrics, usage));
  app.addHook("onClose", () => usage.close());
  await registerSecurity(app, opts.config, opts.redis, opts.rateLimitNamespace);
  app.addSchema(ErrorResponse);

  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "HealthLink API",
        version: "0.1.0",
        description:
          "Find doctors, book and manage appointments, keep clinical records. Errors: `{error: {code, message}}`.",
      },
      servers: [{ url: opts.config.publicBaseUrl }],
      components: {
        securitySchemes: { bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
      },
    },
    // Defaults make parameters optional; common parameters get their description (api/openapi.ts).
    transformObject: (documentObject) =>
      finishDocument(
        "openapiObject" in documentObject ? documentObject.openapiObject : documentObject.swaggerObject,
      ),
    refResolver: {
      buildLocalReference: (json, _base, _fragment, i) =>
        typeof json.$id === "string" ? json.$id : `def-${i}`,
    },
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });
  await app.register(authPlugin, {
    secret: opts.config.auth.jwtSecret,
    accessTtlSeconds: opts.config.auth.accessTtlSeconds,
    services,
  });
  await app.register(routes);
  return app;
}
