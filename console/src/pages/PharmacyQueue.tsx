import { useState, type FormEvent } from "react";
import { api, messageOf } from "../api";
import { StatusQueue } from "../components/StatusQueue";
import { field } from "../hooks";
import type { PharmacyOrder } from "../staff-types";

/** The order lifecycle the pharmacist drives (the API refuses anything else with INVALID_TRANSITION). */
const NEXT: Record<string, { status: string; label: string } | undefined> = {
  pending: { status: "confirmed", label: "Confirm" },
  confirmed: { status: "dispatched", label: "Dispatch" },
  dispatched: { status: "out_for_delivery", label: "Out for delivery" },
  out_for_delivery: { status: "delivered", label: "Delivered" },
};
const CANCELLABLE = new Set(["pending", "confirmed", "dispatched"]);
const FILTERS = ["pending", "confirmed", "dispatched", "out_for_delivery", "delivered", "cancelled"];
const words = (s: string) => s.replace(/_/g, " ");
const money = (n: number, currency: string) =>
  new Intl.NumberFormat(undefined, { style: "currency", currency }).format(n);

function OrderCard({ o, done }: { o: PharmacyOrder; done: (message: string) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [cancelling, setCancelling] = useState(false);
  const next = NEXT[o.status];
  const label = `order ${o.order_id}`;

  const move = async (status: string, extra: Record<string, string>) => {
    setBusy(true);
    setError(undefined);
    try {
      await api("POST", `/api/pharmacy/orders/${o.order_id}/status`, { status, ...extra });
      done(`Order ${o.order_id}: ${words(status)}.`);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  const advance = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const tracking = field(e.currentTarget, "tracking").trim();
    void move(next!.status, tracking ? { tracking } : {});
  };
  const cancel = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const note = field(e.currentTarget, "note").trim();
    void move("cancelled", note ? { note } : {});
  };

  return (
    <>
      <div className="row">
        <div className="grow">
          <h2 className="h3">Order {o.order_id}</h2>
          <div className="muted">
            <span className={`badge ${o.status}`}>{words(o.status)}</span> · payment {words(o.payment_status)}{" "}
            · {money(o.total_cost, o.currency)}
          </div>
          <ul>
            {o.items.map((i) => (
              <li key={i.item_id}>
                {i.quantity} × {i.medicine_name}
                {i.prescription_only && <span className="muted"> (prescription)</span>}
              </li>
            ))}
          </ul>
          <p>Deliver to: {o.delivery_address}</p>
          {o.tracking && <p>Tracking: {o.tracking}</p>}
        </div>
      </div>
      {next && (
        <form className="field-row" onSubmit={advance}>
          {next.status === "dispatched" && (
            <label>
              Tracking number (optional)
              <input name="tracking" maxLength={200} />
            </label>
          )}
          <button type="submit" disabled={busy}>
            {next.label} <span className="sr">{label}</span>
          </button>
        </form>
      )}
      {CANCELLABLE.has(o.status) && (
        <>
          <button
            type="button"
            className="secondary"
            aria-expanded={cancelling}
            onClick={() => setCancelling(!cancelling)}
          >
            Cancel <span className="sr">{label}</span>
          </button>
          {cancelling && (
            <form className="stack" onSubmit={cancel}>
              <label>
                Why (the patient is told; a paid order is refunded in full)
                <textarea name="note" rows={2} maxLength={1000} />
              </label>
              <button type="submit" disabled={busy}>
                Cancel {label}
              </button>
            </form>
          )}
        </>
      )}
      {error && <p role="alert">{error}</p>}
    </>
  );
}

/** The pharmacist's queue: orders oldest first, moved along their delivery lifecycle. */
export function PharmacyQueue() {
  return (
    <StatusQueue
      title="Pharmacy orders"
      noun="orders"
      statuses={FILTERS}
      load={async (status) =>
        (await api<{ orders: PharmacyOrder[] }>("GET", `/api/pharmacy/orders/?status=${status}`)).orders
      }
      itemKey={(o) => o.order_id}
      renderItem={(o, done) => <OrderCard o={o} done={done} />}
    />
  );
}
