import { createHash } from "node:crypto";
import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance, FastifyReply } from "fastify";
import helmet from "helmet";
import type { Redis } from "ioredis";
import type { Config } from "../../config/index.js";
import { RateLimitedError } from "../../domain/shared/errors.js";
import { LeasedRedisStore } from "./rate-limit-store.js";

/** Which routes are rate limited, and by which of the configured limits (per client address, per minute). */
const LIMITED: { kind: keyof Config["rateLimits"]; match: (method: string, url: string) => boolean }[] = [
  {
    kind: "auth",
    match: (m, u) =>
      m === "POST" && /^\/api\/auth\/(register|login|refresh|password\/forgot|password\/reset)$/.test(u),
  },
  // Doctor search, the heaviest public SQL. A doctor's public page (GET /api/view/doctor/) is not limited: it
  // is one row by id of what search already shows, the cheapest answer the API has, and the limit's own work
  // per request (a chain of promises and three headers) cost about 6% of that page's throughput, measured
  // (docs/performance.md). An ingress in front can still cap it per address.
  { kind: "search", match: (m, u) => m === "GET" && u === "/api/search/doctors/" },
  { kind: "chatSessions", match: (m, u) => m === "POST" && u === "/chat/session" },
  { kind: "webhooks", match: (m, u) => m === "POST" && u.startsWith("/webhooks/") },
];

/** What helmet would send with a document (its defaults), for the pages we serve. */
const DOCUMENT_HEADERS = {
  "cross-origin-opener-policy": "same-origin",
  "origin-agent-cluster": "?1",
  "x-dns-prefetch-control": "off",
};

/**
 * Edge security: security headers (helmet) and rate limits by client address (@fastify/rate-limit, counted in
 * Redis when there is one so every API process shares the count, in leases: see rate-limit-store.ts). Behind
 * a proxy, TRUST_PROXY makes the client address the caller's. Register before the routes: limits attach as
 * routes are added.
 */
export async function registerSecurity(
  app: FastifyInstance,
  config: Config,
  redis: Redis | undefined,
  namespace = "hl:rl:",
): Promise<void> {
  const https = config.publicBaseUrl.startsWith("https://");
  // helmet's middleware, built once. (@fastify/helmet calls helmet(options) on every request, building every
  // header's middleware anew each time: a fifth of the doctor view's CPU, measured in bench/api.ts.)
  const securityHeaders = helmet({
    // Pages set their own policy (sendPage below); JSON answers get the strictest one (onSend below).
    contentSecurityPolicy: false,
    // HSTS only when we are served over TLS (behind an ingress terminating it).
    hsts: https ? { maxAge: 15_552_000, includeSubDomains: true } : false,
    referrerPolicy: { policy: "no-referrer" },
    frameguard: { action: "deny" },
    crossOriginEmbedderPolicy: false,
    // Headers for browsers that no longer exist, sent on every answer for nothing: X-XSS-Protection (the XSS
    // auditor is gone from every browser; helmet only sends "0" to switch it off), X-Download-Options (IE 8)
    // and X-Permitted-Cross-Domain-Policies (Flash and Acrobat cross-domain files).
    xXssProtection: false,
    xDownloadOptions: false,
    xPermittedCrossDomainPolicies: false,
    // Headers that govern a document (its browsing context, its links' DNS prefetch): sent with pages only
    // (onSend below), not with every JSON answer, where browsers ignore them.
    crossOriginOpenerPolicy: false,
    originAgentCluster: false,
    xDnsPrefetchControl: false,
  });
  app.addHook("onRequest", (request, reply, done) => {
    securityHeaders(request.raw, reply.raw, () => done());
  });
  app.addHook("onSend", (_request, reply, payload, done) => {
    const type = String(reply.getHeader("content-type") ?? "");
    if (type.startsWith("application/json")) {
      if (!reply.hasHeader("content-security-policy"))
        void reply.header("content-security-policy", "default-src 'none'; frame-ancestors 'none'");
    } else if (type.startsWith("text/html")) void reply.headers(DOCUMENT_HEADERS);
    done(null, payload);
  });

  // Before the rate-limit plugin: its own onRoute hook reads the limit this one sets.
  app.addHook("onRoute", (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const limited = LIMITED.find((l) => methods.some((m) => l.match(m, route.url)));
    if (!limited) return;
    route.config = {
      ...(route.config as object),
      rateLimit: { max: config.rateLimits[limited.kind], timeWindow: 60_000 },
    };
  });

  await app.register(rateLimit, {
    global: false,
    // Counted in Redis in leases of a few requests (rate-limit-store.ts): a busy client costs a round trip
    // every few requests rather than on each.
    ...(redis ? { store: LeasedRedisStore.factory(redis, namespace) } : {}),
    // A rate-limit store that cannot answer (Redis away) lets the request through rather than failing it.
    skipOnError: true,
    // Thrown, and answered by the one error handler: 429 {error: {code, message}} with a true Retry-After.
    errorResponseBuilder: (_request, context) =>
      new RateLimitedError(
        "RATE_LIMITED",
        `Too many requests; try again in ${context.after}.`,
        Math.ceil(context.ttl / 1000),
      ),
  });
}

/** sha256 source hashes of a page's inline <script> blocks, for its Content-Security-Policy. */
function scriptHashes(html: string): string[] {
  const re = /<script(?:\s[^>]*)?>([\s\S]*?)<\/script>/g;
  return [...html.matchAll(re)]
    .filter((m) => m[1]!.length > 0)
    .map((m) => `'sha256-${createHash("sha256").update(m[1]!).digest("base64")}'`);
}

/**
 * Sends one of our HTML pages with a Content-Security-Policy that allows exactly its own inline scripts and
 * styles (by hash; hashing a page costs microseconds), our origin, and our WebSockets — nothing from elsewhere,
 * no framing.
 */
export function sendPage(
  reply: FastifyReply,
  html: string,
  extra: { connect?: string[] } = {},
): FastifyReply {
  const policy = [
    "default-src 'self'",
    `script-src 'self' ${scriptHashes(html).join(" ")}`.trim(),
    // Styles may be inline (style attributes cannot be hashed without 'unsafe-hashes'); scripts may not.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    `connect-src 'self' ws: wss: ${(extra.connect ?? []).join(" ")}`.trim(),
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join("; ");
  return reply
    .type("text/html; charset=utf-8")
    .header("content-security-policy", policy)
    .header("cache-control", "no-store")
    .send(html);
}
