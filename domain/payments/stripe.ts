import Stripe from "stripe";
import type {
  CheckoutRequest,
  PaymentEvent,
  PaymentProvider,
  PayoutOutcome,
  PayoutRequest,
  RefundOutcome,
  RefundRequest,
} from "./provider.js";

export interface StripeSettings {
  secretKey: string;
  webhookSecret: string;
  apiBase?: string | undefined;
}

/** Seconds of clock difference a webhook signature may have. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** The stripe client, pointed at STRIPE_API_BASE when set (a local fake in tests). */
export function stripeClient(s: StripeSettings): Stripe {
  const base = s.apiBase ? new URL(s.apiBase) : undefined;
  return new Stripe(s.secretKey, {
    maxNetworkRetries: 2,
    timeout: 20_000,
    ...(base
      ? {
          host: base.hostname,
          port: base.port || (base.protocol === "https:" ? 443 : 80),
          protocol: base.protocol.replace(":", "") as "http" | "https",
        }
      : {}),
  });
}

/**
 * Stripe: Checkout Sessions, refunds, Connect Express accounts, transfers and payouts.
 * Every call carries an idempotency key from our own row id; metadata holds opaque ids only; descriptions
 * are generic ("Consultation").
 */
export class StripeProvider implements PaymentProvider {
  readonly name = "stripe" as const;
  readonly capabilities = { hostedCheckout: true, connectPayouts: true, testMode: false } as const;
  private readonly stripe: Stripe;

  constructor(settings: StripeSettings) {
    this.stripe = stripeClient(settings);
  }

  async createCheckout(req: CheckoutRequest): Promise<{ ref: string; url: string }> {
    // Stripe sessions live 30 minutes at least; a payment after our own expiry is refunded automatically.
    const expiresAt = Math.max(
      Math.floor(req.expiresAt.getTime() / 1000),
      Math.floor(Date.now() / 1000) + 31 * 60,
    );
    const session = await this.stripe.checkout.sessions.create(
      {
        mode: "payment",
        client_reference_id: String(req.paymentId),
        line_items: [
          {
            quantity: 1,
            price_data: {
              currency: req.currency.toLowerCase(),
              unit_amount: req.amountMinor,
              product_data: { name: req.description },
            },
          },
        ],
        metadata: { payment_id: String(req.paymentId) },
        payment_intent_data: {
          metadata: { payment_id: String(req.paymentId) },
          description: req.description,
        },
        success_url: req.successUrl,
        cancel_url: req.cancelUrl,
        expires_at: expiresAt,
      },
      { idempotencyKey: `checkout:${req.paymentId}` },
    );
    if (!session.url) throw new Error("Stripe returned a checkout session without a URL");
    return { ref: session.id, url: session.url };
  }

  async expireCheckout(ref: string, paymentId: number): Promise<void> {
    await this.stripe.checkout.sessions.expire(ref, {}, { idempotencyKey: `checkout-expire:${paymentId}` });
  }

  async refund(req: RefundRequest): Promise<RefundOutcome> {
    if (!req.providerPaymentRef) throw new Error(`payment ${req.paymentId} has no Stripe payment intent`);
    const refund = await this.stripe.refunds.create(
      {
        payment_intent: req.providerPaymentRef,
        amount: req.amountMinor,
        metadata: { refund_id: String(req.refundId), payment_id: String(req.paymentId) },
      },
      { idempotencyKey: `refund:${req.refundId}` },
    );
    return { ref: refund.id, status: refundStatus(refund.status) };
  }

  async createPayoutAccount(doctorId: number): Promise<string> {
    const account = await this.stripe.accounts.create(
      {
        type: "express",
        metadata: { doctor_id: String(doctorId) },
        capabilities: { transfers: { requested: true } },
      },
      { idempotencyKey: `account:${doctorId}` },
    );
    return account.id;
  }

  async onboardingLink(accountRef: string, urls: { returnUrl: string; refreshUrl: string }): Promise<string> {
    const link = await this.stripe.accountLinks.create(
      {
        account: accountRef,
        type: "account_onboarding",
        return_url: urls.returnUrl,
        refresh_url: urls.refreshUrl,
      },
      // A link is single-use: each request is a new one.
      { idempotencyKey: `account-link:${accountRef}:${Date.now()}:${Math.random().toString(36).slice(2)}` },
    );
    return link.url;
  }

  async payout(req: PayoutRequest): Promise<PayoutOutcome> {
    const metadata = { withdrawal_id: String(req.withdrawalId), doctor_id: String(req.doctorId) };
    try {
      await this.stripe.transfers.create(
        {
          amount: req.amountMinor,
          currency: req.currency.toLowerCase(),
          destination: req.accountRef,
          metadata,
        },
        { idempotencyKey: `transfer:${req.withdrawalId}` },
      );
    } catch (err) {
      // Refused outright (4xx: an account that cannot receive transfers, insufficient platform balance …):
      // nothing moved, so the withdrawal fails and the money is withdrawable again. Anything else (network,
      // 5xx, 409, 429) is retried by the payout job with the same idempotency key.
      const status = (err as { statusCode?: unknown }).statusCode;
      if (typeof status === "number" && status >= 400 && status < 500 && status !== 409 && status !== 429)
        return {
          ref: `transfer_refused_${req.withdrawalId}`,
          status: "failed",
          failureReason: "The transfer was refused.",
        };
      throw err;
    }
    const payout = await this.stripe.payouts.create(
      { amount: req.amountMinor, currency: req.currency.toLowerCase(), metadata },
      { idempotencyKey: `payout:${req.withdrawalId}`, stripeAccount: req.accountRef },
    );
    const status =
      payout.status === "paid"
        ? "paid"
        : payout.status === "failed" || payout.status === "canceled"
          ? "failed"
          : "in_transit";
    return {
      ref: payout.id,
      status,
      ...(payout.failure_message ? { failureReason: payout.failure_message } : {}),
    };
  }
}

function refundStatus(s: string | null): RefundOutcome["status"] {
  if (s === "succeeded") return "succeeded";
  if (s === "failed" || s === "canceled") return "failed";
  return "pending";
}

const idOf = (v: unknown): string | undefined =>
  typeof v === "string"
    ? v
    : v && typeof v === "object" && "id" in v && typeof v.id === "string"
      ? v.id
      : undefined;

const intOf = (v: unknown): number | undefined => {
  if (typeof v !== "string" || !/^[1-9][0-9]{0,9}$/.test(v)) return undefined;
  const n = Number(v);
  return n <= 2147483647 ? n : undefined;
};

/** A verified Stripe event → our event. Unknown types become "ignored" (acknowledged, no effect). */
export function toPaymentEvent(event: Stripe.Event): PaymentEvent {
  const base = { provider: "stripe" as const, eventId: event.id };
  const obj = event.data.object as unknown as Record<string, unknown>;
  const metadata = (obj.metadata ?? {}) as Record<string, unknown>;
  switch (event.type as string) {
    case "checkout.session.completed":
    case "checkout.session.async_payment_succeeded": {
      if (obj.payment_status !== "paid") return { ...base, type: "ignored", originalType: event.type };
      return {
        ...base,
        type: "payment.succeeded",
        paymentId: intOf(metadata.payment_id) ?? intOf(obj.client_reference_id),
        checkoutRef: idOf(obj.id),
        providerPaymentRef: idOf(obj.payment_intent),
      };
    }
    case "checkout.session.async_payment_failed":
    case "checkout.session.expired":
      return {
        ...base,
        type: event.type === "checkout.session.expired" ? "payment.expired" : "payment.failed",
        paymentId: intOf(metadata.payment_id) ?? intOf(obj.client_reference_id),
        checkoutRef: idOf(obj.id),
      };
    case "refund.created":
    case "refund.updated":
    case "charge.refund.updated": {
      const status = refundStatus(typeof obj.status === "string" ? obj.status : null);
      const ref = idOf(obj.id);
      if (status === "pending" || !ref) return { ...base, type: "ignored", originalType: event.type };
      return {
        ...base,
        type: status === "succeeded" ? "refund.succeeded" : "refund.failed",
        refundRef: ref,
        refundId: intOf(metadata.refund_id),
        paymentId: intOf(metadata.payment_id),
        providerPaymentRef: idOf(obj.payment_intent),
        amountMinor: typeof obj.amount === "number" ? obj.amount : 0,
      };
    }
    case "payout.paid":
    case "payout.failed": {
      const ref = idOf(obj.id);
      if (!ref) return { ...base, type: "ignored", originalType: event.type };
      return {
        ...base,
        type: event.type === "payout.paid" ? "payout.paid" : "payout.failed",
        payoutRef: ref,
        withdrawalId: intOf(metadata.withdrawal_id),
        failureReason: typeof obj.failure_message === "string" ? obj.failure_message : undefined,
      };
    }
    default:
      return { ...base, type: "ignored", originalType: event.type };
  }
}

/**
 * Verifies a webhook's signature on the raw body (constant-time HMAC) and parses it. The signed timestamp
 * must be within the tolerance on BOTH sides of now: Stripe's own check only refuses old timestamps, so a
 * signature dated in the future (a replay window left open for later) is refused here.
 */
export function verifyStripeWebhook(
  settings: StripeSettings,
  rawBody: Buffer,
  signature: string | undefined,
  nowMs: number = Date.now(),
): Stripe.Event {
  if (!signature) throw new Error("missing Stripe-Signature");
  const event = Stripe.webhooks.constructEvent(
    rawBody,
    signature,
    settings.webhookSecret,
    WEBHOOK_TOLERANCE_SECONDS,
    undefined,
    Math.floor(nowMs / 1000),
  );
  const timestamp = signedTimestamp(signature);
  if (timestamp === undefined || Math.abs(nowMs / 1000 - timestamp) > WEBHOOK_TOLERANCE_SECONDS)
    throw new Error("Stripe-Signature timestamp outside the tolerance");
  return event;
}

/**
 * The `t=` of a Stripe-Signature header (seconds since the epoch), the last one as Stripe's parser takes it;
 * undefined when absent or not a number.
 */
function signedTimestamp(signature: string): number | undefined {
  const t = signature
    .split(",")
    .map((part) => part.split("="))
    .filter(([k]) => k === "t")
    .at(-1)?.[1];
  return t !== undefined && /^\d{1,12}$/.test(t) ? Number(t) : undefined;
}
