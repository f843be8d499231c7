import type { ServiceContext } from "../context.js";
import type { PaymentsDeps } from "./deps.js";
import { paymentJob, requeue, type PaymentJob } from "./jobs.js";

/** Work due this long ago and not done lost its job (or the job gave up): it is enqueued again. */
export const STRANDED_AFTER_MS = 60_000;
/** Rows of each kind taken per sweep; the next sweep takes the rest. */
const BATCH = 100;

/**
 * The payments module's outbox relay. Work that follows a commit (a payout, a refund, a payment's expiry, an
 * earning's release) is recorded by the committed row itself, and enqueued after the commit; if the process
 * dies in between, or the job gives up, the row stays due and not done. `sweepStranded` finds such rows in
 * Postgres and enqueues their jobs again under the same deterministic job ids. Every job is idempotent by
 * keys stored in Postgres (and at the provider), so a sweep that races a live job never pays or refunds twice.
 */
export class PaymentsRelay {
  constructor(private readonly deps: PaymentsDeps) {}

  private get ctx(): ServiceContext {
    return this.deps.ctx;
  }

  /**
   * One pass, run periodically (and once at start-up): re-enqueues the jobs of
   * - withdrawals in transit with no provider reference, made over a minute ago (the payout never sent);
   * - refunds pending with no provider reference, recorded over a minute ago (the refund never asked for);
   * - unpaid payments whose window closed over a minute ago (the hold never released);
   * - earnings whose hold ended over a minute ago, not yet released.
   * Returns how many jobs it enqueued.
   */
  async sweepStranded(now: Date): Promise<number> {
    const before = new Date(now.getTime() - STRANDED_AFTER_MS);
    const { repo } = this.deps;
    const [withdrawals, refunds, payments, earnings] = await Promise.all([
      repo.unsentWithdrawalsBefore(before, BATCH),
      repo.unsentRefundsBefore(before, BATCH),
      repo.unpaidExpiredBefore(before, BATCH),
      repo.unreleasedEarningsBefore(before, BATCH),
    ]);
    const due: PaymentJob[] = [
      ...withdrawals.map((w) => paymentJob.payout(w.id)),
      ...refunds.map((r) => paymentJob.refund(r.id)),
      ...payments.map((p) => paymentJob.expire(p.id)),
      ...earnings.map((e) => paymentJob.releaseEarning(e.id, e.doctorId)),
    ];
    for (const job of due) await requeue(this.ctx.jobs, job);
    return due.length;
  }
}
