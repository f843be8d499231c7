import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { buildPlatform } from "../api/platform.js";
import { loadConfig, type Config } from "../config/index.js";
import { RedisCache, createRedis } from "../infra/cache.js";
import { RedisPubSub } from "../infra/pubsub.js";
import { createDatabase, type Database } from "../db/client.js";
import { LocalStorage } from "../infra/storage/local.js";
import type { Services } from "../domain/index.js";
import type { DocumentStorage } from "../domain/records/storage.js";
import { ManualClock } from "../domain/shared/clock.js";
import type { Jobs } from "../domain/shared/jobs.js";
import { createJobs } from "../infra/jobs.js";
import type { Relay } from "../workers/relay.js";
import { createTestDatabase } from "./db.js";
import { TEST_REDIS_URL } from "./env.js";

/** Monday 2030-01-07 00:00 UTC: tests run against a fixed "now" they can move. */
export const TEST_NOW = new Date("2030-01-07T00:00:00.000Z");

export interface TestApp {
  app: FastifyInstance;
  services: Services;
  database: Database;
  /** The test database's URL (another process of the same deployment connects to it). */
  databaseUrl: string;
  cache: RedisCache;
  clock: ManualClock;
  jobs: Jobs;
  /** The BullMQ prefix of this app's queues (under the test Redis). */
  jobsPrefix: string;
  /** The outbox relay (running; tests may also call tick() for a pass now, or stop() it). */
  relay: Relay;
  config: Config;
  storage: DocumentStorage;
  close(): Promise<void>;
}

export function testConfig(env: Record<string, string> = {}, dataDir?: string): Config {
  return loadConfig({
    NODE_ENV: "test",
    LOG_LEVEL: "silent",
    DATABASE_URL: "postgres://unused-by-tests",
    JWT_SECRET: randomBytes(32).toString("hex"),
    STORAGE_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
    DATA_DIR: dataDir ?? path.join(os.tmpdir(), "hl-test-data"),
    PUBLIC_BASE_URL: "http://healthlink.test",
    // Tests sign many people up from one address; the rate-limit tests set their own limits.
    RATE_LIMIT_AUTH_PER_MINUTE: "100000",
    RATE_LIMIT_SEARCH_PER_MINUTE: "100000",
    RATE_LIMIT_CHAT_SESSIONS_PER_MINUTE: "100000",
    RATE_LIMIT_WEBHOOKS_PER_MINUTE: "100000",
    ...env,
  });
}

/**
 * The whole app on a fresh real Postgres database and real Redis (keys under a unique prefix),
 * with a manual clock. Nothing listens on a port: use app.inject.
 */
export async function buildTestApp(
  opts: {
    env?: Record<string, string>;
    now?: Date;
    storage?: DocumentStorage;
    /** A Redis of the test's own (fault tests kill it); default: the machine's. */
    redisUrl?: string;
    /** The test database, reached through another address (a proxy the test can cut). */
    databaseVia?: (url: string) => string;
    /**
     * Another process of the same deployment: this app shares that one's database, Redis prefix and clock
     * (tests of ROLE=api and ROLE=worker side by side). Closing it leaves the shared database alone.
     */
    sharing?: TestApp;
  } = {},
): Promise<TestApp> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "hl-test-"));
  const shared = opts.sharing;
  const config = testConfig(
    shared
      ? {
          ...opts.env,
          JWT_SECRET: shared.config.auth.jwtSecret,
          STORAGE_ENCRYPTION_KEY: shared.config.storage.encryptionKey.toString("hex"),
        }
      : opts.env,
    dataDir,
  );
  const tdb = shared
    ? {
        database: await createDatabase({ kind: "pg", url: shared.databaseUrl, poolSize: 10 }),
        url: shared.databaseUrl,
        drop: () => Promise.resolve(),
      }
    : await createTestDatabase(10, opts.databaseVia);
  const redis = createRedis(opts.redisUrl ?? TEST_REDIS_URL);
  const prefix = shared ? shared.jobsPrefix.replace("hl-test-jobs-", "") : randomBytes(4).toString("hex");
  const cache = new RedisCache(redis, `t:${prefix}:`);
  const clock = shared?.clock ?? new ManualClock(opts.now ?? TEST_NOW);
  const storage = opts.storage ?? new LocalStorage(path.join(dataDir, "documents"));
  const quiet = { warn: () => undefined, error: () => undefined };
  const jobs = createJobs(redis, quiet, `hl-test-jobs-${prefix}`);
  const platform = await buildPlatform({
    config,
    database: tdb.database,
    cache,
    storage,
    jobs,
    pubsub: new RedisPubSub(redis, `t:${prefix}:ps:`),
    redis,
    rateLimitNamespace: `t:${prefix}:rl:`,
    clock,
    logger: false,
    onClose: async () => {
      // A shared database is the other app's to drop; this one only closes its pool.
      if (shared) await tdb.database.close();
      else await tdb.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
  await platform.start();
  return {
    app: platform.app,
    services: platform.services,
    database: tdb.database,
    databaseUrl: tdb.url,
    cache,
    clock,
    jobs,
    jobsPrefix: `hl-test-jobs-${prefix}`,
    relay: platform.relay,
    config,
    storage,
    close: () => platform.close(),
  };
}
