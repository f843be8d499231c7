import { useState, type FormEvent } from "react";
import { api, messageOf } from "../api";
import { field, useLoad } from "../hooks";
import { Link } from "../Link";
import { navigate } from "../router";
import { Show } from "../Status";
import type { AppointmentPage, MessageThread, ThreadMessage } from "../types";

const when = (iso: string) =>
  new Date(iso).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });

/** The doctor's patients (care team: anyone with an appointment), by name, for a new thread. */
async function loadPatients(): Promise<{ id: number; name: string }[]> {
  const [upcoming, past] = await Promise.all([
    api<AppointmentPage>("GET", "/api/doctor/appointments/?scope=upcoming&per_page=100"),
    api<AppointmentPage>("GET", "/api/doctor/appointments/?scope=past&per_page=100"),
  ]);
  const byId = new Map<number, string>();
  for (const a of [...past.appointments, ...upcoming.appointments]) byId.set(a.patient_id, a.patient_name);
  return [...byId.entries()].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name));
}

/** Secure messages with patients: the threads, newest first, and a new thread with a patient. */
export function Messages() {
  const [threads, reload] = useLoad(
    () => api<{ threads: MessageThread[] }>("GET", "/api/messages/threads").then((b) => b.threads),
    [],
  );
  return (
    <section>
      <div className="row">
        <h1>Messages</h1>
        <button type="button" className="secondary" onClick={reload}>
          Refresh
        </button>
      </div>
      <Show loaded={threads}>
        {(list) =>
          list.length === 0 ? (
            <p>No messages yet.</p>
          ) : (
            <ul className="list" aria-label="Threads">
              {list.map((t) => (
                <li key={t.id} className="card appointment">
                  <div className="grow">
                    <Link to={`/messages/${t.id}`}>{t.subject}</Link>
                    <div className="muted">
                      {t.patient_name} · <time dateTime={t.last_message_at}>{when(t.last_message_at)}</time>
                      {t.unread > 0 && (
                        <>
                          {" "}
                          · <span className="badge pending">{t.unread} unread</span>
                        </>
                      )}
                    </div>
                  </div>
                </li>
              ))}
            </ul>
          )
        }
      </Show>
      <NewThread />
    </section>
  );
}

function NewThread() {
  const [patients] = useLoad(loadPatients, []);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    setBusy(true);
    setError(undefined);
    try {
      const { thread } = await api<{ thread: MessageThread }>("POST", "/api/messages/threads", {
        patient_id: Number(field(form, "patient_id")),
        subject: field(form, "subject").trim(),
        text: field(form, "text").trim(),
      });
      navigate(`/messages/${thread.id}`);
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="new-thread" className="card">
      <h2 id="new-thread">Write to a patient</h2>
      <Show loaded={patients}>
        {(list) =>
          list.length === 0 ? (
            <p className="muted">Patients with an appointment with you appear here.</p>
          ) : (
            <form className="stack" onSubmit={(e) => void submit(e)}>
              <label>
                Patient
                <select name="patient_id" required>
                  {list.map((p) => (
                    <option key={p.id} value={p.id}>
                      {p.name}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                Subject
                <input name="subject" maxLength={200} required />
              </label>
              <label>
                Message
                <textarea name="text" rows={4} maxLength={4000} required />
              </label>
              <div className="actions">
                <button type="submit" disabled={busy}>
                  Send the message
                </button>
              </div>
            </form>
          )
        }
      </Show>
      {error && <p role="alert">{error}</p>}
    </section>
  );
}

/** One thread: its messages (reading marks them read) and a reply. */
export function Thread({ threadId }: { threadId: number }) {
  const [loaded, reload] = useLoad(
    () =>
      api<{ thread: MessageThread; messages: ThreadMessage[] }>(
        "GET",
        `/api/messages/threads/${threadId}?limit=200`,
      ),
    [threadId],
  );
  const [error, setError] = useState<string>();
  const [status, setStatus] = useState("");
  const [busy, setBusy] = useState(false);
  const reply = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    setBusy(true);
    setError(undefined);
    try {
      await api("POST", `/api/messages/threads/${threadId}/messages`, { text: field(form, "text").trim() });
      form.reset();
      setStatus("Reply sent.");
      reload();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section>
      <p>
        <Link to="/messages">All messages</Link>
      </p>
      <Show loaded={loaded}>
        {({ thread, messages }) => (
          <>
            <h1>{thread.subject}</h1>
            <p className="muted">With {thread.patient_name}</p>
            <ol className="list" aria-label="Messages">
              {messages.map((m) => (
                <li key={m.id} className={`card chat-line ${m.sender_role}`}>
                  <span className="muted">
                    {m.sender_role === "patient"
                      ? thread.patient_name
                      : m.sender_role === "doctor"
                        ? "You"
                        : "Nurse"}{" "}
                    · <time dateTime={m.at}>{when(m.at)}</time>
                  </span>
                  <div className="pre">{m.text}</div>
                </li>
              ))}
            </ol>
          </>
        )}
      </Show>
      <form className="stack card" onSubmit={(e) => void reply(e)}>
        <label>
          Reply
          <textarea name="text" rows={3} maxLength={4000} required />
        </label>
        <div className="actions">
          <button type="submit" disabled={busy}>
            Send the reply
          </button>
        </div>
      </form>
      <p role="status" className="notice">
        {status}
      </p>
      {error && <p role="alert">{error}</p>}
    </section>
  );
}
