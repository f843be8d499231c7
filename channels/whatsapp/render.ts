import type { WhatsAppTemplate } from "../../config/index.js";
import type { Choice, OutboundMessage } from "../../bot/types.js";
import { numberedChoices, splitText } from "../shared/text.js";
import { SHARE_CONTACT_ID } from "./inbound.js";

/** Cloud API limits (interactive reply buttons and list messages). */
export const WHATSAPP_TEXT_LIMIT = 4096;
export const INTERACTIVE_BODY_LIMIT = 1024;
export const MAX_BUTTONS = 3;
export const BUTTON_TITLE_LIMIT = 20;
export const BUTTON_ID_LIMIT = 256;
export const MAX_LIST_ROWS = 10;
export const ROW_TITLE_LIMIT = 24;
export const ROW_DESCRIPTION_LIMIT = 72;
export const ROW_ID_LIMIT = 200;
export const LIST_BUTTON_LABEL = "Choose";
export const SHARE_CONTACT_LABEL = "Use this number";

export interface TextPayload {
  type: "text";
  text: { body: string; preview_url: boolean };
}
export interface ButtonsPayload {
  type: "interactive";
  interactive: {
    type: "button";
    body: { text: string };
    action: { buttons: { type: "reply"; reply: { id: string; title: string } }[] };
  };
}
export interface ListPayload {
  type: "interactive";
  interactive: {
    type: "list";
    body: { text: string };
    action: {
      button: string;
      sections: { rows: { id: string; title: string; description?: string }[] }[];
    };
  };
}
export interface DocumentPayload {
  type: "document";
  document: { link: string; filename?: string };
}
export interface TemplatePayload {
  type: "template";
  template: {
    name: string;
    language: { code: string };
    components?: { type: "body"; parameters: { type: "text"; text: string }[] }[];
  };
}

/**
 * One Cloud API message without its envelope (the client adds messaging_product, recipient_type and to).
 * Only text, reply buttons, lists, documents and templates: never a payment, catalog, product or order
 * message — medicines and visits are paid through our payment link page, which goes out as a text link.
 */
export type WhatsAppPayload = TextPayload | ButtonsPayload | ListPayload | DocumentPayload | TemplatePayload;

/** Cuts to `limit` characters (code points), ending with "…" when something was cut. */
export function truncate(text: string, limit: number): string {
  const chars = [...text.trim()];
  return chars.length <= limit ? chars.join("") : chars.slice(0, limit - 1).join("") + "…";
}

const numbered = (choices: Choice[]) =>
  numberedChoices(choices)
    .map((c) => c.numbered)
    .join("\n");

function buttons(body: string, choices: { id: string; title: string }[]): ButtonsPayload {
  return {
    type: "interactive",
    interactive: {
      type: "button",
      body: { text: body },
      action: { buttons: choices.map((c) => ({ type: "reply", reply: c })) },
    },
  };
}

/**
 * OutboundMessage → Cloud API messages, in order:
 * - links as text lines ("label: url") with preview_url on — tappable, never a native payment message;
 * - no choices: the text split at 4096 characters;
 * - 1–3 choices: reply buttons (title ≤ 20 characters; when a label had to be cut, the full labels are listed
 *   numbered in the body so nothing is lost);
 * - 4–10 choices: a list message (row title ≤ 24, the full label in the row's description ≤ 72);
 * - more than 10 (or an id too long for a button): numbered lines in the text — the engine maps "2" back;
 * - the engine asking for a contact: a "Use this number" button that shares the sender's own number;
 * - attachments: document messages by link.
 * An interactive body is at most 1024 characters: longer text goes first as text messages.
 */
export function render(message: OutboundMessage): WhatsAppPayload[] {
  const choices = message.choices ?? [];
  const links = message.links ?? [];
  let body = message.text.trim();
  const linkLines = links.map((l) => `${l.label}: ${l.url}`).join("\n");

  type Mode = "none" | "buttons" | "list" | "text";
  let mode: Mode = "none";
  if (message.requestContact) mode = "buttons";
  else if (
    choices.length > 0 &&
    choices.length <= MAX_BUTTONS &&
    choices.every((c) => c.id.length <= BUTTON_ID_LIMIT)
  )
    mode = "buttons";
  else if (
    choices.length > 0 &&
    choices.length <= MAX_LIST_ROWS &&
    choices.every((c) => c.id.length <= ROW_ID_LIMIT)
  )
    mode = "list";
  else if (choices.length > 0) mode = "text";

  let interactive: ((body: string) => WhatsAppPayload) | undefined;
  if (mode === "buttons" && message.requestContact) {
    // The contact button only; any choices go as numbered lines (they still work by number).
    if (choices.length > 0) body += `\n\n${numbered(choices)}`;
    interactive = (b) => buttons(b, [{ id: SHARE_CONTACT_ID, title: SHARE_CONTACT_LABEL }]);
  } else if (mode === "buttons") {
    let titles = choices.map((c) => truncate(c.label, BUTTON_TITLE_LIMIT));
    const cut = choices.some((c, i) => titles[i] !== c.label.trim());
    // Button titles must be unique within a message: number them when cutting made two alike.
    if (new Set(titles).size !== titles.length)
      titles = numberedChoices(choices).map((c) => truncate(c.numbered, BUTTON_TITLE_LIMIT));
    if (cut) body += `\n\n${numbered(choices)}`;
    interactive = (b) =>
      buttons(
        b,
        choices.map((c, i) => ({ id: c.id, title: titles[i]! })),
      );
  } else if (mode === "list") {
    const rows = choices.map((c) => {
      const title = truncate(c.label, ROW_TITLE_LIMIT);
      return title === c.label.trim()
        ? { id: c.id, title }
        : { id: c.id, title, description: truncate(c.label, ROW_DESCRIPTION_LIMIT) };
    });
    interactive = (b) => ({
      type: "interactive",
      interactive: {
        type: "list",
        body: { text: b },
        action: { button: LIST_BUTTON_LABEL, sections: [{ rows }] },
      },
    });
  } else if (mode === "text") {
    body += `\n\n${numbered(choices)}\n\nReply with the number of your choice.`;
  }
  if (linkLines) body += `\n\n${linkLines}`;
  body = body.trim();

  const out: WhatsAppPayload[] = [];
  const text = (t: string): TextPayload => ({
    type: "text",
    text: { body: t, preview_url: links.length > 0 },
  });
  if (interactive) {
    const parts = body === "" ? [] : splitText(body, WHATSAPP_TEXT_LIMIT);
    const last = parts.pop() ?? "";
    const tail = last === "" ? [] : splitText(last, INTERACTIVE_BODY_LIMIT);
    const interactiveBody = tail.pop() ?? "Please choose:";
    out.push(...[...parts, ...tail].map(text), interactive(interactiveBody));
  } else if (body !== "") {
    out.push(...splitText(body, WHATSAPP_TEXT_LIMIT).map(text));
  }
  for (const a of message.attachments ?? [])
    out.push({ type: "document", document: { link: a.url, ...(a.name ? { filename: a.name } : {}) } });
  return out;
}

/**
 * A template message for a notification: body parameters from the notification's data, in the configured
 * order. Parameters may not hold newlines, tabs or runs of spaces, nor be empty: cleaned, "-" when missing.
 */
export function renderTemplate(template: WhatsAppTemplate, data: Record<string, unknown>): TemplatePayload {
  const parameters = template.params.map((key) => {
    const v = data[key];
    const raw = typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? String(v) : "";
    const clean = raw.replace(/\s+/g, " ").trim();
    return { type: "text" as const, text: clean === "" ? "-" : truncate(clean, 1024) };
  });
  return {
    type: "template",
    template: {
      name: template.name,
      language: { code: template.language },
      ...(parameters.length > 0 ? { components: [{ type: "body", parameters }] } : {}),
    },
  };
}
