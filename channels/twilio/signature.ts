import { createHmac } from "node:crypto";
import { sameSecret } from "../shared/compare.js";

/** The header Twilio signs every webhook request with. */
export const SIGNATURE_HEADER = "x-twilio-signature";

/**
 * Twilio's request signature: HMAC-SHA1, keyed with the auth token, over the full URL Twilio requested
 * (scheme, host, path and query string) followed by every POST parameter's name and value, concatenated
 * in parameter-name order (a repeated name: its values in order); base64.
 */
export function computeSignature(authToken: string, url: string, params: Iterable<[string, string]>): string {
  const pairs = [...params].sort(([a, av], [b, bv]) =>
    a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0,
  );
  const hmac = createHmac("sha1", authToken);
  hmac.update(url, "utf8");
  for (const [name, value] of pairs) hmac.update(name + value, "utf8");
  return hmac.digest("base64");
}

/**
 * True when the header is the signature of this URL and these parameters, compared in constant time on
 * equal-length buffers. Missing or empty → false.
 */
export function verifySignature(
  header: unknown,
  authToken: string,
  url: string,
  params: Iterable<[string, string]>,
): boolean {
  if (typeof header !== "string" || header.length > 100) return false;
  return sameSecret(header, computeSignature(authToken, url, params));
}
