import { Redis } from "ioredis";
import type { Cache } from "../domain/shared/cache.js";

export function createRedis(url: string): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false });
  // ioredis reconnects by itself; the commands that fail meanwhile fail where they are used (and are logged
  // there). Without a listener, every failed reconnect would also print an "Unhandled error event".
  redis.on("error", () => undefined);
  return redis;
}

export class RedisCache implements Cache {
  readonly kind = "redis" as const;
  constructor(
    private readonly redis: Redis,
    private readonly prefix = "hl:",
  ) {}
  async get(key: string): Promise<string | undefined> {
    return (await this.redis.get(this.prefix + key)) ?? undefined;
  }
  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.prefix + key, value, "EX", Math.max(1, Math.ceil(ttlSeconds)));
  }
  async del(key: string): Promise<void> {
    await this.redis.del(this.prefix + key);
  }
  async setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean> {
    const ok = await this.redis.set(this.prefix + key, value, "EX", Math.max(1, Math.ceil(ttlSeconds)), "NX");
    return ok === "OK";
  }
  async incr(key: string, ttlSeconds: number): Promise<number> {
    const k = this.prefix + key;
    const [[, count] = [null, 0]] =
      (await this.redis.multi().incr(k).expire(k, ttlSeconds, "NX").exec()) ?? [];
    return Number(count);
  }
  async ping(): Promise<void> {
    await this.redis.ping();
  }
  async close(): Promise<void> {
    await this.redis.quit();
  }
}

/** Embedded mode: a bounded in-process map with expiries. */
export class MemoryCache implements Cache {
  readonly kind = "memory" as const;
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();
  constructor(private readonly maxEntries = 10_000) {}
  private live(key: string): { value: string; expiresAt: number } | undefined {
    const e = this.entries.get(key);
    if (e && e.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }
  get(key: string): Promise<string | undefined> {
    return Promise.resolve(this.live(key)?.value);
  }
  async setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean> {
    if (this.live(key)) return false;
    await this.set(key, value, ttlSeconds);
    return true;
  }
  set(key: string, value: string, ttlSeconds: number): Promise<void> {
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { value, expiresAt: Date.now() + ttlSeconds * 1000 });
    return Promise.resolve();
  }
  del(key: string): Promise<void> {
    this.entries.delete(key);
    return Promise.resolve();
  }
  incr(key: string, ttlSeconds: number): Promise<number> {
    const e = this.live(key);
    const next = (e ? Number(e.value) : 0) + 1;
    this.entries.set(key, { value: String(next), expiresAt: e?.expiresAt ?? Date.now() + ttlSeconds * 1000 });
    return Promise.resolve(next);
  }
  ping(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    this.entries.clear();
    return Promise.resolve();
  }
}
