import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildTestApp, TEST_NOW, type TestApp } from "../../test/app.js";
import { signUp, uniqueEmail, type Session } from "../../test/factories.js";

/** Sign-in throttling under attack, with the default settings (5 free failures, waits up to 900 s). */

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => {
  await t.close();
});
beforeEach(() => t.clock.set(TEST_NOW));

const ATTACKER = "198.51.100.7";
const OWNER_HOME = "203.0.113.5";

function login(email: string, password: string, from: string) {
  return t.app.inject({
    method: "POST",
    url: "/api/auth/login",
    remoteAddress: from,
    payload: { email, password },
  });
}

/** Tries a wrong password from `from`, waiting out any 429 first; the Retry-After values seen. */
async function failOnce(email: string, from: string): Promise<number[]> {
  const waits: number[] = [];
  for (let tries = 0; tries < 10; tries++) {
    const res = await login(email, "wrong password!", from);
    if (res.statusCode === 401) return waits;
    expect(res.statusCode, res.body).toBe(429);
    const wait = Number(res.headers["retry-after"]);
    waits.push(wait);
    t.clock.advance(wait * 1000);
  }
  throw new Error("still refused after waiting out Retry-After 10 times");
}

describe("sign-in throttling", () => {
  let owner: Session;
  beforeEach(async () => {
    owner = await signUp(t, "patient");
  });

  it("lets the owner sign in from another address after an attacker's address failed 20 times", async () => {
    for (let i = 0; i < 20; i++) await failOnce(owner.email, ATTACKER);
    const atHome = await login(owner.email, owner.password, OWNER_HOME);
    expect(atHome.statusCode, atHome.body).toBe(200);
    // The attacker's address, even with the right password, still waits.
    expect((await login(owner.email, owner.password, ATTACKER)).statusCode).toBe(429);
  });

  it("makes the attacker wait 1 s, 2 s, 4 s … up to 15 minutes, and Retry-After is exactly when it may try again", async () => {
    for (let i = 0; i < 5; i++)
      expect((await login(owner.email, "wrong password!", ATTACKER)).statusCode).toBe(401);
    const expected = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900];
    for (const wait of expected) {
      const refused = await login(owner.email, "wrong password!", ATTACKER);
      expect(refused.statusCode).toBe(429);
      expect(refused.json()).toMatchObject({ error: { code: "TOO_MANY_ATTEMPTS" } });
      expect(Number(refused.headers["retry-after"])).toBe(wait);
      // A millisecond early is still too early, and says the one second left.
      t.clock.advance(wait * 1000 - 1);
      const early = await login(owner.email, owner.password, ATTACKER);
      expect(early.statusCode).toBe(429);
      expect(early.headers["retry-after"]).toBe("1");
      t.clock.advance(1);
      expect((await login(owner.email, "wrong password!", ATTACKER)).statusCode).toBe(401);
    }
  });

  it("starts a pair afresh after a successful sign-in", async () => {
    for (let i = 0; i < 5; i++) await failOnce(owner.email, OWNER_HOME);
    t.clock.advance(1000);
    expect((await login(owner.email, owner.password, OWNER_HOME)).statusCode).toBe(200);
    for (let i = 0; i < 5; i++)
      expect((await login(owner.email, "wrong password!", OWNER_HOME)).statusCode).toBe(401);
    expect((await login(owner.email, "wrong password!", OWNER_HOME)).headers["retry-after"]).toBe("1");
  });

  it("stops one address trying many accounts (credential stuffing) until the hour ends, and no other address", async () => {
    const stuffer = "192.0.2.44";
    // 100 failures over 25 accounts, 4 each: below any one pair's free failures.
    for (let a = 0; a < 25; a++) {
      const email = uniqueEmail("victim");
      for (let i = 0; i < 4; i++) expect((await login(email, "password123", stuffer)).statusCode).toBe(401);
    }
    t.clock.advance(20 * 60_000);
    const next = await login(owner.email, owner.password, stuffer);
    expect(next.statusCode).toBe(429);
    expect(Number(next.headers["retry-after"])).toBe(40 * 60);
    expect((await login(owner.email, owner.password, OWNER_HOME)).statusCode).toBe(200);
    t.clock.advance(40 * 60_000);
    expect((await login(owner.email, owner.password, stuffer)).statusCode).toBe(200);
  });
});
