import type { ReactNode } from "react";
import type { Loaded } from "./hooks";

/** Renders a load: a polite "Loading…", the error as an alert, or the content. */
export function Show<T>(props: { loaded: Loaded<T>; children: (data: T) => ReactNode }) {
  const { loaded } = props;
  if (loaded.state === "loading") return <p role="status">Loading…</p>;
  if (loaded.state === "error") return <p role="alert">{loaded.message}</p>;
  return <>{props.children(loaded.data)}</>;
}
