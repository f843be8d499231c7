import net from "node:net";
import { Queue } from "bullmq";
import { eq, isNull, sql } from "drizzle-orm";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HUB_JOBS } from "../../channels/hub.js";
import { conversationMessages, inboundMessages } from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../app.js";
import { messageSid, signedWebhook, startFakeTwilio, type FakeTwilio } from "../fakes/twilio.js";
import { OwnRedis } from "../redis.js";
import { settle } from "../settle.js";

/**
 * Intake as the issue measured it: a message answered 2xx is durable in Postgres before the answer, Redis can
 * die and come back without losing or doubling anything, and one sender's messages run in arrival order.
 */

const SID = "AC0123456789abcdef0123456789abcdef";
const TOKEN = "twilio_test_auth_token_0123456789";
const SMS_NUMBER = "+14155550100";
const BASE = "http://healthlink.test";
const twilioEnv = {
  TWILIO_ACCOUNT_SID: SID,
  TWILIO_AUTH_TOKEN: TOKEN,
  TWILIO_PHONE_NUMBER: SMS_NUMBER,
};

let fake: FakeTwilio;
let phones = 0;
const nextPhone = () => `+9198765${String(++phones).padStart(5, "0")}`;

beforeAll(async () => {
  fake = await startFakeTwilio(SID, TOKEN);
});
afterAll(async () => {
  await fake.close();
});

function sms(t: TestApp, phone: string, body: string, sid = messageSid()) {
  const params = { MessageSid: sid, AccountSid: SID, From: phone, To: SMS_NUMBER, Body: body, NumMedia: "0" };
  return t.app.inject({ method: "POST", ...signedWebhook(TOKEN, BASE, "/webhooks/twilio/sms", params) });
}

const repliesTo = (phone: string) => fake.to(phone).map((m) => m.body ?? "");

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not in time`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("one sender's messages", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ env: { ...twilioEnv, TWILIO_API_BASE_URL: fake.url } });
  });
  afterAll(async () => {
    await t.close();
  });

  const dialog = ["hi", "1", "Ravi Kumar", "1985-03-21", "tomorrow"];

  it("sent all at once get the same replies as sent one by one", async () => {
    const oneByOne = nextPhone();
    for (const text of dialog) {
      expect((await sms(t, oneByOne, text)).statusCode).toBe(200);
      await settle(t.jobs);
    }
    const atOnce = nextPhone();
    // Each webhook is answered as soon as its message is stored; none waits for a turn.
    for (const text of dialog) expect((await sms(t, atOnce, text)).statusCode).toBe(200);
    await settle(t.jobs);

    expect(repliesTo(oneByOne)).toHaveLength(dialog.length);
    expect(repliesTo(atOnce)).toEqual(repliesTo(oneByOne));
    expect(repliesTo(atOnce)[2]).toMatch(/date of birth/);
  });

  it("a redelivered message (same MessageSid) is stored once and answered once", async () => {
    const phone = nextPhone();
    const sid = messageSid();
    const answers = await Promise.all(Array.from({ length: 5 }, () => sms(t, phone, "hi", sid)));
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200, 200]);
    await settle(t.jobs);
    expect(repliesTo(phone)).toHaveLength(1);
    const rows = await t.database.db
      .select()
      .from(inboundMessages)
      .where(eq(inboundMessages.providerMessageId, sid));
    expect(rows).toHaveLength(1);
    // Processed: the text is gone from the inbox (the conversation keeps it).
    expect(rows[0]).toMatchObject({ message: null, error: null });
    expect(rows[0]!.processedAt).not.toBeNull();
  });

  it("queues ids only: a failed send's job holds the identity id, not the text or the number", async () => {
    const phone = nextPhone();
    fake.fail(500, 1, phone);
    expect((await sms(t, phone, "hi")).statusCode).toBe(200);
    const redis = new Redis(process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379");
    const queue = new Queue(HUB_JOBS.send, { connection: redis, prefix: t.jobsPrefix });
    try {
      await until("the failed send to be retried", async () => {
        const jobs = await queue.getJobs(["delayed", "failed", "waiting", "active", "completed"]);
        return jobs.some((j) => j.attemptsMade > 0);
      });
      const jobs = await queue.getJobs(["delayed", "failed", "waiting", "active"]);
      for (const job of jobs) {
        expect(Object.keys(job.data as object)).toEqual(["identityId"]);
        expect(JSON.stringify(job.data)).not.toContain(phone.slice(1));
      }
    } finally {
      await queue.close();
      await redis.quit();
    }
    await settle(t.jobs);
    await until("the reply after the retry", () => repliesTo(phone).length === 1);
  });
});

describe("with Redis killed in the middle of a burst and restarted empty", () => {
  const redis = new OwnRedis(17000 + Math.floor(Math.random() * 2000));
  let t: TestApp;
  beforeAll(async () => {
    await redis.start();
    t = await buildTestApp({ env: { ...twilioEnv, TWILIO_API_BASE_URL: fake.url }, redisUrl: redis.url });
  });
  afterAll(async () => {
    await t.close();
    await redis.stop();
  });

  it("answers every acknowledged message exactly once, redeliveries included", async () => {
    const senders = Array.from({ length: 10 }, () => nextPhone());
    const words = ["hi", "hello", "hey there"];
    const sent: { phone: string; sid: string; body: string; status: number }[] = [];
    let n = 0;
    for (const word of words) {
      // The senders write at once; one sender's messages follow each other.
      await Promise.all(
        senders.map(async (phone) => {
          const sid = messageSid();
          if (++n === 8) await redis.kill(); // Redis dies with the burst under way
          const res = await sms(t, phone, word, sid);
          sent.push({ phone, sid, body: word, status: res.statusCode });
        }),
      );
    }
    // Postgres was up throughout: every message was stored and acknowledged, Redis or not.
    expect(sent.map((s) => s.status)).toEqual(sent.map(() => 200));

    await redis.start();
    // Anything a provider would send again (a non-2xx) goes again now; and a few acknowledged ones twice.
    for (const s of sent.filter((x) => x.status !== 200)) await sms(t, s.phone, s.body, s.sid);
    for (const s of sent.slice(0, 5)) expect((await sms(t, s.phone, s.body, s.sid)).statusCode).toBe(200);

    // The relay finds what Redis lost (rows pending for longer than its threshold) and queues it again.
    t.clock.advance(60_000);
    await until(
      "every sender answered",
      async () => {
        await t.relay.tick();
        return senders.every((p) => repliesTo(p).length >= words.length);
      },
      60_000,
    );
    await settle(t.jobs);
    await t.relay.tick();
    await settle(t.jobs);

    for (const phone of senders) expect(repliesTo(phone)).toHaveLength(words.length);
    const pending = await t.database.db
      .select()
      .from(inboundMessages)
      .where(isNull(inboundMessages.processedAt));
    expect(pending).toEqual([]);
    // Each acknowledged message is in its conversation exactly once.
    const [stored] = await t.database.db
      .select({ n: sql<number>`count(*)::int` })
      .from(conversationMessages)
      .where(
        sql`${conversationMessages.direction} = 'in' and ${conversationMessages.providerMessageId} in ${sent.map((s) => s.sid)}`,
      );
    expect(stored!.n).toBe(sent.length);
  }, 90_000);
});

/** A TCP proxy to the test Postgres that the test can cut and restore (Postgres "down" for this app only). */
class CuttableProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  port = 0;
  async open(): Promise<void> {
    if (this.server) return;
    this.server = net.createServer((client) => {
      const upstream = net.connect(5432, "127.0.0.1");
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => this.server!.listen(this.port, "127.0.0.1", r));
    this.port = (this.server.address() as net.AddressInfo).port;
  }
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise((r) => server.close(r));
  }
}

describe("with Postgres unreachable", () => {
  const proxy = new CuttableProxy();
  let t: TestApp;
  beforeAll(async () => {
    await proxy.open();
    t = await buildTestApp({
      env: { ...twilioEnv, TWILIO_API_BASE_URL: fake.url },
      databaseVia: (url) => {
        const u = new URL(url);
        u.port = String(proxy.port);
        return u.toString();
      },
    });
  });
  afterAll(async () => {
    await proxy.open();
    await t.close();
  });

  it("answers 503 (the provider sends it again), and the message sent again is answered once", async () => {
    const phone = nextPhone();
    const sid = messageSid();
    await proxy.cut();
    const refused = await sms(t, phone, "hi", sid);
    expect(refused.statusCode).toBe(503);
    expect(refused.json()).toMatchObject({ error: { code: "UNAVAILABLE" } });
    await proxy.open();
    await until(
      "the database to be reachable again",
      async () => (await sms(t, phone, "hi", sid)).statusCode === 200,
    );
    await settle(t.jobs);
    expect(repliesTo(phone)).toHaveLength(1);
  });
});
