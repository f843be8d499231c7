import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { notificationsOutbox } from "../../db/schema/index.js";
import { AUTH_JOBS } from "../../domain/accounts/auth-service.js";
import { buildTestApp, TEST_NOW, type TestApp } from "../../test/app.js";
import { signUp, uniqueEmail, type Session } from "../../test/factories.js";
import { settle } from "../../test/settle.js";

/** Forgot-password under attack: throttled without telling, and the same answer whether the email exists. */

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => {
  await t.close();
});
beforeEach(() => t.clock.set(TEST_NOW));

function forgot(email: string, from: string) {
  return t.app.inject({
    method: "POST",
    url: "/api/auth/password/forgot",
    remoteAddress: from,
    payload: { email },
  });
}

/** The reset messages produced for a person, once the queued work has run. */
async function resetMessages(s: Session): Promise<number> {
  await settle(t.jobs, [AUTH_JOBS.passwordReset]);
  const rows = await t.database.db
    .select({ id: notificationsOutbox.id })
    .from(notificationsOutbox)
    .where(
      and(eq(notificationsOutbox.userId, s.userId), eq(notificationsOutbox.template, "auth.password_reset")),
    );
  return rows.length;
}

describe("forgot password", () => {
  it("sends 3 reset messages for 30 requests for one email within an hour, from 30 addresses, and answers each the same", async () => {
    const s = await signUp(t, "patient");
    const answers = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const res = await forgot(s.email, `203.0.113.${i + 1}`);
      answers.add(`${res.statusCode} ${res.body}`);
    }
    expect(answers.size).toBe(1);
    expect([...answers][0]).toMatch(/^202 /);
    expect(await resetMessages(s)).toBe(3);
    t.clock.advance(3_600_000);
    await forgot(s.email, "203.0.113.1");
    expect(await resetMessages(s)).toBe(4);
  });

  it("sends nothing past 10 requests an hour from one address, whatever the emails", async () => {
    const people = await Promise.all(Array.from({ length: 12 }, () => signUp(t, "patient")));
    for (const p of people) expect((await forgot(p.email, "198.51.100.20")).statusCode).toBe(202);
    const sent = await Promise.all(people.map(resetMessages));
    expect(sent.reduce((a, b) => a + b, 0)).toBe(10);
    expect(sent.slice(10)).toEqual([0, 0]);
    // Another address is not held back by it.
    expect((await forgot(people[11]!.email, "198.51.100.21")).statusCode).toBe(202);
    expect(await resetMessages(people[11]!)).toBe(1);
  });

  it("answers an unknown email exactly as a known one, and sends nothing for it", async () => {
    const allResets = async () => {
      await settle(t.jobs, [AUTH_JOBS.passwordReset]);
      const rows = await t.database.db
        .select({ id: notificationsOutbox.id })
        .from(notificationsOutbox)
        .where(eq(notificationsOutbox.template, "auth.password_reset"));
      return rows.length;
    };
    const before = await allResets();
    const s = await signUp(t, "patient");
    const known = await forgot(s.email, "192.0.2.10");
    const unknown = await forgot(uniqueEmail("nobody"), "192.0.2.11");
    expect(unknown.statusCode).toBe(known.statusCode);
    expect(unknown.body).toBe(known.body);
    expect(await resetMessages(s)).toBe(1);
    expect(await allResets()).toBe(before + 1);
  });
});
