import type { FastifyRateLimitStoreCtor } from "@fastify/rate-limit";
import type { Redis } from "ioredis";

/**
 * A store for @fastify/rate-limit that counts in Redis (every API process shares the count) without a Redis
 * round trip on every request: a process reserves a *lease* of the next few requests of a client in one
 * INCRBY and spends it locally, and once the count it has seen passes the limit, it refuses the client locally
 * until the window ends.
 *
 * Never more than `max` requests pass in a window, whatever the number of processes: each request takes a
 * position in the shared count and passes only if that position is at most `max`. What a lease costs is the
 * other way: positions reserved but not used before the window ends count against the client, so a client
 * spread over N processes may be refused up to N × (lease − 1) requests early. Leases start at 1 in each
 * window (a client that sends one request costs one round trip, as before) and double while the client keeps
 * asking, up to `max` / LEASE_SHARE_OF_MAX (300 a minute: 6 at most), so small limits stay exact.
 */
const LEASE_SHARE_OF_MAX = 50;

// INCRBY the key by the lease; a new key (or one left without expiry) gets the window. Returns the count
// after the increment and the window's milliseconds left.
const LUA = `
  local current = redis.call('INCRBY', KEYS[1], ARGV[2])
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[1])
    ttl = tonumber(ARGV[1])
  end
  return {current, ttl}
`;

type RedisWithLease = Redis & {
  rateLimitLease(
    key: string,
    timeWindow: number,
    lease: number,
    cb: (err: Error | null, result?: [number, number]) => void,
  ): void;
};

type Callback = (err: Error | null, result: { current: number; ttl: number } | null) => void;

interface Lease {
  /** The next reserved position to hand out, and the last one (inclusive). */
  next: number;
  end: number;
  /** When the window ends (Date.now() scale). */
  expiresAt: number;
  size: number;
}

interface Waiting {
  cb: Callback;
  timeWindow: number;
  max: number;
}

export class LeasedRedisStore {
  private readonly leases = new Map<string, Lease>();
  private readonly pending = new Map<string, Waiting[]>();
  private calls = 0;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    if (!(redis as unknown as Partial<RedisWithLease>).rateLimitLease)
      redis.defineCommand("rateLimitLease", { numberOfKeys: 1, lua: LUA });
  }

  /**
   * The constructor @fastify/rate-limit takes as `store` (it passes each route's time window and limit to
   * incr, and its options, with `routeInfo`, to child, which its type declarations do not say).
   */
  static factory(redis: Redis, prefix: string): FastifyRateLimitStoreCtor {
    const Store = class extends LeasedRedisStore {
      constructor(options: { continueExceeding?: boolean; exponentialBackoff?: boolean }) {
        if (options.continueExceeding || options.exponentialBackoff)
          throw new Error("LeasedRedisStore supports neither continueExceeding nor exponentialBackoff");
        super(redis, prefix);
      }
    };
    return Store as unknown as FastifyRateLimitStoreCtor;
  }

  child(routeOptions: { routeInfo: { method?: string | string[]; url?: string } }): LeasedRedisStore {
    const { method, url } = routeOptions.routeInfo;
    return new LeasedRedisStore(this.redis, `${this.prefix}${String(method)}${url}-`);
  }

  incr(key: string, cb: Callback, timeWindow: number, max: number): void {
    const now = Date.now();
    if (++this.calls % 1000 === 0) this.sweep(now);
    const lease = this.leases.get(key);
    if (lease && lease.expiresAt > now) {
      // A reserved position; or, once the count has passed the limit, refused without asking (it only grows).
      if (lease.next <= lease.end || lease.end > max) {
        cb(null, { current: lease.next++, ttl: lease.expiresAt - now });
        return;
      }
    }
    const waiting = this.pending.get(key);
    if (waiting) {
      waiting.push({ cb, timeWindow, max });
      return;
    }
    // Double the lease while the client keeps asking within the window; start again at 1 in a new one.
    const size =
      lease && lease.expiresAt > now
        ? Math.max(1, Math.min(lease.size * 2, Math.floor(max / LEASE_SHARE_OF_MAX)))
        : 1;
    const queue: Waiting[] = [{ cb, timeWindow, max }];
    this.pending.set(key, queue);
    (this.redis as unknown as RedisWithLease).rateLimitLease(
      this.prefix + key,
      timeWindow,
      size,
      (err, result) => {
        this.pending.delete(key);
        if (err || !result) {
          for (const w of queue) w.cb(err ?? new Error("rate limit store: no answer"), null);
          return;
        }
        const [total, ttl] = result;
        this.leases.set(key, { next: total - size + 1, end: total, expiresAt: Date.now() + ttl, size });
        // The first waiter takes the first reserved position; the others what is left, or ask again.
        for (const w of queue) this.incr(key, w.cb, w.timeWindow, w.max);
      },
    );
  }

  private sweep(now: number): void {
    for (const [key, lease] of this.leases) if (lease.expiresAt <= now) this.leases.delete(key);
  }
}
