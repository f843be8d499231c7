import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { gzipSync } from "node:zlib";
import Fastify from "fastify";
import { consoleDist, consoleRoutes } from "../api/routes/console.js";
import { launchChromium } from "../test/browser.js";
import { ensureConsoleBuilt } from "../test/console-build.js";

/**
 * The console's first load: its size gzipped (index.html and the script and styles it loads) and the time a
 * cold browser takes on localhost to show the sign-in, from Chromium's navigation timing. Served by the real
 * console routes; the session check answers 401 (nobody signed in), as the API does.
 *   npm run bench:console
 */

const RUNS = 10;

ensureConsoleBuilt();
const dist = consoleDist();
const html = readFileSync(path.join(dist, "index.html"), "utf8");
const files = [...html.matchAll(/(?:src|href)="\/console\/([^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
const sizes = [
  ["index.html", html.length, gzipSync(html).length] as const,
  ...files.map((f) => {
    const bytes = readFileSync(path.join(dist, f));
    return [f, bytes.length, gzipSync(bytes).length] as const;
  }),
];
for (const [f, raw, gz] of sizes)
  console.log(`${f.padEnd(32)} ${(raw / 1024).toFixed(1)} kB, ${(gz / 1024).toFixed(1)} kB gzipped`);
const total = sizes.reduce((sum, [, , gz]) => sum + gz, 0);
console.log(`first load: ${(total / 1024).toFixed(1)} kB gzipped (budget 250 kB)`);

const app = Fastify({ logger: false });
await app.register(consoleRoutes, { dist });
app.post("/api/auth/web/refresh", async (_request, reply) =>
  reply.status(401).send({ error: { code: "NO_SESSION", message: "Sign in first." } }),
);
await app.listen({ port: 0, host: "127.0.0.1" });
const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
const browser = await launchChromium();
const loads: number[] = [];
const shown: number[] = [];
try {
  for (let i = 0; i < RUNS; i++) {
    const context = await browser.newContext(); // cold: nothing cached
    const page = await context.newPage();
    await page.goto(`${base}/console`, { waitUntil: "load" });
    await page.getByRole("heading", { name: "Sign in to the HealthLink console" }).waitFor();
    const t = await page.evaluate(() => {
      const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
      return { load: nav.loadEventEnd - nav.startTime, shown: performance.now() };
    });
    loads.push(t.load);
    shown.push(t.shown);
    await context.close();
  }
} finally {
  await browser.close();
  await app.close();
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  `localhost, cold, ${RUNS} runs: load event ${median(loads).toFixed(0)} ms (median; max ${Math.max(...loads).toFixed(0)}), sign-in shown by ${median(shown).toFixed(0)} ms`,
);
