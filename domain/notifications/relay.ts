import type { Clock } from "../shared/clock.js";
import type { NotificationService } from "./service.js";

const BATCH = 200;
/** A row claimed this long ago and not sent lost its job (a crash between claim and add): claimed again. */
export const STUCK_MS = 5 * 60_000;
const RECLAIM_EVERY_MS = 30_000;

/**
 * Moves due outbox rows (written by the domain services inside their transactions) onto the
 * `notify.deliver` queue: claims them (pending → sending, SKIP LOCKED, so several processes can relay) and
 * adds one job per row. A sweep of the platform's relay (workers/relay.ts).
 */
export class NotificationRelay {
  private lastReclaim = 0;

  constructor(
    private readonly notifications: NotificationService,
    private readonly clock: Clock,
  ) {}

  /** One pass: reclaim stuck rows now and then, then claim and queue due rows until none are left. */
  async tick(): Promise<number> {
    const now = this.clock.now();
    const repo = this.notifications.repo;
    if (Date.now() - this.lastReclaim > RECLAIM_EVERY_MS) {
      this.lastReclaim = Date.now();
      await repo.reclaimStuck(new Date(now.getTime() - STUCK_MS));
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
