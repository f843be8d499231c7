// Builds the console (console/dist) with Vite and prints its first load gzipped, failing above the budget.
//   node console/build.mjs               build (npm run build:console, npm run build, npm install's prepare)
//   node console/build.mjs --if-missing  build only when there is no build yet (npm start)
// Without Vite (a production install, `npm ci --omit=dev`) it says so and succeeds: the image copies the build.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(root, "dist");
const BUDGET_KB = 250;

/** index.html and the scripts and styles it loads, gzipped (what a first visit downloads), in bytes. */
export function firstLoadGzip(dir = dist) {
  const html = readFileSync(path.join(dir, "index.html"), "utf8");
  const files = [...html.matchAll(/(?:src|href)="\/console\/([^"]+\.(?:js|css))"/g)].map((m) => m[1]);
  const sizes = [html, ...files.map((f) => readFileSync(path.join(dir, f)))].map((b) => gzipSync(b).length);
  return { files: ["index.html", ...files], bytes: sizes.reduce((a, b) => a + b, 0) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes("--if-missing") && existsSync(path.join(dist, "index.html"))) process.exit(0);
  if (!existsSync(path.join(root, "index.html"))) {
    console.warn("console: no sources here (an image's dependency stage); not building the console.");
    process.exit(0);
  }
  let vite;
  try {
    vite = await import("vite");
  } catch {
    console.warn("console: Vite is not installed (a production install); not building the console.");
    process.exit(0);
  }
  await vite.build({ root, logLevel: process.argv.includes("--quiet") ? "warn" : "info" });
  const { files, bytes } = firstLoadGzip();
  const kb = (bytes / 1024).toFixed(1);
  console.warn(`console: first load ${kb} kB gzipped (${files.length} files; budget ${BUDGET_KB} kB)`);
  if (bytes > BUDGET_KB * 1024) {
    console.error(`console: over the ${BUDGET_KB} kB budget`);
    process.exit(1);
  }
}
