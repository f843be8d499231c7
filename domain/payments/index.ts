import type { Config } from "../../config/index.js";
import type { PaymentProvider } from "./provider.js";
import { SandboxProvider } from "./sandbox.js";
import { StripeProvider } from "./stripe.js";

/** Stripe when STRIPE_SECRET_KEY is set, the sandbox otherwise. */
export function createPaymentProvider(config: Config): PaymentProvider {
  const stripe = config.payments.stripe;
  return stripe ? new StripeProvider(stripe) : new SandboxProvider();
}
