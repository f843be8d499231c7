import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const CONSOLE = fileURLToPath(new URL("../console", import.meta.url));

/** The newest modification time of the console's sources (src/, index.html, vite.config.ts). */
function newestSource(dir = path.join(CONSOLE, "src")): number {
  let newest = Math.max(
    statSync(path.join(CONSOLE, "index.html")).mtimeMs,
    statSync(path.join(CONSOLE, "vite.config.ts")).mtimeMs,
  );
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** Builds the console (console/build.mjs) when it is not built, or older than its sources: once per test run. */
export function ensureConsoleBuilt(): void {
  const index = path.join(CONSOLE, "dist", "index.html");
  if (existsSync(index) && statSync(index).mtimeMs >= newestSource()) return;
  execFileSync(process.execPath, [path.join(CONSOLE, "build.mjs"), "--quiet"], { stdio: "inherit" });
}
