import { describe, expect, it } from "vitest";
import { signPayload, verifySignature } from "./signature.js";

const SECRET = "s3cret";
const BODY = Buffer.from('{"event_id":"e1","order_id":1,"status":"dispatched"}');
const NOW = 1_900_000_000;

describe("webhook signatures", () => {
  it("accepts the HMAC of the timestamp and the exact raw body", () => {
    expect(verifySignature(SECRET, signPayload(SECRET, BODY, NOW), BODY, NOW)).toEqual({ ok: true });
  });

  it("refuses another body, another secret, a missing or malformed header", () => {
    const header = signPayload(SECRET, BODY, NOW);
    expect(verifySignature(SECRET, header, Buffer.from(BODY.toString() + " "), NOW)).toEqual({
      ok: false,
      reason: "mismatch",
    });
    expect(verifySignature("other", header, BODY, NOW).ok).toBe(false);
    expect(verifySignature(SECRET, undefined, BODY, NOW)).toEqual({ ok: false, reason: "missing" });
    expect(verifySignature(SECRET, "v1=abc", BODY, NOW)).toEqual({ ok: false, reason: "malformed" });
    expect(verifySignature(SECRET, `t=${NOW},v1=zz`, BODY, NOW)).toEqual({ ok: false, reason: "malformed" });
  });

  it("refuses timestamps more than 300 seconds away, either way", () => {
    expect(verifySignature(SECRET, signPayload(SECRET, BODY, NOW - 300), BODY, NOW).ok).toBe(true);
    expect(verifySignature(SECRET, signPayload(SECRET, BODY, NOW - 301), BODY, NOW)).toEqual({
      ok: false,
      reason: "stale",
    });
    expect(verifySignature(SECRET, signPayload(SECRET, BODY, NOW + 301), BODY, NOW).ok).toBe(false);
  });

  it("accepts any one valid v1 among several (secret rotation)", () => {
    const good = signPayload(SECRET, BODY, NOW).split(",v1=")[1]!;
    expect(verifySignature(SECRET, `t=${NOW},v1=${"0".repeat(64)},v1=${good}`, BODY, NOW).ok).toBe(true);
  });
});
