import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONSOLE_CSP, consoleRoutes } from "./console.js";

/**
 * How the console's files are served: index.html (no-cache, a CSP allowing our own scripts only) for /console
 * and every deep link, the hashed assets cached for a year, and a 503 page while the console is not built.
 * Against a build of our own in a temporary folder (the browser test serves the real one).
 */

const built = mkdtempSync(path.join(os.tmpdir(), "hl-console-"));
const empty = mkdtempSync(path.join(os.tmpdir(), "hl-console-none-"));
const INDEX =
  '<!doctype html><html lang="en"><script type="module" src="/console/assets/index-abc.js"></script></html>';
mkdirSync(path.join(built, "assets"));
writeFileSync(path.join(built, "index.html"), INDEX);
writeFileSync(path.join(built, "assets", "index-abc.js"), "console.log(1)");

const app = Fastify({ logger: false });
const bare = Fastify({ logger: false });
beforeAll(async () => {
  await app.register(consoleRoutes, { dist: built });
  await bare.register(consoleRoutes, { dist: empty });
});
afterAll(async () => {
  await app.close();
  await bare.close();
});

describe("the console's files", () => {
  it("answers /console and its deep links with index.html, not cached, under a CSP without inline scripts", async () => {
    for (const url of ["/console", "/console/", "/console/today", "/console/patients/12"]) {
      const res = await app.inject({ method: "GET", url });
      expect({ url, status: res.statusCode }).toEqual({ url, status: 200 });
      expect(res.body).toBe(INDEX);
      expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(res.headers["cache-control"]).toBe("no-cache");
      expect(res.headers["content-security-policy"]).toBe(CONSOLE_CSP);
    }
    expect(CONSOLE_CSP).toContain("script-src 'self';");
    expect(CONSOLE_CSP).not.toContain("unsafe-inline");
  });

  it("serves the hashed assets as immutable for a year; an unknown asset is a 404, not the page", async () => {
    const res = await app.inject({ method: "GET", url: "/console/assets/index-abc.js" });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe("console.log(1)");
    expect(res.headers["content-type"]).toMatch(/javascript/);
    expect(res.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    const missing = await app.inject({ method: "GET", url: "/console/assets/index-zzz.js" });
    expect(missing.statusCode).toBe(404);
    expect(missing.body).not.toContain("<html");
    const outside = await app.inject({ method: "GET", url: "/console/assets/../index.html" });
    expect(outside.body).not.toBe("console.log(1)");
  });

  it("says how to build the console when it is not built (503), rather than a blank page", async () => {
    const res = await bare.inject({ method: "GET", url: "/console/today" });
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain("npm run build:console");
    expect(res.headers["cache-control"]).toBe("no-cache");
  });
});
