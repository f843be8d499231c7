import { useEffect, useState } from "react";

/** The console lives under /console; its screens are paths below it (deep links reach index.html). */
export const BASE = "/console";

/** The path inside the console: "/today", "/patients/12", "/" … */
function current(): string {
  const path = window.location.pathname;
  const inner = path.startsWith(BASE) ? path.slice(BASE.length) : path;
  return inner === "" ? "/" : inner;
}

export function navigate(to: string): void {
  if (current() === to) return;
  window.history.pushState(null, "", BASE + to);
  window.dispatchEvent(new PopStateEvent("popstate"));
}

export function usePath(): string {
  const [path, setPath] = useState(current);
  useEffect(() => {
    const update = () => setPath(current());
    window.addEventListener("popstate", update);
    return () => window.removeEventListener("popstate", update);
  }, []);
  return path;
}
