import { useEffect, useRef, useState, type FormEvent } from "react";
import { api, ApiError, messageOf } from "../api";
import { field, MODES, useLoad } from "../hooks";
import { Link } from "../Link";
import { Show } from "../Status";
import type {
  Appointment,
  NoteSections,
  Transcript,
  VisitJoin,
  VisitLog,
  VisitMessage,
  VisitNote,
} from "../types";
import { CallButton } from "./Call";

/** How often an open chat consultation asks for new lines. */
const POLL_MS = 3000;

interface VisitData {
  appointment: Appointment;
  visit: VisitLog | null;
}

async function loadVisit(appointmentId: number): Promise<VisitData> {
  const { appointment } = await api<{ appointment: Appointment }>(
    "GET",
    `/api/appointments/${appointmentId}/`,
  );
  const visit = await api<{ visit: VisitLog }>("GET", `/api/appointments/${appointmentId}/visit`).then(
    (b) => b.visit,
    (err: unknown) => {
      // No visit yet: nobody has joined.
      if (err instanceof ApiError && err.status === 404) return null;
      throw err;
    },
  );
  return { appointment, visit };
}

const clockTime = (iso: string) =>
  new Date(iso).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });

/** One online visit: join it, run a chat consultation, end it, and the note beside the transcript. */
export function Visit({ appointmentId }: { appointmentId: number }) {
  const [loaded, reload] = useLoad(() => loadVisit(appointmentId), [appointmentId]);
  return (
    <section>
      <p>
        <Link to="/visits">All visits</Link>
      </p>
      <Show loaded={loaded}>
        {({ appointment: a, visit }) => (
          <>
            <h1>Visit with {a.patient_name}</h1>
            <dl className="facts">
              <dt>When</dt>
              <dd>
                <time dateTime={a.starts_at}>
                  {a.appointment_date} {a.appointment_time}
                </time>
              </dd>
              <dt>Mode</dt>
              <dd>{MODES[a.mode] ?? a.mode}</dd>
              <dt>Appointment</dt>
              <dd>
                <span className={`badge ${a.status}`}>{a.status.replace("_", " ")}</span>
              </dd>
              <dt>Visit</dt>
              <dd>{visit ? visit.status : "not started"}</dd>
              {a.reason && (
                <>
                  <dt>Reason</dt>
                  <dd>{a.reason}</dd>
                </>
              )}
            </dl>
            <p>
              <Link to={`/patients/${a.patient_id}`}>Open the chart of {a.patient_name}</Link>
            </p>
            <Actions appointment={a} visit={visit} onChange={reload} />
            {visit && (
              <>
                <Chat visit={visit} patientName={a.patient_name} onEnded={reload} />
                <NoteBesideTranscript visitId={visit.id} />
              </>
            )}
          </>
        )}
      </Show>
    </section>
  );
}

/** Join (video and audio open the visit page in a new tab; a chat consultation runs here), and Call. */
function Actions(props: { appointment: Appointment; visit: VisitLog | null; onChange: () => void }) {
  const { appointment: a, visit } = props;
  const [error, setError] = useState<string>();
  const open = a.status === "confirmed" && visit?.status !== "ended";
  const join = async () => {
    setError(undefined);
    try {
      const { visit: joined } = await api<{ visit: VisitJoin }>(
        "POST",
        `/api/appointments/${a.id}/visit/join`,
      );
      if (joined.mode === "chat") props.onChange();
      else window.open(joined.join_url, "_blank", "noopener");
    } catch (err) {
      setError(messageOf(err));
    }
  };
  if (!open && a.mode !== "audio") return null;
  return (
    <div className="stack">
      <div className="actions">
        {open && (a.mode !== "chat" || !visit) && (
          <button type="button" onClick={() => void join()}>
            {a.mode === "chat" ? "Start the chat consultation" : "Join the visit"}
          </button>
        )}
        {a.mode === "audio" && <CallButton appointmentId={a.id} patientName={a.patient_name} />}
      </div>
      {error && <p role="alert">{error}</p>}
    </div>
  );
}

/** The visit's thread: new lines arrive by polling while the visit is open; the doctor writes and ends it. */
function Chat(props: { visit: VisitLog; patientName: string; onEnded: () => void }) {
  const { visit } = props;
  const [messages, setMessages] = useState<VisitMessage[]>([]);
  const [error, setError] = useState<string>();
  const [status, setStatus] = useState("");
  const [sending, setSending] = useState(false);
  const last = useRef(0);
  const open = visit.status !== "ended";

  useEffect(() => {
    let live = true;
    last.current = 0;
    setMessages([]);
    const fetchNew = async () => {
      try {
        for (;;) {
          const page = await api<{ messages: VisitMessage[]; next_after: number | null }>(
            "GET",
            `/api/visits/${visit.id}/messages?after=${last.current}&limit=200`,
          );
          if (!live) return;
          if (page.messages.length > 0) {
            last.current = page.messages.at(-1)!.id;
            setMessages((m) => [...m, ...page.messages.filter((x) => !m.some((y) => y.id === x.id))]);
          }
          if (page.next_after === null || page.messages.length === 0) break;
        }
        setError(undefined);
      } catch (err) {
        if (live) setError(messageOf(err));
      }
    };
    void fetchNew();
    const timer = open ? setInterval(() => void fetchNew(), POLL_MS) : undefined;
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [visit.id, open]);

  const send = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const text = field(form, "text").trim();
    if (!text) return;
    setSending(true);
    setError(undefined);
    try {
      const { message } = await api<{ message: VisitMessage }>("POST", `/api/visits/${visit.id}/messages`, {
        text,
      });
      setMessages((m) => (m.some((x) => x.id === message.id) ? m : [...m, message]));
      last.current = Math.max(last.current, message.id);
      form.reset();
      setStatus("Sent.");
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setSending(false);
    }
  };

  const end = async () => {
    setError(undefined);
    try {
      await api("POST", `/api/visits/${visit.id}/end`);
      setStatus("The visit has ended.");
      props.onEnded();
    } catch (err) {
      setError(messageOf(err));
    }
  };

  return (
    <section aria-labelledby="visit-chat" className="card">
      <h2 id="visit-chat">Chat</h2>
      {messages.length === 0 ? (
        <p className="muted">No messages yet.</p>
      ) : (
        <ol className="list chat-lines" aria-label="Messages" aria-live="polite">
          {messages.map((m) => (
            <li key={m.id} className={`chat-line ${m.role}`}>
              <span className="muted">
                {m.role === "doctor" ? "You" : m.role === "patient" ? props.patientName : m.role} ·{" "}
                <time dateTime={m.at}>{clockTime(m.at)}</time>
              </span>
              <div>{m.text}</div>
            </li>
          ))}
        </ol>
      )}
      {open && (
        <form className="stack" onSubmit={(e) => void send(e)}>
          <label>
            Message to {props.patientName}
            <textarea name="text" rows={2} maxLength={2000} required />
          </label>
          <div className="actions">
            <button type="submit" disabled={sending}>
              Send
            </button>
            <button type="button" className="secondary" onClick={() => void end()}>
              End the visit
            </button>
          </div>
        </form>
      )}
      <p role="status" className="notice">
        {status}
      </p>
      {error && <p role="alert">{error}</p>}
    </section>
  );
}

const SECTIONS: [keyof NoteSections, string][] = [
  ["subjective", "Subjective"],
  ["objective", "Objective"],
  ["assessment", "Assessment"],
  ["plan", "Plan"],
];

async function loadNote(visitId: number): Promise<{ transcript: Transcript; note: VisitNote | null }> {
  const [transcript, note] = await Promise.all([
    api<{ transcript: Transcript }>("GET", `/api/visits/${visitId}/transcript`).then((b) => b.transcript),
    api<{ note: VisitNote }>("GET", `/api/visits/${visitId}/note`).then(
      (b) => b.note,
      (err: unknown) => {
        if (err instanceof ApiError && err.status === 404) return null;
        throw err;
      },
    ),
  ]);
  return { transcript, note };
}

const seconds = (s: number) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;

/** The transcript and the drafted SOAP note side by side (stacked on a phone): edit, save, sign. */
function NoteBesideTranscript({ visitId }: { visitId: number }) {
  const [loaded, reload] = useLoad(() => loadNote(visitId), [visitId]);
  return (
    <Show loaded={loaded}>
      {({ transcript, note }) => (
        <div className="split">
          <section aria-labelledby="visit-transcript" className="card">
            <h2 id="visit-transcript">Transcript</h2>
            {transcript.segments.length === 0 ? (
              <p className="muted">
                {transcript.status === "processing"
                  ? "The recording is being transcribed."
                  : "No transcript for this visit."}
              </p>
            ) : (
              <ol className="list transcript">
                {transcript.segments.map((s) => (
                  <li key={s.id} id={`segment-${s.id}`}>
                    <span className="muted">
                      {s.speaker === "doctor" ? "Doctor" : "Patient"} · {seconds(s.start)}
                    </span>
                    <div>{s.text}</div>
                  </li>
                ))}
              </ol>
            )}
          </section>
          <NoteEditor visitId={visitId} note={note} onChange={reload} />
        </div>
      )}
    </Show>
  );
}

function NoteEditor(props: { visitId: number; note: VisitNote | null; onChange: () => void }) {
  const { note, visitId } = props;
  const [error, setError] = useState<string>();
  const [status, setStatus] = useState("");
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);

  const sectionsOf = (f: HTMLFormElement): NoteSections => ({
    subjective: field(f, "subjective"),
    objective: field(f, "objective"),
    assessment: field(f, "assessment"),
    plan: field(f, "plan"),
  });
  const run = async (what: "save" | "sign") => {
    if (!form.current) return;
    setBusy(true);
    setError(undefined);
    setStatus("");
    try {
      await api("PUT", `/api/visits/${visitId}/note`, { sections: sectionsOf(form.current) });
      if (what === "sign") {
        await api("POST", `/api/visits/${visitId}/note/sign`);
        setStatus("The note is signed.");
        props.onChange();
      } else setStatus("Draft saved.");
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  if (note?.status === "signed")
    return (
      <section aria-labelledby="visit-note" className="card">
        <h2 id="visit-note">Note</h2>
        <p>
          <span className="badge confirmed">signed</span>{" "}
          {note.signed_at && (
            <time dateTime={note.signed_at}>{new Date(note.signed_at).toLocaleString()}</time>
          )}
        </p>
        <dl>
          {SECTIONS.map(([key, label]) => (
            <div key={key}>
              <dt className="h3">{label}</dt>
              <dd className="pre">{note.sections[key] || "—"}</dd>
            </div>
          ))}
        </dl>
        <p role="status" className="notice">
          {status}
        </p>
      </section>
    );

  return (
    <section aria-labelledby="visit-note" className="card">
      <h2 id="visit-note">Note</h2>
      {note?.draft.status === "ready" && (
        <p className="muted">Drafted from the transcript: check it before signing.</p>
      )}
      {note?.draft.status === "drafting" && <p className="muted">The draft is being written.</p>}
      {note?.draft.status === "not_drafted" && (
        <p className="muted">No draft{note.draft.message ? `: ${note.draft.message}` : "."}</p>
      )}
      <form
        ref={form}
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          void run("sign");
        }}
      >
        {SECTIONS.map(([key, label]) => (
          <label key={key}>
            {label}
            <textarea name={key} rows={4} maxLength={20000} defaultValue={note?.sections[key] ?? ""} />
          </label>
        ))}
        <div className="actions">
          <button type="button" className="secondary" disabled={busy} onClick={() => void run("save")}>
            Save the draft
          </button>
          <button type="submit" disabled={busy}>
            Sign the note
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
