import { phrasesFor } from "../../bot/phrases.js";
import type { Choice, OutboundMessage } from "../../bot/types.js";
import { westernDigits } from "../../domain/shared/transliterate.js";

/**
 * The voice render profile: what a message sounds like on the phone. Short sentences; no links, ids or
 * markdown (links go to the caller by SMS, and the call says so); dates, times and money as a person says
 * them; choices read as "One, … Two, … Say one or two, or press the number." Pure. `language` is the call's
 * (BCP-47): the platform's own words (bot/phrases.ts) are said in it, English when absent.
 */

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const CURRENCIES: Record<string, string> = {
  INR: "rupees",
  "₹": "rupees",
  Rs: "rupees",
  PKR: "Pakistani rupees",
  USD: "dollars",
  $: "dollars",
  EUR: "euros",
  "€": "euros",
  GBP: "pounds",
  "£": "pounds",
};

/** "1st", "2nd", "3rd", "4th"… */
function ordinal(n: number): string {
  const s = n % 100 >= 11 && n % 100 <= 13 ? "th" : (["th", "st", "nd", "rd"][n % 10] ?? "th");
  return `${n}${n % 10 > 3 ? "th" : s}`;
}

/** A clock time as said: 09:00 → "9 AM", 14:30 → "2:30 PM". */
function spokenTime(h: number, m: number): string {
  const hour = h % 12 === 0 ? 12 : h % 12;
  return `${hour}${m === 0 ? "" : `:${String(m).padStart(2, "0")}`} ${h < 12 ? "AM" : "PM"}`;
}

/** Dates, times and money in a sentence as a person says them; markdown, links and ids removed. */
export function speakable(text: string): string {
  return (
    text
      // Links and web addresses are never read out.
      .replace(/\bhttps?:\/\/\S+/gi, "")
      .replace(/\bwww\.\S+/gi, "")
      // Markdown: emphasis, headings, code, bullets.
      .replace(/[*_`#>]+/g, "")
      .replace(/^\s*[-•]\s+/gm, "")
      // Ids and ticket numbers mean nothing aloud.
      .replace(/\s*\((?:ticket|ref|id)\s*#?\w+\)/gi, "")
      .replace(/\b(?:ticket|ref|id)\s*#\s*\w+/gi, "")
      .replace(/#\d+/g, "")
      // ISO dates (and a time after them).
      .replace(
        /\b(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::\d{2})?(?:\.\d+)?Z?)?\b/g,
        (_m, y, mo, d, h, mi) => {
          const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
          const day = `${WEEKDAYS[date.getUTCDay()]}, ${MONTHS[Number(mo) - 1]} ${ordinal(Number(d))}`;
          return h === undefined ? day : `${day} at ${spokenTime(Number(h), Number(mi))}`;
        },
      )
      // 24-hour clock times.
      .replace(/\b([01]?\d|2[0-3]):([0-5]\d)\b(?!\s*(?:AM|PM|am|pm))/g, (_m, h, mi) =>
        spokenTime(Number(h), Number(mi)),
      )
      // Money: "INR 500.00", "₹500", "500.00 INR".
      .replace(
        /(INR|PKR|USD|EUR|GBP|Rs\.?|₹|\$|€|£)\s?(\d[\d,]*)(?:\.(\d{2}))?|(\d[\d,]*)(?:\.(\d{2}))?\s?(INR|PKR|USD|EUR|GBP)\b/g,
        (_m, c1, a1, f1, a2, f2, c2) => {
          const code = String(c1 ?? c2).replace(/\.$/, "");
          const whole = String(a1 ?? a2).replace(/,/g, "");
          const cents = (f1 ?? f2) as string | undefined;
          const unit = CURRENCIES[code] ?? code;
          return cents && cents !== "00" ? `${whole} ${unit} and ${Number(cents)} cents` : `${whole} ${unit}`;
        },
      )
      .replace(/[ \t]+/g, " ")
      .replace(/\s*\n+\s*/g, " ")
      .replace(/\s+([.,!?])/g, "$1")
      .trim()
  );
}

/** "Say one, two or three, or press the number." */
export function choicesPrompt(count: number, language?: string): string {
  const p = phrasesFor(language);
  const words = Array.from({ length: count }, (_, i) => p.numbers[i]?.[0] ?? String(i + 1));
  const list =
    words.length <= 1 ? words.join("") : `${words.slice(0, -1).join(`${p.comma} `)} ${p.or} ${words.at(-1)}`;
  return p.choicesPrompt(list);
}

/** The choices read aloud: "One, Find a doctor. Two, My appointments. Say one or two, or press the number." */
export function spokenChoices(choices: Choice[], language?: string): string {
  if (choices.length === 0) return "";
  const p = phrasesFor(language);
  const items = choices
    .slice(0, 9)
    .map(
      (c, i) =>
        `${capitalize(p.numbers[i]![0]!)}${p.comma} ${speakable(c.label).replace(/[.!?।۔]$/u, "")}${p.stop}`,
    );
  return `${items.join(" ")} ${choicesPrompt(Math.min(choices.length, 9), language)}`;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** A whole message as said on the phone (links are texted: see hasLinks). */
export function spoken(
  message: OutboundMessage,
  opts: { choices?: boolean; language?: string | undefined } = {},
): string {
  const parts = [speakable(message.text)];
  if (hasLinks(message)) parts.push(phrasesFor(opts.language).linksBySms);
  if (opts.choices !== false && message.choices?.length)
    parts.push(spokenChoices(message.choices, opts.language));
  return parts.filter(Boolean).join(" ");
}

export function hasLinks(message: OutboundMessage): boolean {
  return Boolean(message.links?.length || message.attachments?.length);
}

const ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"];
const CHOICE_FILLER = new Set([
  "option",
  "number",
  "press",
  "pressing",
  "choice",
  "the",
  "please",
  "i",
  "pick",
  "choose",
  "want",
  // "दो नंबर", "दूसरा वाला", "ਦੋ ਨੰਬਰ", "ரெண்டு நம்பர்"…
  "नंबर",
  "वाला",
  "वाली",
  "वाले",
  "विकल्प",
  "wala",
  "wali",
  "wale",
  "نمبر",
  "والا",
  "والی",
  "ਨੰਬਰ",
  "ਵਾਲਾ",
  "ਵਾਲੀ",
  "எண்",
  "நம்பர்",
  "నంబర్",
]);

/**
 * What the caller said, as the engine reads choices: "one", "option two", "number 3", "the second one",
 * "press four" → the digit, and in the call's language its number words too ("दो", "do", "२"); anything else
 * unchanged. English number words count in any language (callers mix them in).
 */
export function spokenChoice(text: string, language?: string): string {
  let words = westernDigits(text.normalize("NFC"))
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N} ]/gu, " ")
    .split(/\s+/)
    .filter((w) => w !== "" && !CHOICE_FILLER.has(w));
  if (words.length === 2 && ORDINALS.includes(words[0]!) && words[1] === "one") words = [words[0]!];
  if (words.length !== 1) return text;
  const w = words[0]!;
  if (/^[1-9]$/.test(w)) return w;
  const o = ORDINALS.indexOf(w);
  if (o >= 0) return String(o + 1);
  for (const p of [phrasesFor("en"), phrasesFor(language)]) {
    const n = p.numbers.findIndex((names) => names.includes(w));
    if (n >= 0) return String(n + 1);
  }
  return text;
}

/**
 * Streams the model's text to the caller in speakable pieces: whole words only (a link or an id is dropped
 * as a word, before any of it is said), markdown stripped. push() returns what may be said now.
 */
export class SpeechFilter {
  private pending = "";

  push(token: string): string {
    this.pending += token;
    const cut = this.pending.search(/\s(?=\S*$)/);
    if (cut < 0) return "";
    const ready = this.pending.slice(0, cut + 1);
    this.pending = this.pending.slice(cut + 1);
    return clean(ready);
  }

  flush(): string {
    const rest = clean(this.pending);
    this.pending = "";
    return rest;
  }
}

function clean(words: string): string {
  return words
    .split(/(\s+)/)
    .map((w) => (/^(?:https?:\/\/|www\.)|:\/\//i.test(w) ? "" : w.replace(/[*_`#]+/g, "")))
    .join("");
}
