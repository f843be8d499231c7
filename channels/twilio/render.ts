import type { OutboundMessage } from "../../bot/types.js";
import { numberedChoices, replyHint, splitText } from "../shared/text.js";

/** Twilio refuses a Body over 1,600 characters; it splits longer texts into segments itself below that. */
export const TWILIO_BODY_LIMIT = 1600;

/**
 * OutboundMessage → the bodies of the Twilio messages to send, in order (SMS and WhatsApp alike: plain text).
 * Choices become numbered lines ("1. Yes") with "Reply 1 or 2" (the engine maps the number back to the
 * choice); links and attachments are plain URLs, each on its own line under its label. A text over the limit
 * is split at line, sentence or word boundaries and each part is numbered "(1/3)".
 */
export function renderText(message: OutboundMessage, limit = TWILIO_BODY_LIMIT): string[] {
  let body = message.text.trim();
  const choices = message.choices ?? [];
  if (choices.length) {
    const lines = numberedChoices(choices).map((c) => c.numbered);
    body += `\n\n${lines.join("\n")}\n${replyHint(choices.length)}`;
  }
  const links = [
    ...(message.links ?? []),
    ...(message.attachments ?? []).map((a) => ({ label: a.name, url: a.url })),
  ];
  if (links.length) body += "\n\n" + links.map((l) => `${l.label}:\n${l.url}`).join("\n");
  body = body.trim();
  if (body.length <= limit) return [body];
  // Room for " (99/99)" on each part.
  const parts = splitText(body, limit - 8);
  return parts.map((p, i) => `${p} (${i + 1}/${parts.length})`);
}
