import type { Clock } from "../domain/shared/clock.js";

type Log = { error: (obj: object, msg: string) => void };

/** Work a relay pass does: find what is due in Postgres and not done, and hand it to the jobs again. */
export interface Sweep {
  name: string;
  /** How often it runs (0: every pass). */
  everyMs: number;
  run(now: Date): Promise<unknown>;
}

/**
 * The transactional outbox's relay: work that must follow a commit (a turn, a delivery, a notification, a
 * payout, a refund, a reminder, a payment expiry) is recorded in Postgres with the change that causes it, and
 * its job is only a fast path. Every pass, each sweep finds what is due and not done and enqueues it again,
 * so a job lost with Redis, or never added because the process died after the commit, still runs. Every
 * job is idempotent, so running one twice is harmless. Started and stopped with the workers.
 */
export class Relay {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly lastRun = new Map<string, number>();

  constructor(
    private readonly sweeps: readonly Sweep[],
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly log: Log,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.tick(false).finally(() => {
        this.running = undefined;
      });
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass: every sweep whose time has come, or all of them (`all`, for tests and scripts). */
  async tick(all = true): Promise<void> {
    for (const sweep of this.sweeps) {
      const last = this.lastRun.get(sweep.name) ?? 0;
      if (!all && Date.now() - last < sweep.everyMs) continue;
      this.lastRun.set(sweep.name, Date.now());
      try {
        await sweep.run(this.clock.now());
      } catch (err) {
        // A code only: errors from queries may carry their parameters.
        this.log.error(
          { sweep: sweep.name, code: (err as { code?: string }).code ?? "RELAY_ERROR" },
          "relay sweep failed",
        );
      }
    }
  }
}
