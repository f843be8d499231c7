import { createHmac } from "node:crypto";
import { sameSecret } from "../shared/compare.js";
import { z } from "zod";
import type { InboundMessage } from "../../bot/types.js";
import { LOCATION_TEXT, sharedLocation } from "../shared/location.js";
import { cleanDeep } from "../shared/text.js";
import { phoneFromProvider } from "../../domain/shared/phone.js";

/** The header Meta signs every webhook POST with: "sha256=" + hex HMAC-SHA256 of the raw body (app secret). */
export const SIGNATURE_HEADER = "x-hub-signature-256";

/** An attachment's url in an InboundMessage: a reference to Meta's media id, fetched on demand (fetchMedia). */
export const MEDIA_REF_PREFIX = "wa-media:";

/**
 * The reply button offered when the engine asks for the person's contact: tapping it shares the number the
 * message came from (Meta has verified it), like Telegram's request_contact button.
 */
export const SHARE_CONTACT_ID = "wa:share_contact";

/**
 * True when the header is "sha256=<hex HMAC-SHA256 of the raw body keyed with the app secret>", compared in
 * constant time on equal-length digests. Missing or malformed → false.
 */
export function verifySignature(raw: Buffer, header: unknown, appSecret: string): boolean {
  if (typeof header !== "string" || !header.startsWith("sha256=")) return false;
  const hex = header.slice("sha256=".length);
  if (!/^[0-9a-f]{64}$/i.test(hex)) return false;
  return sameSecret(Buffer.from(hex, "hex"), createHmac("sha256", appSecret).update(raw).digest());
}

/** The header value Meta would send for this body (tests and the benchmark sign their bodies with it). */
export function signBody(raw: Buffer | string, appSecret: string): string {
  return `sha256=${createHmac("sha256", appSecret).update(raw).digest("hex")}`;
}

/**
 * Meta's subscription check (GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…): the challenge to
 * echo when the mode is "subscribe" and the token is ours (constant time), else undefined.
 */
export function verifyChallenge(query: Record<string, unknown>, verifyToken: string): string | undefined {
  const mode = query["hub.mode"];
  const token = query["hub.verify_token"];
  const challenge = query["hub.challenge"];
  if (mode !== "subscribe" || typeof token !== "string" || typeof challenge !== "string") return undefined;
  if (!sameSecret(token, verifyToken)) return undefined;
  return /^[\x21-\x7e]{1,256}$/.test(challenge) ? challenge : undefined;
}

/** Our address ("+919876500001") → Meta's recipient ("919876500001"); undefined when not E.164. */
export function toWaId(address: string): string | undefined {
  return /^\+\d{8,15}$/.test(address) ? address.slice(1) : undefined;
}

const MediaId = z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/);
const Media = z.object({
  id: MediaId,
  mime_type: z.string().max(255).optional(),
  filename: z.string().max(255).optional(),
  caption: z.string().max(4096).optional(),
});
const Reply = z.object({ id: z.string().min(1).max(256), title: z.string().max(100).optional() });

const Message = z.object({
  from: z.string().max(20),
  id: z.string().min(1).max(256),
  type: z.string().max(40),
  text: z.object({ body: z.string().max(4096) }).optional(),
  interactive: z
    .object({
      type: z.string().max(40),
      button_reply: Reply.optional(),
      list_reply: Reply.optional(),
    })
    .optional(),
  /** A quick-reply button of a template message. */
  button: z.object({ payload: z.string().max(256).optional(), text: z.string().max(256) }).optional(),
  document: Media.optional(),
  image: Media.optional(),
  location: z
    .object({ latitude: z.number(), longitude: z.number(), name: z.string().max(256).optional() })
    .optional(),
});

const STATUSES = ["sent", "delivered", "read", "failed"] as const;
const Status = z.object({
  id: z.string().min(1).max(256),
  status: z.string().max(40),
  timestamp: z
    .string()
    .regex(/^\d{1,12}$/)
    .optional(),
  errors: z
    .array(z.object({ code: z.number().int() }).loose())
    .max(10)
    .optional(),
});

/**
 * Meta's error codes on a "failed" status that are final for this person on WhatsApp (a notification then goes
 * to their next channel): not a WhatsApp user or undeliverable (131026), the 24-hour window closed
 * (131047), marketing stopped by the user (131050). Others (rate limits, our template or media, Meta's
 * outages) are ours to fix or pass; they are not rerouted.
 */
const PERMANENT_ERRORS = new Set([131026, 131047, 131050]);

const Envelope = z.object({
  object: z.string().optional(),
  entry: z
    .array(
      z.object({
        changes: z
          .array(
            z.object({
              field: z.string().optional(),
              value: z
                .object({
                  metadata: z.object({ phone_number_id: z.string().max(40).optional() }).optional(),
                  messages: z.array(z.unknown()).max(1000).optional(),
                  statuses: z.array(z.unknown()).max(1000).optional(),
                })
                .optional(),
            }),
          )
          .max(1000),
      }),
    )
    .max(1000),
});

export interface StatusUpdate {
  /** The wamid of one of our outbound messages. */
  providerMessageId: string;
  status: (typeof STATUSES)[number];
  at: Date;
  /** A "failed" status with an error final for this person (PERMANENT_ERRORS): the code. */
  permanentError?: string;
}

export interface ParsedWebhook {
  messages: InboundMessage[];
  statuses: StatusUpdate[];
  /** Why parts were skipped (counted in the log; never their content). */
  ignored: string[];
}

/** One message of a webhook as an InboundMessage; a reason string when we cannot handle it. */
export function parseMessage(json: unknown, receivedAt: Date): InboundMessage | string {
  const parsed = Message.safeParse(cleanDeep(json));
  if (!parsed.success) return "unparsable_message";
  const m = parsed.data;
  // Meta's wa_id / from ("919876500001") → our address ("+919876500001"), through the one parser.
  const from = phoneFromProvider(m.from);
  if (!from) return "sender";
  const base = {
    channel: "whatsapp" as const,
    externalUserId: from,
    providerMessageId: m.id,
    receivedAt,
  };
  switch (m.type) {
    case "text":
      if (!m.text || m.text.body.trim() === "") return "empty_text";
      return { ...base, text: m.text.body.slice(0, 2000) };
    case "interactive": {
      const reply = m.interactive?.button_reply ?? m.interactive?.list_reply;
      if (!reply) return "interactive_type";
      if (reply.id === SHARE_CONTACT_ID) return { ...base, text: "", contact: { phone: from, proven: true } };
      return { ...base, text: reply.title ?? reply.id, choice: reply.id };
    }
    case "button": {
      if (!m.button) return "button";
      return {
        ...base,
        text: m.button.text,
        ...(m.button.payload ? { choice: m.button.payload } : {}),
      };
    }
    case "document":
    case "image": {
      const media = m.type === "document" ? m.document : m.image;
      if (!media) return m.type;
      return {
        ...base,
        text: (media.caption ?? "").slice(0, 2000),
        attachments: [
          {
            url: `${MEDIA_REF_PREFIX}${media.id}`,
            mimeType: media.mime_type,
            ...(media.filename !== undefined ? { name: media.filename } : {}),
          },
        ],
      };
    }
    case "location": {
      const location =
        m.location && sharedLocation(m.location.latitude, m.location.longitude, m.location.name);
      if (!location) return "location";
      return { ...base, text: LOCATION_TEXT, location };
    }
    default:
      return "message_type";
  }
}

function parseStatus(json: unknown, receivedAt: Date): StatusUpdate | string {
  const parsed = Status.safeParse(json);
  if (!parsed.success) return "unparsable_status";
  const s = parsed.data;
  if (!(STATUSES as readonly string[]).includes(s.status)) return "status_type";
  const at = s.timestamp !== undefined ? new Date(Number(s.timestamp) * 1000) : receivedAt;
  const permanent =
    s.status === "failed" ? s.errors?.find((e) => PERMANENT_ERRORS.has(e.code))?.code : undefined;
  return {
    providerMessageId: s.id,
    status: s.status as StatusUpdate["status"],
    at,
    ...(permanent !== undefined ? { permanentError: String(permanent) } : {}),
  };
}

/**
 * Parses a verified webhook body: every entry, every change, every message and status in it (Meta batches),
 * control characters removed first (channels/shared/text.ts). Changes for another phone number than ours
 * are skipped. Never throws.
 */
export function parseWebhook(json: unknown, receivedAt: Date, phoneNumberId?: string): ParsedWebhook {
  const out: ParsedWebhook = { messages: [], statuses: [], ignored: [] };
  const parsed = Envelope.safeParse(cleanDeep(json));
  if (!parsed.success) {
    out.ignored.push("unparsable");
    return out;
  }
  for (const entry of parsed.data.entry) {
    for (const change of entry.changes) {
      const value = change.value;
      if (!value || (change.field !== undefined && change.field !== "messages")) {
        out.ignored.push("field");
        continue;
      }
      const number = value.metadata?.phone_number_id;
      if (phoneNumberId !== undefined && number !== undefined && number !== phoneNumberId) {
        out.ignored.push("phone_number_id");
        continue;
      }
      for (const m of value.messages ?? []) {
        const r = parseMessage(m, receivedAt);
        if (typeof r === "string") out.ignored.push(r);
        else out.messages.push(r);
      }
      for (const s of value.statuses ?? []) {
        const r = parseStatus(s, receivedAt);
        if (typeof r === "string") out.ignored.push(r);
        else out.statuses.push(r);
      }
    }
  }
  return out;
}
