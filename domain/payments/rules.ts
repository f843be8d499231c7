/** Pure money rules of payments: fee split and refund shares. Integer minor units throughout. */

/** The platform's fee on an amount (rounded down: the doctor keeps any fraction). */
export function platformFee(amountMinor: number, percent: number): number {
  return Math.floor((amountMinor * percent) / 100);
}

/** What a doctor earns of an amount after the platform fee. */
export function doctorShare(amountMinor: number, percent: number): number {
  return amountMinor - platformFee(amountMinor, percent);
}

export interface RefundPolicy {
  /** A patient who cancels more than this many hours before the start gets everything back. */
  fullBeforeHours: number;
  /** Otherwise this percent of the fee is refunded. */
  lateSharePercent: number;
}

/**
 * How much of a paid consultation goes back when it is called off.
 * The doctor rejecting or cancelling: all of it. The patient cancelling: all of it when early enough,
 * otherwise the late share (rounded down).
 */
export function refundFor(
  by: "doctor" | "patient" | "system",
  amountMinor: number,
  startsAt: Date,
  now: Date,
  policy: RefundPolicy,
): number {
  if (by !== "patient") return amountMinor;
  const hoursBefore = (startsAt.getTime() - now.getTime()) / 3_600_000;
  if (hoursBefore > policy.fullBeforeHours) return amountMinor;
  return Math.floor((amountMinor * policy.lateSharePercent) / 100);
}
