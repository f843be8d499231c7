import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../../test/app.js";
import { signUp } from "../../test/factories.js";
import { refreshCookieOf, REFRESH_COOKIE } from "./auth.js";

/** Browser sessions: the refresh token lives in an HttpOnly cookie scoped to /api/auth/web, never in a body. */

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ env: { PUBLIC_BASE_URL: "https://healthlink.test" } });
});
afterAll(async () => {
  await t.close();
});

const password = "correct horse battery";

async function browserLogin(email: string) {
  const res = await t.app.inject({
    method: "POST",
    url: "/api/auth/web/login",
    payload: { email, password },
  });
  expect(res.statusCode).toBe(200);
  return res;
}

function cookieOf(setCookie: string | string[] | number | undefined): string {
  const header = String(setCookie);
  const value = refreshCookieOf(header.split(";")[0]);
  if (!value) throw new Error(`no refresh cookie in ${header}`);
  return value;
}

const refresh = (cookie: string | undefined, payload: unknown = {}) =>
  t.app.inject({
    method: "POST",
    url: "/api/auth/web/refresh",
    payload: payload as object,
    headers: cookie ? { cookie: `other=1; ${REFRESH_COOKIE}=${cookie}` } : {},
  });

describe("browser sessions", () => {
  it("signs in with the refresh token only in a scoped HttpOnly, SameSite=Strict, Secure cookie", async () => {
    const s = await signUp(t, "patient");
    const res = await browserLogin(s.email);
    const body = res.json<Record<string, unknown>>();
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 900, user: { id: s.userId } });
    expect(body).not.toHaveProperty("refresh_token");
    expect(res.headers["cache-control"]).toBe("no-store");
    const setCookie = String(res.headers["set-cookie"]);
    expect(setCookie).toMatch(/^hl_refresh=[A-Za-z0-9_-]+; Path=\/api\/auth\/web; Max-Age=2592000;/);
    expect(setCookie).toContain("HttpOnly");
    expect(setCookie).toContain("SameSite=Strict");
    expect(setCookie).toContain("Secure");
    const me = await t.app.inject({
      method: "GET",
      url: "/api/auth/me",
      headers: { authorization: `Bearer ${String(body.access_token)}` },
    });
    expect(me.statusCode).toBe(200);
  });

  it("refreshes from the cookie and rotates it; the spent cookie then ends the session", async () => {
    const s = await signUp(t, "patient");
    const first = cookieOf((await browserLogin(s.email)).headers["set-cookie"]);
    const res = await refresh(first);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ user: { id: s.userId }, access_token: expect.any(String) });
    const second = cookieOf(res.headers["set-cookie"]);
    expect(second).not.toBe(first);

    // Replaying the spent one (a stolen copy) revokes the session; the browser's cookie is cleared.
    const replay = await refresh(first);
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error.code).toBe("INVALID_REFRESH_TOKEN");
    expect(String(replay.headers["set-cookie"])).toMatch(/^hl_refresh=; Path=\/api\/auth\/web; Max-Age=0;/);
    expect((await refresh(second)).statusCode).toBe(401);
  });

  it("answers 401 NO_SESSION without a cookie, and 400 to a body that is not an empty JSON object", async () => {
    const none = await refresh(undefined);
    expect(none.statusCode).toBe(401);
    expect(none.json().error.code).toBe("NO_SESSION");
    const s = await signUp(t, "patient");
    const cookie = cookieOf((await browserLogin(s.email)).headers["set-cookie"]);
    const form = await t.app.inject({
      method: "POST",
      url: "/api/auth/web/refresh",
      payload: "x=1",
      headers: { "content-type": "text/plain", cookie: `${REFRESH_COOKIE}=${cookie}` },
    });
    expect(form.statusCode).toBe(400);
    expect((await refresh(cookie, { refresh_token: "x" })).statusCode).toBe(400);
    // The cookie was not spent by the refused requests.
    expect((await refresh(cookie)).statusCode).toBe(200);
  });

  it("logs out: the session ends, the cookie is cleared, and a logout without a cookie is still 204", async () => {
    const s = await signUp(t, "patient");
    const login = await browserLogin(s.email);
    const cookie = cookieOf(login.headers["set-cookie"]);
    const access = login.json<{ access_token: string }>().access_token;
    const out = await t.app.inject({
      method: "POST",
      url: "/api/auth/web/logout",
      payload: {},
      headers: { cookie: `${REFRESH_COOKIE}=${cookie}` },
    });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers["set-cookie"])).toMatch(/^hl_refresh=; .*Max-Age=0;/);
    const me = await t.app.inject({
      method: "GET",
      url: "/api/auth/me",
      headers: { authorization: `Bearer ${access}` },
    });
    expect(me.statusCode).toBe(401);
    const again = await t.app.inject({ method: "POST", url: "/api/auth/web/logout", payload: {} });
    expect(again.statusCode).toBe(204);
  });

  it("refuses wrong credentials with 401 and sets no cookie", async () => {
    const s = await signUp(t, "patient");
    const res = await t.app.inject({
      method: "POST",
      url: "/api/auth/web/login",
      payload: { email: s.email, password: "wrong password" },
    });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe("INVALID_CREDENTIALS");
    expect(res.headers["set-cookie"]).toBeUndefined();
  });

  it("reads only its own cookie name, with a well-formed value", () => {
    expect(refreshCookieOf("a=1; hl_refresh=abc_DEF-9; b=2")).toBe("abc_DEF-9");
    expect(refreshCookieOf("xhl_refresh=abc")).toBeUndefined();
    expect(refreshCookieOf("hl_refresh=a%20b")).toBeUndefined();
    expect(refreshCookieOf(undefined)).toBeUndefined();
  });
});
