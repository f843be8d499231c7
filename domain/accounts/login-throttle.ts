import type { Cache } from "../shared/cache.js";
import type { Clock } from "../shared/clock.js";
import { RateLimitedError } from "../shared/errors.js";
import { sha256 } from "./secrets.js";

export interface LoginThrottleSettings {
  /** Failures of one (email, address) pair before each next attempt waits (LOGIN_MAX_FAILURES). */
  freeFailures: number;
  /** The longest wait between attempts of one pair, in seconds (LOGIN_LOCKOUT_SECONDS). */
  maxDelaySeconds: number;
  /** Failed sign-ins from one address per hour, whatever the accounts (credential stuffing). */
  perAddressPerHour: number;
  /**
   * Failed sign-ins of one account per hour from all addresses together: only a distributed attack reaches
   * it (one address is held far below by its delays and its own cap), so the owner is never locked out by
   * one attacker's address.
   */
  perAccountPerHour: number;
}

export const DEFAULT_LOGIN_THROTTLE = { perAddressPerHour: 100, perAccountPerHour: 1000 } as const;

const HOUR_MS = 3_600_000;
/** How long a pair's failures are remembered after its last one. */
const PAIR_MEMORY_SECONDS = 24 * 3600;

const tooMany = (retryAfterMs: number) =>
  new RateLimitedError(
    "TOO_MANY_ATTEMPTS",
    "Too many failed sign-in attempts. Try again later.",
    Math.max(1, Math.ceil(retryAfterMs / 1000)),
  );

/**
 * Throttles password sign-ins per (account, source address) pair, with a wait that doubles after each
 * failure past the free ones (1 s, 2 s, 4 s … up to the maximum), plus a cap per address across accounts
 * and a much higher one per account across addresses. A success resets its pair. Failures from one address
 * never slow the same account down from another address (until the per-account cap, which one address
 * cannot reach). Counters live in the cache (Redis): atomic increments, hour buckets taken from the
 * injectable clock, so tests move time with it. The 429 carries the exact seconds until the next attempt.
 */
export class LoginThrottle {
  constructor(
    private readonly cache: Cache,
    private readonly clock: Clock,
    private readonly settings: LoginThrottleSettings,
  ) {}

  private keys(email: string, address: string) {
    const account = sha256(email);
    const pair = sha256(`${email}\n${address}`);
    const hour = Math.floor(this.clock.now().getTime() / HOUR_MS);
    return {
      failures: `login:pair:${pair}:failures`,
      until: `login:pair:${pair}:until`,
      claim: (until: string) => `login:pair:${pair}:claim:${until}`,
      address: `login:addr:${sha256(address)}:${hour}`,
      account: `login:acct:${account}:${hour}`,
      hourEndsAt: (hour + 1) * HOUR_MS,
    };
  }

  /** Throws a 429 (with the wait) unless this pair may try a password now. */
  async check(email: string, address: string): Promise<void> {
    const k = this.keys(email, address);
    const now = this.clock.now().getTime();
    const [byAddress, byAccount, until, failures] = await Promise.all([
      this.cache.get(k.address),
      this.cache.get(k.account),
      this.cache.get(k.until),
      this.cache.get(k.failures),
    ]);
    if (Number(byAddress ?? 0) >= this.settings.perAddressPerHour) throw tooMany(k.hourEndsAt - now);
    if (Number(byAccount ?? 0) >= this.settings.perAccountPerHour) throw tooMany(k.hourEndsAt - now);
    const next = Number(until ?? 0);
    if (next > now) throw tooMany(next - now);
    // Once waits apply, one attempt per opening: parallel requests at the same instant do not all get in.
    if (Number(failures ?? 0) >= this.settings.freeFailures) {
      const first = await this.cache.setIfAbsent(k.claim(until ?? "0"), "1", PAIR_MEMORY_SECONDS);
      if (!first) throw tooMany(1000);
    }
  }

  /** Records a failed attempt: the pair's next attempt waits (past the free failures); the caps count it. */
  async failed(email: string, address: string): Promise<void> {
    const k = this.keys(email, address);
    const [failures] = await Promise.all([
      this.cache.incr(k.failures, PAIR_MEMORY_SECONDS),
      this.cache.incr(k.address, 2 * 3600),
      this.cache.incr(k.account, 2 * 3600),
    ]);
    const beyond = failures - this.settings.freeFailures;
    if (beyond < 0) return;
    const waitSeconds = Math.min(2 ** Math.min(beyond, 30), this.settings.maxDelaySeconds);
    const until = this.clock.now().getTime() + waitSeconds * 1000;
    await this.cache.set(k.until, String(until), PAIR_MEMORY_SECONDS);
  }

  /** A successful sign-in: the pair starts afresh (the address and account caps keep their counts). */
  async succeeded(email: string, address: string): Promise<void> {
    const k = this.keys(email, address);
    await Promise.all([this.cache.del(k.failures), this.cache.del(k.until)]);
  }
}
