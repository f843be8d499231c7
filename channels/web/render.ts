import type { OutboundMessage } from "../../bot/types.js";

export const WEB_TEXT_LIMIT = 1000;

/** What the browser receives for one message part. */
export interface WebFrame {
  type: "message";
  /** conversation_messages id: the client resumes after the highest it has seen. */
  id: number;
  part: number;
  text: string;
  /** Numbered like the text channels, so typing "2" works too. */
  buttons: { id: string; label: string }[];
  links: { label: string; url: string }[];
}

/** Splits at the last sentence end, line break or space before the limit. */
export function splitText(text: string, limit = WEB_TEXT_LIMIT): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    const window = rest.slice(0, limit);
    const cut = Math.max(window.lastIndexOf("\n"), window.lastIndexOf(". ") + 1, window.lastIndexOf(" "));
    const at = cut > limit / 2 ? cut : limit;
    parts.push(rest.slice(0, at).trimEnd());
    rest = rest.slice(at).trimStart();
  }
  parts.push(rest);
  return parts;
}

/** OutboundMessage → web frames: text split at the limit, buttons and links on the last part. */
export function render(message: OutboundMessage & { id: number }): WebFrame[] {
  const texts = splitText(message.text);
  return texts.map((text, i) => {
    const lastPart = i === texts.length - 1;
    return {
      type: "message",
      id: message.id,
      part: i,
      text,
      buttons: lastPart
        ? (message.choices ?? []).map((c, n) => ({ id: c.id, label: `${n + 1}. ${c.label}` }))
        : [],
      links: lastPart ? (message.links ?? []) : [],
    };
  });
}
