import { diffLines } from "diff";
import { useState, type FormEvent } from "react";
import { api, messageOf } from "../api";
import { field, useLoad } from "../hooks";
import { Show } from "../Status";
import type { PromptBody, PromptVersion, ReplayResult } from "../types";

/**
 * A line diff, readable without colour: removed lines in <del> marked "−", added ones in <ins> marked "+"
 * (screen readers hear "removed"/"added"), unchanged lines as they are.
 */
export function Diff({ from, to, label }: { from: string; to: string; label: string }) {
  const parts = diffLines(from, to);
  const changed = parts.some((p) => p.added || p.removed);
  return (
    <figure className="diff">
      <figcaption>{label}</figcaption>
      {!changed && <p>No changes.</p>}
      <pre>
        {parts.map((p, i) =>
          p.added ? (
            <ins key={i}>
              <span className="sr">added: </span>
              {markLines(p.value, "+ ")}
            </ins>
          ) : p.removed ? (
            <del key={i}>
              <span className="sr">removed: </span>
              {markLines(p.value, "− ")}
            </del>
          ) : (
            <span key={i}>{markLines(p.value, "  ")}</span>
          ),
        )}
      </pre>
    </figure>
  );
}

function markLines(text: string, mark: string): string {
  return text
    .replace(/\n$/, "")
    .split("\n")
    .map((l) => mark + l)
    .join("\n")
    .concat("\n");
}

function Replay({ version }: { version: PromptVersion }) {
  const [result, setResult] = useState<ReplayResult>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const run = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const conversationId = Number(field(e.currentTarget, "conversation"));
    setBusy(true);
    setError(undefined);
    try {
      setResult(
        await api<ReplayResult>("POST", `/api/admin/prompts/${version.id}/replay`, {
          conversation_id: conversationId,
        }),
      );
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card" aria-labelledby={`replay-${version.id}`}>
      <h3 className="h3" id={`replay-${version.id}`}>
        Replay a conversation against {version.version}
      </h3>
      <form className="row" onSubmit={(e) => void run(e)}>
        <label>
          Conversation number
          <input name="conversation" type="number" min={1} required inputMode="numeric" />
        </label>
        <button type="submit" disabled={busy}>
          Replay
        </button>
      </form>
      {busy && <p role="status">Replaying…</p>}
      {error && <p role="alert">{error}</p>}
      {result && (
        <div className="table-wrap">
          <table>
            <caption>
              Conversation {result.conversation_id}: what the assistant said, and what {version.version} says
            </caption>
            <thead>
              <tr>
                <th scope="col">The person wrote</th>
                <th scope="col">The assistant answered</th>
                <th scope="col">{version.version} answers</th>
              </tr>
            </thead>
            <tbody>
              {result.turns.map((t, i) => (
                <tr key={i}>
                  <td className="pre">{t.user}</td>
                  <td className="pre">{t.original.join("\n") || "—"}</td>
                  <td className="pre">{t.replay}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** The agent's prompt: the active version, the others, a new draft, a diff, replay, activate, roll back. */
export function AdminPrompts() {
  const [loaded, reload] = useLoad(() => api<PromptBody>("GET", "/api/admin/prompts?name=assistant"), []);
  const [notice, setNotice] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [open, setOpen] = useState<number>();

  const act = async (run: () => Promise<string>) => {
    setBusy(true);
    setError(undefined);
    try {
      setNotice(await run());
      reload();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <h1>Prompt versions</h1>
      <p role="status" className="notice">
        {notice}
      </p>
      {error && <p role="alert">{error}</p>}
      <Show loaded={loaded}>
        {(p) => {
          const active = p.versions.find((v) => v.id === p.active_id);
          const activeText = active?.text ?? p.default?.text ?? "";
          const save = (e: FormEvent<HTMLFormElement>) => {
            e.preventDefault();
            const form = e.currentTarget;
            const text = field(form, "text");
            const version = field(form, "version").trim();
            void act(async () => {
              const r = await api<{ prompt: PromptVersion }>("POST", "/api/admin/prompts", {
                name: p.name,
                text,
                ...(version ? { version } : {}),
              });
              setOpen(r.prompt.id);
              return `Saved draft ${r.prompt.version}.`;
            });
          };
          return (
            <>
              <p>
                Active: <strong>{p.active_version ?? "none"}</strong>
                {active ? "" : " (the file shipped with the app)"}.
              </p>
              <button
                type="button"
                className="secondary"
                disabled={busy}
                onClick={() =>
                  void act(async () => {
                    const r = await api<{ active: { version: string } }>(
                      "POST",
                      "/api/admin/prompts/rollback",
                      {
                        name: p.name,
                      },
                    );
                    return `Rolled back: ${r.active.version} is active.`;
                  })
                }
              >
                Roll back to the previous version
              </button>

              <h2>Versions</h2>
              {p.versions.length === 0 && <p>No edited versions yet.</p>}
              <ul className="list">
                {p.versions.map((v) => (
                  <li key={v.id} className="card">
                    <div className="row">
                      <h3 className="h3 grow">
                        {v.version} {v.active && <span className="badge active">active</span>}
                      </h3>
                      <div className="actions">
                        <button
                          type="button"
                          className="secondary"
                          aria-expanded={open === v.id}
                          onClick={() => setOpen(open === v.id ? undefined : v.id)}
                        >
                          {open === v.id ? "Close" : "Open"} <span className="sr">{v.version}</span>
                        </button>
                        {!v.active && (
                          <button
                            type="button"
                            disabled={busy}
                            onClick={() =>
                              void act(async () => {
                                await api("POST", `/api/admin/prompts/${v.id}/activate`);
                                return `${v.version} is active.`;
                              })
                            }
                          >
                            Activate {v.version}
                          </button>
                        )}
                      </div>
                    </div>
                    <p className="muted">
                      Saved {v.created_at.slice(0, 16).replace("T", " ")}
                      {v.activated_at ? ` · activated ${v.activated_at.slice(0, 16).replace("T", " ")}` : ""}
                    </p>
                    {open === v.id && (
                      <>
                        <Diff
                          from={activeText}
                          to={v.text}
                          label={`Changes from the active version to ${v.version}`}
                        />
                        <Replay version={v} />
                      </>
                    )}
                  </li>
                ))}
              </ul>

              <h2>New draft</h2>
              <form className="stack" onSubmit={save} key={p.active_id ?? "default"}>
                <label>
                  Version name (optional)
                  <input name="version" maxLength={64} />
                </label>
                <label>
                  Prompt text (starts from the active version)
                  <textarea name="text" rows={12} defaultValue={activeText} required maxLength={100000} />
                </label>
                <button type="submit" disabled={busy}>
                  Save as a new draft
                </button>
              </form>
            </>
          );
        }}
      </Show>
    </section>
  );
}
