import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import type { Jobs } from "../domain/shared/jobs.js";
import { TEST_REDIS_URL } from "../test/env.js";
import { OwnRedis } from "../test/redis.js";
import { BullJobs, InProcessJobs } from "./jobs.js";

const log = { warn: () => undefined, error: () => undefined };
const open: { jobs: Jobs; redis?: Redis }[] = [];

function bull(): Jobs {
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const jobs = new BullJobs(redis, log, `hl-test-${randomBytes(4).toString("hex")}`);
  open.push({ jobs, redis });
  return jobs;
}
function inProcess(): Jobs {
  const jobs = new InProcessJobs(log);
  open.push({ jobs });
  return jobs;
}

afterEach(async () => {
  for (const { jobs, redis } of open.splice(0)) {
    await jobs.close();
    await redis?.quit().catch(() => undefined);
  }
});

async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The same contract, whichever adapter runs the jobs. */
describe.each([
  ["BullMQ on Redis", bull],
  ["in-process", inProcess],
])("jobs: %s", (_name, make) => {
  it("runs a job with its data, once per job id however often it is added", async () => {
    const jobs = make();
    const seen: string[] = [];
    jobs.handle<{ v: string }>("greet", async (data) => {
      seen.push(data.v);
    });
    await jobs.start();
    await jobs.add("greet", { v: "a" }, { jobId: "same" });
    await jobs.add("greet", { v: "b" }, { jobId: "same", delayMs: 10 });
    await jobs.add("greet", { v: "c" });
    await eventually(() => seen.length >= 2, "two runs");
    await new Promise((r) => setTimeout(r, 150));
    expect(seen.sort()).toEqual(["a", "c"]);
  });

  it("adds many jobs at once, each with its own options (id, delay)", async () => {
    const jobs = make();
    const seen: string[] = [];
    jobs.handle<{ v: string }>("bulk", async (data) => {
      seen.push(data.v);
    });
    await jobs.start();
    await jobs.add("bulk", { v: "first" }, { jobId: "x:1" });
    await jobs.addBulk("bulk", [
      { data: { v: "again" }, opts: { jobId: "x:1" } },
      { data: { v: "two" }, opts: { jobId: "x:2" } },
      { data: { v: "later" }, opts: { jobId: "x:3", delayMs: 100 } },
      { data: { v: "anonymous" } },
    ]);
    await jobs.addBulk("bulk", []);
    await eventually(() => seen.length >= 4, "four runs");
    await new Promise((r) => setTimeout(r, 150));
    expect(seen.sort()).toEqual(["anonymous", "first", "later", "two"]);
  });

  it("runs a delayed job later, and never runs a removed one", async () => {
    const jobs = make();
    const seen: string[] = [];
    jobs.handle<{ v: string }>("later", async (data) => {
      seen.push(data.v);
    });
    await jobs.start();
    await jobs.add("later", { v: "kept" }, { jobId: "k", delayMs: 100 });
    await jobs.add("later", { v: "dropped" }, { jobId: "d", delayMs: 100 });
    await jobs.remove("later", "d");
    expect(seen).toEqual([]);
    await eventually(() => seen.length === 1, "the delayed job");
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).toEqual(["kept"]);
  });

  it("retries a failing job until it succeeds", async () => {
    const jobs = make();
    let attempts = 0;
    jobs.handle("flaky", async (_data, meta) => {
      attempts = meta.attempt;
      if (meta.attempt < 2) throw new Error("not yet");
    });
    await jobs.start();
    await jobs.add("flaky", {}, { attempts: 3 });
    await eventually(() => attempts === 2, "the second attempt");
  });
});

describe("BullMQ jobs with Redis gone", () => {
  const redis = new OwnRedis(19000 + Math.floor(Math.random() * 900));
  afterEach(async () => {
    await redis.stop();
  });

  it("refuse an add at once, also on a queue first used during the outage, and add again once Redis is back", async () => {
    await redis.start();
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    connection.on("error", () => undefined);
    const jobs = new BullJobs(connection, { warn: () => undefined, error: () => undefined }, "own");
    try {
      await jobs.add("before", { n: 1 });
      await redis.kill();
      // A queue this process never used before: BullMQ alone would wait for the connection to come back.
      await expect(jobs.add("during", { n: 2 })).rejects.toThrow(/JOBS_UNAVAILABLE|writeable|max retries/);
      await expect(jobs.add("before", { n: 3 })).rejects.toThrow();
      await redis.start();
      const deadline = Date.now() + 15_000;
      for (;;) {
        const added = await jobs.add("after", { n: 4 }).then(
          () => true,
          () => false,
        );
        if (added) break;
        if (Date.now() > deadline) throw new Error("no add succeeded after the restart");
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await jobs.close();
    }
  });
});
