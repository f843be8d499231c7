import { useState, type FormEvent } from "react";
import { api, messageOf } from "../api";
import { field, MODES, useLoad } from "../hooks";
import { Link } from "../Link";
import { Show } from "../Status";
import type { AppointmentRequest } from "../types";

type Open = { kind: "reject" | "propose"; id: number } | undefined;

function RequestItem(props: {
  r: AppointmentRequest;
  open: Open;
  setOpen: (o: Open) => void;
  done: (message: string) => void;
}) {
  const { r, open, setOpen, done } = props;
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const who = r.patient_name;

  const act = async (path: string, body: Record<string, unknown>, message: string) => {
    setBusy(true);
    setError(undefined);
    try {
      await api("POST", path, { request_id: r.request_id, ...body });
      setOpen(undefined);
      done(message);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  const reject = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const reason = field(e.currentTarget, "reason").trim();
    void act("/api/reject/appointment/request/", reason ? { reason } : {}, `Rejected the request of ${who}.`);
  };
  const propose = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = e.currentTarget;
    void act(
      "/api/propose/appointment/time/",
      { appointment_date: field(f, "date"), appointment_time: field(f, "time") },
      `Proposed another time to ${who}.`,
    );
  };
  const mine = open?.id === r.request_id ? open.kind : undefined;

  return (
    <li className="card">
      <div className="row">
        <div className="grow">
          <Link to={`/patients/${r.patient_id}`}>{who}</Link>
          <div className="muted">
            <time dateTime={r.starts_at}>
              {r.appointment_date} {r.appointment_time}
            </time>{" "}
            · {MODES[r.mode] ?? r.mode} · <span className={`badge ${r.status}`}>{r.status}</span>
          </div>
          {r.reason && <p>Reason: {r.reason}</p>}
        </div>
        {r.status === "pending" && (
          <div className="actions">
            <button
              type="button"
              disabled={busy}
              onClick={() =>
                void act("/api/accept/appointment/request/", {}, `Accepted the request of ${who}.`)
              }
            >
              Accept <span className="sr">the request of {who}</span>
            </button>
            <button
              type="button"
              className="secondary"
              aria-expanded={mine === "reject"}
              onClick={() => setOpen(mine === "reject" ? undefined : { kind: "reject", id: r.request_id })}
            >
              Reject <span className="sr">the request of {who}</span>
            </button>
            <button
              type="button"
              className="secondary"
              aria-expanded={mine === "propose"}
              onClick={() => setOpen(mine === "propose" ? undefined : { kind: "propose", id: r.request_id })}
            >
              Propose a time <span className="sr">to {who}</span>
            </button>
          </div>
        )}
      </div>
      {mine === "reject" && (
        <form className="stack" onSubmit={reject}>
          <label>
            Reason for rejecting (the patient sees it)
            <textarea name="reason" maxLength={1000} rows={2} />
          </label>
          <button type="submit" disabled={busy}>
            Reject the request
          </button>
        </form>
      )}
      {mine === "propose" && (
        <form className="stack" onSubmit={propose}>
          <label>
            Date
            <input name="date" type="date" required defaultValue={r.appointment_date} />
          </label>
          <label>
            Time (your time zone, {r.time_zone})
            <input name="time" type="time" required />
          </label>
          <button type="submit" disabled={busy}>
            Send the proposal
          </button>
        </form>
      )}
      {error && <p role="alert">{error}</p>}
    </li>
  );
}

export function Requests() {
  const [loaded, reload] = useLoad(
    () =>
      api<{ appointment_requests: AppointmentRequest[] }>(
        "GET",
        "/api/doctor/appointment/requests/?per_page=100",
      ),
    [],
  );
  const [open, setOpen] = useState<Open>();
  const [notice, setNotice] = useState("");
  const done = (message: string) => {
    setNotice(message);
    reload();
  };
  return (
    <section>
      <h1>Requests</h1>
      <p role="status" className="notice">
        {notice}
      </p>
      <Show loaded={loaded}>
        {({ appointment_requests: list }) =>
          list.length === 0 ? (
            <p>No requests waiting.</p>
          ) : (
            <ul className="list">
              {list.map((r) => (
                <RequestItem key={r.request_id} r={r} open={open} setOpen={setOpen} done={done} />
              ))}
            </ul>
          )
        }
      </Show>
    </section>
  );
}
