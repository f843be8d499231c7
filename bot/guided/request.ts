import { DateTime } from "luxon";

/** What a whole request typed at the menu says: "dentist in Delhi tomorrow 5 pm", "skin doctor near Vikas Puri". */
export interface ParsedRequest {
  /** A known specialty's name, as the search expects it. */
  specialty?: string | undefined;
  /** A known city, spelled as stored. */
  city?: string | undefined;
  /** The place after "near", as typed (the geocoder resolves it). */
  near?: string | undefined;
  /** YYYY-MM-DD. */
  date?: string | undefined;
  /** A clock time; meridiem absent when typed as "12:30". */
  time?: ClockTime | undefined;
  part?: "morning" | "afternoon" | "evening" | undefined;
}

export interface ClockTime {
  hour: number;
  minute: number;
  meridiem?: "AM" | "PM" | undefined;
}

export interface Vocabulary {
  specialties: readonly { name: string; slug: string }[];
  cities: readonly string[];
}

/** Everyday words for a specialty (by slug); the specialty's own name and slug always match. */
const SYNONYMS: Record<string, readonly string[]> = {
  dentist: ["dental", "teeth", "tooth", "toothache"],
  dermatologist: ["skin"],
  pediatrician: ["child", "children", "kids", "baby"],
  cardiologist: ["heart"],
  ophthalmologist: ["eye", "eyes"],
  orthopedist: ["bone", "bones", "joint", "joints"],
  "general-physician": ["gp", "fever", "physician"],
  gynecologist: ["pregnancy"],
  "ent-specialist": ["ent", "ear", "throat"],
  psychiatrist: ["depression"],
};

const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** A whole word or phrase, case-insensitive, optionally plural ("dentists"). */
const phrase = (s: string) => new RegExp(`(?<![\\p{L}\\d])${escape(s)}s?(?![\\p{L}\\d])`, "iu");

function parseTime(text: string): { time?: ClockTime; at?: RegExpExecArray } {
  const withMeridiem = /\b(\d{1,2})(?:[:.](\d{2}))?\s*([ap])\.?\s?m\b\.?/i.exec(text);
  if (withMeridiem) {
    const hour = Number(withMeridiem[1]);
    const minute = Number(withMeridiem[2] ?? 0);
    if (hour >= 1 && hour <= 12 && minute < 60)
      return {
        time: { hour, minute, meridiem: withMeridiem[3]!.toLowerCase() === "a" ? "AM" : "PM" },
        at: withMeridiem,
      };
  }
  const clock = /\b(\d{1,2}):(\d{2})\b/.exec(text);
  if (clock) {
    const hour = Number(clock[1]);
    const minute = Number(clock[2]);
    if (hour <= 23 && minute < 60) {
      if (hour === 0) return { time: { hour: 12, minute, meridiem: "AM" }, at: clock };
      if (hour > 12) return { time: { hour: hour - 12, minute, meridiem: "PM" }, at: clock };
      return { time: { hour, minute }, at: clock };
    }
  }
  if (/\bnoon\b/i.test(text)) return { time: { hour: 12, minute: 0, meridiem: "PM" } };
  return {};
}

function parseDate(text: string, today: string): string | undefined {
  const base = DateTime.fromISO(today, { zone: "UTC" });
  const t = text.toLowerCase();
  if (/\bday after tomorrow\b/.test(t)) return base.plus({ days: 2 }).toISODate()!;
  if (/\b(tomorrow|tmrw|tmr)\b/.test(t)) return base.plus({ days: 1 }).toISODate()!;
  if (/\b(today|tonight)\b/.test(t)) return today;
  const iso = /\b(\d{4}-\d{2}-\d{2})\b/.exec(t);
  if (iso) {
    const d = DateTime.fromISO(iso[1]!, { zone: "UTC" });
    if (d.isValid) return d.toISODate();
  }
  // "12 jan", "12th january", "jan 12": the next such date from today.
  const dm =
    /\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?([a-z]{3})[a-z]*\b/.exec(t) ??
    (() => {
      const m = /\b([a-z]{3})[a-z]*\s+(\d{1,2})(?:st|nd|rd|th)?\b/.exec(t);
      return m ? ([m[0], m[2], m[1]] as unknown as RegExpExecArray) : null;
    })();
  if (dm) {
    const month = MONTHS.indexOf(dm[2]!);
    const day = Number(dm[1]);
    if (month >= 0) {
      let d = DateTime.fromObject({ year: base.year, month: month + 1, day }, { zone: "UTC" });
      if (d.isValid && d < base) d = d.plus({ years: 1 });
      if (d.isValid) return d.toISODate();
    }
  }
  // "12/1": day/month, as written in India and Pakistan.
  const slash = /\b(\d{1,2})\/(\d{1,2})\b/.exec(t);
  if (slash) {
    let d = DateTime.fromObject(
      { year: base.year, month: Number(slash[2]), day: Number(slash[1]) },
      { zone: "UTC" },
    );
    if (d.isValid && d < base) d = d.plus({ years: 1 });
    if (d.isValid) return d.toISODate();
  }
  // A weekday: its next occurrence, today included ("next monday": never today).
  for (let i = 0; i < 7; i++) {
    const name = WEEKDAYS[i]!;
    const m = new RegExp(`\\b(next\\s+)?(${name}|${name.slice(0, 3)})\\b`).exec(t);
    if (!m) continue;
    let ahead = (i + 1 - base.weekday + 7) % 7;
    if (ahead === 0 && m[1]) ahead = 7;
    return base.plus({ days: ahead }).toISODate()!;
  }
  return undefined;
}

const STOP_AFTER_PLACE =
  /\s+(?:today|tonight|tomorrow|tmrw|on|at|in|this|next|for|from|by|around|morning|afternoon|evening|day)\b|[,.!?;]|\s+\d/i;

/**
 * Reads a whole request without a model: a specialty or symptom word, a city, "near <place>", a date and a
 * time. Hand-written because it is a few regular expressions over our own vocabulary (the specialties and
 * cities in the database); a general NLP library would add weight without knowing that vocabulary.
 */
export function parseRequest(text: string, vocab: Vocabulary, today: string): ParsedRequest {
  const out: ParsedRequest = {};
  const input = text.replace(/\s+/g, " ").trim();
  if (input === "") return out;

  const near = /\bnear(?:by)?\s+(?:to\s+)?(.+)$/i.exec(input);
  let rest = input;
  if (near) {
    const tail = near[1]!;
    const stop = STOP_AFTER_PLACE.exec(tail);
    const place = (stop ? tail.slice(0, stop.index) : tail).trim();
    if (place.length >= 2) {
      out.near = place;
      rest = input.slice(0, near.index) + " " + tail.slice(place.length);
    }
  }

  // Cities: the longest name first ("Vikas Puri" before a shorter name inside it).
  for (const city of [...vocab.cities].sort((a, b) => b.length - a.length)) {
    if (phrase(city).test(rest)) {
      out.city = city;
      rest = rest.replace(phrase(city), " ");
      break;
    }
  }

  let best: { name: string; at: number } | undefined;
  for (const s of vocab.specialties) {
    const words = [s.name, s.slug.replace(/-/g, " "), ...(SYNONYMS[s.slug] ?? [])];
    for (const w of words) {
      const m = phrase(w).exec(rest);
      if (m && (best === undefined || m.index < best.at)) best = { name: s.name, at: m.index };
    }
  }
  if (best) out.specialty = best.name;

  const { time, at } = parseTime(rest);
  if (time) out.time = time;
  const dateText = at ? rest.slice(0, at.index) + " " + rest.slice(at.index + at[0].length) : rest;
  const date = parseDate(dateText, today);
  if (date !== undefined) out.date = date;
  const part = /\b(morning|afternoon|evening)\b/i.exec(rest)?.[1]?.toLowerCase();
  if (part) out.part = part as ParsedRequest["part"];
  return out;
}

/** Slot labels ("05:30 PM") matching a typed time, the likelier reading first when no AM/PM was typed. */
export function slotLabelsFor(time: ClockTime): string[] {
  const label = (h: number, m: "AM" | "PM") =>
    `${String(h).padStart(2, "0")}:${String(time.minute).padStart(2, "0")} ${m}`;
  if (time.meridiem) return [label(time.hour, time.meridiem)];
  // "12:30" is past noon; "5:30" is more likely evening than dawn; "9:30" morning.
  if (time.hour === 12) return [label(12, "PM"), label(12, "AM")];
  return time.hour <= 7
    ? [label(time.hour, "PM"), label(time.hour, "AM")]
    : [label(time.hour, "AM"), label(time.hour, "PM")];
}

/** Whether a slot label ("05:30 PM") falls in a part of the day. */
export function inPart(label: string, part: NonNullable<ParsedRequest["part"]>): boolean {
  const m = /^(\d{2}):(\d{2}) ([AP]M)$/.exec(label);
  if (!m) return true;
  const h = (Number(m[1]) % 12) + (m[3] === "PM" ? 12 : 0);
  if (part === "morning") return h < 12;
  if (part === "afternoon") return h >= 12 && h < 17;
  return h >= 17;
}
