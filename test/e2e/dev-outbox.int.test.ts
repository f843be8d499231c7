import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notificationsOutbox } from "../../db/schema/index.js";
import { AUTH_JOBS } from "../../domain/accounts/auth-service.js";
import { enqueueNotification } from "../../domain/notifications/outbox.js";
import { buildTestApp, testConfig, type TestApp } from "../app.js";
import { signUp } from "../factories.js";
import { settle } from "../settle.js";

/**
 * /dev/outbox: in the embedded start (no DATABASE_URL) without an email or SMS provider, the messages that
 * would have gone out are kept and readable there; anywhere else the route does not exist.
 */

const QUEUES = [AUTH_JOBS.passwordReset, "notify.deliver", "notify.deliver_many"];
let embedded: TestApp;
let server: TestApp;

beforeAll(async () => {
  // The embedded configuration (DATABASE_URL unset) over the test's real database.
  [embedded, server] = await Promise.all([
    buildTestApp({ env: { DATABASE_URL: "", NOTIFY_RELAY_INTERVAL_MS: "50" } }),
    buildTestApp({ env: { NOTIFY_RELAY_INTERVAL_MS: "50" } }),
  ]);
});
afterAll(async () => {
  await Promise.all([embedded.close(), server.close()]);
});

async function done(t: TestApp, key: string) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    await settle(t.jobs, QUEUES);
    const [row] = await t.database.db
      .select()
      .from(notificationsOutbox)
      .where(eq(notificationsOutbox.idempotencyKey, key));
    if (row && row.status !== "pending" && row.status !== "sending") return row;
    if (Date.now() > deadline) throw new Error(`outbox row ${key} not done`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const code = (t: TestApp, key: string) =>
  enqueueNotification(t.database.db, {
    toAddress: "+919800000001",
    channel: "sms",
    template: "chat.verification_code",
    data: { code: "604211" },
    idempotencyKey: key,
  });

describe("the development outbox", () => {
  it("is on only in the embedded start with a provider missing", () => {
    expect(embedded.config.devOutbox).toBe(true);
    expect(server.config.devOutbox).toBe(false);
    const both = {
      DATABASE_URL: "",
      SMTP_URL: "smtp://127.0.0.1:2525",
      TWILIO_ACCOUNT_SID: `AC${"0".repeat(32)}`,
      TWILIO_AUTH_TOKEN: "token",
      TWILIO_PHONE_NUMBER: "+14155550100",
    };
    expect(testConfig(both).devOutbox).toBe(false);
    expect(testConfig({ ...both, SMTP_URL: "" }).devOutbox).toBe(true);
    expect(testConfig({ ...both, TWILIO_PHONE_NUMBER: "" }).devOutbox).toBe(true);
  });

  it("keeps an SMS code and a reset email instead of sending them, newest first", async () => {
    const empty = await embedded.app.inject({ method: "GET", url: "/dev/outbox" });
    expect(empty.statusCode).toBe(200);
    expect(empty.body).toContain("Nothing yet");

    await code(embedded, "dev-sms-code");
    expect(await done(embedded, "dev-sms-code")).toMatchObject({
      status: "sent",
      deliveredChannel: "dev-outbox",
    });
    const s = await signUp(embedded, "patient");
    const forgot = await embedded.app.inject({
      method: "POST",
      url: "/api/auth/password/forgot",
      payload: { email: s.email },
    });
    expect(forgot.statusCode).toBe(202);
    await settle(embedded.jobs, QUEUES);
    const [reset] = await embedded.database.db
      .select()
      .from(notificationsOutbox)
      .where(eq(notificationsOutbox.userId, s.userId));
    expect(await done(embedded, reset!.idempotencyKey)).toMatchObject({
      status: "sent",
      deliveredChannel: "dev-outbox",
    });

    const page = await embedded.app.inject({ method: "GET", url: "/dev/outbox" });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toMatch(/text\/html/);
    const sms = page.body.indexOf("Your HealthLink code is 604211.");
    const email = page.body.indexOf("Reset your HealthLink password");
    expect(sms).toBeGreaterThan(0);
    expect(email).toBeGreaterThan(0);
    expect(email).toBeLessThan(sms);
    expect(page.body).toContain("+919800000001");
    expect(page.body).toContain(s.email);
    expect(page.body).toMatch(/<a href="http:\/\/healthlink\.test\/reset-password#token=[A-Za-z0-9_-]+">/);
  });

  it("does not exist outside the embedded start, where the code fails for want of a channel", async () => {
    const res = await server.app.inject({ method: "GET", url: "/dev/outbox" });
    expect(res.statusCode).toBe(404);
    await code(server, "server-sms-code");
    expect(await done(server, "server-sms-code")).toMatchObject({
      status: "failed",
      lastError: "NO_CHANNEL",
    });
  });
});
