import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notificationsOutbox } from "../../db/schema/index.js";
import { AUTH_JOBS } from "../../domain/accounts/auth-service.js";
import { enqueueNotification } from "../../domain/notifications/outbox.js";
import { buildTestApp, type TestApp } from "../app.js";
import { signUp, uniqueEmail } from "../factories.js";
import { startFakeSmtp, type FakeSmtp, type ReceivedEmail } from "../fakes/smtp.js";
import { settle } from "../settle.js";

/**
 * Email end to end over a local SMTP server: the password reset link (and the page it opens, once), one-time
 * codes, notifications of people who prefer email, and a mailbox that refuses mail.
 */

const QUEUES = [AUTH_JOBS.passwordReset, "notify.deliver", "notify.deliver_many"];
let t: TestApp;
let smtp: FakeSmtp;

beforeAll(async () => {
  smtp = await startFakeSmtp();
  t = await buildTestApp({
    env: {
      SMTP_URL: smtp.url,
      EMAIL_FROM: "HealthLink <no-reply@healthlink.test>",
      NOTIFY_RELAY_INTERVAL_MS: "50",
    },
  });
});
afterAll(async () => {
  await t.close();
  await smtp.close();
});

/** Waits (bounded) until the fake server has received `count` emails for the address. */
async function mailFor(address: string, count = 1): Promise<ReceivedEmail[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    await settle(t.jobs, QUEUES);
    const got = smtp.to(address);
    if (got.length >= count) return got;
    if (Date.now() > deadline) throw new Error(`no email for ${address} (${got.length}/${count})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function outboxRow(key: string) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    await settle(t.jobs, QUEUES);
    const [row] = await t.database.db
      .select()
      .from(notificationsOutbox)
      .where(eq(notificationsOutbox.idempotencyKey, key));
    if (row && (row.status === "sent" || row.status === "failed")) return row;
    if (Date.now() > deadline) throw new Error(`outbox row ${key} not done: ${row?.status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("email over SMTP", () => {
  it("emails a reset link to our reset page; the link sets a new password once", async () => {
    const s = await signUp(t, "patient");
    const forgot = await t.app.inject({
      method: "POST",
      url: "/api/auth/password/forgot",
      payload: { email: s.email },
    });
    expect(forgot.statusCode).toBe(202);
    const [mail] = await mailFor(s.email);
    expect(mail!.from).toBe("no-reply@healthlink.test");
    expect(mail!.subject).toBe("Reset your HealthLink password");
    const link = /http:\/\/healthlink\.test\/reset-password#token=([A-Za-z0-9_-]+)/.exec(mail!.text);
    expect(link).not.toBeNull();
    expect(mail!.html).toContain(`href="${link![0]}"`);
    const token = link![1]!;

    // The page the link opens: served without the token (it stays in the fragment, never sent to us).
    const page = await t.app.inject({ method: "GET", url: "/reset-password" });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toMatch(/text\/html/);
    expect(page.headers["referrer-policy"]).toBe("no-referrer");
    expect(page.body).toContain('fetch("/api/auth/password/reset"');
    expect(page.body).toContain("history.replaceState");

    const reset = (password: string) =>
      t.app.inject({ method: "POST", url: "/api/auth/password/reset", payload: { token, password } });
    expect((await reset("a brand new password")).statusCode).toBe(204);
    const again = await reset("another new password");
    expect(again.statusCode).toBe(400);
    expect(again.json()).toMatchObject({ error: { code: "INVALID_RESET_TOKEN" } });

    const login = (password: string) =>
      t.app.inject({ method: "POST", url: "/api/auth/login", payload: { email: s.email, password } });
    expect((await login("a brand new password")).statusCode).toBe(200);
    expect((await login("another new password")).statusCode).toBe(401);
    expect((await login(s.password)).statusCode).toBe(401);
  });

  it("emails a one-time code to an address with no account", async () => {
    const address = uniqueEmail("visitor");
    await enqueueNotification(t.database.db, {
      toAddress: address,
      channel: "email",
      template: "chat.verification_code",
      data: { code: "482913", conversation_id: 1 },
      idempotencyKey: `t-code-${address}`,
    });
    const [mail] = await mailFor(address);
    expect(mail!.subject).toBe("Your HealthLink code");
    expect(mail!.text).toContain("Your HealthLink code is 482913.");
    expect(await outboxRow(`t-code-${address}`)).toMatchObject({
      status: "sent",
      deliveredChannel: "email",
    });
    // One row, one email: another pass of the relay sends nothing more.
    await t.relay.tick();
    await settle(t.jobs, QUEUES);
    expect(smtp.to(address)).toHaveLength(1);
  });

  it("sends a notification by email to a person who prefers email", async () => {
    const s = await signUp(t, "patient");
    const prefs = await t.app.inject({
      method: "PATCH",
      url: "/api/auth/me/notifications",
      headers: s.headers,
      payload: { preferred_channel: "email" },
    });
    expect(prefs.statusCode).toBe(200);
    expect(prefs.json()).toMatchObject({ preferred_channel: "email" });
    await enqueueNotification(t.database.db, {
      userId: s.userId,
      template: "lab.results_ready",
      data: { test_name: "Complete blood count" },
      idempotencyKey: `t-lab-${s.userId}`,
    });
    const [mail] = await mailFor(s.email);
    expect(mail!.subject).toBe("HealthLink lab results");
    expect(mail!.text).toContain("Your lab results are ready: Complete blood count.");
    expect(await outboxRow(`t-lab-${s.userId}`)).toMatchObject({ status: "sent", deliveredChannel: "email" });
  });

  it("records a mailbox that refuses mail as failed, without retrying it", async () => {
    const address = uniqueEmail("gone");
    smtp.reject.add(address);
    await enqueueNotification(t.database.db, {
      toAddress: address,
      channel: "email",
      template: "chat.verification_code",
      data: { code: "111222" },
      idempotencyKey: `t-gone-${address}`,
    });
    expect(await outboxRow(`t-gone-${address}`)).toMatchObject({ status: "failed", lastError: "SMTP_550" });
    expect(smtp.to(address)).toHaveLength(0);
  });
});
