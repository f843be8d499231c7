import type { Tx } from "../../db/client.js";
import type { PaymentsDeps } from "./deps.js";
import type { PaymentRow } from "./repository.js";
import { doctorShare } from "./rules.js";

/**
 * Doctors' earnings: a delivered consultation's fee (less refunds and the platform fee), or the share kept of
 * a late cancellation, posted to the doctor's pending balance with an earning row that says when it becomes
 * withdrawable; released to the available balance by a job then (and lazily before any earnings read).
 */
export class Earnings {
  constructor(private readonly deps: PaymentsDeps) {}

  private get config() {
    return this.deps.ctx.config.payments;
  }

  private now(): Date {
    return this.deps.ctx.clock.now();
  }

  /** The payment's thing was delivered: its fee less refunds becomes the doctor's pending earning. Once. */
  async earn(tx: Tx, p: PaymentRow, referenceId: number): Promise<void> {
    if (p.doctorId === null) return;
    const amount = p.amountMinor - p.refundedMinor;
    if (amount <= 0) return;
    const posted = await this.deps.flows.earned(tx, {
      key: `payment:${p.id}:earned`,
      paymentId: p.id,
      doctorId: p.doctorId,
      appointmentId: referenceId,
      amountMinor: amount,
      currency: p.currency,
      at: this.now(),
    });
    if (posted !== undefined) await this.record(tx, p, doctorShare(amount, this.config.platformFeePercent));
  }

  /** A late cancellation: the share kept is earned like a consultation fee. Once. */
  async retain(tx: Tx, p: PaymentRow, appointmentId: number, keptMinor: number): Promise<void> {
    if (p.doctorId === null || keptMinor <= 0) return;
    await this.deps.flows.retained(tx, {
      key: `payment:${p.id}:retained`,
      paymentId: p.id,
      doctorId: p.doctorId,
      appointmentId,
      amountMinor: keptMinor,
      currency: p.currency,
      at: this.now(),
    });
    await this.record(tx, p, doctorShare(keptMinor, this.config.platformFeePercent));
  }

  /** The earning row says when the pending amount becomes withdrawable; a job releases it then (and reads do). */
  private async record(tx: Tx, p: PaymentRow, amountMinor: number): Promise<void> {
    if (p.doctorId === null || amountMinor <= 0) return;
    const holdMs = this.config.earningsHoldDays * 86_400_000;
    await this.deps.repo.insertEarning(tx, {
      doctorId: p.doctorId,
      paymentId: p.id,
      amountMinor,
      currency: p.currency,
      availableAt: new Date(this.now().getTime() + holdMs),
      createdAt: this.now(),
    });
  }

  /** Moves a doctor's earnings past their hold from pending to available (a keyed posting each). Idempotent. */
  async releaseDue(doctorId: number): Promise<void> {
    const { ctx, repo, flows } = this.deps;
    await ctx.db.transaction(async (tx) => {
      const now = this.now();
      const due = await repo.lockDueEarnings(tx, doctorId, now);
      for (const e of due) {
        await flows.released(tx, {
          key: `earning:${e.id}:released`,
          doctorId,
          amountMinor: e.amountMinor,
          currency: e.currency,
          at: now,
        });
      }
      await repo.markReleased(
        tx,
        due.map((e) => e.id),
        now,
      );
    });
  }
}
