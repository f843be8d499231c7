import { useState, type FormEvent } from "react";
import { api, messageOf } from "../api";
import { field, useLoad } from "../hooks";
import { StatusQueue } from "../components/StatusQueue";
import type { LabBooking, LabTest } from "../staff-types";

const FILTERS = ["scheduled", "sample_collected", "processing", "resulted", "cancelled"];
const words = (s: string) => s.replace(/_/g, " ");
const FLAGS = ["", "normal", "low", "high", "critical"];

interface Row {
  key: number;
  name: string;
  unit: string;
}

/** The results form: one row per analyte of the test (from the catalog), more rows on demand. */
function ResultsForm({ b, done }: { b: LabBooking; done: (message: string) => void }) {
  const [catalog] = useLoad(
    () => api<{ tests: LabTest[] }>("GET", `/api/lab/tests/?q=${encodeURIComponent(b.test_name)}`),
    [b.test_name],
  );
  const analytes =
    catalog.state === "ready" ? catalog.data.tests.find((t) => t.test_id === b.test_id)?.analytes : [];
  const [extra, setExtra] = useState<Row[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const rows: Row[] = [
    ...(analytes && analytes.length > 0
      ? analytes.map((a, i) => ({ key: i, name: a.name, unit: a.unit }))
      : [{ key: 0, name: b.test_name, unit: "" }]),
    ...extra,
  ];

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const results = rows
      .map((r) => {
        const value = field(form, `value-${r.key}`).trim();
        const flag = field(form, `flag-${r.key}`);
        const name = (r.key >= 1000 ? field(form, `name-${r.key}`) : r.name).trim();
        const unit = field(form, `unit-${r.key}`).trim();
        const numeric = /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
        return { name, value: numeric, ...(unit ? { unit } : {}), ...(flag ? { flag } : {}) };
      })
      .filter((r) => r.name && r.value !== "");
    if (results.length === 0) {
      setError("Enter at least one value.");
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await api("POST", "/api/lab/results/", { booking_id: b.booking_id, results });
      done(`Results of booking ${b.booking_id} posted; the patient and the ordering doctor can see them.`);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="stack"
      onSubmit={(e) => void submit(e)}
      aria-label={`Results of booking ${b.booking_id}`}
    >
      {rows.map((r) => (
        <fieldset key={r.key} className="field-row">
          <legend>{r.key < (analytes?.length ?? 0) || extra.length === 0 ? r.name : "Another result"}</legend>
          {r.key >= 1000 && (
            <label>
              Name
              <input name={`name-${r.key}`} defaultValue={r.name} maxLength={200} />
            </label>
          )}
          <label>
            Value
            <input name={`value-${r.key}`} maxLength={200} />
          </label>
          <label>
            Unit
            <input name={`unit-${r.key}`} defaultValue={r.unit} maxLength={50} />
          </label>
          <label>
            Flag (computed when left empty)
            <select name={`flag-${r.key}`} defaultValue="">
              {FLAGS.map((f) => (
                <option key={f} value={f}>
                  {f === "" ? "from the reference range" : f}
                </option>
              ))}
            </select>
          </label>
        </fieldset>
      ))}
      <div className="actions">
        <button
          type="button"
          className="secondary"
          onClick={() => setExtra([...extra, { key: 1000 + extra.length, name: "", unit: "" }])}
        >
          Add a result
        </button>
        <button type="submit" disabled={busy}>
          Post the results
        </button>
      </div>
      {error && <p role="alert">{error}</p>}
    </form>
  );
}

function BookingCard({ b, done }: { b: LabBooking; done: (message: string) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [posting, setPosting] = useState(false);
  const label = `booking ${b.booking_id}`;
  const move = async (status: string) => {
    setBusy(true);
    setError(undefined);
    try {
      await api("POST", `/api/lab/bookings/${b.booking_id}/status`, { status });
      done(`Booking ${b.booking_id}: ${words(status)}.`);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  const open = b.status !== "resulted" && b.status !== "cancelled";
  return (
    <>
      <h2 className="h3">
        {b.test_name} <span className="muted">(booking {b.booking_id})</span>
      </h2>
      <div className="muted">
        <span className={`badge ${b.status}`}>{words(b.status)}</span> · {b.appointment_date} · payment{" "}
        {words(b.payment_status)}
      </div>
      <p>
        {b.collection === "home" ? `Home collection at ${b.address ?? "the address on file"}` : "At the lab"}{" "}
        · {b.sample_type} sample. Preparation: {b.preparation}
      </p>
      {b.results.length > 0 && (
        <ul>
          {b.results.map((r) => (
            <li key={r.name}>
              {r.name}: {r.value} {r.unit ?? ""} {r.flag && r.flag !== "normal" ? `(${r.flag})` : ""}
            </li>
          ))}
        </ul>
      )}
      {open && (
        <div className="actions">
          {b.status === "scheduled" && (
            <button type="button" disabled={busy} onClick={() => void move("sample_collected")}>
              Sample collected <span className="sr">for {label}</span>
            </button>
          )}
          {b.status === "sample_collected" && (
            <button type="button" disabled={busy} onClick={() => void move("processing")}>
              Processing <span className="sr">{label}</span>
            </button>
          )}
          {b.status !== "scheduled" && (
            <button type="button" aria-expanded={posting} onClick={() => setPosting(!posting)}>
              Enter results <span className="sr">of {label}</span>
            </button>
          )}
          <button type="button" className="secondary" disabled={busy} onClick={() => void move("cancelled")}>
            Cancel <span className="sr">{label}</span>
          </button>
        </div>
      )}
      {posting && open && <ResultsForm b={b} done={done} />}
      {error && <p role="alert">{error}</p>}
    </>
  );
}

/** The lab's queue: bookings by appointment date, samples collected, results posted. */
export function LabQueue() {
  return (
    <StatusQueue
      title="Lab bookings"
      noun="bookings"
      statuses={FILTERS}
      load={async (status) =>
        (await api<{ bookings: LabBooking[] }>("GET", `/api/lab/bookings/?status=${status}`)).bookings
      }
      itemKey={(b) => b.booking_id}
      renderItem={(b, done) => <BookingCard b={b} done={done} />}
    />
  );
}
