import { useCallback, useEffect, useState } from "react";
import { messageOf } from "./api";

export type Loaded<T> =
  { state: "loading" } | { state: "error"; message: string } | { state: "ready"; data: T };

/** Loads once (and again on reload()); the answer of a superseded load is dropped. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): [Loaded<T>, () => void] {
  const [result, setResult] = useState<Loaded<T>>({ state: "loading" });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    load().then(
      (data) => live && setResult({ state: "ready", data }),
      (err: unknown) => live && setResult({ state: "error", message: messageOf(err) }),
    );
    return () => {
      live = false;
    };
  }, [...deps, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return [result, reload];
}

/** Today's date (YYYY-MM-DD) on a time zone's calendar. */
export function todayIn(timeZone: string, now = new Date()): string {
  return new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(now);
}

export const MODES: Record<string, string> = {
  in_person: "In person",
  video: "Video",
  audio: "Audio",
  chat: "Chat",
};

export const ONLINE = new Set(["video", "audio", "chat"]);

/** A form field's text ("" when absent). */
export function field(form: HTMLFormElement, name: string): string {
  const value = new FormData(form).get(name);
  return typeof value === "string" ? value : "";
}
