import { lookup } from "node:dns/promises";
import ipaddr from "ipaddr.js";

/**
 * Fetching a URL a provider gave us (a media file a person sent) without letting it point us anywhere
 * else (SSRF). Redirects are followed by hand, a few hops at most, and every hop must be either the
 * configured provider origin itself (exactly that scheme, host and port: the real API in production, a
 * local fake in tests) or one of the provider's public media hosts over https whose every resolved
 * address is public (not private, loopback, link-local, CGNAT, unique-local, multicast or reserved,
 * IPv4-mapped IPv6 included). Credentials go only where the policy says.
 *
 * The address check happens before the request; a host that changes its DNS answer between the check and
 * the connection (rebinding) is not covered, which the host allow-list keeps to the provider's own names.
 */
export interface FetchPolicy {
  /** The configured provider base URL: its exact origin is allowed as it is (no address check). */
  trustedOrigin: string;
  /** The provider's public media hosts: exact names, or "*.example.com" for its subdomains. */
  publicHosts: readonly string[];
  /** Redirects followed at most (default 3). */
  maxRedirects?: number | undefined;
  /** Whether the request's headers (credentials) go to this URL too; default: the trusted origin only. */
  sendHeadersTo?: ((url: URL) => boolean) | undefined;
  /** Every address of a host name (node:dns by default). */
  resolve?: ((host: string) => Promise<string[]>) | undefined;
}

export type UnsafeReason = "url" | "host" | "address" | "redirects";

/** A URL (or a redirect to one) the policy refuses; nothing was fetched from it. */
export class UnsafeUrlError extends Error {
  override readonly name = "UnsafeUrlError";
  constructor(readonly reason: UnsafeReason) {
    super(`refused URL (${reason})`);
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

async function resolveAll(host: string): Promise<string[]> {
  return (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
}

/** True for an address on the public internet (global unicast); false for anything else or not an address. */
export function isPublicAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  if (!ipaddr.isValid(bare)) return false;
  // process() turns IPv4-mapped IPv6 (::ffff:127.0.0.1) into the IPv4 address it carries.
  return ipaddr.process(bare).range() === "unicast";
}

/** True when the host is one of the names, or under a "*.suffix" one. Case-insensitive. */
export function hostMatches(host: string, names: readonly string[]): boolean {
  const h = host.toLowerCase().replace(/\.$/, "");
  return names.some((n) => {
    const name = n.toLowerCase();
    return name.startsWith("*.") ? h.endsWith(name.slice(1)) : h === name;
  });
}

/** Throws UnsafeUrlError unless the policy allows fetching this URL. */
export async function assertAllowed(url: URL, policy: FetchPolicy): Promise<void> {
  if (url.username || url.password) throw new UnsafeUrlError("url");
  if (url.origin === new URL(policy.trustedOrigin).origin) return;
  if (url.protocol !== "https:") throw new UnsafeUrlError("url");
  const host = url.hostname.replace(/^\[|\]$/g, "");
  // A literal address is never one of the provider's host names.
  if (ipaddr.isValid(host) || !hostMatches(host, policy.publicHosts)) throw new UnsafeUrlError("host");
  let addresses: string[];
  try {
    addresses = await (policy.resolve ?? resolveAll)(host);
  } catch {
    throw new UnsafeUrlError("address");
  }
  if (addresses.length === 0 || !addresses.every(isPublicAddress)) throw new UnsafeUrlError("address");
}

/**
 * GET a URL under the policy, following redirects by hand. Resolves with the final non-redirect response
 * (any status); throws UnsafeUrlError when a hop is refused (its body is never read), or what fetch throws.
 */
export async function safeFetch(
  url: string,
  init: { headers?: Record<string, string> | undefined; signal?: AbortSignal | undefined },
  policy: FetchPolicy,
): Promise<Response> {
  if (!URL.canParse(url)) throw new UnsafeUrlError("url");
  const trusted = new URL(policy.trustedOrigin).origin;
  const sendHeaders = policy.sendHeadersTo ?? ((u: URL) => u.origin === trusted);
  const maxRedirects = policy.maxRedirects ?? 3;
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    await assertAllowed(current, policy);
    const res = await fetch(current, {
      headers: sendHeaders(current) ? init.headers : {},
      redirect: "manual",
      ...(init.signal ? { signal: init.signal } : {}),
    });
    if (!REDIRECTS.has(res.status)) return res;
    await res.body?.cancel().catch(() => undefined);
    const location = res.headers.get("location");
    if (hop >= maxRedirects) throw new UnsafeUrlError("redirects");
    if (!location || !URL.canParse(location, current)) throw new UnsafeUrlError("url");
    current = new URL(location, current);
  }
}

/**
 * A response body read whole, but never past `maxBytes` (a declared Content-Length over it is refused
 * before reading): undefined when it is larger.
 */
export async function readCapped(res: Response, maxBytes: number): Promise<Buffer | undefined> {
  if (!res.body) return Buffer.alloc(0);
  if (Number(res.headers.get("content-length") ?? "0") > maxBytes) {
    await res.body.cancel().catch(() => undefined);
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks);
}
