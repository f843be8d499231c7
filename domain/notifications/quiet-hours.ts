import { DateTime } from "luxon";
import { parseClockTime } from "../shared/time.js";

/** Quiet hours as minutes of the day on the person's clock; `end` may be before `start` (overnight). */
export interface QuietHours {
  start: number;
  end: number;
}

/** "22:00-07:00" → {start: 1320, end: 420}; undefined when it is not HH:MM-HH:MM. */
export function parseQuietHours(value: string): QuietHours | undefined {
  const m = /^(\d{2}:\d{2})-(\d{2}:\d{2})$/.exec(value.trim());
  if (!m) return undefined;
  const start = parseClockTime(m[1]!);
  const end = parseClockTime(m[2]!);
  if (start === undefined || end === undefined || start >= 24 * 60 || end >= 24 * 60) return undefined;
  return { start, end };
}

/** Is this minute of the day inside the quiet hours? (start inclusive, end exclusive; equal ends: never) */
export function insideQuietMinutes(minute: number, q: QuietHours): boolean {
  if (q.start === q.end) return false;
  return q.start < q.end ? minute >= q.start && minute < q.end : minute >= q.start || minute < q.end;
}

/** The wall-clock minute `minutes` of a local date, as an instant; a time in a DST gap moves forward. */
function at(date: DateTime, minutes: number): DateTime {
  return date.startOf("day").set({ hour: Math.floor(minutes / 60), minute: minutes % 60 });
}

export function isQuiet(instant: Date, q: QuietHours, zone: string): boolean {
  const local = DateTime.fromJSDate(instant, { zone });
  return insideQuietMinutes(local.hour * 60 + local.minute, q);
}

/**
 * When a reminder due at `due` should go, given the person's quiet hours in their zone: unchanged outside
 * them; inside, moved to the end of the quiet hours — unless that is after the event it reminds of
 * (`eventAt`), then to the minute before they began (earlier, so it still arrives before the event).
 * Computed on the local calendar with luxon, so DST changes inside the night are handled (an end time that
 * does not exist that night moves forward with the clock).
 */
export function outsideQuietHours(due: Date, q: QuietHours, zone: string, eventAt?: Date): Date {
  const local = DateTime.fromJSDate(due, { zone });
  const minute = local.hour * 60 + local.minute;
  if (!insideQuietMinutes(minute, q)) return due;
  const overnight = q.start > q.end;
  // The quiet period containing `due` began on `startDay` and ends on `endDay` (local dates).
  const startDay = overnight && minute < q.end ? local.minus({ days: 1 }) : local;
  const endDay = overnight && minute >= q.start ? local.plus({ days: 1 }) : local;
  let end = at(endDay, q.end).toJSDate();
  // A repeated hour (DST ends) can resolve the end to its first occurrence, before `due`: count wall minutes.
  if (end.getTime() <= due.getTime())
    end = new Date(due.getTime() + ((q.end - minute + 1440) % 1440 || 1440) * 60_000);
  if (eventAt === undefined || end.getTime() <= eventAt.getTime()) return end;
  return at(startDay, q.start).minus({ minutes: 1 }).toJSDate();
}
