import type { Tx } from "../../../db/client.js";
import { unprocessable } from "../../shared/errors.js";
import { formatMoney, toMajor } from "../../shared/money.js";
import { doctorShare, platformFee } from "../rules.js";
import { Accounts } from "./accounts.js";
import type { Ledger, PostingLine } from "./ledger.js";

interface Base {
  key: string;
  amountMinor: number;
  currency: string;
  at: Date;
}

/**
 * Every kind of posting the payments module makes, in one place (the model test drives these same functions).
 *
 * captured:  Dr provider_clearing            Cr customer_prepayments
 * refunded:  Dr customer_prepayments         Cr provider_clearing  (after delivery: Dr platform_revenue)
 * earned:    Dr customer_prepayments         Cr platform_revenue (fee) + doctor_pending (the rest)
 * retained:  the same split, for the share kept of a late cancellation
 * released:  Dr doctor_pending               Cr doctor_available   (after the hold period)
 * withdrawn: Dr doctor_available             Cr payouts_in_transit (the available balance locked first)
 * payoutPaid:   Dr payouts_in_transit       Cr payouts_paid
 * payoutFailed: Dr payouts_in_transit       Cr doctor_available   (the money is withdrawable again)
 * recognised: Dr customer_prepayments        Cr platform_revenue   (a delivered order with no doctor's share)
 */
export function paymentFlows(ledger: Ledger, opts: { platformFeePercent: number }) {
  const split = (
    tx: Tx,
    kind: string,
    a: Base & { paymentId: number; doctorId: number; appointmentId?: number | undefined },
  ) => {
    const fee = platformFee(a.amountMinor, opts.platformFeePercent);
    const share = doctorShare(a.amountMinor, opts.platformFeePercent);
    const lines: PostingLine[] = [
      { account: Accounts.customerPrepayments(a.currency), debit: a.amountMinor },
    ];
    if (fee > 0) lines.push({ account: Accounts.platformRevenue(a.currency), credit: fee });
    if (share > 0) lines.push({ account: Accounts.doctorPending(a.doctorId, a.currency), credit: share });
    return ledger.post(tx, {
      key: a.key,
      kind,
      refs: { paymentId: a.paymentId, doctorId: a.doctorId, appointmentId: a.appointmentId },
      at: a.at,
      lines,
    });
  };
  return {
    captured: (tx: Tx, a: Base & { paymentId: number }) =>
      ledger.post(tx, {
        key: a.key,
        kind: "payment_captured",
        refs: { paymentId: a.paymentId },
        at: a.at,
        lines: [
          { account: Accounts.providerClearing(a.currency), debit: a.amountMinor },
          { account: Accounts.customerPrepayments(a.currency), credit: a.amountMinor },
        ],
      }),
    /** `fromPlatformMinor` of the amount is borne by the platform (a refund after delivery). */
    refunded: (tx: Tx, a: Base & { paymentId: number; refundId?: number; fromPlatformMinor?: number }) => {
      const fromPlatform = a.fromPlatformMinor ?? 0;
      const fromPrepayment = a.amountMinor - fromPlatform;
      const lines: PostingLine[] = [
        { account: Accounts.providerClearing(a.currency), credit: a.amountMinor },
      ];
      if (fromPrepayment > 0)
        lines.push({ account: Accounts.customerPrepayments(a.currency), debit: fromPrepayment });
      if (fromPlatform > 0)
        lines.push({ account: Accounts.platformRevenue(a.currency), debit: fromPlatform });
      return ledger.post(tx, {
        key: a.key,
        kind: "refund",
        refs: { paymentId: a.paymentId, refundId: a.refundId },
        at: a.at,
        lines,
      });
    },
    earned: (tx: Tx, a: Base & { paymentId: number; doctorId: number; appointmentId?: number | undefined }) =>
      split(tx, "earning", a),
    retained: (
      tx: Tx,
      a: Base & { paymentId: number; doctorId: number; appointmentId?: number | undefined },
    ) => split(tx, "cancellation_retained", a),
    recognised: (tx: Tx, a: Base & { paymentId: number }) =>
      ledger.post(tx, {
        key: a.key,
        kind: "revenue_recognised",
        refs: { paymentId: a.paymentId },
        at: a.at,
        lines: [
          { account: Accounts.customerPrepayments(a.currency), debit: a.amountMinor },
          { account: Accounts.platformRevenue(a.currency), credit: a.amountMinor },
        ],
      }),
    released: (tx: Tx, a: Base & { doctorId: number }) =>
      ledger.post(tx, {
        key: a.key,
        kind: "earning_released",
        refs: { doctorId: a.doctorId },
        at: a.at,
        lines: [
          { account: Accounts.doctorPending(a.doctorId, a.currency), debit: a.amountMinor },
          { account: Accounts.doctorAvailable(a.doctorId, a.currency), credit: a.amountMinor },
        ],
      }),
    /** Locks the doctor's available and in-transit accounts, refuses more than available, then posts. */
    withdrawn: async (tx: Tx, a: Base & { withdrawalId: number; doctorId: number }) => {
      const available = Accounts.doctorAvailable(a.doctorId, a.currency);
      const balances = await ledger.lock(tx, [available, Accounts.payoutsInTransit(a.doctorId, a.currency)]);
      const have = balances.get(available.code) ?? 0;
      if (a.amountMinor > have) {
        throw unprocessable(
          "INSUFFICIENT_WITHDRAWABLE_BALANCE",
          `The amount is more than the withdrawable balance (${formatMoney(have, a.currency, "code")}).`,
          { withdrawable_amount: toMajor(have, a.currency), withdrawable_minor: have, currency: a.currency },
        );
      }
      return ledger.post(tx, {
        key: a.key,
        kind: "withdrawal",
        refs: { withdrawalId: a.withdrawalId, doctorId: a.doctorId },
        at: a.at,
        lines: [
          { account: available, debit: a.amountMinor },
          { account: Accounts.payoutsInTransit(a.doctorId, a.currency), credit: a.amountMinor },
        ],
      });
    },
    payoutPaid: (tx: Tx, a: Base & { withdrawalId: number; doctorId: number }) =>
      ledger.post(tx, {
        key: a.key,
        kind: "payout_paid",
        refs: { withdrawalId: a.withdrawalId, doctorId: a.doctorId },
        at: a.at,
        lines: [
          { account: Accounts.payoutsInTransit(a.doctorId, a.currency), debit: a.amountMinor },
          { account: Accounts.payoutsPaid(a.currency), credit: a.amountMinor },
        ],
      }),
    payoutFailed: (tx: Tx, a: Base & { withdrawalId: number; doctorId: number }) =>
      ledger.post(tx, {
        key: a.key,
        kind: "payout_failed",
        refs: { withdrawalId: a.withdrawalId, doctorId: a.doctorId },
        at: a.at,
        lines: [
          { account: Accounts.payoutsInTransit(a.doctorId, a.currency), debit: a.amountMinor },
          { account: Accounts.doctorAvailable(a.doctorId, a.currency), credit: a.amountMinor },
        ],
      }),
  };
}

export type PaymentFlows = ReturnType<typeof paymentFlows>;
