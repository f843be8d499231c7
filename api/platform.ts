import { loggableError } from "../domain/shared/errors.js";
import type { FastifyInstance, FastifyServerOptions } from "fastify";
import type { Config } from "../config/index.js";
import type { Redis } from "ioredis";
import pino from "pino";
import { MemoryCache, RedisCache, createRedis } from "../infra/cache.js";
import { createDatabase, type Database } from "../db/client.js";
import { seedCatalog } from "../domain/orders/catalog/seed.js";
import { hasDemoData, seedDemoData } from "../db/seed/index.js";
import { createStorage } from "../infra/storage/index.js";
import type { Services } from "../domain/index.js";
import type { DocumentStorage } from "../domain/records/storage.js";
import type { Cache } from "../domain/shared/cache.js";
import type { Clock } from "../domain/shared/clock.js";
import type { Jobs } from "../domain/shared/jobs.js";
import type { PubSub } from "../domain/shared/pubsub.js";
import { MemoryPubSub, RedisPubSub } from "../infra/pubsub.js";
import { NotificationRelay } from "../domain/notifications/relay.js";
import { createJobs } from "../infra/jobs.js";
import { lockDataDir } from "../infra/data-dir-lock.js";
import { tracingStarted } from "../infra/telemetry/state.js";
import { registerWorkers } from "../workers/index.js";
import { Relay } from "../workers/relay.js";
import { buildApp, loggerOptions } from "./app.js";

/** What a platform is built from: the server makes them from the configuration, the tests their own. */
export interface PlatformParts {
  config: Config;
  database: Database;
  cache: Cache;
  storage: DocumentStorage;
  jobs: Jobs;
  pubsub: PubSub;
  redis?: Redis | undefined;
  rateLimitNamespace?: string | undefined;
  clock?: Clock | undefined;
  logger?: FastifyServerOptions["logger"];
  /** Runs after everything else is closed (the tests drop their database here). */
  onClose?: (() => Promise<void>) | undefined;
}

export interface Platform {
  app: FastifyInstance;
  services: Services;
  database: Database;
  cache: Cache;
  jobs: Jobs;
  /** The outbox relay: running once started; tests may call tick() for a pass now. */
  relay: Relay;
  /**
   * Starts the job workers and the relay — unless the configuration's role is `api` (HTTP only: the workers
   * run in other processes). The HTTP server listens separately (api/server.ts).
   */
  start(): Promise<void>;
  /** Stops the relay, closes the server, then the jobs, the cache and the database. Safe to call twice. */
  close(): Promise<void>;
}

/** How often the sweeps look for work whose job was lost (it is only looked for once it is this late, too). */
const SWEEP_MS = 5_000;

/**
 * The one way to assemble HealthLink from its parts — used by the server (startPlatform) and the tests
 * alike: the app, every job handler, and the relay with its sweeps.
 */
export async function buildPlatform(parts: PlatformParts): Promise<Platform> {
  const app = await buildApp(parts);
  await app.ready();
  const { services, hub } = app;
  const clock = app.deps.clock;
  registerWorkers(parts.jobs, services, hub);
  const notifications = new NotificationRelay(services.notifications, clock);
  const relay = new Relay(
    [
      { name: "notifications", everyMs: 0, run: () => notifications.tick() },
      { name: "channels", everyMs: SWEEP_MS, run: (now) => hub.sweep(now) },
      { name: "reminders", everyMs: SWEEP_MS, run: (now) => services.reminders.sweepOverdue(now) },
      { name: "reminder syncs", everyMs: SWEEP_MS, run: (now) => services.reminders.sweepSyncs(now) },
      { name: "payments", everyMs: SWEEP_MS, run: (now) => services.paymentsRelay.sweepStranded(now) },
      // Visit recordings and notes whose job was lost (a minute late: their own job gets the first chance).
      {
        name: "visit transcripts",
        everyMs: SWEEP_MS,
        run: (now) => services.transcripts.sweepStranded(new Date(now.getTime() - 60_000)),
      },
      // Chat consultations whose window closed: ended, the patient told their messages go to the assistant.
      { name: "chat visits", everyMs: SWEEP_MS, run: (now) => services.visits.chats.closeExpired(now) },
      {
        name: "visit recordings",
        everyMs: SWEEP_MS,
        run: (now) => services.visits.sweepRecordings(new Date(now.getTime() - 60_000)),
      },
      {
        name: "visit notes",
        everyMs: SWEEP_MS,
        run: (now) => services.visitNotes.sweepStranded(new Date(now.getTime() - 60_000)),
      },
      // Records indexing requested a minute ago or more (by the database's clock) whose job was lost.
      { name: "records index", everyMs: SWEEP_MS, run: () => services.rag.sweepStranded(60) },
    ],
    clock,
    parts.config.notifications.relayIntervalMs,
    app.log,
  );
  let closing: Promise<void> | undefined;
  return {
    app,
    services,
    database: parts.database,
    cache: parts.cache,
    jobs: parts.jobs,
    relay,
    start: async () => {
      if (parts.config.role === "api") return;
      await parts.jobs.start();
      relay.start();
    },
    close: () =>
      (closing ??= (async () => {
        await relay.stop();
        await app.close();
        await parts.jobs.close();
        await parts.pubsub.close();
        await parts.cache.close();
        if (parts.onClose) await parts.onClose();
        else await parts.database.close();
      })()),
  };
}

/** Boots everything the configuration asks for: database (migrated), cache, storage, first admin, demo data, app. */
export async function startPlatform(config: Config): Promise<Platform> {
  // The embedded database is one process's: a second start on the same data directory stops here, before
  // opening it (DataDirLockedError), instead of corrupting it.
  const lock = config.database.kind === "pglite" ? lockDataDir(config.dataDir) : undefined;
  try {
    const platform = await startLocked(config);
    if (!lock) return platform;
    return { ...platform, close: () => platform.close().finally(() => lock.release()) };
  } catch (err) {
    lock?.release();
    throw err;
  }
}

async function startLocked(config: Config): Promise<Platform> {
  const database = await createDatabase(config.database);
  await database.migrate();
  const redis: Redis | undefined = config.redisUrl ? createRedis(config.redisUrl) : undefined;
  const cache: Cache = redis ? new RedisCache(redis) : new MemoryCache();
  const storage = await createStorage(config);
  const jobs = createJobs(redis, pino(loggerOptions(config.logLevel) as pino.LoggerOptions));
  const pubsub: PubSub = redis ? new RedisPubSub(redis) : new MemoryPubSub();
  const platform = await buildPlatform({ config, database, cache, storage, jobs, pubsub, redis });
  const { app } = platform;
  const log = app.log;

  const embedded = config.database.kind === "pglite";
  const seed = config.seedDemoData ?? embedded;
  if (seed && !(await hasDemoData(database))) {
    log.info("seeding demo data (first run)");
    const result = await seedDemoData(database, {
      doctorCount: config.seedDoctorCount,
      log: (m) => log.info(m),
    });
    log.info(result, "demo data ready");
    // The demo's histories go into the records index now (later writes index themselves), so "ask about my
    // records" answers from the first message. A failure (an embeddings server down) leaves it to the relay.
    const indexed = await app.services.rag.reindexAll().catch((err: unknown) => {
      log.warn({ err: loggableError(err) }, "indexing the demo records failed; npm run rag:reindex retries");
      return 0;
    });
    log.info({ patients: indexed }, "demo records indexed");
  }
  // The medicine and lab-test catalogs are reference data shipped with the code: keep them current at
  // every start (idempotent, tens of milliseconds), so an existing database gets catalog updates too.
  await seedCatalog(database.db);
  if (await app.services.auth.ensureAdmin(config.admin))
    log.info("created the first admin account from ADMIN_EMAIL");

  log.info(
    {
      database: embedded
        ? `embedded PGlite (${config.database.kind === "pglite" ? config.database.dir : ""})`
        : "PostgreSQL",
      cache: cache.kind === "redis" ? "Redis" : "in-memory (REDIS_URL unset)",
      role: config.role,
      jobs: config.redisUrl
        ? "BullMQ on Redis"
        : "in-process (REDIS_URL unset; work left unfinished is found again in the database after a restart)",
      storage: storage.kind,
      telegram: config.telegram ? "on" : "off (TELEGRAM_BOT_TOKEN unset)",
      whatsapp: config.whatsapp ? "on" : "off (WHATSAPP_ACCESS_TOKEN unset)",
      sms: config.twilio?.phoneNumber ? "on (Twilio)" : "off (TWILIO_* unset)",
      whatsappTwilio: config.twilio?.whatsappNumber ? "on (Twilio)" : "off (TWILIO_WHATSAPP_NUMBER unset)",
      email: config.email
        ? "on (SMTP)"
        : config.devOutbox
          ? "kept at /dev/outbox (SMTP_URL unset)"
          : "off (SMTP_URL unset)",
      visitTranscription: config.transcription ? "on" : "off (TRANSCRIPTION_BASE_URL unset)",
      visitNoteDrafts: config.llm ? "on (LLM)" : "off (OPENAI_API_KEY unset: doctors write notes)",
      recordsQuestions: `${app.services.rag.mode.retrieval} retrieval (vectors: ${app.services.rag.mode.store}), ${app.services.rag.mode.answers} answers`,
      tracing: tracingStarted()
        ? `on (OTLP, service ${config.tracing.serviceName})`
        : config.tracing.endpoint
          ? "off: OTEL_EXPORTER_OTLP_ENDPOINT is set but the process started without the preload (--import ./infra/telemetry/register.ts)"
          : "off (OTEL_EXPORTER_OTLP_ENDPOINT unset)",
    },
    "HealthLink components",
  );
  if (config.devOutbox)
    log.warn(
      `no ${[config.email ? undefined : "email", config.twilio?.phoneNumber ? undefined : "SMS"].filter(Boolean).join(" or ")} provider: ` +
        `the messages that would have gone out (one-time codes, password reset links) are kept at ${config.publicBaseUrl}/dev/outbox`,
    );
  await platform.start();
  return platform;
}
