import type { LedgerSide } from "../../../db/schema/index.js";

/** What a ledger account is: its code (unique), currency, normal side and whether it may go below zero. */
export interface AccountSpec {
  readonly code: string;
  readonly currency: string;
  readonly normalSide: LedgerSide;
  readonly nonNegative: boolean;
}

const spec = (code: string, currency: string, normalSide: LedgerSide, nonNegative: boolean): AccountSpec => ({
  code: `${code}:${currency}`,
  currency,
  normalSide,
  nonNegative,
});

/**
 * The chart of accounts.
 *
 * - provider_clearing (asset, debit): money held for us at the payment provider.
 * - customer_prepayments (liability, credit): paid by patients for what is not yet delivered.
 * - platform_revenue (income, credit): the platform fee of delivered consultations and kept cancellation shares.
 * - doctor_pending:<id> (liability, credit): a doctor's earnings inside the hold period (refund window).
 * - doctor_available:<id> (liability, credit): a doctor's withdrawable earnings.
 * - payouts_in_transit:<id> (liability, credit): withdrawals sent to the provider, not yet confirmed paid.
 * - payouts_paid (contra-asset, credit): money that has left the platform to doctors' banks.
 */
export const Accounts = {
  providerClearing: (currency: string) => spec("provider_clearing", currency, "debit", false),
  customerPrepayments: (currency: string) => spec("customer_prepayments", currency, "credit", true),
  platformRevenue: (currency: string) => spec("platform_revenue", currency, "credit", false),
  doctorPending: (doctorId: number, currency: string) =>
    spec(`doctor_pending:${doctorId}`, currency, "credit", true),
  doctorAvailable: (doctorId: number, currency: string) =>
    spec(`doctor_available:${doctorId}`, currency, "credit", true),
  payoutsInTransit: (doctorId: number, currency: string) =>
    spec(`payouts_in_transit:${doctorId}`, currency, "credit", true),
  payoutsPaid: (currency: string) => spec("payouts_paid", currency, "credit", false),
};
