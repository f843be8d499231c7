import { createHmac, timingSafeEqual } from "node:crypto";

/** Signed webhook timestamps older or newer than this are refused (replays of captured requests). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** The header value for a body: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`. */
export function signPayload(secret: string, rawBody: Buffer | string, timestamp: number): string {
  const mac = createHmac("sha256", secret)
    .update(`${timestamp}.`)
    .update(typeof rawBody === "string" ? Buffer.from(rawBody) : rawBody)
    .digest("hex");
  return `t=${timestamp},v1=${mac}`;
}

export type SignatureCheck =
  { ok: true } | { ok: false; reason: "missing" | "malformed" | "stale" | "mismatch" };

/**
 * Verifies `X-HealthLink-Signature` over the raw body bytes, in constant time, within the tolerance.
 * Several v1 values are accepted (the partner may sign with an old and a new secret while rotating).
 */
export function verifySignature(
  secret: string,
  header: string | undefined,
  rawBody: Buffer,
  nowSeconds: number,
  toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS,
): SignatureCheck {
  if (header === undefined || header.trim() === "") return { ok: false, reason: "missing" };
  let timestamp: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === "t" && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === "v1" && /^[0-9a-f]{64}$/i.test(value)) candidates.push(value.toLowerCase());
  }
  if (timestamp === undefined || candidates.length === 0) return { ok: false, reason: "malformed" };
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return { ok: false, reason: "stale" };
  const expected = Buffer.from(
    createHmac("sha256", secret).update(`${timestamp}.`).update(rawBody).digest("hex"),
    "utf8",
  );
  let match = false;
  for (const c of candidates) {
    // Same length by construction (64 hex characters), so timingSafeEqual never throws.
    if (timingSafeEqual(expected, Buffer.from(c, "utf8"))) match = true;
  }
  return match ? { ok: true } : { ok: false, reason: "mismatch" };
}
