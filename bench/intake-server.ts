/**
 * The app as the intake benches (bench/intake.ts) run it (a child process): the platform assembled by the
 * same function as the server and the tests (buildPlatform), its workers and relay started only when
 * BENCH_WORKERS=1 (otherwise the queued drains wait in Redis: the intake alone is measured). Jobs and cache
 * keys go under BENCH_JOBS_PREFIX, removed afterwards.
 */
import pino from "pino";
import { loadConfig } from "../config/index.js";
import { RedisCache, createRedis } from "../infra/cache.js";
import { RedisPubSub } from "../infra/pubsub.js";
import { createDatabase } from "../db/client.js";
import { createStorage } from "../infra/storage/index.js";
import { loggerOptions } from "../api/app.js";
import { buildPlatform } from "../api/platform.js";
import { createJobs } from "../infra/jobs.js";

async function main(): Promise<void> {
  const config = loadConfig();
  const database = await createDatabase(config.database);
  const redis = createRedis(config.redisUrl!);
  const prefix = process.env.BENCH_JOBS_PREFIX ?? "hl-bench";
  const cache = new RedisCache(redis, `${prefix}:cache:`);
  const storage = await createStorage(config);
  const jobs = createJobs(redis, pino(loggerOptions(config.logLevel) as pino.LoggerOptions), prefix);
  const pubsub = new RedisPubSub(redis, `${prefix}:ps:`);
  const platform = await buildPlatform({
    config,
    database,
    cache,
    storage,
    jobs,
    pubsub,
    redis,
    rateLimitNamespace: `${prefix}:rl:`,
  });
  if (process.env.BENCH_WORKERS === "1") await platform.start();
  const stop = () => {
    void platform.close().then(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  await platform.app.listen({ host: config.host, port: config.port });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
