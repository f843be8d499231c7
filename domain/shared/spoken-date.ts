import { isIsoDate } from "./time.js";
import { westernDigits } from "./transliterate.js";

/**
 * A date as a person says or types it → ISO (YYYY-MM-DD), or undefined. Speech recognition writes dates many
 * ways: "April 12th, 1988", "12 April 1988", "the twelfth of April nineteen eighty-eight", "4/12/1988" is
 * ambiguous and read day first (as the typed chat does: 12/04/1988 is 12 April) unless the first number is
 * over 12 in the other place. In the phone's other languages (bot/language.ts) it writes the numbers as
 * digits, Latin or the script's own: "मेरी जन्म तिथि 12 अप्रैल 1988 है", "१२ अप्रैल १९८८", "12 aprail 1988",
 * "1988 ஏப்ரல் 12". So a word in another script counts only as a month name; any other is ignored. Pure.
 */
export function parseSpokenDate(input: string): string | undefined {
  const tokens = normalize(input)
    .split(" ")
    .filter((t) => t !== "" && (LATIN.test(t) ? !FILLER.has(t) : MONTHS.has(t)));
  const text = tokens.join(" ");
  const ymd = /^(\d{4}) (\d{2}) (\d{2})$/.exec(text);
  if (ymd) return iso(Number(ymd[1]), Number(ymd[2]), Number(ymd[3]));
  const numeric = /^(\d{1,2}) (\d{1,2}) (\d{4})$/.exec(text);
  if (numeric) {
    let [d, m] = [Number(numeric[1]), Number(numeric[2])];
    if (m > 12 && d <= 12) [d, m] = [m, d];
    return iso(Number(numeric[3]), m, d);
  }
  const monthAt = tokens.findIndex((t) => MONTHS.has(t));
  if (monthAt < 0) return undefined;
  const month = MONTHS.get(tokens[monthAt]!)!;
  const before = tokens.slice(0, monthAt);
  const after = tokens.slice(monthAt + 1);
  // "1988 April 12": the year first.
  if (before.length === 1 && /^\d{4}$/.test(before[0]!)) {
    const day = readDay(after);
    return day?.used === after.length ? iso(Number(before[0]), month, day.value) : undefined;
  }
  // "12 April 1988" (day before the month) or "April 12 1988" (day after it); the year comes last.
  const dayWords = before.length ? before : after;
  const day = readDay(dayWords);
  if (!day) return undefined;
  const yearWords = before.length ? after : dayWords.slice(day.used);
  const year = readYear(yearWords);
  return year === undefined ? undefined : iso(year, month, day.value);
}

const LATIN = /^[a-z0-9]+$/;

/** Words around a date (English, and Hindi or Urdu in Latin letters: "meri janam tithi … hai"). */
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
  "meri",
  "mera",
  "janam",
  "janm",
  "tithi",
  "tarikh",
  "tareekh",
  "taarikh",
  "paidaish",
  "hai",
  "ki",
  "ka",
  "ko",
]);

/**
 * Words separated by single spaces: NFC, ASCII digits, lower case, punctuation (the danda and Urdu's marks
 * too) as spaces, "12th" as "12", a word glued to a number split off ("12ஆம்"). Nuktas go as well: speech
 * recognition writes फ़रवरी and फरवरी alike.
 */
function normalize(input: string): string {
  return westernDigits(input.normalize("NFC"))
    .toLowerCase()
    .replace(/[\u093c\u0a3c]/g, "")
    .replace(/(\d)(st|nd|rd|th)\b/g, "$1")
    .replace(/(\d)(?=[\p{L}\p{M}])/gu, "$1 ")
    .replace(/[-/.,\u0964\u0965\u06d4\u060c]/g, " ")
    .replace(/[^a-z0-9 \p{L}\p{M}]/gu, "")
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * Month names as speech recognition writes them, twelve a line (January first, "a|b" two spellings of one
 * month, "-" none): English and its abbreviations, Hindi in Latin letters (May left out: "mai" is also "I"
 * and "in"), Hindi, Urdu, Punjabi, Tamil, Telugu. Read through normalize() as the input is.
 */
const MONTH_NAMES = [
  "january february march april may june july august september october november december",
  "jan feb mar apr - jun jul aug sep|sept oct nov dec",
  "janvari|janwari farvari|farwari maarch aprail|aprel - joon julai agast sitambar aktubar|aktoobar navambar disambar",
  "जनवरी फ़रवरी मार्च अप्रैल|अप्रेल मई जून जुलाई अगस्त सितंबर|सितम्बर अक्टूबर|अक्तूबर नवंबर|नवम्बर दिसंबर|दिसम्बर",
  "جنوری فروری مارچ اپریل مئی جون جولائی اگست ستمبر اکتوبر نومبر دسمبر",
  "ਜਨਵਰੀ ਫ਼ਰਵਰੀ ਮਾਰਚ ਅਪ੍ਰੈਲ|ਅਪਰੈਲ ਮਈ ਜੂਨ ਜੁਲਾਈ ਅਗਸਤ ਸਤੰਬਰ ਅਕਤੂਬਰ ਨਵੰਬਰ ਦਸੰਬਰ",
  "ஜனவரி பிப்ரவரி|பெப்ரவரி மார்ச்|மார்ச்சு ஏப்ரல் மே ஜூன் ஜூலை ஆகஸ்ட்|ஆகஸ்டு செப்டம்பர்|செப்டெம்பர் அக்டோபர் நவம்பர் டிசம்பர்|டிசெம்பர்",
  "జనవరి ఫిబ్రవరి మార్చి ఏప్రిల్ మే జూన్ జూలై|జులై ఆగస్టు|ఆగష్టు సెప్టెంబర్|సెప్టెంబరు అక్టోబర్|అక్టోబరు నవంబర్|నవంబరు డిసెంబర్|డిసెంబరు",
];
const MONTHS = new Map<string, number>(
  MONTH_NAMES.flatMap((line) =>
    line.split(" ").flatMap((names, i) =>
      names
        .split("|")
        .filter((n) => n !== "-")
        .map((n) => [normalize(n), i + 1] as [string, number]),
    ),
  ),
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
