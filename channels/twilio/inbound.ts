import type { InboundMessage } from "../../bot/types.js";
import { LOCATION_TEXT, sharedLocation } from "../shared/location.js";
import { cleanDeep } from "../shared/text.js";
import { phoneFromProvider } from "../../domain/shared/phone.js";
import { WHATSAPP_PREFIX } from "./client.js";

/** At most this many media files are taken from one message (Twilio allows 10 on MMS and WhatsApp). */
export const MAX_MEDIA = 10;
const SID = /^[A-Z]{2}[0-9a-zA-Z]{32}$/;

/** The form's fields, the last value of each name (Twilio sends each once). */
export function formFields(params: URLSearchParams): Map<string, string> {
  return new Map(params);
}

/** What an authentic messaging webhook means for us. */
export type TwilioInbound = { kind: "turn"; inbound: InboundMessage } | { kind: "ignored"; reason: string };

/**
 * A verified messaging webhook's form → InboundMessage. The person's identity is their E.164 number
 * ("whatsapp:" removed on the WhatsApp route; a message from the other kind of address is ignored);
 * MediaUrlN/MediaContentTypeN become attachments; the provider message id is the MessageSid. Control
 * characters are removed first (channels/shared/text.ts). Never throws.
 */
export function parseMessage(
  channel: "sms" | "whatsapp",
  form: Map<string, string>,
  receivedAt: Date,
): TwilioInbound {
  const fields = cleanDeep(form);
  const sid = fields.get("MessageSid") ?? fields.get("SmsMessageSid") ?? "";
  if (!SID.test(sid)) return { kind: "ignored", reason: "sid" };
  const from = fields.get("From") ?? "";
  const prefixed = channel === "whatsapp" ? stripPrefix(from) : from;
  // Twilio's From is E.164 ("+14155550100"); a short code or alphanumeric sender is not a person's number.
  const address = prefixed?.startsWith("+") ? phoneFromProvider(prefixed) : undefined;
  if (address === undefined) return { kind: "ignored", reason: "from" };
  const count = Math.min(Number.parseInt(fields.get("NumMedia") ?? "0", 10) || 0, MAX_MEDIA);
  const attachments: { url: string; mimeType?: string | undefined }[] = [];
  for (let i = 0; i < count; i++) {
    const url = fields.get(`MediaUrl${i}`);
    if (url === undefined || !URL.canParse(url) || !/^https?:/.test(url)) continue;
    const mimeType = fields.get(`MediaContentType${i}`);
    attachments.push({ url, ...(mimeType ? { mimeType: mimeType.slice(0, 100) } : {}) });
  }
  const text = (fields.get("Body") ?? "").trim().slice(0, 2000);
  // A tap on a WhatsApp quick-reply button (a Content template's): its payload is the choice id.
  const payload = fields.get("ButtonPayload")?.trim();
  const choice = payload && payload.length <= 200 ? payload : undefined;
  // A location shared on WhatsApp through Twilio: Latitude/Longitude (and Label for a place).
  const location =
    fields.has("Latitude") || fields.has("Longitude")
      ? sharedLocation(fields.get("Latitude"), fields.get("Longitude"), fields.get("Label"))
      : undefined;
  if (text === "" && attachments.length === 0 && choice === undefined && location === undefined)
    return { kind: "ignored", reason: "empty" };
  return {
    kind: "turn",
    inbound: {
      channel,
      externalUserId: address,
      text: text || (location ? LOCATION_TEXT : (fields.get("ButtonText") ?? choice ?? "").slice(0, 200)),
      ...(choice !== undefined ? { choice } : {}),
      ...(location ? { location } : {}),
      ...(attachments.length ? { attachments } : {}),
      providerMessageId: sid,
      receivedAt,
    },
  };
}

function stripPrefix(address: string): string | undefined {
  return address.startsWith(WHATSAPP_PREFIX) ? address.slice(WHATSAPP_PREFIX.length) : undefined;
}

/** A delivery status callback: which of our messages, on which channel, and its status. */
export interface TwilioStatus {
  channel: "sms" | "whatsapp";
  providerMessageId: string;
  status: string;
  /** "undelivered"/"failed" with an error Twilio gives as final for that number: the code (e.g. "30006"). */
  permanentError?: string;
}

/**
 * Twilio's error codes on an "undelivered"/"failed" callback that mean this number will not take the message
 * on this channel (a notification then goes to the person's next channel): unreachable handset (30003),
 * blocked (30004), unknown destination (30005), landline or unreachable carrier (30006), carrier filtering
 * (30007), unsubscribed (21610), invalid or non-mobile number (21211, 21614), and WhatsApp's unknown
 * recipient or closed 24-hour window (63003, 63016, 63024). Not rerouted: queue overflow (30001), our account
 * (30002), unknown errors (30008) and other transient or our-side codes, which a retry or an operator fixes;
 * sending the same notice on a second channel for those would only duplicate it.
 */
const PERMANENT_ERRORS = new Set([
  "30003",
  "30004",
  "30005",
  "30006",
  "30007",
  "21211",
  "21610",
  "21614",
  "63003",
  "63016",
  "63024",
]);

/** A verified status callback's form; undefined when it is not one we can use. */
export function parseStatus(fields: Map<string, string>): TwilioStatus | undefined {
  const sid = fields.get("MessageSid") ?? fields.get("SmsSid") ?? "";
  const status = (fields.get("MessageStatus") ?? fields.get("SmsStatus") ?? "").toLowerCase();
  if (!SID.test(sid) || !/^[a-z_]{2,30}$/.test(status)) return undefined;
  const whatsapp = [fields.get("To"), fields.get("From")].some((a) => a?.startsWith(WHATSAPP_PREFIX));
  const code = fields.get("ErrorCode") ?? "";
  const permanent = (status === "undelivered" || status === "failed") && PERMANENT_ERRORS.has(code);
  return {
    channel: whatsapp ? "whatsapp" : "sms",
    providerMessageId: sid,
    status,
    ...(permanent ? { permanentError: code } : {}),
  };
}
