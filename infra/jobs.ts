import { randomUUID } from "node:crypto";
import { Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { loggableError } from "../domain/shared/errors.js";
import type { JobHandler, JobOptions, Jobs, QueueCounts } from "../domain/shared/jobs.js";
import { runTracedJob, traceEnqueue } from "./telemetry/jobs.js";

type Log = { warn: (obj: object, msg: string) => void; error: (obj: object, msg: string) => void };

const DEFAULT_ATTEMPTS = 5;
const BACKOFF_MS = 1000;
const MAX_TIMER_MS = 2_147_483_647;
/** An add that takes longer than this is given up (the work it points at is in Postgres: the relay retries). */
const ADD_TIMEOUT_MS = 2_000;

/** BullMQ reserves ':' in job ids (its key separator): ids keep their meaning with '|' instead. */
function bullJobId(jobId: string): string {
  return jobId.replaceAll(":", "|");
}

function bullOptions(opts: JobOptions) {
  return {
    ...(opts.jobId ? { jobId: bullJobId(opts.jobId) } : {}),
    delay: Math.max(0, opts.delayMs ?? 0),
    attempts: opts.attempts ?? DEFAULT_ATTEMPTS,
    backoff: { type: "exponential" as const, delay: BACKOFF_MS },
    removeOnComplete: opts.removeOnComplete ? true : { age: 86_400, count: 10_000 },
    removeOnFail: opts.removeOnFail ? true : { age: 7 * 86_400 },
  };
}

/** Jobs on Redis through BullMQ: durable, shared by every process, retried with exponential backoff. */
export class BullJobs implements Jobs {
  readonly kind = "bullmq" as const;
  private readonly queues = new Map<string, Queue>();
  private readonly handlers = new Map<string, { handler: JobHandler<unknown>; concurrency: number }>();
  private readonly workers: Worker[] = [];
  /** Connections this object opened (BullMQ never closes a connection it was handed). */
  private readonly owned: Redis[] = [];
  /**
   * The producers' connection fails fast while Redis is away (no offline queue, as BullMQ advises for
   * request paths): an add rejects at once instead of holding a webhook until Redis returns. The work an add
   * points at is in Postgres already, and the relay enqueues it again.
   */
  private readonly producer: Redis;
  private everReady = false;

  /** Takes ownership of `connection` (closed by close()); it must have maxRetriesPerRequest: null. */
  constructor(
    private readonly connection: Redis,
    private readonly log: Log,
    private readonly prefix = "hl-jobs",
  ) {
    // A Redis that hangs instead of failing holds an add for at most commandTimeout.
    this.producer = connection.duplicate({
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: 2_000,
    });
    this.producer.on("error", () => undefined);
    this.producer.on("ready", () => {
      this.everReady = true;
    });
    this.owned.push(this.producer);
  }

  private queue(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.producer, prefix: this.prefix });
      q.on("error", () => undefined);
      this.queues.set(name, q);
    }
    return q;
  }

  /**
   * Before the first connection is up, waits for it (briefly); afterwards a connection that is not ready fails
   * at once. (BullMQ's own add would wait for a reconnection: a Queue made while Redis is away waits for its
   * connection to be ready before its first command.)
   */
  private async connected(): Promise<void> {
    if (this.producer.status === "ready") return;
    if (!this.everReady) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.producer.off("ready", done);
          resolve();
        };
        const timer = setTimeout(done, 5_000);
        this.producer.once("ready", done);
      });
    }
    // Read again: the await above may have seen it connect.
    if ((this.producer.status as string) !== "ready")
      throw new Error("JOBS_UNAVAILABLE: Redis is not reachable");
  }

  /** An add or addBulk, bounded in time whatever BullMQ waits for inside. */
  private async bounded(work: Promise<unknown>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("JOBS_UNAVAILABLE: Redis did not answer")), ADD_TIMEOUT_MS);
    });
    try {
      await Promise.race([work, late]);
    } finally {
      clearTimeout(timer);
      work.catch(() => undefined);
    }
  }

  handle<T>(name: string, handler: JobHandler<T>, opts: { concurrency?: number } = {}): void {
    this.handlers.set(name, { handler: handler as JobHandler<unknown>, concurrency: opts.concurrency ?? 4 });
  }

  async add<T>(name: string, data: T, opts: JobOptions = {}): Promise<void> {
    await this.connected();
    await traceEnqueue(name, [data], ([traced]) =>
      this.bounded(this.queue(name).add(name, traced, bullOptions(opts))),
    );
  }

  async addBulk<T>(name: string, items: { data: T; opts?: JobOptions }[]): Promise<void> {
    if (items.length === 0) return;
    await this.connected();
    await traceEnqueue(
      name,
      items.map((i) => i.data),
      (traced) =>
        this.bounded(
          this.queue(name).addBulk(
            items.map((i, n) => ({ name, data: traced[n], opts: bullOptions(i.opts ?? {}) })),
          ),
        ),
    );
  }

  async remove(name: string, jobId: string): Promise<void> {
    await this.queue(name).remove(bullJobId(jobId));
  }

  async busy(name: string): Promise<number> {
    const c = await this.queue(name).getJobCounts("waiting", "active", "prioritized", "waiting-children");
    return Object.values(c).reduce((a, b) => a + b, 0);
  }

  async counts(): Promise<QueueCounts[]> {
    return Promise.all(
      [...this.handlers.keys()].map(async (queue) => {
        const c = await this.queue(queue).getJobCounts(
          "waiting",
          "prioritized",
          "active",
          "delayed",
          "failed",
        );
        return {
          queue,
          waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
          active: c.active ?? 0,
          delayed: c.delayed ?? 0,
          failed: c.failed ?? 0,
        };
      }),
    );
  }

  async start(): Promise<void> {
    for (const [name, { handler, concurrency }] of this.handlers) {
      const connection = this.connection.duplicate();
      // The worker reports its own errors (below); ioredis reconnects by itself.
      connection.on("error", () => undefined);
      this.owned.push(connection);
      const worker = new Worker(
        name,
        async (job) => {
          const meta = { jobId: job.id ?? "", attempt: job.attemptsMade + 1 };
          await runTracedJob(name, job.data, meta, (data) => handler(data, meta));
        },
        // BullMQ workers block on their connection: each gets its own.
        { connection, prefix: this.prefix, concurrency },
      );
      worker.on("failed", (job, err) => {
        this.log.warn(
          { job: name, jobId: job?.id, attempt: job?.attemptsMade, err: loggableError(err).message },
          "job failed",
        );
      });
      worker.on("error", (err) =>
        this.log.error({ job: name, err: loggableError(err).message }, "worker error"),
      );
      this.workers.push(worker);
    }
    await Promise.all(this.workers.map((w) => w.waitUntilReady()));
  }

  /**
   * Lets running jobs finish, for at most `graceMs`: a worker whose connection is still reconnecting after a
   * Redis outage can wait on it indefinitely, and a shutdown must end (anything unfinished runs again: the
   * relay finds it in Postgres).
   */
  async close(graceMs = 10_000): Promise<void> {
    const connections = [...this.owned, this.connection];
    let timer: NodeJS.Timeout | undefined;
    const inTime = await Promise.race([
      Promise.all(this.workers.map((w) => w.close())).then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs))),
    ]);
    clearTimeout(timer);
    if (!inTime) {
      // Past the grace period: drop the connections. BullMQ's close (even forced) may never settle on a dropped
      // connection, so it is not awaited.
      for (const c of connections) c.disconnect();
      void Promise.allSettled(this.workers.map((w) => w.close(true)));
      return;
    }
    await Promise.all([...this.queues.values()].map((q) => q.close().catch(() => undefined)));
    await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
  }
}

/**
 * Embedded mode: jobs run in this process on timers, through the same interface, with the same retries.
 * Nothing survives a restart — the start-up log says so.
 */
export class InProcessJobs implements Jobs {
  readonly kind = "in-process" as const;
  private readonly handlers = new Map<string, JobHandler<unknown>>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private readonly runningByName = new Map<string, number>();
  private readonly dueAt = new Map<string, { name: string; at: number }>();
  private readonly failedByName = new Map<string, number>();
  private started = false;
  private closed = false;
  private readonly early: { name: string; run: () => void }[] = [];

  constructor(private readonly log: Log) {}

  handle<T>(name: string, handler: JobHandler<T>): void {
    this.handlers.set(name, handler as JobHandler<unknown>);
  }

  add<T>(name: string, data: T, opts: JobOptions = {}): Promise<void> {
    if (this.closed) return Promise.resolve();
    const jobId = opts.jobId ?? randomUUID();
    const key = `${name}:${jobId}`;
    if (this.timers.has(key)) return Promise.resolve();
    this.schedule(
      name,
      key,
      jobId,
      data,
      Math.max(0, opts.delayMs ?? 0),
      1,
      opts.attempts ?? DEFAULT_ATTEMPTS,
    );
    return Promise.resolve();
  }

  async addBulk<T>(name: string, items: { data: T; opts?: JobOptions }[]): Promise<void> {
    for (const i of items) await this.add(name, i.data, i.opts);
  }

  private schedule(
    name: string,
    key: string,
    jobId: string,
    data: unknown,
    delay: number,
    attempt: number,
    attempts: number,
  ): void {
    this.dueAt.set(key, { name, at: Date.now() + delay });
    // Node's timers hold at most ~24.8 days (longer ones fire at once): a reminder weeks ahead waits in steps.
    if (delay > MAX_TIMER_MS) {
      const step = setTimeout(() => {
        this.schedule(name, key, jobId, data, delay - MAX_TIMER_MS, attempt, attempts);
      }, MAX_TIMER_MS);
      step.unref();
      this.timers.set(key, step);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.dueAt.delete(key);
      const run = () => this.run(name, key, jobId, data, attempt, attempts);
      if (this.started) run();
      else this.early.push({ name, run });
    }, delay);
    timer.unref();
    this.timers.set(key, timer);
  }

  private run(
    name: string,
    key: string,
    jobId: string,
    data: unknown,
    attempt: number,
    attempts: number,
  ): void {
    const handler = this.handlers.get(name);
    if (!handler) {
      this.log.warn({ job: name }, "no handler for job");
      return;
    }
    this.runningByName.set(name, (this.runningByName.get(name) ?? 0) + 1);
    const meta = { jobId, attempt };
    const p = runTracedJob(name, data, meta, (plain) => handler(plain, meta))
      .catch((err: unknown) => {
        this.log.warn({ job: name, jobId, attempt, err: loggableError(err).message }, "job failed");
        if (attempt < attempts && !this.closed) {
          this.schedule(name, key, jobId, data, BACKOFF_MS * 2 ** (attempt - 1), attempt + 1, attempts);
        } else this.failedByName.set(name, (this.failedByName.get(name) ?? 0) + 1);
      })
      .finally(() => {
        this.running.delete(p);
        this.runningByName.set(name, (this.runningByName.get(name) ?? 1) - 1);
      });
    this.running.add(p);
  }

  remove(name: string, jobId: string): Promise<void> {
    const key = `${name}:${jobId}`;
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.dueAt.delete(key);
    return Promise.resolve();
  }

  busy(name: string): Promise<number> {
    const now = Date.now();
    let due = 0;
    for (const d of this.dueAt.values()) if (d.name === name && d.at <= now) due += 1;
    return Promise.resolve(
      (this.runningByName.get(name) ?? 0) + due + this.early.filter((e) => e.name === name).length,
    );
  }

  counts(): Promise<QueueCounts[]> {
    const now = Date.now();
    return Promise.resolve(
      [...this.handlers.keys()].map((queue) => {
        let waiting = this.early.filter((e) => e.name === queue).length;
        let delayed = 0;
        for (const d of this.dueAt.values()) {
          if (d.name !== queue) continue;
          if (d.at <= now) waiting += 1;
          else delayed += 1;
        }
        return {
          queue,
          waiting,
          active: this.runningByName.get(queue) ?? 0,
          delayed,
          failed: this.failedByName.get(queue) ?? 0,
        };
      }),
    );
  }

  start(): Promise<void> {
    this.started = true;
    for (const { run } of this.early.splice(0)) run();
    return Promise.resolve();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled([...this.running]);
  }
}

/** BullMQ when Redis is configured, in-process otherwise. BullMQ needs a connection that retries forever. */
export function createJobs(redis: Redis | undefined, log: Log, prefix?: string): Jobs {
  return redis
    ? new BullJobs(quietly(redis.duplicate({ maxRetriesPerRequest: null })), log, prefix)
    : new InProcessJobs(log);
}

/** A connection whose errors are handled where its commands fail (ioredis reconnects by itself). */
function quietly(connection: Redis): Redis {
  connection.on("error", () => undefined);
  return connection;
}
