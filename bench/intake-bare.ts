/**
 * The intake benches' baseline (a child process of bench/intake.ts): a bare Fastify server whose one route
 * takes any POST body and does exactly the durable part of the app's intake — the same INSERT into
 * inbound_messages (ON CONFLICT DO NOTHING RETURNING id) on a plain `pg` pool of the same size, and the same
 * BullMQ add of the `chat.drain` job with the same options — with no signature, parsing, schema or hub.
 * The app's figure divided by this one is the cost of everything HealthLink adds around the two writes.
 */
import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import Fastify from "fastify";
import { Redis } from "ioredis";
import pg from "pg";

async function main(): Promise<void> {
  const pool = new pg.Pool({
    connectionString: process.env.DATABASE_URL,
    max: Number(process.env.DATABASE_POOL_SIZE ?? 20),
  });
  const redis = new Redis(process.env.REDIS_URL!, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  const queue = new Queue("chat.drain", { connection: redis, prefix: process.env.BENCH_JOBS_PREFIX });
  const app = Fastify({ logger: false });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => done(null, body));
  app.get("/ready", async () => ({ ok: true }));
  app.post("/*", async (_request, reply) => {
    const { rows } = await pool.query<{ id: string }>(
      `insert into inbound_messages (channel, provider_message_id, address, message, context, received_at)
       values ($1, $2, $3, $4, '{}', now()) on conflict do nothing returning id`,
      ["sms", randomUUID(), "+919876500000", { text: "hi" }],
    );
    await queue.add(
      "chat.drain",
      { inboxId: Number(rows[0]!.id) },
      { attempts: 5, backoff: { type: "exponential", delay: 1000 }, removeOnComplete: true },
    );
    return reply.status(200).type("text/xml").send("<Response/>");
  });
  const stop = () => {
    void (async () => {
      await app.close();
      await queue.close();
      await redis.quit();
      await pool.end();
      process.exit(0);
    })();
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  await app.listen({ host: "127.0.0.1", port: Number(process.env.PORT) });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
