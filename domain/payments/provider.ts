/**
 * The payment provider port. Two adapters: the sandbox (default, no network) and Stripe.
 *
 * What crosses this boundary is opaque ids, amounts and generic descriptions ("Consultation") — never a name,
 * a diagnosis or a medicine. Every call that changes something at the provider carries an idempotency key
 * derived from our own row id, so a retried call cannot charge, refund or pay out twice.
 */
import { DomainError } from "../shared/errors.js";

export type ProviderName = "sandbox" | "stripe";

/** A provider call made for a person waiting on it: an outage is a 503 with a stable code, not a 500. */
export async function callProvider<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch {
    throw new DomainError(
      "unavailable",
      "PAYMENT_PROVIDER_UNAVAILABLE",
      "The payment provider cannot be reached right now. Please try again shortly.",
    );
  }
}

export interface CheckoutRequest {
  paymentId: number;
  amountMinor: number;
  currency: string;
  /** Generic: "Consultation", "Pharmacy order", "Lab test". */
  description: string;
  expiresAt: Date;
  successUrl: string;
  cancelUrl: string;
}

export interface RefundRequest {
  refundId: number;
  paymentId: number;
  /** The provider's handle of the charge (Stripe payment intent). */
  providerPaymentRef: string | null;
  amountMinor: number;
  currency: string;
}

export interface PayoutRequest {
  withdrawalId: number;
  doctorId: number;
  accountRef: string;
  amountMinor: number;
  currency: string;
}

export type RefundOutcome = { ref: string; status: "succeeded" | "pending" | "failed" };
export type PayoutOutcome = { ref: string; status: "paid" | "in_transit" | "failed"; failureReason?: string };

/**
 * What a provider can do. The payments services ask these, never the provider's name, so another provider
 * (or a Stripe set up differently) plugs in by saying what it does.
 */
export interface ProviderCapabilities {
  /**
   * The payer pays on the provider's hosted page (createCheckout returns its URL; our link redirects there).
   * Without it the payer uses our own page, /pay/{token}, and the page's buttons choose the outcome.
   */
  readonly hostedCheckout: boolean;
  /**
   * Payouts go to a connected account the doctor sets up first (Stripe Connect onboarding); a withdrawal
   * without one is refused. Without it, createPayoutAccount makes the account on demand at payout time.
   */
  readonly connectPayouts: boolean;
  /** No real money moves: the checkout page and receipts say TEST MODE. */
  readonly testMode: boolean;
}

export interface PaymentProvider {
  /** Who the provider is: stored on rows and events, never branched on (ask `capabilities`). */
  readonly name: ProviderName;
  readonly capabilities: ProviderCapabilities;
  /** The provider-hosted checkout for a payment, or null when the payer pays on our own (sandbox) page. */
  createCheckout(req: CheckoutRequest): Promise<{ ref: string; url: string } | null>;
  /** Closes a checkout that is no longer wanted (best effort: a payment that still arrives is refunded). */
  expireCheckout(ref: string, paymentId: number): Promise<void>;
  refund(req: RefundRequest): Promise<RefundOutcome>;
  /** The doctor's connected payout account, created once (idempotent per doctor). */
  createPayoutAccount(doctorId: number): Promise<string>;
  /** A one-time onboarding link for a connected account. */
  onboardingLink(accountRef: string, urls: { returnUrl: string; refreshUrl: string }): Promise<string>;
  payout(req: PayoutRequest): Promise<PayoutOutcome>;
}

/**
 * What the provider tells us happened, normalised. Stripe webhooks and the sandbox page produce these,
 * and one handler (PaymentsService.handleEvent) applies them, once per event id.
 */
export type PaymentEvent = { provider: ProviderName; eventId: string } & (
  | {
      type: "payment.succeeded" | "payment.failed" | "payment.expired";
      paymentId?: number | undefined;
      checkoutRef?: string | undefined;
      providerPaymentRef?: string | undefined;
    }
  | {
      type: "refund.succeeded" | "refund.failed";
      refundRef: string;
      refundId?: number | undefined;
      paymentId?: number | undefined;
      providerPaymentRef?: string | undefined;
      amountMinor: number;
    }
  | {
      type: "payout.paid" | "payout.failed";
      payoutRef: string;
      withdrawalId?: number | undefined;
      failureReason?: string | undefined;
    }
  | { type: "ignored"; originalType: string }
);
