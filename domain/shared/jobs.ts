/**
 * The background-jobs port. Domain services add jobs; handlers are registered at boot (workers/).
 * BullMQ on Redis when REDIS_URL is set; in-process timers otherwise (embedded mode: not durable).
 *
 * Jobs may run more than once (at-least-once); handlers must be idempotent — every effect keyed in Postgres.
 */
export interface JobOptions {
  /** Run no earlier than this many milliseconds from now. */
  delayMs?: number | undefined;
  /** A job with the same id is added once while it is pending; lets an event schedule "its" job safely. */
  jobId?: string | undefined;
  /** Attempts in all, with exponential backoff between them. Default 5. */
  attempts?: number | undefined;
  /** Drop the job from Redis as soon as it completes (its data holds message text). Default: kept a day. */
  removeOnComplete?: boolean | undefined;
  /**
   * Drop the job from Redis when its last attempt fails, too (its data names a person: an email to look up).
   * Default: failed jobs are kept a week (their data is ids only).
   */
  removeOnFail?: boolean | undefined;
}

/** How many jobs of a queue are in each state (the /metrics queue depth). */
export interface QueueCounts {
  queue: string;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

export type JobHandler<T> = (data: T, meta: { jobId: string; attempt: number }) => Promise<void>;

export interface Jobs {
  readonly kind: "bullmq" | "in-process";
  /** Registers the handler of a job name. Call before start(). */
  handle<T>(name: string, handler: JobHandler<T>, opts?: { concurrency?: number }): void;
  /**
   * Adds a job. Rejects promptly when the queue is unreachable (it never waits for Redis to come back):
   * work that must follow a commit is recorded in Postgres too, and the relay (workers/relay.ts) enqueues
   * it again, so a caller after a commit may treat a failed add as "later", not as a failure.
   */
  add<T>(name: string, data: T, opts?: JobOptions): Promise<void>;
  /** Adds many jobs of a name at once (one round trip on BullMQ); each item as `add` would. */
  addBulk<T>(name: string, items: { data: T; opts?: JobOptions }[]): Promise<void>;
  /** Removes a pending (e.g. delayed) job; no-op when it already ran or never existed. */
  remove(name: string, jobId: string): Promise<void>;
  /** Jobs of a name waiting to run now or running (delayed ones not yet due are not counted). */
  busy(name: string): Promise<number>;
  /** Jobs of every registered name by state (waiting includes prioritized ones; failed: kept after their last attempt). */
  counts(): Promise<QueueCounts[]>;
  /** Starts processing the registered names. */
  start(): Promise<void>;
  /** Stops taking jobs, waits for running ones, closes connections. */
  close(): Promise<void>;
}
