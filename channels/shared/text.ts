import type { Choice } from "../../bot/types.js";

/**
 * Splits a text into parts of at most `limit` characters, at the last line break, sentence end or space
 * before the limit (mid-word only when a word is longer than half the limit). Loses no words.
 */
export function splitText(text: string, limit: number): string[] {
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

/**
 * Choices as every channel shows them: numbered "1. Yes", so typing "2" picks the second one wherever the
 * buttons are (the engine maps the number back to the choice).
 */
export function numberedChoices(choices: readonly Choice[]): (Choice & { numbered: string })[] {
  return choices.map((c, i) => ({ ...c, numbered: `${i + 1}. ${c.label}` }));
}

/** "Reply 1.", "Reply 1 or 2.", "Reply 1, 2 or 3." — for channels with no buttons. */
export function replyHint(n: number): string {
  if (n === 1) return "Reply 1.";
  if (n === 2) return "Reply 1 or 2.";
  return `Reply ${Array.from({ length: n - 1 }, (_, i) => i + 1).join(", ")} or ${n}.`;
}
