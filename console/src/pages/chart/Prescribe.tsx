import { useEffect, useState, type FormEvent } from "react";
import { api, ApiError, messageOf } from "../../api";
import type { Medicine, SafetyAlert, SafetyCheck } from "../../types";

interface Item {
  key: number;
  medicine_name: string;
  strength: string;
  dose: string;
  frequency: string;
  duration_days: string;
  refills: string;
  instructions: string;
}

let nextKey = 1;
const blank = (): Item => ({
  key: nextKey++,
  medicine_name: "",
  strength: "",
  dose: "",
  frequency: "twice daily",
  duration_days: "5",
  refills: "0",
  instructions: "",
});
const FREQUENCIES = [
  "once daily",
  "twice daily",
  "thrice daily",
  "QID",
  "every 8 hours",
  "at night",
  "as needed",
];

/** Catalog suggestions for a medicine name (a datalist: the doctor may still write any name). */
function useMedicineSuggestions(q: string): Medicine[] {
  const [list, setList] = useState<Medicine[]>([]);
  useEffect(() => {
    if (q.trim().length < 2) return setList([]);
    let live = true;
    const timer = setTimeout(() => {
      api<{ medicines: Medicine[] }>("GET", `/api/medicines/?q=${encodeURIComponent(q.trim())}`).then(
        (r) => live && setList(r.medicines.slice(0, 8)),
        () => live && setList([]),
      );
    }, 200);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [q]);
  return list;
}

function ItemFields(props: {
  item: Item;
  index: number;
  onChange: (patch: Partial<Item>) => void;
  onRemove?: () => void;
}) {
  const { item, index } = props;
  const suggestions = useMedicineSuggestions(item.medicine_name);
  const n = index + 1;
  const listId = `medicines-${item.key}`;
  const text = (name: keyof Item, label: string, extra: Record<string, unknown> = {}) => (
    <label>
      {label} <span className="sr">(medicine {n})</span>
      <input value={item[name]} onChange={(e) => props.onChange({ [name]: e.target.value })} {...extra} />
    </label>
  );
  return (
    <fieldset className="rx-item">
      <legend>Medicine {n}</legend>
      {text("medicine_name", "Medicine", {
        list: listId,
        required: true,
        autoComplete: "off",
        maxLength: 200,
      })}
      <datalist id={listId}>
        {suggestions.map((m) => (
          <option key={m.medicine_id} value={m.name} />
        ))}
      </datalist>
      <div className="row">
        {text("strength", "Strength", { maxLength: 100 })}
        {text("dose", "Dose", { required: true, maxLength: 200, placeholder: "1 tablet" })}
        <label>
          Frequency <span className="sr">(medicine {n})</span>
          <input
            value={item.frequency}
            list="rx-frequencies"
            required
            onChange={(e) => props.onChange({ frequency: e.target.value })}
          />
        </label>
        {text("duration_days", "Days", { type: "number", min: 1, max: 365, required: true })}
        {text("refills", "Refills", { type: "number", min: 0, max: 12 })}
      </div>
      {text("instructions", "Instructions", { maxLength: 1000 })}
      {props.onRemove && (
        <button type="button" className="secondary" onClick={props.onRemove}>
          Remove medicine {n}
        </button>
      )}
    </fieldset>
  );
}

const BLOCKING = new Set(["contraindicated", "major"]);

/**
 * Prescribing from the chart: medicines, dose, frequency, duration, refills. The API's safety check runs first
 * (a dry run); its alerts are shown before signing and each must be acknowledged with a reason. The server checks
 * again on signing (and refuses unacknowledged blocking alerts).
 */
export function Prescribe({ patientId, onSigned }: { patientId: number; onSigned: () => void }) {
  const [items, setItems] = useState<Item[]>([blank()]);
  const [notes, setNotes] = useState("");
  const [check, setCheck] = useState<SafetyCheck>();
  const [acks, setAcks] = useState<Record<string, { on: boolean; reason: string }>>({});
  const [status, setStatus] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  // Any change to the medicines asks for a new check.
  const change = (key: number, patch: Partial<Item>) => {
    setItems((list) => list.map((i) => (i.key === key ? { ...i, ...patch } : i)));
    setCheck(undefined);
  };
  const names = items.map((i) => i.medicine_name.trim()).filter(Boolean);

  const runCheck = async () => {
    setError("");
    setStatus("");
    if (names.length === 0) return setError("Name at least one medicine.");
    setBusy(true);
    try {
      const result = await api<SafetyCheck>("POST", "/api/doctor/prescriptions/check/", {
        patient_id: patientId,
        medicines: names,
      });
      setCheck(result);
      setAcks({});
      setStatus(
        result.alerts.length === 0
          ? "No safety alerts. You can sign the prescription."
          : `${result.alerts.length} safety alert${result.alerts.length > 1 ? "s" : ""}: acknowledge each with a reason before signing.`,
      );
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  const ready = check !== undefined && check.alerts.every((a) => acks[a.id]?.on && acks[a.id]!.reason.trim());

  const sign = async (e: FormEvent) => {
    e.preventDefault();
    if (!check) return void runCheck();
    if (!ready) return setError("Acknowledge each alert with a reason first.");
    setError("");
    setBusy(true);
    try {
      const acknowledged = check.alerts.map((a) => a.id);
      await api("POST", "/api/doctor/prescriptions/", {
        patient_id: patientId,
        items: items
          .filter((i) => i.medicine_name.trim())
          .map((i) => ({
            medicine_name: i.medicine_name.trim(),
            strength: i.strength.trim() || null,
            dose: i.dose.trim(),
            frequency: i.frequency.trim(),
            duration_days: Number(i.duration_days),
            refills: Number(i.refills || 0),
            instructions: i.instructions.trim() || null,
          })),
        notes: notes.trim() || null,
        acknowledge_alerts: acknowledged,
        override_reason:
          check.alerts.length > 0
            ? check.alerts.map((a) => `${a.id}: ${acks[a.id]!.reason.trim()}`).join("\n")
            : null,
      });
      setItems([blank()]);
      setNotes("");
      setCheck(undefined);
      setAcks({});
      setStatus(`Prescription signed: ${names.join(", ")}.`);
      onSigned();
    } catch (err) {
      // The server's own check found alerts this page has not shown (the chart changed meanwhile): show them.
      if (err instanceof ApiError && err.code === "SAFETY_ALERTS_UNACKNOWLEDGED") void runCheck();
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="prescribe" className="card">
      <h2 id="prescribe">Prescribe</h2>
      <form onSubmit={(e) => void sign(e)} className="stack">
        <datalist id="rx-frequencies">
          {FREQUENCIES.map((f) => (
            <option key={f} value={f} />
          ))}
        </datalist>
        {items.map((item, i) => (
          <ItemFields
            key={item.key}
            item={item}
            index={i}
            onChange={(patch) => change(item.key, patch)}
            onRemove={
              items.length > 1
                ? () => {
                    setItems((list) => list.filter((x) => x.key !== item.key));
                    setCheck(undefined);
                  }
                : undefined
            }
          />
        ))}
        <div className="actions">
          <button type="button" className="secondary" onClick={() => setItems((l) => [...l, blank()])}>
            Add another medicine
          </button>
        </div>
        <label>
          Notes (optional)
          <textarea value={notes} onChange={(e) => setNotes(e.target.value)} maxLength={4000} rows={2} />
        </label>
        {check && check.alerts.length > 0 && (
          <section aria-labelledby="rx-alerts" className="alert-card card">
            <h3 id="rx-alerts" className="h3">
              Safety alerts
            </h3>
            <ul className="list">
              {check.alerts.map((a: SafetyAlert) => (
                <li key={a.id} className="alert-item">
                  <strong className={BLOCKING.has(a.severity) ? "flag" : undefined}>
                    {a.severity} {a.type}
                  </strong>
                  : {a.message} <span className="muted">({a.source})</span>
                  <label className="check">
                    <input
                      type="checkbox"
                      checked={acks[a.id]?.on ?? false}
                      onChange={(e) =>
                        setAcks((m) => ({
                          ...m,
                          [a.id]: { on: e.target.checked, reason: m[a.id]?.reason ?? "" },
                        }))
                      }
                    />{" "}
                    Acknowledge{" "}
                    <span className="sr">
                      the {a.type} alert: {a.message}
                    </span>
                  </label>
                  <label>
                    Reason to prescribe anyway <span className="sr">({a.message})</span>
                    <input
                      value={acks[a.id]?.reason ?? ""}
                      maxLength={500}
                      onChange={(e) =>
                        setAcks((m) => ({
                          ...m,
                          [a.id]: { on: m[a.id]?.on ?? false, reason: e.target.value },
                        }))
                      }
                    />
                  </label>
                </li>
              ))}
            </ul>
          </section>
        )}
        {check && check.warnings.unrecognized.length > 0 && (
          <p className="muted">
            No safety check could be run for: {check.warnings.unrecognized.join(", ")}. Check these yourself.
          </p>
        )}
        <div className="actions">
          <button type="button" className="secondary" disabled={busy} onClick={() => void runCheck()}>
            Check safety
          </button>
          <button type="submit" disabled={busy || !ready}>
            Sign prescription
          </button>
        </div>
        <p aria-live="polite" className="notice">
          {status}
        </p>
        {error && <p role="alert">{error}</p>}
      </form>
    </section>
  );
}
