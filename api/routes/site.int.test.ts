import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../../test/app.js";

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ env: { TERMS_VERSION: "2031-07" } });
});
afterAll(async () => {
  await t.close();
});

describe("the public pages", () => {
  it("serves a landing page at / that says what HealthLink is and links to the chat, the console and the terms", async () => {
    const res = await t.app.inject({ method: "GET", url: "/" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(res.headers["content-security-policy"]).toContain("default-src 'none'");
    expect(res.body).toContain('<html lang="en">');
    expect(res.body).toMatch(/HealthLink is a telemedicine service/);
    expect(res.body).toContain('href="/chat"');
    expect(res.body).toContain('href="/terms"');
    // The console is served (api/routes/console.ts), so it is linked.
    expect(res.body).toContain('href="/console"');
    expect(res.body).not.toContain("<script");
  });

  it("serves the terms and privacy notice with the version people consent to in the chat", async () => {
    const res = await t.app.inject({ method: "GET", url: "/terms" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(res.body).toContain("Version 2031-07");
    expect(t.config.bot.termsVersion).toBe("2031-07");
    expect(res.body).toMatch(/<h1>Terms of service and privacy notice<\/h1>/);
  });
});
