import { useEffect, useState, type FormEvent } from "react";
import { api, messageOf } from "../api";
import { field, useLoad } from "../hooks";
import { Link } from "../Link";
import { Show } from "../Status";
import type { ConversationDetail } from "../types";
import { marks } from "./AdminConversations";

/** How often a taken-over conversation is read again (the person's new messages appear). */
const POLL_MS = 3000;

const json = (v: unknown): string => JSON.stringify(v, null, 2) ?? "null";
const when = (iso: string): string => iso.slice(0, 16).replace("T", " ");

type ToolCall = ConversationDetail["tool_calls"][number];

function ToolCallView({ c }: { c: ToolCall }) {
  return (
    <li className={`card tool ${c.error ? "alert-card" : ""}`}>
      <p>
        <strong>Tool call: {c.name}</strong> <span className="muted">({c.duration_ms} ms)</span>
        {c.error && <span className="flag"> · failed: {c.error}</span>}
      </p>
      <details>
        <summary>Arguments and result of {c.name}</summary>
        <p className="muted">Arguments</p>
        <pre>{json(c.args)}</pre>
        <p className="muted">Result</p>
        <pre>{json(c.result)}</pre>
      </details>
    </li>
  );
}

function Transcript({ d }: { d: ConversationDetail }) {
  const byMessage = new Map<number | null, ToolCall[]>();
  for (const c of d.tool_calls) byMessage.set(c.message_id, [...(byMessage.get(c.message_id) ?? []), c]);
  const notes = new Map<number, string[]>();
  for (const a of d.annotations)
    if (a.message_id !== null) notes.set(a.message_id, [...(notes.get(a.message_id) ?? []), a.text]);
  const loose = byMessage.get(null) ?? [];
  return (
    <ol className="list transcript">
      {d.messages.map((m) => (
        <li key={m.id}>
          <div className={`card msg ${m.direction}`}>
            <p className="muted">
              {m.direction === "in" ? "Person" : m.staff ? "Staff" : "Assistant"} · {m.channel} ·{" "}
              {when(m.created_at)}
              {m.send_error && <span className="flag"> · not sent: {m.send_error}</span>}
            </p>
            <p className="pre">{m.text ?? "(no text)"}</p>
            {(notes.get(m.id) ?? []).map((n, i) => (
              <p key={i} className="note">
                Note: {n}
              </p>
            ))}
          </div>
          {(byMessage.get(m.id) ?? []).length > 0 && (
            <ul className="list">
              {(byMessage.get(m.id) ?? []).map((c) => (
                <ToolCallView key={c.id} c={c} />
              ))}
            </ul>
          )}
        </li>
      ))}
      {loose.length > 0 && (
        <li>
          <ul className="list">
            {loose.map((c) => (
              <ToolCallView key={c.id} c={c} />
            ))}
          </ul>
        </li>
      )}
    </ol>
  );
}

/** One conversation: the transcript with every tool call, flag and annotate, take over, write, hand back. */
export function AdminConversation({ id }: { id: number }) {
  const [loaded, reload] = useLoad(
    () => api<ConversationDetail>("GET", `/api/admin/conversations/${id}`),
    [id],
  );
  const [notice, setNotice] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const takenOver = loaded.state === "ready" && loaded.data.conversation.taken_over_by_user_id !== null;

  // While taken over, the person's new messages show up without a reload.
  useEffect(() => {
    if (!takenOver) return;
    const timer = setInterval(reload, POLL_MS);
    return () => clearInterval(timer);
  }, [takenOver, reload]);

  const act = async (
    method: "POST",
    path: string,
    body: unknown,
    message: string,
    form?: HTMLFormElement,
  ) => {
    setBusy(true);
    setError(undefined);
    try {
      await api(method, `/api/admin/conversations/${id}/${path}`, body);
      setNotice(message);
      form?.reset();
      reload();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  const onFlag = (e: FormEvent<HTMLFormElement>, flagged: boolean) => {
    e.preventDefault();
    const reason = field(e.currentTarget, "reason").trim();
    void act(
      "POST",
      "flag",
      { flagged, ...(reason ? { reason } : {}) },
      flagged ? "Flagged." : "Unflagged.",
      e.currentTarget,
    );
  };
  const onNote = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const text = field(e.currentTarget, "note").trim();
    if (text) void act("POST", "annotations", { text }, "Note added.", e.currentTarget);
  };
  const onReply = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const text = field(e.currentTarget, "message").trim();
    if (text) void act("POST", "messages", { text }, "Sent to the person.", e.currentTarget);
  };

  return (
    <section>
      <p>
        <Link to="/conversations">All conversations</Link>
      </p>
      <h1>Conversation {id}</h1>
      <p role="status" className="notice">
        {notice}
      </p>
      {error && <p role="alert">{error}</p>}
      <Show loaded={loaded}>
        {(d) => (
          <>
            <dl className="facts">
              <dt>Channel</dt>
              <dd>{d.conversation.channel}</dd>
              <dt>Outcome</dt>
              <dd>{d.outcome.replace("_", " ")}</dd>
              <dt>Marks</dt>
              <dd>{marks(d.conversation).join(", ") || "none"}</dd>
              {d.flag && (
                <>
                  <dt>Flag reason</dt>
                  <dd>{d.flag.reason ?? "—"}</dd>
                </>
              )}
            </dl>

            <section className="card" aria-labelledby="takeover-h">
              <h2 id="takeover-h">Take over</h2>
              {d.conversation.taken_over_by_user_id === null ? (
                <>
                  <p>The assistant answers this conversation.</p>
                  <button
                    type="button"
                    disabled={busy}
                    onClick={() =>
                      void act(
                        "POST",
                        "takeover",
                        undefined,
                        "You have taken the conversation over: the assistant is paused.",
                      )
                    }
                  >
                    Take over the conversation
                  </button>
                </>
              ) : (
                <>
                  <p>
                    The assistant is paused since {when(d.conversation.taken_over_at ?? "")}: the person's
                    messages appear below as they arrive, and what you write goes to them on{" "}
                    {d.conversation.channel}.
                  </p>
                  <form className="stack" onSubmit={onReply}>
                    <label>
                      Message to the person
                      <textarea name="message" rows={3} maxLength={2000} required />
                    </label>
                    <div className="actions">
                      <button type="submit" disabled={busy}>
                        Send to the person
                      </button>
                      <button
                        type="button"
                        className="secondary"
                        disabled={busy}
                        onClick={() =>
                          void act("POST", "handback", undefined, "Handed back: the assistant answers again.")
                        }
                      >
                        Hand back to the assistant
                      </button>
                    </div>
                  </form>
                </>
              )}
            </section>

            <h2>Transcript</h2>
            <p className="muted">
              {d.messages.length} messages, {d.tool_calls.length} tool calls.
            </p>
            <Transcript d={d} />

            {d.support_tickets.length > 0 && (
              <>
                <h2>Hand-off tickets</h2>
                <ul>
                  {d.support_tickets.map((s) => (
                    <li key={s.id}>
                      {s.reason} · {s.urgent ? "urgent · " : ""}
                      {s.status}
                    </li>
                  ))}
                </ul>
              </>
            )}

            <h2>Review</h2>
            <div className="grid">
              <form className="stack" onSubmit={(e) => onFlag(e, !d.conversation.flagged)}>
                {!d.conversation.flagged && (
                  <label>
                    Why flag it
                    <input name="reason" maxLength={2000} />
                  </label>
                )}
                <button type="submit" className="secondary" disabled={busy}>
                  {d.conversation.flagged ? "Unflag" : "Flag"} the conversation
                </button>
              </form>
              <form className="stack" onSubmit={onNote}>
                <label>
                  Note on the conversation
                  <textarea name="note" rows={2} maxLength={10000} />
                </label>
                <button type="submit" className="secondary" disabled={busy}>
                  Add the note
                </button>
              </form>
            </div>
            {d.annotations.filter((a) => a.message_id === null).length > 0 && (
              <>
                <h3 className="h3">Notes</h3>
                <ul>
                  {d.annotations
                    .filter((a) => a.message_id === null)
                    .map((a) => (
                      <li key={a.id}>
                        {a.text} <span className="muted">({when(a.created_at)})</span>
                      </li>
                    ))}
                </ul>
              </>
            )}
          </>
        )}
      </Show>
    </section>
  );
}
