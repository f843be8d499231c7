import { useState, type ReactNode } from "react";
import { useLoad } from "../hooks";
import { Show } from "../Status";

const words = (s: string) => s.replace(/_/g, " ");

/**
 * A staff queue screen: a list filtered by status (the first status shown first), a live notice of the last
 * action, and each item rendered by the screen with a `done` that reports and reloads.
 */
export function StatusQueue<T>(props: {
  title: string;
  /** Plural noun for the filter and the empty list ("orders"). */
  noun: string;
  statuses: string[];
  load: (status: string) => Promise<T[]>;
  itemKey: (item: T) => number;
  renderItem: (item: T, done: (message: string) => void) => ReactNode;
}) {
  const [status, setStatus] = useState(props.statuses[0]!);
  const [notice, setNotice] = useState("");
  const [loaded, reload] = useLoad(() => props.load(status), [status]);
  const done = (message: string) => {
    setNotice(message);
    reload();
  };
  return (
    <section>
      <h1>{props.title}</h1>
      <label className="filter">
        Show {props.noun} that are
        <select value={status} onChange={(e) => setStatus(e.target.value)}>
          {props.statuses.map((f) => (
            <option key={f} value={f}>
              {words(f)}
            </option>
          ))}
        </select>
      </label>
      <p role="status" className="notice">
        {notice}
      </p>
      <Show loaded={loaded}>
        {(items) =>
          items.length === 0 ? (
            <p>
              No {words(status)} {props.noun}.
            </p>
          ) : (
            <ul className="list">
              {items.map((item) => (
                <li key={props.itemKey(item)} className="card">
                  {props.renderItem(item, done)}
                </li>
              ))}
            </ul>
          )
        }
      </Show>
    </section>
  );
}
