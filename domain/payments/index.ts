import type { Config } from "../../config/index.js";
import type { ServiceContext } from "../context.js";
import { AppointmentPayments } from "./appointments.js";
import { paymentsDeps } from "./deps.js";
import { Earnings } from "./earnings.js";
import { PayoutsService } from "./payouts/service.js";
import type { PaymentProvider } from "./provider.js";
import { ReceiptsService } from "./receipts.js";
import { PaymentsRelay } from "./relay.js";
import { LedgerReports } from "./reports.js";
import { SandboxProvider } from "./sandbox.js";
import { PaymentsService } from "./service.js";
import { StripeProvider } from "./stripe.js";

/** Stripe when STRIPE_SECRET_KEY is set, the sandbox otherwise. */
export function createPaymentProvider(config: Config): PaymentProvider {
  const stripe = config.payments.stripe;
  return stripe ? new StripeProvider(stripe) : new SandboxProvider();
}

/**
 * The payments module's services over one provider, repository and ledger:
 * - `payments`: the core (payments, checkout, provider events, refunds, expiry; purposes plug in here);
 * - `payouts`: doctors' earnings, withdrawals and payout accounts;
 * - `receipts`: patients' payments and receipts;
 * - `reports`: the admin's revenue and ledger export;
 * - `relay`: `sweepStranded(now)`, the outbox sweep of work committed but never enqueued;
 * - `appointmentHooks`: the consultation money rules scheduling calls.
 */
export function createPaymentServices(ctx: ServiceContext, provider: PaymentProvider) {
  const deps = paymentsDeps(ctx, provider);
  const earnings = new Earnings(deps);
  const payouts = new PayoutsService(deps, earnings);
  const payments = new PaymentsService(deps, earnings, payouts);
  return {
    payments,
    payouts,
    receipts: new ReceiptsService(deps, payments),
    reports: new LedgerReports(deps),
    relay: new PaymentsRelay(deps),
    appointmentHooks: new AppointmentPayments(ctx, payments, earnings),
  };
}
