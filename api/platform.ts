import type { FastifyInstance } from "fastify";
import type { Config } from "../config/index.js";
import type { Redis } from "ioredis";
import pino from "pino";
import { MemoryCache, RedisCache, createRedis } from "../db/cache.js";
import { createDatabase, type Database } from "../db/client.js";
import { seedCatalog } from "../domain/orders/catalog/seed.js";
import { hasDemoData, seedDemoData } from "../db/seed/index.js";
import { createStorage } from "../db/storage/index.js";
import type { Cache } from "../domain/shared/cache.js";
import { createJobs, registerWorkers } from "../workers/index.js";
import { NotificationRelay } from "../domain/notifications/relay.js";
import { buildApp, loggerOptions } from "./app.js";

export interface Platform {
  app: FastifyInstance;
  database: Database;
  cache: Cache;
  /** Closes the server, then the cache and the database, in that order. Safe to call twice. */
  close(): Promise<void>;
}

/** Boots everything the configuration asks for: database (migrated), cache, storage, first admin, demo data, app. */
export async function startPlatform(config: Config): Promise<Platform> {
  const database = await createDatabase(config.database);
  await database.migrate();
  const redis: Redis | undefined = config.redisUrl ? createRedis(config.redisUrl) : undefined;
  const cache: Cache = redis ? new RedisCache(redis) : new MemoryCache();
  const storage = await createStorage(config);
  const jobs = createJobs(redis, pino(loggerOptions(config.logLevel) as pino.LoggerOptions));
  const app = await buildApp({ config, database, cache, storage, jobs });
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
      jobs: config.redisUrl ? "BullMQ on Redis" : "in-process (not durable: REDIS_URL unset)",
      storage: storage.kind,
      telegram: config.telegram ? "on" : "off (TELEGRAM_BOT_TOKEN unset)",
      whatsapp: config.whatsapp ? "on" : "off (WHATSAPP_ACCESS_TOKEN unset)",
      sms: config.twilio?.phoneNumber ? "on (Twilio)" : "off (TWILIO_* unset)",
      whatsappTwilio: config.twilio?.whatsappNumber ? "on (Twilio)" : "off (TWILIO_WHATSAPP_NUMBER unset)",
    },
    "HealthLink components",
  );

  registerWorkers(jobs, app.services, app.hub);
  await jobs.start();
  const relay = new NotificationRelay(
    app.services.notifications,
    app.deps.clock,
    config.notifications.relayIntervalMs,
    log,
  );
  relay.start();

  let closing: Promise<void> | undefined;
  return {
    app,
    database,
    cache,
    close: () =>
      (closing ??= (async () => {
        await relay.stop();
        await app.close();
        await jobs.close();
        await cache.close();
        await database.close();
      })()),
  };
}
