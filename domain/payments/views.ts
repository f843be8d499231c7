import { toMajor } from "../shared/money.js";
import type { PaymentRow, WithdrawalRow } from "./repository.js";

export interface EarningsView {
  doctor_id: number;
  total_earnings: number;
  withdrawable_amount: number;
  pending_amount: number;
  withdrawn_amount: number;
  /** The same four amounts in minor units, for our own displays (SMS) to format. */
  total_earnings_minor: number;
  withdrawable_minor: number;
  pending_minor: number;
  withdrawn_minor: number;
  currency: string;
}

/** total = pending (in the hold period) + withdrawable + withdrawn (in transit or paid out). */
export function earningsView(e: {
  doctorId: number;
  currency: string;
  pending: number;
  available: number;
  withdrawn: number;
}): EarningsView {
  return {
    doctor_id: e.doctorId,
    total_earnings: toMajor(e.pending + e.available + e.withdrawn, e.currency),
    withdrawable_amount: toMajor(e.available, e.currency),
    pending_amount: toMajor(e.pending, e.currency),
    withdrawn_amount: toMajor(e.withdrawn, e.currency),
    total_earnings_minor: e.pending + e.available + e.withdrawn,
    withdrawable_minor: e.available,
    pending_minor: e.pending,
    withdrawn_minor: e.withdrawn,
    currency: e.currency,
  };
}

export interface WithdrawalView {
  id: number;
  status: string;
  amount: number;
  amount_minor: number;
  currency: string;
  created_at: string;
  failure_reason: string | null;
}

export function withdrawalView(w: WithdrawalRow): WithdrawalView {
  return {
    id: w.id,
    status: w.status,
    amount: toMajor(w.amountMinor, w.currency),
    amount_minor: w.amountMinor,
    currency: w.currency,
    created_at: w.createdAt.toISOString(),
    failure_reason: w.failureReason,
  };
}

export interface PaymentView {
  id: number;
  purpose: string;
  reference_id: number;
  description: string;
  status: string;
  amount: number;
  refunded_amount: number;
  /** The same two amounts in minor units, for our own displays (the receipt) to format. */
  amount_minor: number;
  refunded_minor: number;
  currency: string;
  checkout_url: string | null;
  expires_at: string;
  paid_at: string | null;
  created_at: string;
  receipt_url: string | null;
}

export function paymentView(p: PaymentRow, description: string, checkoutUrl: string): PaymentView {
  const open = p.status === "requires_payment" || p.status === "failed";
  return {
    id: p.id,
    purpose: p.purpose,
    reference_id: p.referenceId,
    description,
    status: p.status,
    amount: toMajor(p.amountMinor, p.currency),
    refunded_amount: toMajor(p.refundedMinor, p.currency),
    amount_minor: p.amountMinor,
    refunded_minor: p.refundedMinor,
    currency: p.currency,
    checkout_url: open ? checkoutUrl : null,
    expires_at: p.expiresAt.toISOString(),
    paid_at: p.paidAt?.toISOString() ?? null,
    created_at: p.createdAt.toISOString(),
    receipt_url: p.paidAt ? `/api/patient/payments/${p.id}/receipt` : null,
  };
}
