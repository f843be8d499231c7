import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_REDIS_URL } from "../../test/env.js";
import { LeasedRedisStore } from "./rate-limit-store.js";

let redis: Redis;
const prefix = `t:${randomBytes(4).toString("hex")}:rls:`;

beforeAll(() => {
  redis = new Redis(TEST_REDIS_URL);
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

/** One request through the store: its position in the window's count. */
function incr(store: LeasedRedisStore, key: string, max: number, timeWindow = 60_000) {
  return new Promise<{ current: number; ttl: number }>((resolve, reject) =>
    store.incr(
      key,
      (err, res) => (err || !res ? reject(err ?? new Error("no result")) : resolve(res)),
      timeWindow,
      max,
    ),
  );
}

/** Counts the round trips a store makes. */
function counting(store: LeasedRedisStore): { calls: number } {
  const counter = { calls: 0 };
  const r = redis as unknown as { rateLimitLease: (...args: unknown[]) => void };
  const original = r.rateLimitLease.bind(redis);
  (store as unknown as { redis: unknown }).redis = {
    rateLimitLease: (...args: unknown[]) => {
      counter.calls++;
      original(...args);
    },
  };
  return counter;
}

describe("the leased Redis rate-limit store", () => {
  it("lets exactly `max` requests through in a window, then refuses without asking Redis", async () => {
    const store = new LeasedRedisStore(redis, prefix);
    const trips = counting(store);
    const positions: number[] = [];
    for (let i = 0; i < 400; i++) positions.push((await incr(store, "a", 300)).current);
    expect(positions.filter((p) => p <= 300)).toHaveLength(300);
    expect(positions.slice(0, 300)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    // Leases of 1, 2, 4, then 6 (300 / 50): about fifty round trips for three hundred requests, none after.
    expect(trips.calls).toBeLessThan(60);
    const before = trips.calls;
    for (let i = 0; i < 50; i++) expect((await incr(store, "a", 300)).current).toBeGreaterThan(300);
    expect(trips.calls).toBe(before);
  });

  it("keeps small limits exact: a limit of 3 asks Redis on every request", async () => {
    const store = new LeasedRedisStore(redis, prefix);
    const trips = counting(store);
    const got = [];
    for (let i = 0; i < 4; i++) got.push((await incr(store, "small", 3)).current);
    expect(got).toEqual([1, 2, 3, 4]);
    expect(trips.calls).toBe(4);
  });

  it("shares one count between processes: never more than `max` in all", async () => {
    const a = new LeasedRedisStore(redis, prefix);
    const b = new LeasedRedisStore(redis, prefix);
    let allowed = 0;
    for (let i = 0; i < 300; i++) {
      const store = i % 3 === 0 ? a : b;
      if ((await incr(store, "shared", 100)).current <= 100) allowed++;
    }
    // At most one unused lease of each process (2 = 100 / 50) counts against the client.
    expect(allowed).toBeLessThanOrEqual(100);
    expect(allowed).toBeGreaterThanOrEqual(100 - 2 * (2 - 1));
  });

  it("shares one round trip between concurrent requests of a client", async () => {
    const store = new LeasedRedisStore(redis, prefix);
    const trips = counting(store);
    const got = await Promise.all(Array.from({ length: 20 }, () => incr(store, "burst", 1000)));
    expect(got.map((g) => g.current).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    expect(trips.calls).toBeLessThan(20);
  });

  it("starts a new window when the old one ends, and keys routes apart", async () => {
    const store = new LeasedRedisStore(redis, prefix);
    for (let i = 0; i < 3; i++) await incr(store, "w", 2, 300);
    expect((await incr(store, "w", 2, 300)).current).toBeGreaterThan(2);
    const other = store.child({ routeInfo: { method: "GET", url: "/x" } });
    expect((await incr(other, "w", 2, 300)).current).toBe(1);
    await sleep(400);
    expect((await incr(store, "w", 2, 300)).current).toBe(1);
  });

  it("passes Redis' errors on (the plugin lets the request through: skipOnError)", async () => {
    const broken = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0 });
    const store = new LeasedRedisStore(broken, prefix);
    broken.disconnect();
    await expect(incr(store, "down", 10)).rejects.toBeTruthy();
  });
});
