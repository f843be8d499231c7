import type { OutboundMessage } from "../../bot/types.js";
import { numberedChoices, splitText } from "../shared/text.js";

export const TELEGRAM_TEXT_LIMIT = 4096;
export const CALLBACK_DATA_LIMIT = 64;

type InlineButton = { text: string; callback_data: string } | { text: string; url: string };

/** A sendMessage call's parameters (chat_id added by the client). */
export interface TelegramPayload {
  text: string;
  reply_markup?:
    | { inline_keyboard: InlineButton[][] }
    | {
        keyboard: { text: string; request_contact?: boolean }[][];
        one_time_keyboard: boolean;
        resize_keyboard: boolean;
      }
    | undefined;
  link_preview_options?: { is_disabled: boolean } | undefined;
}

export const SHARE_CONTACT_LABEL = "Share my phone number";

/**
 * OutboundMessage → sendMessage payloads: the text split at 4096 characters; on the last part the choices
 * as inline keyboard buttons (callback_data = the choice id; an id over 64 bytes gets no button, the numbered
 * text still works and is listed in the message), https links as URL buttons (others as text lines), or, when the engine asks for a
 * contact, a one-time reply keyboard with a request_contact button.
 */
export function render(message: OutboundMessage): TelegramPayload[] {
  const links = message.links ?? [];
  const urlButtons = links.filter((l) => l.url.startsWith("https://"));
  const textLinks = links.filter((l) => !l.url.startsWith("https://"));
  // Numbered like the other channels, so typing "2" works too.
  const choices = numberedChoices(message.choices ?? []).map((c) => ({ id: c.id, label: c.numbered }));
  const fits = (c: { id: string }) => Buffer.byteLength(c.id, "utf8") <= CALLBACK_DATA_LIMIT;
  const asText = message.requestContact ? choices : choices.filter((c) => !fits(c));
  let body = message.text;
  if (asText.length) body += "\n\n" + asText.map((c) => c.label).join("\n");
  if (textLinks.length) body += "\n\n" + textLinks.map((l) => `${l.label}: ${l.url}`).join("\n");
  const texts = splitText(body, TELEGRAM_TEXT_LIMIT);

  let markup: TelegramPayload["reply_markup"];
  if (message.requestContact) {
    markup = {
      keyboard: [[{ text: SHARE_CONTACT_LABEL, request_contact: true }]],
      one_time_keyboard: true,
      resize_keyboard: true,
    };
  } else {
    const rows: InlineButton[][] = [
      ...choices.filter(fits).map((c) => [{ text: c.label, callback_data: c.id }]),
      ...urlButtons.map((l) => [{ text: l.label.slice(0, 64), url: l.url }]),
    ];
    if (rows.length) markup = { inline_keyboard: rows };
  }
  return texts.map((text, i) => ({
    text,
    ...(i === texts.length - 1 && markup ? { reply_markup: markup } : {}),
  }));
}
