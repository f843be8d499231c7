import type { Actor } from "../shared/actor.js";
import { forbidden } from "../shared/errors.js";
import { toMajor } from "../shared/money.js";
import type { PaymentsDeps } from "./deps.js";

export interface RevenueView {
  currency: string;
  platform_revenue: number;
  held_for_patients: number;
  doctors_owed: number;
  paid_out: number;
}

/** The admin's views of the ledger: revenue and money held per currency, and the whole ledger as CSV. */
export class LedgerReports {
  constructor(private readonly deps: PaymentsDeps) {}

  async revenue(actor: Actor): Promise<{ revenue: RevenueView[] }> {
    if (actor.role !== "admin") throw forbidden("ADMINS_ONLY", "Only admins see platform revenue.");
    const all = await this.deps.repo.accountBalances("");
    const byCurrency = new Map<string, { revenue: number; held: number; owed: number; paid: number }>();
    for (const a of all) {
      const c = byCurrency.get(a.currency) ?? { revenue: 0, held: 0, owed: 0, paid: 0 };
      const kind = a.code.split(":")[0];
      if (kind === "platform_revenue") c.revenue += a.balance;
      else if (kind === "customer_prepayments") c.held += a.balance;
      else if (kind === "doctor_pending" || kind === "doctor_available" || kind === "payouts_in_transit")
        c.owed += a.balance;
      else if (kind === "payouts_paid") c.paid += a.balance;
      byCurrency.set(a.currency, c);
    }
    return {
      revenue: [...byCurrency].map(([currency, c]) => ({
        currency,
        platform_revenue: toMajor(c.revenue, currency),
        held_for_patients: toMajor(c.held, currency),
        doctors_owed: toMajor(c.owed, currency),
        paid_out: toMajor(c.paid, currency),
      })),
    };
  }

  /** The whole ledger as CSV rows, a page at a time (ids, kinds, accounts and amounts only). */
  async *ledgerCsv(actor: Actor): AsyncGenerator<string> {
    if (actor.role !== "admin") throw forbidden("ADMINS_ONLY", "Only admins export the ledger.");
    yield "entry_id,transaction_id,at,kind,key,account,debit_minor,credit_minor,currency\n";
    let after = 0;
    for (;;) {
      const rows = await this.deps.repo.ledgerPage(after, 1000);
      if (rows.length === 0) return;
      yield (
        rows
          .map((r) =>
            [
              r.entryId,
              r.transactionId,
              r.at.toISOString(),
              r.kind,
              r.key,
              r.account,
              r.debit,
              r.credit,
              r.currency,
            ]
              .map(csvField)
              .join(","),
          )
          .join("\n") + "\n"
      );
      after = rows[rows.length - 1]!.entryId;
    }
  }
}

function csvField(v: unknown): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
