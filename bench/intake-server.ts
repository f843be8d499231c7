/**
 * The app as the intake benches (bench/intake.ts) run it (a child process): the platform's pieces booted the same way,
 * with the chat.turn / chat.deliver workers in this process only when BENCH_WORKERS=1 (otherwise the queued
 * turns wait in Redis: the intake alone is measured). Jobs go under BENCH_JOBS_PREFIX, removed afterwards.
 */
import pino from "pino";
import { loadConfig } from "../config/index.js";
import { RedisCache, createRedis } from "../db/cache.js";
import { createDatabase } from "../db/client.js";
import { createStorage } from "../db/storage/index.js";
import { buildApp, loggerOptions } from "../api/app.js";
import { createJobs, registerWorkers } from "../workers/index.js";

async function main(): Promise<void> {
  const config = loadConfig();
  const database = await createDatabase(config.database);
  const redis = createRedis(config.redisUrl!);
  // Under the run's prefix, so the harness removes the dedupe keys with the queues.
  const cache = new RedisCache(redis, `${process.env.BENCH_JOBS_PREFIX ?? "hl-bench"}:cache:`);
  const storage = await createStorage(config);
  const jobs = createJobs(
    redis,
    pino(loggerOptions(config.logLevel) as pino.LoggerOptions),
    process.env.BENCH_JOBS_PREFIX,
  );
  const app = await buildApp({ config, database, cache, storage, jobs });
  if (process.env.BENCH_WORKERS === "1") {
    registerWorkers(jobs, app.services, app.hub);
    await jobs.start();
  }
  const stop = () => {
    void (async () => {
      await app.close();
      await jobs.close();
      await cache.close();
      await database.close();
      process.exit(0);
    })();
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  await app.listen({ host: config.host, port: config.port });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
