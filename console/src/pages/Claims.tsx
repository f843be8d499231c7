import { useState, type FormEvent } from "react";
import { api, messageOf } from "../api";
import { field, useLoad } from "../hooks";
import { Show } from "../Status";
import type { Claim } from "../types";

const STATUSES = ["submitted", "accepted", "rejected", "paid"] as const;
const KIND: Record<Claim["item_kind"], string> = {
  appointment: "Appointment",
  pharmacy_order: "Pharmacy order",
  lab_booking: "Lab booking",
};

/** Minor units as a decimal amount with the currency code (two decimals: the claims' currencies). */
function money(minor: number | null, currency: string): string {
  return minor === null ? "—" : `${currency} ${(minor / 100).toFixed(2)}`;
}

function ClaimItem({ c, done }: { c: Claim; done: (message: string) => void }) {
  const [rejecting, setRejecting] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const act = async (what: "accept" | "reject" | "paid", body: object, message: string) => {
    setBusy(true);
    setError(undefined);
    try {
      await api("POST", `/api/claims/${c.id}/${what}`, body);
      done(message);
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  };
  const reject = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    void act("reject", { reason: field(e.currentTarget, "reason").trim() }, `Claim #${c.id} rejected.`);
  };
  const label = `claim ${c.id}`;
  return (
    <li className="card">
      <div className="row">
        <div className="grow">
          <h2 className="h3">
            Claim #{c.id}: {KIND[c.item_kind]} #{c.item_id}
          </h2>
          <dl className="facts">
            <dt>Status</dt>
            <dd>{c.status}</dd>
            <dt>Payer</dt>
            <dd>
              {c.payer} ({c.member_id})
            </dd>
            <dt>Billed</dt>
            <dd>{money(c.billed_minor, c.currency)}</dd>
            <dt>Covered</dt>
            <dd>{money(c.approved_minor, c.currency)}</dd>
            <dt>Patient pays</dt>
            <dd>{money(c.patient_share_minor, c.currency)}</dd>
            <dt>Codes</dt>
            <dd>{[...c.service_codes, ...c.diagnosis_codes].join(", ")}</dd>
            {c.rejection_reason && (
              <>
                <dt>Reason</dt>
                <dd>{c.rejection_reason}</dd>
              </>
            )}
          </dl>
        </div>
        <div className="actions">
          {c.status === "submitted" && (
            <>
              <button
                type="button"
                disabled={busy}
                onClick={() => void act("accept", {}, `Claim #${c.id} accepted.`)}
              >
                Accept <span className="sr">{label}</span>
              </button>
              <button
                type="button"
                className="secondary"
                aria-expanded={rejecting}
                onClick={() => setRejecting(!rejecting)}
              >
                Reject <span className="sr">{label}</span>
              </button>
            </>
          )}
          {c.status === "accepted" && (
            <button
              type="button"
              disabled={busy}
              onClick={() => void act("paid", {}, `Claim #${c.id} paid.`)}
            >
              Mark paid <span className="sr">{label}</span>
            </button>
          )}
        </div>
      </div>
      {rejecting && (
        <form className="stack" onSubmit={reject}>
          <label>
            Why the payer rejected it
            <textarea name="reason" required maxLength={500} rows={2} />
          </label>
          <button type="submit" disabled={busy}>
            Reject claim #{c.id}
          </button>
        </form>
      )}
      {error && <p role="alert">{error}</p>}
    </li>
  );
}

/** Admins: insurance claims, filtered by status, with the lifecycle's buttons. */
export function Claims() {
  const [status, setStatus] = useState<string>("submitted");
  const [loaded, reload] = useLoad(
    () => api<{ claims: Claim[] }>("GET", `/api/claims/?limit=100${status ? `&status=${status}` : ""}`),
    [status],
  );
  const [notice, setNotice] = useState("");
  return (
    <section>
      <h1>Claims</h1>
      <label>
        Status
        <select value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
          <option value="">All</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <p role="status" className="notice">
        {notice}
      </p>
      <Show loaded={loaded}>
        {({ claims }) =>
          claims.length === 0 ? (
            <p>No claims.</p>
          ) : (
            <ul className="list">
              {claims.map((c) => (
                <ClaimItem
                  key={c.id}
                  c={c}
                  done={(m) => {
                    setNotice(m);
                    reload();
                  }}
                />
              ))}
            </ul>
          )
        }
      </Show>
    </section>
  );
}
