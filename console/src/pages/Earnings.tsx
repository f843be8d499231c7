import { useState, type FormEvent } from "react";
import { api, messageOf } from "../api";
import { field, useLoad } from "../hooks";
import { Show } from "../Status";
import type { Earnings as EarningsBody, Withdrawal } from "../types";

const money = (amount: number, currency: string) =>
  new Intl.NumberFormat("en-IN", { style: "currency", currency }).format(amount);

async function loadEarnings() {
  const [{ earnings }, { withdrawals }] = await Promise.all([
    api<{ earnings: EarningsBody }>("GET", "/api/doctor/earnings/"),
    api<{ withdrawals: Withdrawal[] }>("GET", "/api/doctor/withdrawals/?per_page=100"),
  ]);
  return { earnings, withdrawals };
}

/** Earnings (total, withdrawable, pending, withdrawn), a withdrawal confirmed with the SMS PIN or password, payouts. */
export function Earnings() {
  const [loaded, reload] = useLoad(loadEarnings, []);
  const [status, setStatus] = useState("");
  return (
    <section>
      <h1>Earnings</h1>
      <Show loaded={loaded}>
        {({ earnings: e, withdrawals }) => (
          <>
            <section aria-labelledby="earnings-totals" className="card">
              <h2 id="earnings-totals">Totals</h2>
              <dl className="facts">
                <dt>Total earned</dt>
                <dd>{money(e.total_earnings, e.currency)}</dd>
                <dt>Withdrawable</dt>
                <dd>
                  <strong>{money(e.withdrawable_amount, e.currency)}</strong>
                </dd>
                <dt>Pending (hold period)</dt>
                <dd>{money(e.pending_amount, e.currency)}</dd>
                <dt>Withdrawn</dt>
                <dd>{money(e.withdrawn_amount, e.currency)}</dd>
              </dl>
            </section>
            <Withdraw
              earnings={e}
              onDone={(sentence) => {
                setStatus(sentence);
                reload();
              }}
            />
            <div className="table-wrap">
              <table>
                <caption>Payout history</caption>
                <thead>
                  <tr>
                    <th scope="col">Date</th>
                    <th scope="col">Amount</th>
                    <th scope="col">Status</th>
                  </tr>
                </thead>
                <tbody>
                  {withdrawals.length === 0 ? (
                    <tr>
                      <td colSpan={3}>No withdrawals yet.</td>
                    </tr>
                  ) : (
                    withdrawals.map((w) => (
                      <tr key={w.id}>
                        <td>
                          <time dateTime={w.created_at}>
                            {new Date(w.created_at).toLocaleDateString("en-GB")}
                          </time>
                        </td>
                        <td>{money(w.amount, w.currency)}</td>
                        <td>
                          {w.status.replace(/_/g, " ")}
                          {w.failure_reason && <> ({w.failure_reason})</>}
                        </td>
                      </tr>
                    ))
                  )}
                </tbody>
              </table>
            </div>
          </>
        )}
      </Show>
      <p role="status" className="notice">
        {status}
      </p>
    </section>
  );
}

function Withdraw(props: { earnings: EarningsBody; onDone: (sentence: string) => void }) {
  const { earnings: e } = props;
  const [by, setBy] = useState<"pin" | "password">("pin");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (ev: FormEvent<HTMLFormElement>) => {
    ev.preventDefault();
    const form = ev.currentTarget;
    const amount = Number(field(form, "amount"));
    const secret = field(form, "secret");
    setBusy(true);
    setError(undefined);
    try {
      const out = await api<{ withdrawal: Withdrawal }>("POST", "/api/withdraw/earnings/", {
        amount,
        ...(by === "pin" ? { pin: secret } : { password: secret }),
      });
      form.reset();
      props.onDone(
        `Withdrawal of ${money(out.withdrawal.amount, out.withdrawal.currency)}: ${out.withdrawal.status.replace(/_/g, " ")}.`,
      );
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="withdraw" className="card">
      <h2 id="withdraw">Withdraw</h2>
      {e.withdrawable_amount <= 0 ? (
        <p className="muted">
          Nothing is withdrawable yet: earnings become withdrawable after the hold period.
        </p>
      ) : (
        <form className="stack" onSubmit={(ev) => void submit(ev)}>
          <label>
            Amount ({e.currency})
            <input
              name="amount"
              type="number"
              inputMode="decimal"
              min="0.01"
              step="0.01"
              max={e.withdrawable_amount}
              defaultValue={e.withdrawable_amount}
              required
            />
          </label>
          <fieldset className="choices">
            <legend>Confirm with</legend>
            <label className="inline">
              <input type="radio" name="by" checked={by === "pin"} onChange={() => setBy("pin")} /> SMS PIN
            </label>
            <label className="inline">
              <input type="radio" name="by" checked={by === "password"} onChange={() => setBy("password")} />{" "}
              Password
            </label>
          </fieldset>
          <label>
            {by === "pin" ? "Your SMS PIN" : "Your password"}
            <input
              name="secret"
              type="password"
              autoComplete={by === "pin" ? "off" : "current-password"}
              inputMode={by === "pin" ? "numeric" : undefined}
              required
            />
          </label>
          <div className="actions">
            <button type="submit" disabled={busy}>
              Withdraw
            </button>
          </div>
        </form>
      )}
      {error && <p role="alert">{error}</p>}
    </section>
  );
}
