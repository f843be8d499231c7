import type { OutboundMessage } from "../../bot/types.js";
import { numberedChoices, splitText } from "../shared/text.js";

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

/** OutboundMessage → web frames: text split at the limit, buttons and links on the last part. */
export function render(message: OutboundMessage & { id: number }): WebFrame[] {
  const texts = splitText(message.text, WEB_TEXT_LIMIT);
  return texts.map((text, i) => {
    const lastPart = i === texts.length - 1;
    return {
      type: "message",
      id: message.id,
      part: i,
      text,
      buttons: lastPart
        ? numberedChoices(message.choices ?? []).map((c) => ({ id: c.id, label: c.numbered }))
        : [],
      links: lastPart ? (message.links ?? []) : [],
    };
  });
}

/** The person's own message, sent back when a page resumes (history shows both sides). */
export interface MineFrame {
  type: "mine";
  id: number;
  /** The page's own id for it (the message frame's uuid), so a page that showed it already skips it. */
  ref: string | null;
  text: string;
}

export function renderMine(id: number, text: string, ref: string | null): MineFrame {
  return { type: "mine", id, ref, text };
}
