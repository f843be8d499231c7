import { useState, type ReactNode } from "react";
import { messageOf } from "./api";
import type { Loaded } from "./hooks";

/** Renders a load: a polite "Loading…", the error as an alert, or the content. */
export function Show<T>(props: { loaded: Loaded<T>; children: (data: T) => ReactNode }) {
  const { loaded } = props;
  if (loaded.state === "loading") return <p role="status">Loading…</p>;
  if (loaded.state === "error") return <p role="alert">{loaded.message}</p>;
  return <>{props.children(loaded.data)}</>;
}

/** A form's submit with its busy flag, its status sentence and its error. */
export function useSubmit() {
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState("");
  const [error, setError] = useState<string>();
  const run = async (work: () => Promise<string>) => {
    setBusy(true);
    setError(undefined);
    setStatus("");
    try {
      setStatus(await work());
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  const notices = (
    <>
      <p role="status" className="notice">
        {status}
      </p>
      {error && <p role="alert">{error}</p>}
    </>
  );
  return { busy, run, notices };
}
