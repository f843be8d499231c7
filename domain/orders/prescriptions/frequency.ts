/**
 * How often a medicine is taken, parsed from what the doctor wrote: "twice daily", "BD", "TDS",
 * "every 8 hours", "1-0-1", "at night", "as needed" … Unknown wording is refused rather than guessed.
 */
export interface Frequency {
  /** Doses per day (a PRN medicine counts as 1 for the quantity). */
  timesPerDay: number;
  /** As needed: no schedule, no reminders. */
  prn: boolean;
  /** Local times of day (minutes after midnight) fixed by the wording itself ("at night", "0-0-1"). */
  times?: number[];
}

const H = 60;
const NIGHT = 21 * H;

const PHRASES: Record<string, Frequency> = {};
function add(words: string[], f: Frequency): void {
  for (const w of words) PHRASES[w] = f;
}

add(
  [
    "once daily",
    "once a day",
    "once per day",
    "once",
    "daily",
    "od",
    "qd",
    "every day",
    "everyday",
    "every 24 hours",
    "q24h",
    "1 time a day",
    "1 time daily",
    "one time a day",
    "in the morning",
    "every morning",
    "once in the morning",
    "morning",
    "qam",
  ],
  { timesPerDay: 1, prn: false },
);
add(
  [
    "twice daily",
    "twice a day",
    "twice per day",
    "bd",
    "bid",
    "2 times a day",
    "2 times daily",
    "two times a day",
    "two times daily",
    "morning and night",
    "morning and evening",
  ],
  { timesPerDay: 2, prn: false },
);
add(
  [
    "thrice daily",
    "thrice a day",
    "three times a day",
    "three times daily",
    "3 times a day",
    "3 times daily",
    "tds",
    "tid",
  ],
  { timesPerDay: 3, prn: false },
);
add(["four times a day", "four times daily", "4 times a day", "4 times daily", "qid", "qds"], {
  timesPerDay: 4,
  prn: false,
});
add(["at night", "at bedtime", "bedtime", "nightly", "every night", "once at night", "night", "hs", "qhs"], {
  timesPerDay: 1,
  prn: false,
  times: [NIGHT],
});
add(
  [
    "as needed",
    "as required",
    "when required",
    "when needed",
    "if needed",
    "if required",
    "as and when required",
    "as and when needed",
    "prn",
    "sos",
  ],
  { timesPerDay: 1, prn: true },
);

/** Positions of "1-0-1" (morning, afternoon, night) and "1-1-1-1" (morning, noon, evening, night). */
const SLOTS_3 = [9 * H, 14 * H, NIGHT];
const SLOTS_4 = [8 * H, 12 * H, 16 * H, 20 * H];

function normalize(text: string): string {
  return text
    .toLowerCase()
    .replace(/[.]/g, "")
    .replace(/\s*([-–])\s*/g, "-")
    .replace(/\s+/g, " ")
    .trim();
}

function parsePart(p: string): number | undefined {
  if (p === "½" || p === "1/2") return 0.5;
  if (!/^\d{1,2}(\.\d)?$/.test(p)) return undefined;
  return Number(p);
}

/** The parsed frequency, or undefined when the wording is not one we understand. */
export function parseFrequency(text: string): Frequency | undefined {
  const s = normalize(text);
  const known = PHRASES[s];
  if (known) return { ...known, ...(known.times ? { times: [...known.times] } : {}) };

  const hourly = /^(?:every|q) ?(\d{1,2}) ?(?:hours?|hrs?|h)(?: daily)?$/.exec(s);
  if (hourly) {
    const n = Number(hourly[1]);
    if (n >= 4 && n <= 24 && 24 % n === 0) return { timesPerDay: 24 / n, prn: false };
    return undefined;
  }
  const count = /^([1-6]) ?(?:x|times)(?: a| per)? ?(?:day|daily)$/.exec(s);
  if (count) return { timesPerDay: Number(count[1]), prn: false };

  const parts = s.split("-");
  if (parts.length === 3 || parts.length === 4) {
    const amounts = parts.map(parsePart);
    if (amounts.some((a) => a === undefined)) return undefined;
    const slots = parts.length === 3 ? SLOTS_3 : SLOTS_4;
    const times = slots.filter((_, i) => (amounts[i] ?? 0) > 0);
    if (times.length === 0) return undefined;
    return { timesPerDay: times.length, prn: false, times };
  }
  return undefined;
}

export const FREQUENCY_EXAMPLES =
  "once daily, twice daily (BD/BID), thrice daily (TDS/TID), QID, every 6/8/12 hours, 1-0-1, at night (HS), as needed (PRN)";
