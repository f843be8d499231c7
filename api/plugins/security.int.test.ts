import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../../test/app.js";

/** Edge security: rate limits by client address (behind a trusted proxy or not), and security headers. */

const login = (t: TestApp, from?: string) =>
  t.app.inject({
    method: "POST",
    url: "/api/auth/login",
    remoteAddress: "10.0.0.5", // the ingress, as the app sees it
    headers: from ? { "x-forwarded-for": from } : {},
    payload: { email: "nobody@example.com", password: "wrong password" },
  });

describe("rate limits behind a trusted proxy", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ env: { TRUST_PROXY: "10.0.0.0/8", RATE_LIMIT_AUTH_PER_MINUTE: "3" } });
  });
  afterAll(async () => {
    await t.close();
  });

  it("count per client address: one caller is limited, another behind the same proxy is not", async () => {
    for (let i = 0; i < 3; i++) expect((await login(t, "203.0.113.7")).statusCode).toBe(401);
    const limited = await login(t, "203.0.113.7");
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ error: { code: "RATE_LIMITED" } });
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    // Someone else, through the same ingress: counted on their own.
    expect((await login(t, "198.51.100.9")).statusCode).toBe(401);
    // Routes outside the limited kinds are untouched.
    const me = await t.app.inject({ method: "GET", url: "/livez", remoteAddress: "10.0.0.5" });
    expect(me.statusCode).toBe(200);
  });
});

describe("rate limits with no trusted proxy", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ env: { RATE_LIMIT_AUTH_PER_MINUTE: "2" } });
  });
  afterAll(async () => {
    await t.close();
  });

  it("ignore X-Forwarded-For: a caller cannot spread its attempts over made-up addresses", async () => {
    expect((await login(t, "192.0.2.1")).statusCode).toBe(401);
    expect((await login(t, "192.0.2.2")).statusCode).toBe(401);
    expect((await login(t, "192.0.2.3")).statusCode).toBe(429);
  });
});

describe("security headers", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ env: { PUBLIC_BASE_URL: "https://healthlink.example" } });
  });
  afterAll(async () => {
    await t.close();
  });

  it("on API answers: nosniff, no framing, no referrer, HSTS behind TLS, the strictest CSP", async () => {
    const res = await t.app.inject({ method: "GET", url: "/api/specialties" });
    expect(res.headers).toMatchObject({
      "x-content-type-options": "nosniff",
      "x-frame-options": "DENY",
      "referrer-policy": "no-referrer",
      "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    });
    expect(res.headers["strict-transport-security"]).toMatch(/max-age=\d+/);
    expect(res.headers["cross-origin-resource-policy"]).toBe("same-origin");
    // Nothing for browsers long gone, nor what only governs a document.
    for (const absent of [
      "x-xss-protection",
      "x-download-options",
      "x-permitted-cross-domain-policies",
      "cross-origin-opener-policy",
      "origin-agent-cluster",
      "x-dns-prefetch-control",
    ])
      expect(res.headers[absent]).toBeUndefined();
  });

  it("on pages: a CSP allowing exactly the page's own inline script, by hash", async () => {
    const res = await t.app.inject({ method: "GET", url: "/chat" });
    const csp = String(res.headers["content-security-policy"]);
    const script = /<script>([\s\S]*?)<\/script>/.exec(res.body)![1]!;
    const hash = createHash("sha256").update(script).digest("base64");
    expect(csp).toContain(`script-src 'self' 'sha256-${hash}'`);
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers).toMatchObject({
      "cross-origin-opener-policy": "same-origin",
      "origin-agent-cluster": "?1",
      "x-dns-prefetch-control": "off",
      "x-frame-options": "DENY",
      "x-content-type-options": "nosniff",
    });
  });
});

describe("no TLS in front", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t.close();
  });
  it("sends no HSTS (it would pin a plain-HTTP development host)", async () => {
    const res = await t.app.inject({ method: "GET", url: "/api/specialties" });
    expect(res.headers["strict-transport-security"]).toBeUndefined();
  });
});
