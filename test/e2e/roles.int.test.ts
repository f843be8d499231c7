import { randomBytes, randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import WebSocket from "ws";
import { eq } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase } from "../../db/client.js";
import { conversationMessages } from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../app.js";
import { databaseUrl, TEST_PG_URL } from "../env.js";
import { messageSid, signedWebhook, startFakeTwilio, type FakeTwilio } from "../fakes/twilio.js";
import { OwnRedis } from "../redis.js";
import { settle } from "../settle.js";
import { signUp } from "../factories.js";

/** Production processes: ROLE=api and ROLE=worker side by side, migrations run by replicas at once, probes. */

const SID = "AC0123456789abcdef0123456789abcdef";
const TOKEN = "twilio_test_auth_token_0123456789";
const SMS_NUMBER = "+14155550100";

describe("an API process and a worker process of one deployment", () => {
  let fake: FakeTwilio;
  let worker: TestApp;
  let api: TestApp;
  beforeAll(async () => {
    fake = await startFakeTwilio(SID, TOKEN);
    const twilio = {
      TWILIO_ACCOUNT_SID: SID,
      TWILIO_AUTH_TOKEN: TOKEN,
      TWILIO_PHONE_NUMBER: SMS_NUMBER,
      TWILIO_API_BASE_URL: fake.url,
    };
    worker = await buildTestApp({ env: { ...twilio, ROLE: "worker" } });
    api = await buildTestApp({ env: { ...twilio, ROLE: "api" }, sharing: worker });
  });
  afterAll(async () => {
    await api.close();
    await worker.close();
    await fake.close();
  });

  it("answer a message together: the API stores and enqueues, the worker runs the turn and sends", async () => {
    const phone = "+919876500777";
    const params = {
      MessageSid: messageSid(),
      AccountSid: SID,
      From: phone,
      To: SMS_NUMBER,
      Body: "hi",
      NumMedia: "0",
    };
    const res = await api.app.inject({
      method: "POST",
      ...signedWebhook(TOKEN, "http://healthlink.test", "/webhooks/twilio/sms", params),
    });
    expect(res.statusCode).toBe(200);
    await settle(worker.jobs);
    expect(fake.to(phone).map((m) => m.body)).toEqual([expect.stringMatching(/^Welcome to HealthLink/)]);
    // The API process's relay never ran: its role serves HTTP only.
    expect(api.config.role).toBe("api");
  });

  it("a web-chat socket held by the API process receives the reply the worker process sent", async () => {
    const s = await signUp(api, "patient");
    await api.app.listen({ port: 0, host: "127.0.0.1" });
    const port = (api.app.server.address() as AddressInfo).port;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/chat/ws?access_token=${encodeURIComponent(s.token)}`);
    const frames: { type: string; id?: number; text?: string }[] = [];
    ws.on("message", (data: Buffer) => frames.push(JSON.parse(data.toString("utf8")) as (typeof frames)[0]));
    const until = async (pred: () => boolean) => {
      const deadline = Date.now() + 15_000;
      while (!pred()) {
        if (Date.now() > deadline) throw new Error(`no frame in time: ${JSON.stringify(frames)}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    await until(() => frames.some((f) => f.type === "ready"));
    ws.send(JSON.stringify({ type: "message", id: randomUUID(), text: "hi" }));
    // The worker ran the turn and sent the reply; the API process (which sent nothing) pushed it to the socket.
    await until(() => frames.some((f) => f.type === "message"));
    const frame = frames.find((f) => f.type === "message")!;
    const [stored] = await worker.database.db
      .select()
      .from(conversationMessages)
      .where(eq(conversationMessages.id, frame.id!));
    expect(stored).toMatchObject({ direction: "out", sendAttempts: 1, sendError: null });
    expect(frame.text!.length).toBeGreaterThan(0);
    ws.close();
  });
});

describe("migrations", () => {
  it("run by two replicas at once both succeed, and the schema is applied once", async () => {
    const name = `hl_mig_${randomBytes(6).toString("hex")}`;
    const admin = new pg.Client({ connectionString: TEST_PG_URL });
    await admin.connect();
    await admin.query(`create database "${name}"`);
    const [a, b] = await Promise.all([
      createDatabase({ kind: "pg", url: databaseUrl(name), poolSize: 2 }),
      createDatabase({ kind: "pg", url: databaseUrl(name), poolSize: 2 }),
    ]);
    try {
      expect(await a.migrated()).toBe(false);
      await Promise.all([a.migrate(), b.migrate()]);
      expect(await a.migrated()).toBe(true);
      expect(await b.migrated()).toBe(true);
    } finally {
      await a.close();
      await b.close();
      await admin.query(`drop database if exists "${name}" with (force)`);
      await admin.end();
    }
  });
});

describe("probes", () => {
  const redis = new OwnRedis(21000 + Math.floor(Math.random() * 900));
  let t: TestApp;
  beforeAll(async () => {
    await redis.start();
    t = await buildTestApp({ redisUrl: redis.url });
  });
  afterAll(async () => {
    await t.close();
    await redis.stop();
  });

  it("/readyz goes 503 while Redis is down and back to 200; /livez stays 200 throughout", async () => {
    const get = (url: string) => t.app.inject({ method: "GET", url });
    expect((await get("/readyz")).json()).toEqual({
      status: "ready",
      checks: { database: "ok", redis: "ok (redis)", migrations: "applied" },
    });
    await redis.kill();
    const down = await get("/readyz");
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({ status: "not_ready", checks: { redis: "down", database: "ok" } });
    expect((await get("/livez")).statusCode).toBe(200);
    await redis.start();
    const deadline = Date.now() + 15_000;
    let ready = await get("/readyz");
    while (ready.statusCode !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      ready = await get("/readyz");
    }
    expect(ready.statusCode).toBe(200);
  });
});
