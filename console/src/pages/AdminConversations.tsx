import { useState } from "react";
import { api } from "../api";
import { useLoad } from "../hooks";
import { Link } from "../Link";
import { Show } from "../Status";
import type { ConversationSummary } from "../types";

const CHANNELS = ["", "web", "sms", "whatsapp", "telegram", "voice", "teams"];

/** What a conversation went through, in words (the flags of the list). */
export function marks(c: ConversationSummary): string[] {
  return [
    c.flagged && "flagged",
    c.human_requested && "hand-off",
    c.tool_failed && "tool error",
    c.model_failed && "model error",
    c.taken_over_by_user_id !== null && "taken over",
  ].filter((m): m is string => typeof m === "string");
}

type Filter = "flagged" | "human_requested" | "tool_failed" | "model_failed" | "taken_over";
const FILTERS: [Filter, string][] = [
  ["flagged", "Flagged"],
  ["human_requested", "Hand-off asked"],
  ["tool_failed", "Tool errors"],
  ["model_failed", "Model errors"],
  ["taken_over", "Taken over"],
];

/** The agent's conversations for review: channel, flags, hand-offs, tool and model errors, words. */
export function AdminConversations() {
  const [channel, setChannel] = useState("");
  const [q, setQ] = useState("");
  const [on, setOn] = useState<Set<Filter>>(new Set());
  const [loaded] = useLoad(() => {
    const params = new URLSearchParams({ per_page: "50" });
    if (channel) params.set("channel", channel);
    if (q.trim()) params.set("q", q.trim());
    for (const f of on) params.set(f, "true");
    return api<{ conversations: ConversationSummary[]; total: number }>(
      "GET",
      `/api/admin/conversations?${params.toString()}`,
    );
  }, [channel, q, [...on].sort().join()]);
  const toggle = (f: Filter) => {
    const next = new Set(on);
    if (next.has(f)) next.delete(f);
    else next.add(f);
    setOn(next);
  };
  return (
    <section>
      <h1>Conversations</h1>
      <form className="stack" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
        <div className="row">
          <label className="grow">
            Channel
            <select value={channel} onChange={(e) => setChannel(e.target.value)}>
              {CHANNELS.map((c) => (
                <option key={c} value={c}>
                  {c || "any channel"}
                </option>
              ))}
            </select>
          </label>
          <label className="grow">
            Words in the messages
            <input type="search" value={q} onChange={(e) => setQ(e.target.value)} />
          </label>
        </div>
        <fieldset className="row checks">
          <legend>Only conversations with</legend>
          {FILTERS.map(([f, label]) => (
            <label key={f} className="check">
              <input type="checkbox" checked={on.has(f)} onChange={() => toggle(f)} /> {label}
            </label>
          ))}
        </fieldset>
      </form>
      <Show loaded={loaded}>
        {({ conversations, total }) =>
          conversations.length === 0 ? (
            <p>No conversations match.</p>
          ) : (
            <>
              <p className="muted">{total} found, most recent first.</p>
              <ul className="list">
                {conversations.map((c) => (
                  <li key={c.id} className="card">
                    <Link to={`/conversations/${c.id}`}>
                      Conversation {c.id} on {c.channel}
                    </Link>{" "}
                    <span className="muted">
                      · {c.message_count} messages · last {c.last_activity_at.slice(0, 16).replace("T", " ")}
                    </span>
                    <div className="row">
                      {marks(c).map((m) => (
                        <span key={m} className="badge pending">
                          {m}
                        </span>
                      ))}
                    </div>
                  </li>
                ))}
              </ul>
            </>
          )
        }
      </Show>
    </section>
  );
}
