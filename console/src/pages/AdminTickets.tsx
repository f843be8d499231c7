import { useState, type FormEvent } from "react";
import { api, messageOf } from "../api";
import { field, useLoad } from "../hooks";
import { Link } from "../Link";
import { Show } from "../Status";
import type { SupportTicket } from "../types";

function TicketItem({ s, done }: { s: SupportTicket; done: (message: string) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const answer = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const text = field(e.currentTarget, "answer").trim();
    if (!text) return;
    setBusy(true);
    setError(undefined);
    try {
      await api("POST", `/api/admin/tickets/${s.id}/answer`, { answer: text });
      done(`Answered ticket ${s.id}.`);
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  };
  return (
    <li className={`card ${s.urgent ? "alert-card" : ""}`}>
      <h2 className="h3">
        Ticket {s.id}
        {s.urgent ? " (urgent)" : ""}
      </h2>
      <p>
        {s.reason} · opened {s.created_at.slice(0, 16).replace("T", " ")} ·{" "}
        <Link to={`/conversations/${s.conversation_id}`}>conversation {s.conversation_id}</Link>
      </p>
      {s.status === "open" && (
        <form className="stack" onSubmit={(e) => void answer(e)}>
          <label>
            Answer to ticket {s.id} (sent to the person on their channel)
            <textarea name="answer" rows={2} maxLength={2000} required />
          </label>
          <button type="submit" disabled={busy}>
            Send the answer <span className="sr">to ticket {s.id}</span>
          </button>
        </form>
      )}
      {error && <p role="alert">{error}</p>}
    </li>
  );
}

/** The "talk to a human" tickets: open ones (urgent first, oldest first) with an answer box, or answered ones. */
export function AdminTickets() {
  const [status, setStatus] = useState<"open" | "answered">("open");
  const [notice, setNotice] = useState("");
  const [loaded, reload] = useLoad(
    () => api<{ tickets: SupportTicket[] }>("GET", `/api/admin/tickets?status=${status}&per_page=100`),
    [status],
  );
  return (
    <section>
      <h1>Hand-off tickets</h1>
      <label className="search">
        Show
        <select value={status} onChange={(e) => setStatus(e.target.value as "open" | "answered")}>
          <option value="open">open tickets</option>
          <option value="answered">answered tickets</option>
        </select>
      </label>
      <p role="status" className="notice">
        {notice}
      </p>
      <Show loaded={loaded}>
        {({ tickets }) =>
          tickets.length === 0 ? (
            <p>No {status} tickets.</p>
          ) : (
            <ul className="list">
              {tickets.map((s) => (
                <TicketItem
                  key={s.id}
                  s={s}
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
