import type {
  CheckoutRequest,
  PaymentProvider,
  PayoutOutcome,
  PayoutRequest,
  RefundOutcome,
  RefundRequest,
} from "./provider.js";

/**
 * The sandbox: no network, no money. Checkout happens on our own test-mode page (/pay/{token}), where the
 * payer succeeds or fails the payment; refunds and payouts complete at once. Its outcomes go through the
 * same event handler as Stripe's webhooks.
 */
export class SandboxProvider implements PaymentProvider {
  readonly name = "sandbox" as const;
  readonly capabilities = { hostedCheckout: false, connectPayouts: false, testMode: true } as const;

  createCheckout(req: CheckoutRequest): Promise<null> {
    void req;
    return Promise.resolve(null);
  }

  expireCheckout(): Promise<void> {
    return Promise.resolve();
  }

  refund(req: RefundRequest): Promise<RefundOutcome> {
    return Promise.resolve({ ref: `sandbox_re_${req.refundId}`, status: "succeeded" });
  }

  createPayoutAccount(doctorId: number): Promise<string> {
    return Promise.resolve(`sandbox_acct_${doctorId}`);
  }

  onboardingLink(accountRef: string, urls: { returnUrl: string; refreshUrl: string }): Promise<string> {
    void accountRef;
    return Promise.resolve(urls.returnUrl);
  }

  payout(req: PayoutRequest): Promise<PayoutOutcome> {
    return Promise.resolve({ ref: `sandbox_po_${req.withdrawalId}`, status: "paid" });
  }
}
