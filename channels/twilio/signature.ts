import { createHmac } from "node:crypto";
import { validateRequest } from "twilio/lib/webhooks/webhooks.js";

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
 * THE check of every Twilio webhook and of the ConversationRelay WebSocket upgrade (which is signed over its
 * wss:// URL with no parameters): the twilio package's validateRequest, which tries the URL as received with
 * and without its port (Twilio signs the URL it called, with or without the default port depending on the
 * product) and compares in constant time. Missing, empty or oversized header → false.
 */
export function verifySignature(
  header: unknown,
  authToken: string,
  url: string,
  params: Iterable<[string, string]>,
): boolean {
  if (typeof header !== "string" || header.length === 0 || header.length > 100) return false;
  const fields: Record<string, string | string[]> = {};
  for (const [name, value] of params) {
    const had = fields[name];
    fields[name] = had === undefined ? value : [...(Array.isArray(had) ? had : [had]), value];
  }
  try {
    return validateRequest(authToken, header, url, fields);
  } catch {
    return false;
  }
}
