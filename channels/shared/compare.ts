import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Whether a secret someone sent equals ours, in constant time whatever the inputs' lengths: both sides are
 * hashed first, so timingSafeEqual compares equal-length digests and nothing leaks the expected length.
 * Every channel's webhook check (Telegram's secret token, Twilio's and Meta's signatures, Meta's verify
 * token) goes through this one function. Empty or non-string input is never equal.
 */
export function sameSecret(given: unknown, expected: string | Buffer): boolean {
  if (typeof given !== "string" && !Buffer.isBuffer(given)) return false;
  if (given.length === 0 || expected.length === 0) return false;
  const digest = (v: string | Buffer) => createHash("sha256").update(v).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
