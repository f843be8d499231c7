import { isIsoDate } from "./time.js";

/**
 * A date as a person says or types it → ISO (YYYY-MM-DD), or undefined. Speech recognition writes dates many
 * ways: "April 12th, 1988", "12 April 1988", "the twelfth of April nineteen eighty-eight", "4/12/1988" is
 * ambiguous and read day first (as the typed chat does: 12/04/1988 is 12 April) unless the first number is
 * over 12 in the other place. Pure, no I/O.
 */
export function parseSpokenDate(input: string): string | undefined {
  const text = normalize(input);
  if (isIsoDate(text)) return text;
  const numeric = /^(\d{1,2}) (\d{1,2}) (\d{4})$/.exec(text);
  if (numeric) {
    let [d, m] = [Number(numeric[1]), Number(numeric[2])];
    if (m > 12 && d <= 12) [d, m] = [m, d];
    return iso(Number(numeric[3]), m, d);
  }
  const tokens = text.split(" ").filter((t) => t !== "" && !FILLER.has(t));
  const monthAt = tokens.findIndex((t) => MONTHS.has(t));
  if (monthAt < 0) return undefined;
  const month = MONTHS.get(tokens[monthAt]!)!;
  const before = tokens.slice(0, monthAt);
  const after = tokens.slice(monthAt + 1);
  // "12 April 1988" (day before the month) or "April 12 1988" (day after it); the year comes last.
  const dayWords = before.length ? before : after;
  const day = readDay(dayWords);
  if (!day) return undefined;
  const yearWords = before.length ? after : dayWords.slice(day.used);
  const year = readYear(yearWords);
  return year === undefined ? undefined : iso(year, month, day.value);
}

const FILLER = new Set([
  "the",
  "of",
  "on",
  "and",
  "its",
  "it",
  "is",
  "my",
  "born",
  "birthday",
  "date",
  "birth",
  "i",
  "was",
  "um",
  "uh",
]);

const MONTHS = new Map<string, number>(
  [
    ["january", "jan"],
    ["february", "feb"],
    ["march", "mar"],
    ["april", "apr"],
    ["may", "may"],
    ["june", "jun"],
    ["july", "jul"],
    ["august", "aug"],
    ["september", "sep", "sept"],
    ["october", "oct"],
    ["november", "nov"],
    ["december", "dec"],
  ].flatMap((names, i) => names.map((n) => [n, i + 1] as [string, number])),
);

const UNITS: Record<string, number> = {
  zero: 0,
  oh: 0,
  o: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
};
const TENS: Record<string, number> = {
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
};
const ORDINALS: Record<string, number> = {
  first: 1,
  second: 2,
  third: 3,
  fourth: 4,
  fifth: 5,
  sixth: 6,
  seventh: 7,
  eighth: 8,
  ninth: 9,
  tenth: 10,
  eleventh: 11,
  twelfth: 12,
  thirteenth: 13,
  fourteenth: 14,
  fifteenth: 15,
  sixteenth: 16,
  seventeenth: 17,
  eighteenth: 18,
  nineteenth: 19,
  twentieth: 20,
  thirtieth: 30,
};

function normalize(input: string): string {
  return input
    .toLowerCase()
    .replace(/(\d)(st|nd|rd|th)\b/g, "$1")
    .replace(/-/g, " ")
    .replace(/[/.,]/g, " ")
    .replace(/[^a-z0-9 ]/g, "")
    .replace(/\s+/g, " ")
    .trim()
    .replace(/^(\d{4}) (\d{2}) (\d{2})$/, "$1-$2-$3");
}

/** A day of the month at the start of the words: "12", "twelfth", "twenty first", "twenty one". */
function readDay(words: string[]): { value: number; used: number } | undefined {
  const [a, b] = words;
  if (a === undefined) return undefined;
  if (/^\d{1,2}$/.test(a)) return { value: Number(a), used: 1 };
  if (a in TENS && b !== undefined && (b in ORDINALS || b in UNITS)) {
    const unit = ORDINALS[b] ?? UNITS[b]!;
    if (unit >= 1 && unit <= 9) return { value: TENS[a]! + unit, used: 2 };
  }
  const single = ORDINALS[a] ?? UNITS[a] ?? TENS[a];
  return single !== undefined && single > 0 ? { value: single, used: 1 } : undefined;
}

/** A year: "1988", "nineteen eighty eight", "two thousand and five", "two thousand twelve", "nineteen oh five". */
function readYear(words: string[]): number | undefined {
  const w = words.filter((x) => x !== "and");
  if (w.length === 1 && /^\d{4}$/.test(w[0]!)) return Number(w[0]);
  if (w.length === 0 || w.some((x) => /\d/.test(x))) return undefined;
  if (w[0] === "two" && w[1] === "thousand") {
    const rest = number99(w.slice(2));
    return rest === undefined ? undefined : 2000 + rest;
  }
  // "nineteen eighty eight": a century pair.
  const century = UNITS[w[0]!];
  if (century === undefined || century < 10) return undefined;
  const rest = number99(w.slice(1));
  return rest === undefined ? undefined : century * 100 + rest;
}

/** 0–99 in words: "", "eight", "eighty", "eighty eight", "oh five". */
function number99(w: string[]): number | undefined {
  if (w.length === 0) return 0;
  if (w.length === 1) return UNITS[w[0]!] ?? TENS[w[0]!];
  if (w.length === 2) {
    if (w[0] === "oh" || w[0] === "o") return UNITS[w[1]!];
    const tens = TENS[w[0]!];
    const unit = UNITS[w[1]!];
    if (tens !== undefined && unit !== undefined && unit >= 1 && unit <= 9) return tens + unit;
  }
  return undefined;
}

function iso(year: number, month: number, day: number): string | undefined {
  const s = `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
  return isIsoDate(s) ? s : undefined;
}
