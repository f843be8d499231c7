import type { Actor } from "../shared/actor.js";
import { forbidden, invalid } from "../shared/errors.js";
import { toMajor } from "../shared/money.js";
import type { PaymentsDeps } from "./deps.js";
import type { LedgerRange } from "./repository.js";

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

  /**
   * A page of the ledger's entries in a date range (days in UTC, both inclusive), optionally of one kind
   * (payment, refund, payout…), after an entry id (the cursor), with the range's totals per kind and currency.
   */
  async ledger(
    actor: Actor,
    query: {
      from?: string | undefined;
      to?: string | undefined;
      kind?: string | undefined;
      after: number;
      limit: number;
    },
  ) {
    if (actor.role !== "admin") throw forbidden("ADMINS_ONLY", "Only admins read the ledger.");
    const range = rangeOf(query);
    const [entries, totals] = await Promise.all([
      this.deps.repo.ledgerPage(query.after, query.limit + 1, range),
      this.deps.repo.ledgerTotals(range),
    ]);
    return {
      entries: entries.slice(0, query.limit).map((r) => ({
        entry_id: r.entryId,
        transaction_id: r.transactionId,
        at: r.at.toISOString(),
        kind: r.kind,
        account: r.account,
        debit: toMajor(r.debit, r.currency),
        credit: toMajor(r.credit, r.currency),
        currency: r.currency,
      })),
      has_more: entries.length > query.limit,
      totals: totals.map((t) => ({
        kind: t.kind,
        currency: t.currency,
        transactions: t.transactions,
        amount: toMajor(t.amount, t.currency),
      })),
    };
  }

  /** The ledger (or a date range of it) as CSV rows, a page at a time (ids, kinds, accounts and amounts only). */
  async *ledgerCsv(
    actor: Actor,
    query: { from?: string | undefined; to?: string | undefined; kind?: string | undefined } = {},
  ): AsyncGenerator<string> {
    if (actor.role !== "admin") throw forbidden("ADMINS_ONLY", "Only admins export the ledger.");
    const range = rangeOf(query);
    yield "entry_id,transaction_id,at,kind,key,account,debit_minor,credit_minor,currency\n";
    let after = 0;
    for (;;) {
      const rows = await this.deps.repo.ledgerPage(after, 1000, range);
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

/** YYYY-MM-DD days (UTC, inclusive) → the ledger range; a bad day or an upside-down range is 400. */
function rangeOf(q: {
  from?: string | undefined;
  to?: string | undefined;
  kind?: string | undefined;
}): LedgerRange {
  const day = (v: string, field: string) => {
    const d = new Date(`${v}T00:00:00.000Z`);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== v)
      throw invalid("INVALID_DATE", `${field} is not a valid date (YYYY-MM-DD).`);
    return d;
  };
  const from = q.from === undefined ? undefined : day(q.from, "from");
  const to = q.to === undefined ? undefined : new Date(day(q.to, "to").getTime() + 86_400_000);
  if (from && to && from >= to) throw invalid("INVALID_RANGE", "from must be on or before to.");
  return { from, to, kind: q.kind };
}
