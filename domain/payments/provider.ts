/**
 * The payment provider port. Two adapters: the sandbox (default, no network) and Stripe.
 *
 * What crosses this boundary is opaque ids, amounts and generic descriptions ("Consultation") — never a name,
 * a diagnosis or a medicine. Every call that changes something at the provider carries an idempotency key
 * derived from our own row id, so a retried call cannot charge, refund or pay out twice.
 */

export type ProviderName = "sandbox" | "stripe";

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

export interface PaymentProvider {
  readonly name: ProviderName;
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
