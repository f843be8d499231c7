import type { ServiceContext } from "../context.js";
import { Ledger } from "./ledger/ledger.js";
import { paymentFlows, type PaymentFlows } from "./ledger/flows.js";
import type { PaymentProvider } from "./provider.js";
import { PaymentsRepository } from "./repository.js";

/** What every service of the payments module is built from (one of each, shared). */
export interface PaymentsDeps {
  readonly ctx: ServiceContext;
  readonly provider: PaymentProvider;
  readonly repo: PaymentsRepository;
  readonly ledger: Ledger;
  readonly flows: PaymentFlows;
}

export function paymentsDeps(ctx: ServiceContext, provider: PaymentProvider): PaymentsDeps {
  const ledger = new Ledger();
  return {
    ctx,
    provider,
    repo: new PaymentsRepository(ctx.db),
    ledger,
    flows: paymentFlows(ledger, { platformFeePercent: ctx.config.payments.platformFeePercent }),
  };
}
