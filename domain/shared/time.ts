import { DateTime, IANAZone } from "luxon";
import { invalid } from "./errors.js";

export const ISO_DAYS = [
  "MONDAY",
  "TUESDAY",
  "WEDNESDAY",
  "THURSDAY",
  "FRIDAY",
  "SATURDAY",
  "SUNDAY",
] as const;
export type DayName = (typeof ISO_DAYS)[number];

export function isValidTimeZone(tz: string): boolean {
  return IANAZone.isValidZone(tz);
}

export function assertTimeZone(tz: string): string {
  if (!isValidTimeZone(tz)) throw invalid("INVALID_TIMEZONE", `"${tz}" is not an IANA time zone.`);
  return tz;
}

/** "10:30 AM", "4:30 pm", "16:30" → minutes after midnight. */
export function parseClockTime(value: string): number | undefined {
  const m = /^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?\s*$/.exec(value);
  if (!m) return undefined;
  let hour = Number(m[1]);
  const minute = Number(m[2]);
  const meridiem = m[4]?.toUpperCase();
  if (minute > 59) return undefined;
  if (meridiem) {
    if (hour < 1 || hour > 12) return undefined;
    if (meridiem === "AM" && hour === 12) hour = 0;
    if (meridiem === "PM" && hour !== 12) hour += 12;
  } else if (hour > 23) return undefined;
  return hour * 60 + minute;
}

/** Minutes after midnight → "10:30 AM" (the API's time format). */
export function formatClockTime(minutes: number): string {
  const h24 = Math.floor(minutes / 60);
  const m = minutes % 60;
  const h12 = h24 % 12 === 0 ? 12 : h24 % 12;
  return `${String(h12).padStart(2, "0")}:${String(m).padStart(2, "0")} ${h24 < 12 ? "AM" : "PM"}`;
}

/** "HH:MM" or "HH:MM:SS" (a Postgres time) → minutes. */
export function timeToMinutes(value: string): number {
  const [h, m] = value.split(":");
  return Number(h) * 60 + Number(m);
}

export function minutesToTime(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

export function isIsoDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  return DateTime.fromISO(value, { zone: "UTC" }).isValid;
}

/** A wall-clock date and time in a zone → the instant. Refuses times that do not exist (DST gaps). */
export function zonedToInstant(date: string, minutes: number, zone: string): Date {
  if (!isIsoDate(date)) throw invalid("INVALID_DATE", `"${date}" is not a date (YYYY-MM-DD).`);
  const dt = DateTime.fromISO(date, { zone }).set({ hour: Math.floor(minutes / 60), minute: minutes % 60 });
  if (!dt.isValid || dt.hour * 60 + dt.minute !== minutes) {
    throw invalid("INVALID_TIME", "That time does not exist in the doctor's time zone.");
  }
  return dt.toJSDate();
}

/** An instant → its wall-clock date and time in a zone, in the API's format. */
export function instantToZoned(
  at: Date,
  zone: string,
): { date: string; time: string; isoDay: number; minutes: number } {
  const dt = DateTime.fromJSDate(at, { zone });
  return {
    date: dt.toISODate()!,
    time: formatClockTime(dt.hour * 60 + dt.minute),
    isoDay: dt.weekday,
    minutes: dt.hour * 60 + dt.minute,
  };
}

/** The ISO weekday (1 = Monday) of a calendar date. */
export function isoDayOf(date: string): number {
  return DateTime.fromISO(date, { zone: "UTC" }).weekday;
}

/** Today's calendar date in a zone. */
export function todayIn(zone: string, now: Date): string {
  return DateTime.fromJSDate(now, { zone }).toISODate()!;
}

export function addDays(date: string, days: number): string {
  return DateTime.fromISO(date, { zone: "UTC" }).plus({ days }).toISODate()!;
}
