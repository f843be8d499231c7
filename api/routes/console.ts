import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyPluginAsync, FastifyReply } from "fastify";

/**
 * The console's build (`vite build console` → console/dist), found beside the sources (`tsx api/server.ts`)
 * or beside the compiled server (dist/api/routes → the image's /app/console/dist).
 */
export function consoleDist(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.resolve(here, "../../console/dist"), path.resolve(here, "../../../console/dist")];
  return candidates.find((dir) => existsSync(path.join(dir, "index.html"))) ?? candidates[0]!;
}

/**
 * The bundle is scripts and styles from our origin only (no inline script: Vite's build has none), our API and
 * visit sockets, images from our origin or data/blob URLs and frames from blob URLs (documents viewed in the page); the
 * console itself is never framed.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  // Calling the patient from the browser (@twilio/voice-sdk): Twilio's signalling and event sockets, its sounds.
  "media-src 'self' blob: https://sdk.twilio.com",
  "connect-src 'self' https://*.twilio.com wss://*.twilio.com",
  // Documents (PDF) viewed in the page are framed from object URLs of their fetched bytes (Chromium's PDF
  // viewer in a frame also answers to object-src).
  "object-src blob:",
  "frame-src 'self' blob:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join("; ");

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>HealthLink console</title></head>
<body><main><h1>The console is not built</h1><p>Run <code>npm run build:console</code> (or <code>npm start</code>,
which builds it when it is missing), then reload this page.</p></main></body></html>`;

/**
 * The web console at /console (docs/console.md): index.html for /console and every deep link below it (the app
 * routes in the browser), the hashed bundle under /console/assets/ cached for a year. index.html is read on
 * each request (a few hundred bytes), so a rebuild is served without a restart.
 */
export const consoleRoutes: FastifyPluginAsync<{ dist?: string }> = async (app, opts) => {
  const dist = opts.dist ?? consoleDist();

  await app.register(fastifyStatic, {
    root: path.join(dist, "assets"),
    prefix: "/console/assets/",
    // Missing at start-up when the console is built later (the first `npm start`): checked per request instead.
    allowedPath: () => true,
    index: false,
    // Content-hashed names: a changed file gets a new name, so a copy never goes stale.
    cacheControl: false,
    setHeaders: (reply) => {
      void reply
        .header("cache-control", "public, max-age=31536000, immutable")
        .header("content-security-policy", CONSOLE_CSP);
    },
    decorateReply: false,
    schemaHide: true,
  });

  const page = async (reply: FastifyReply) => {
    const html = await readFile(path.join(dist, "index.html"), "utf8").catch(() => undefined);
    return reply
      .status(html === undefined ? 503 : 200)
      .type("text/html; charset=utf-8")
      .header("content-security-policy", CONSOLE_CSP)
      .header("cache-control", "no-cache")
      .send(html ?? NOT_BUILT);
  };
  app.get("/console", { schema: { hide: true } }, async (_request, reply) => page(reply));
  app.get("/console/*", { schema: { hide: true } }, async (_request, reply) => page(reply));
};
