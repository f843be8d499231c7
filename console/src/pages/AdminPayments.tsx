import { useState, type FormEvent } from "react";
import { api, apiBlob, messageOf } from "../api";
import { field, useLoad } from "../hooks";
import { Show } from "../Status";
import type { LedgerPage, Revenue } from "../types";

const money = (amount: number, currency: string): string => `${amount.toFixed(2)} ${currency}`;

/** Revenue and money held, and the ledger in a date range (refunds among the totals), with a CSV export. */
export function AdminPayments() {
  const [range, setRange] = useState<{ from: string; to: string; kind: string }>({
    from: "",
    to: "",
    kind: "",
  });
  const [error, setError] = useState<string>();
  const query = () => {
    const params = new URLSearchParams();
    if (range.from) params.set("from", range.from);
    if (range.to) params.set("to", range.to);
    if (range.kind) params.set("kind", range.kind);
    return params;
  };
  const [revenue] = useLoad(() => api<{ revenue: Revenue[] }>("GET", "/api/admin/revenue/"), []);
  const [ledger] = useLoad(
    () => api<LedgerPage>("GET", `/api/admin/ledger?${query().toString()}&per_page=200`),
    [range.from, range.to, range.kind],
  );
  const apply = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = e.currentTarget;
    setRange({ from: field(f, "from"), to: field(f, "to"), kind: field(f, "kind") });
  };
  const download = async () => {
    setError(undefined);
    try {
      const blob = await apiBlob(`/api/admin/ledger.csv?${query().toString()}`);
      const url = URL.createObjectURL(blob);
      const a = document.createElement("a");
      a.href = url;
      a.download = `ledger${range.from ? `-from-${range.from}` : ""}${range.to ? `-to-${range.to}` : ""}.csv`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (err) {
      setError(messageOf(err));
    }
  };
  return (
    <section>
      <h1>Payments and ledger</h1>
      <h2>Revenue</h2>
      <Show loaded={revenue}>
        {({ revenue: rows }) =>
          rows.length === 0 ? (
            <p>No money has moved yet.</p>
          ) : (
            <div className="table-wrap">
              <table>
                <caption>Platform revenue and money held, per currency (all time)</caption>
                <thead>
                  <tr>
                    <th scope="col">Currency</th>
                    <th scope="col">Platform revenue</th>
                    <th scope="col">Held for patients</th>
                    <th scope="col">Owed to doctors</th>
                    <th scope="col">Paid out</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((r) => (
                    <tr key={r.currency}>
                      <th scope="row">{r.currency}</th>
                      <td>{money(r.platform_revenue, r.currency)}</td>
                      <td>{money(r.held_for_patients, r.currency)}</td>
                      <td>{money(r.doctors_owed, r.currency)}</td>
                      <td>{money(r.paid_out, r.currency)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Show>

      <h2>Ledger</h2>
      <form className="row" onSubmit={apply} aria-label="Ledger range">
        <label>
          From
          <input type="date" name="from" defaultValue={range.from} />
        </label>
        <label>
          To
          <input type="date" name="to" defaultValue={range.to} />
        </label>
        <label>
          Kind
          <select name="kind" defaultValue={range.kind}>
            <option value="">all kinds</option>
            <option value="payment_captured">payments</option>
            <option value="refund">refunds</option>
            <option value="earning_released">earnings released</option>
            <option value="revenue_recognised">revenue recognised</option>
            <option value="withdrawal">withdrawals</option>
            <option value="payout_paid">payouts paid</option>
            <option value="payout_failed">payouts failed</option>
          </select>
        </label>
        <button type="submit">Show</button>
        <button type="button" className="secondary" onClick={() => void download()}>
          Download CSV
        </button>
      </form>
      {error && <p role="alert">{error}</p>}
      <Show loaded={ledger}>
        {(l) => (
          <>
            <div className="table-wrap">
              <table>
                <caption>Totals in the range, per kind (refunds included)</caption>
                <thead>
                  <tr>
                    <th scope="col">Kind</th>
                    <th scope="col">Transactions</th>
                    <th scope="col">Amount</th>
                  </tr>
                </thead>
                <tbody>
                  {l.totals.length === 0 && (
                    <tr>
                      <td colSpan={3}>Nothing in this range.</td>
                    </tr>
                  )}
                  {l.totals.map((t) => (
                    <tr key={t.kind + t.currency}>
                      <th scope="row">{t.kind.replace(/_/g, " ")}</th>
                      <td>{t.transactions}</td>
                      <td>{money(t.amount, t.currency)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <div className="table-wrap">
              <table>
                <caption>Entries{l.has_more ? " (the first 200: download the CSV for all)" : ""}</caption>
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">Kind</th>
                    <th scope="col">Account</th>
                    <th scope="col">Debit</th>
                    <th scope="col">Credit</th>
                  </tr>
                </thead>
                <tbody>
                  {l.entries.map((e) => (
                    <tr key={e.entry_id}>
                      <td>{e.at.slice(0, 16).replace("T", " ")}</td>
                      <td>{e.kind.replace(/_/g, " ")}</td>
                      <td>{e.account}</td>
                      <td>{e.debit ? money(e.debit, e.currency) : ""}</td>
                      <td>{e.credit ? money(e.credit, e.currency) : ""}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </Show>
    </section>
  );
}
