import type { Jobs } from "../shared/jobs.js";

/** Job names (handlers registered in workers/index.ts). Payloads carry ids only. */
export const PAYMENT_JOBS = {
  expire: "payments.expire",
  refund: "payments.refund",
  payout: "payments.payout",
  releaseEarnings: "payments.release-earnings",
} as const;

/** One job of the payments module, with its deterministic id: the same work is one job, however often added. */
export interface PaymentJob {
  readonly name: string;
  readonly data: Record<string, number>;
  readonly jobId: string;
}

export const paymentJob = {
  /** Closes a payment whose window passed unpaid (PaymentsService.expirePayment). */
  expire: (paymentId: number): PaymentJob => ({
    name: PAYMENT_JOBS.expire,
    data: { paymentId },
    jobId: `expire-${paymentId}`,
  }),
  /** Asks the provider for a recorded refund (PaymentsService.executeRefund). */
  refund: (refundId: number): PaymentJob => ({
    name: PAYMENT_JOBS.refund,
    data: { refundId },
    jobId: `refund-${refundId}`,
  }),
  /** Sends a withdrawal to the provider (PayoutsService.executePayout). */
  payout: (withdrawalId: number): PaymentJob => ({
    name: PAYMENT_JOBS.payout,
    data: { withdrawalId },
    jobId: `payout-${withdrawalId}`,
  }),
  /** Releases a doctor's earnings past their hold (PayoutsService.releaseDueEarnings); one per earning row. */
  releaseEarning: (earningId: number, doctorId: number): PaymentJob => ({
    name: PAYMENT_JOBS.releaseEarnings,
    data: { doctorId },
    jobId: `release-earning-${earningId}`,
  }),
};

/** Schedules a job (a no-op while the same job is pending). */
export function schedule(jobs: Jobs, job: PaymentJob, delayMs = 0): Promise<void> {
  return jobs.add(job.name, job.data, { jobId: job.jobId, delayMs });
}

/**
 * Schedules a job to run now even if a job of that id exists: one that finished without finishing the work
 * (it gave up after its attempts, or ran too early) is kept by the queue for a while and would swallow a plain
 * add. A job running right now is left alone (the queue refuses to remove it, and the add is then a no-op).
 */
export async function requeue(jobs: Jobs, job: PaymentJob): Promise<void> {
  await jobs.remove(job.name, job.jobId);
  await jobs.add(job.name, job.data, { jobId: job.jobId });
}
