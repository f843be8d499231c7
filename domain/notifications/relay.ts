import type { Clock } from "../shared/clock.js";
import type { NotificationService } from "./service.js";

const BATCH = 200;
/** A row claimed this long ago and not sent lost its job (a crash between claim and add): claimed again. */
export const STUCK_MS = 5 * 60_000;
const RECLAIM_EVERY_MS = 30_000;
const SWEEP_EVERY_MS = 5_000;

type Log = { warn: (obj: object, msg: string) => void; error: (obj: object, msg: string) => void };

/**
 * Moves due outbox rows (written by the domain services inside their transactions) onto the
 * `notify.deliver` queue: claims them (pending → sending, SKIP LOCKED, so several processes can relay) and
 * adds one job per row. Started and stopped with the platform.
 */
export class NotificationRelay {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private lastReclaim = 0;
  private lastSweep = 0;

  constructor(
    private readonly notifications: NotificationService,
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly log: Log,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.tick()
        .then(() => undefined)
        .catch((err: unknown) =>
          this.log.error(
            { err: (err as { code?: string }).code ?? "RELAY_ERROR" },
            "notifications relay failed",
          ),
        )
        .finally(() => {
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

  /** One pass: reclaim stuck rows and sweep overdue reminders now and then, then claim and queue due rows until none are left. */
  async tick(): Promise<number> {
    const now = this.clock.now();
    const repo = this.notifications.repo;
    if (Date.now() - this.lastReclaim > RECLAIM_EVERY_MS) {
      this.lastReclaim = Date.now();
      await repo.reclaimStuck(new Date(now.getTime() - STUCK_MS));
    }
    if (this.notifications.sweep && Date.now() - this.lastSweep > SWEEP_EVERY_MS) {
      this.lastSweep = Date.now();
      await this.notifications.sweep(now);
    }
    let total = 0;
    for (;;) {
      const ids = await repo.claimDue(now, BATCH);
      for (const id of ids) await this.notifications.enqueueDelivery(id);
      total += ids.length;
      if (ids.length < BATCH) return total;
    }
  }
}
