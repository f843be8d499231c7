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

/**
 * Characters no person types and Postgres or the rest of the pipeline cannot take: the C0 control
 * characters (NUL included: Postgres text refuses it) except tab and line feed, DEL, and UTF-16 surrogates
 * that are not part of a pair (a broken emoji; they cannot be encoded as UTF-8).
 */
const UNWANTED =
  // eslint-disable-next-line no-control-regex -- matching control characters is this expression's purpose
  /[\u0000-\u0008\u000b-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** The text without control characters (other than \n and \t) and lone surrogates; "\r\n" becomes "\n". */
export function cleanText(text: string): string {
  return text.replace(/\r\n?/g, "\n").replace(UNWANTED, "");
}

/**
 * A provider's parsed payload (JSON or form fields) with every string in it, keys included, cleaned
 * (cleanText). Each channel's inbound parser runs it first, at the channel edge, so what a provider
 * delivers is stored and answered, never a turn that fails after the webhook said 200; a message left
 * empty is ignored like any empty one.
 */
export function cleanDeep<T>(value: T, depth = 0): T {
  if (typeof value === "string") return cleanText(value) as T;
  if (value === null || typeof value !== "object" || depth > 32) return value;
  if (Array.isArray(value)) return value.map((v: unknown) => cleanDeep(v, depth + 1)) as T;
  if (value instanceof Map)
    return new Map(
      [...value].map(([k, v]: [unknown, unknown]) => [cleanDeep(k), cleanDeep(v, depth + 1)]),
    ) as T;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [cleanText(k), cleanDeep(v as unknown, depth + 1)]),
  ) as T;
}
