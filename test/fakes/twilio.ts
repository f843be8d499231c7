import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { computeSignature } from "../../channels/twilio/signature.js";

export interface TwilioMessage {
  sid: string;
  accountSid: string;
  to: string;
  from: string;
  body: string | undefined;
  contentSid: string | undefined;
  contentVariables: string | undefined;
  statusCallback: string | undefined;
}

export interface FakeTwilio {
  /** e.g. http://127.0.0.1:54321 — use as TWILIO_API_BASE_URL. */
  readonly url: string;
  /** Every message accepted (201), in order. */
  readonly messages: TwilioMessage[];
  /** Every Messages.json call, accepted or refused. */
  readonly attempts: { to: string; status: number }[];
  /** The messages sent to an address (as Twilio sees it: "+91…" or "whatsapp:+91…"). */
  to(address: string): TwilioMessage[];
  /**
   * The next `times` Messages.json calls answer this failure: 429 (code 20429), 500 (code 20500), or
   * "unsubscribed" (400, code 21610: the recipient replied STOP). With `to`, only calls to that
   * address fail, so a send to someone else (a reminder, a relay sweep) cannot use the failure up.
   */
  fail(kind: 429 | 500 | "unsubscribed", times?: number, to?: string): void;
  /** Serves a media file behind basic auth, as Twilio does; returns its MediaUrl. */
  addMedia(bytes: Buffer, contentType: string): string;
  /** A MediaUrl (behind basic auth) that answers 302 to `location`, as Twilio's API does towards its CDN. */
  redirectMedia(location: string): string;
  /** Media downloads received. */
  readonly mediaFetches: string[];
  close(): Promise<void>;
}

function sid(prefix: string): string {
  return prefix + randomBytes(16).toString("hex");
}

/**
 * A small Twilio REST API: POST /2010-04-01/Accounts/{AccountSid}/Messages.json (form-encoded, basic auth
 * with the account SID and auth token) answers 201 with the message resource as Twilio does (sid "SM…",
 * status "queued"); failures answer Twilio's error JSON ({code, message, more_info, status}).
 * Media URLs (…/Messages/{sid}/Media/{sid}) serve registered bytes behind the same basic auth.
 */
export async function startFakeTwilio(accountSid: string, authToken: string): Promise<FakeTwilio> {
  const messages: TwilioMessage[] = [];
  const attempts: { to: string; status: number }[] = [];
  const mediaFetches: string[] = [];
  const media = new Map<string, { bytes: Buffer; contentType: string }>();
  const redirects = new Map<string, string>();
  let failure: { kind: 429 | 500 | "unsubscribed"; times: number; to?: string } | undefined;
  const expectedAuth = "Basic " + Buffer.from(`${accountSid}:${authToken}`).toString("base64");

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://fake-twilio");
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      const error = (status: number, code: number, message: string) =>
        send(status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
      if (req.headers.authorization !== expectedAuth) return error(401, 20003, "Authenticate");

      const location = redirects.get(url.pathname);
      if (req.method === "GET" && location !== undefined) {
        res.writeHead(302, { location });
        return res.end();
      }
      const file = media.get(url.pathname);
      if (req.method === "GET" && file) {
        mediaFetches.push(url.pathname);
        res.writeHead(200, { "content-type": file.contentType, "content-length": file.bytes.length });
        return res.end(file.bytes);
      }
      const m = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(url.pathname);
      if (req.method !== "POST" || !m) return error(404, 20404, "The requested resource was not found");
      if (m[1] !== accountSid) return error(401, 20003, "Authenticate");
      const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
      const to = form.get("To") ?? "";
      const from = form.get("From") ?? "";
      if (!to || !from || (!form.get("Body") && !form.get("ContentSid") && !form.get("MediaUrl"))) {
        attempts.push({ to, status: 400 });
        return error(400, 21602, "Message body is required.");
      }
      if ((form.get("Body") ?? "").length > 1600) {
        attempts.push({ to, status: 400 });
        return error(400, 21617, "The concatenated message body exceeds the 1600 character limit.");
      }
      if (failure && failure.times > 0 && (failure.to === undefined || failure.to === to)) {
        failure.times--;
        const kind = failure.kind;
        if (failure.times === 0) failure = undefined;
        const status = kind === "unsubscribed" ? 400 : kind;
        attempts.push({ to, status });
        if (kind === "unsubscribed") return error(400, 21610, "Attempt to send to unsubscribed recipient");
        return error(
          kind,
          kind === 429 ? 20429 : 20500,
          kind === 429 ? "Too Many Requests" : "Internal Server Error",
        );
      }
      const message: TwilioMessage = {
        sid: sid("SM"),
        accountSid,
        to,
        from,
        body: form.get("Body") ?? undefined,
        contentSid: form.get("ContentSid") ?? undefined,
        contentVariables: form.get("ContentVariables") ?? undefined,
        statusCallback: form.get("StatusCallback") ?? undefined,
      };
      messages.push(message);
      attempts.push({ to, status: 201 });
      const now = new Date().toUTCString();
      return send(201, {
        account_sid: accountSid,
        api_version: "2010-04-01",
        body: message.body ?? "",
        date_created: now,
        date_sent: null,
        date_updated: now,
        direction: "outbound-api",
        error_code: null,
        error_message: null,
        from,
        messaging_service_sid: null,
        num_media: "0",
        num_segments: String(Math.max(1, Math.ceil((message.body ?? "").length / 153))),
        price: null,
        price_unit: "USD",
        sid: message.sid,
        status: "queued",
        subresource_uris: { media: `/2010-04-01/Accounts/${accountSid}/Messages/${message.sid}/Media.json` },
        to,
        uri: `/2010-04-01/Accounts/${accountSid}/Messages/${message.sid}.json`,
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    messages,
    attempts,
    mediaFetches,
    to: (address) => messages.filter((m) => m.to === address),
    fail: (kind, times = 1, to) => {
      failure = { kind, times, to };
    },
    addMedia: (bytes, contentType) => {
      const path = `/2010-04-01/Accounts/${accountSid}/Messages/${sid("MM")}/Media/${sid("ME")}`;
      media.set(path, { bytes, contentType });
      return base + path;
    },
    redirectMedia: (location) => {
      const path = `/2010-04-01/Accounts/${accountSid}/Messages/${sid("MM")}/Media/${sid("ME")}`;
      redirects.set(path, location);
      return base + path;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * A webhook request exactly as Twilio sends it: the form-encoded parameters and X-Twilio-Signature
 * (HMAC-SHA1 of the full URL and the sorted parameters, keyed with the auth token), for app.inject.
 */
export function signedWebhook(
  authToken: string,
  publicBaseUrl: string,
  path: string,
  params: Record<string, string>,
): { url: string; headers: Record<string, string>; payload: string } {
  const signature = computeSignature(authToken, publicBaseUrl + path, Object.entries(params));
  return {
    url: path,
    headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature },
    payload: new URLSearchParams(params).toString(),
  };
}

/** A Twilio message sid ("SM" + 32 hex) for an inbound test message. */
export function messageSid(): string {
  return sid("SM");
}
