/**
 * Deterministic red-flag triage, run on every message before anything else. English patterns; when in
 * doubt it fires (a false alarm costs a sentence, a miss can cost a life). Pure: no I/O.
 */
import { phoneRegionOf } from "../domain/shared/phone.js";

export type RedFlag =
  "cardiac" | "stroke" | "bleeding" | "not_breathing" | "suicide" | "poisoning" | "anaphylaxis" | "seizure";

const PATTERNS: [RedFlag, RegExp[]][] = [
  [
    "cardiac",
    [
      /\bheart attack\b/,
      /\bchest\b.{0,40}\b(pain|pains|hurts?|tight(ness)?|pressure|crushing)\b.{0,80}\b(breath|breathe|breathing|breathless|sweat|sweating|arm|jaw)/,
      /\b(breath|breathe|breathing|breathless)\b.{0,80}\bchest\b.{0,40}\b(pain|pains|hurts?|tight(ness)?|pressure)/,
      /\bcrushing\b.{0,20}\bchest\b/,
    ],
  ],
  [
    "stroke",
    [
      /\bstroke\b/,
      /\bface\b.{0,20}\b(droop|drooping|drooped|drooping|fallen|numb)/,
      /\bdroop(y|ing)?\b.{0,20}\bface\b/,
      /\bslurr(ed|ing)\b.{0,20}\b(speech|words|talk)/,
      /\b(one[- ]sided|one side|left side|right side)\b.{0,30}\b(weak|weakness|numb|numbness|paraly[sz])/,
      /\b(weak|weakness|numb|numbness|paraly[sz]\w*)\b.{0,30}\b(on )?(one|the left|the right) side\b/,
      /\bcan'?t (move|lift|feel) (my|his|her|their) (arm|leg|face)\b/,
    ],
  ],
  [
    "bleeding",
    [
      /\b(bleeding|blood)\b.{0,40}\b(won'?t|will not|doesn'?t|does not|not|can'?t|cannot)\b.{0,10}\bstop/,
      /\b(heavy|heavily|severe|severely|lots of|a lot of|profuse|spurting|gushing)\b.{0,15}\b(bleed|bleeding|blood)\b/,
      /\bbleed(ing)? (heavily|badly|profusely|a lot)\b/,
      /\b(vomiting|coughing|throwing up) blood\b/,
    ],
  ],
  [
    "not_breathing",
    [
      /\b(not|isn'?t|stopped|can'?t|cannot|unable to|struggling to|hard to) (breathing|breathe)\b/,
      /\bunconscious\b/,
      /\bunresponsive\b/,
      /\bcollapsed?\b/,
      /\bpassed out\b/,
      /\bwon'?t wake up\b/,
      /\bchoking\b/,
    ],
  ],
  [
    "suicide",
    [
      /\bsuicid/,
      /\bkill(ing)? (my|him|her|them)sel(f|ves)\b/,
      /\bend (my|his|her) life\b/,
      /\bend it all\b/,
      /\bwant(s)? to die\b/,
      /\bself[- ]?harm/,
      /\b(hurt|hurting|harm|harming|cut|cutting) (my|him|her)self\b/,
      /\bno reason to live\b/,
    ],
  ],
  [
    "poisoning",
    [
      /\boverdos/,
      /\bpoison/,
      /\b(took|taken|swallowed|ate|drank)\b.{0,20}\b(too many|a lot of|whole (bottle|pack|strip)|bleach|pesticide|kerosene|rat poison)/,
    ],
  ],
  [
    "anaphylaxis",
    [
      /\banaphyla/,
      /\b(throat|tongue|lips?|face)\b.{0,15}\b(swell|swelling|swollen|closing|tight)/,
      /\bswollen (throat|tongue|lips?)\b/,
      /\b(severe|bad)\b.{0,10}\ballergic reaction\b/,
      /\ballergic reaction\b.{0,60}\b(breath|breathe|breathing|swell|swelling|swollen)/,
    ],
  ],
  [
    "seizure",
    [/\bseizures?\b/, /\bconvuls/, /\bfitting\b/, /\bhaving (a )?fits?\b/, /\bepileptic (fit|attack)\b/],
  ],
];

/** The red flags this text raises, most urgent first; empty when none. */
export function redFlags(text: string): RedFlag[] {
  const t = text.toLowerCase().replace(/[’‘]/g, "'").replace(/\s+/g, " ");
  return PATTERNS.filter(([, res]) => res.some((re) => re.test(t))).map(([flag]) => flag);
}

const CITY_COUNTRY: Record<string, string> = {
  delhi: "IN",
  "new delhi": "IN",
  mumbai: "IN",
  bengaluru: "IN",
  bangalore: "IN",
  chennai: "IN",
  kolkata: "IN",
  hyderabad: "IN",
  pune: "IN",
  karachi: "PK",
  lahore: "PK",
  islamabad: "PK",
  london: "GB",
  "new york": "US",
};

/** The person's country from their profile city, else their phone number's region; undefined when unknown. */
export function countryOf(profile: { city?: string | null; phone?: string | null }): string | undefined {
  const city = profile.city?.trim().toLowerCase();
  if (city && CITY_COUNTRY[city]) return CITY_COUNTRY[city];
  return phoneRegionOf(profile.phone);
}

export function emergencyNumber(
  numbers: Readonly<Record<string, string>>,
  country: string | undefined,
): string {
  return (country && numbers[country]) || numbers.DEFAULT || "112";
}

const ADVICE: Record<RedFlag, string> = {
  cardiac: "Chest pain with breathlessness can be a heart attack.",
  stroke: "Face drooping, slurred speech or weakness on one side can be a stroke; every minute counts.",
  bleeding: "Press firmly on the wound with a clean cloth and keep pressing.",
  not_breathing: "If the person is not breathing, start chest compressions if you know how.",
  suicide:
    "You are not alone, and you deserve help right now. If you are in danger, please stay with someone you trust.",
  poisoning: "Do not try to make the person vomit. Keep the packet or bottle to show the responders.",
  anaphylaxis: "If there is an adrenaline auto-injector (EpiPen), use it now.",
  seizure: "Move things away from the person, do not hold them down or put anything in their mouth.",
};

export function emergencyText(flags: RedFlag[], number: string): string {
  const advice = flags.map((f) => ADVICE[f]).join(" ");
  return (
    `This may be an emergency. Call ${number} now, or go to the nearest emergency department. ` +
    `${advice} I can't help with emergencies in this chat, but I can connect you with a person.`
  );
}
