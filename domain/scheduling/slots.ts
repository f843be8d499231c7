import { DateTime, IANAZone } from "luxon";
import { addDays, isoDayOf } from "../shared/time.js";

/**
 * Slot generation: pure functions, no database, no clock of their own.
 *
 * A doctor's weekly windows are wall-clock times in the doctor's IANA zone. A day's slots start at the
 * window's start and every `slotMinutes` after it, while the slot fits in the window. Each slot is then
 * placed on the time line:
 *  - a wall time that does not exist (the hour skipped when clocks go forward) gives no slot;
 *  - a wall time that happens twice (the hour repeated when clocks go back) means its first occurrence,
 *    so the repeated hour is not offered twice;
 *  - a slot lasts `slotMinutes` of real time and must end inside its window (on the time line);
 *  - slots that would overlap an earlier one (possible only around a DST jump) are dropped.
 * Then slots in an exception (day off or part of a day), before `notBefore`, or overlapping a busy range
 * (an active appointment) are removed.
 */

export interface WeeklyWindow {
  /** 1 = Monday … 7 = Sunday. */
  isoDay: number;
  /** Minutes after midnight, wall clock. endMinutes may be 1440 (midnight at the end of the day). */
  startMinutes: number;
  endMinutes: number;
  slotMinutes: number;
}

export interface DayException {
  date: string;
  /** Both null: the whole day. */
  startMinutes: number | null;
  endMinutes: number | null;
}

export interface BusyRange {
  startsAt: Date;
  endsAt: Date;
  /** An unpaid hold stops being busy at this instant (null or absent: busy until changed). */
  freedAt?: Date | null;
}

export interface Slot {
  /** The doctor's calendar date, YYYY-MM-DD. */
  date: string;
  /** Wall-clock start, minutes after midnight in the doctor's zone. */
  minutes: number;
  startsAt: Date;
  endsAt: Date;
}

export interface DayQuery {
  date: string;
  timeZone: string;
  weekly: readonly WeeklyWindow[];
  exceptions: readonly DayException[];
  /** Active appointments; slots overlapping them are not free. */
  busy: readonly BusyRange[];
  /** No slot may start before this instant (now plus the booking lead time). */
  notBefore: Date;
}

const MINUTE = 60_000;

function zoneOf(timeZone: string): IANAZone {
  const zone = IANAZone.create(timeZone);
  if (!zone.isValid) throw new RangeError(`invalid time zone ${timeZone}`);
  return zone;
}

/**
 * A zone's UTC offset (minutes) at an instant, remembered: luxon asks Intl for it, which costs microseconds,
 * and the same instants come up again and again (every doctor of a zone shares the grid times of a day).
 */
const offsetMemo = new Map<string, number>();
const MAX_OFFSETS = 100_000;
function offsetAt(zone: IANAZone, ts: number): number {
  const key = `${zone.name}|${ts}`;
  let o = offsetMemo.get(key);
  if (o === undefined) {
    o = zone.offset(ts);
    if (offsetMemo.size >= MAX_OFFSETS) offsetMemo.clear();
    offsetMemo.set(key, o);
  }
  return o;
}

/**
 * A wall-clock time on a date in a zone → the instant (ms). `exists` is false for a time skipped by a DST
 * jump; the instant is then the first one whose wall time is at or after the requested one (the jump).
 * A repeated wall time resolves to its first occurrence.
 */
export function resolveWallTime(
  date: string,
  minutes: number,
  timeZone: string | IANAZone,
): { at: number; exists: boolean } {
  const zone = typeof timeZone === "string" ? zoneOf(timeZone) : timeZone;
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const naive = Date.UTC(y, m - 1, d) + minutes * MINUTE;
  const offsets = new Set([
    offsetAt(zone, naive - 14 * 60 * MINUTE),
    offsetAt(zone, naive),
    offsetAt(zone, naive + 14 * 60 * MINUTE),
  ]);
  const hits: number[] = [];
  for (const o of offsets) {
    const t = naive - o * MINUTE;
    if (offsetAt(zone, t) === o) hits.push(t);
  }
  if (hits.length > 0) return { at: Math.min(...hits), exists: true };
  // In a gap: find the first minute whose wall time reaches the requested one.
  let lo = naive - Math.max(...offsets) * MINUTE;
  let hi = naive - Math.min(...offsets) * MINUTE;
  while (hi - lo > MINUTE) {
    const mid = lo + Math.floor((hi - lo) / MINUTE / 2) * MINUTE;
    if (mid + offsetAt(zone, mid) * MINUTE >= naive) hi = mid;
    else lo = mid;
  }
  return { at: hi, exists: false };
}

/** Every slot of the day on the doctor's grid, whether free or not (no busy ranges, no exceptions, no clock). */
export function gridSlots(date: string, timeZone: string, weekly: readonly WeeklyWindow[]): Slot[] {
  const zone = zoneOf(timeZone);
  const isoDay = isoDayOf(date);
  const candidates: Slot[] = [];
  for (const w of weekly) {
    if (w.isoDay !== isoDay || w.slotMinutes <= 0 || w.endMinutes <= w.startMinutes) continue;
    const windowEnd = resolveWallTime(date, w.endMinutes, zone).at;
    for (let s = w.startMinutes; s + w.slotMinutes <= w.endMinutes; s += w.slotMinutes) {
      const start = resolveWallTime(date, s, zone);
      if (!start.exists) continue;
      const end = start.at + w.slotMinutes * MINUTE;
      if (end > windowEnd) continue;
      candidates.push({ date, minutes: s, startsAt: new Date(start.at), endsAt: new Date(end) });
    }
  }
  candidates.sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime() || a.minutes - b.minutes);
  const slots: Slot[] = [];
  let lastEnd = -Infinity;
  for (const c of candidates) {
    if (c.startsAt.getTime() < lastEnd) continue;
    slots.push(c);
    lastEnd = c.endsAt.getTime();
  }
  return slots;
}

const overlaps = (aStart: number, aEnd: number, bStart: number, bEnd: number) =>
  aStart < bEnd && bStart < aEnd;

/** The instants an exception covers on its date (the whole day when it has no times). */
export function exceptionRange(e: DayException, timeZone: string): { start: number; end: number } {
  const zone = zoneOf(timeZone);
  const startMinutes = e.startMinutes ?? 0;
  const endMinutes = e.endMinutes ?? 1440;
  return {
    start: resolveWallTime(e.date, startMinutes, zone).at,
    end: resolveWallTime(e.date, endMinutes, zone).at,
  };
}

/** The slots of a day that could be booked, ignoring existing appointments (for validating a request). */
export function bookableSlots(q: Omit<DayQuery, "busy">): Slot[] {
  const blocked = q.exceptions.filter((e) => e.date === q.date).map((e) => exceptionRange(e, q.timeZone));
  const notBefore = q.notBefore.getTime();
  return gridSlots(q.date, q.timeZone, q.weekly).filter((s) => {
    const a = s.startsAt.getTime();
    const b = s.endsAt.getTime();
    return a >= notBefore && !blocked.some((x) => overlaps(a, b, x.start, x.end));
  });
}

/** The free slots of a day: bookable and not overlapping an active appointment. */
export function freeSlots(q: DayQuery): Slot[] {
  return bookableSlots(q).filter(
    (s) =>
      !q.busy.some((r) =>
        overlaps(s.startsAt.getTime(), s.endsAt.getTime(), r.startsAt.getTime(), r.endsAt.getTime()),
      ),
  );
}

/** The bookable slot starting at this wall time on this date, if there is one. */
export function findBookableSlot(q: Omit<DayQuery, "busy">, minutes: number): Slot | undefined {
  return bookableSlots(q).find((s) => s.minutes === minutes);
}

/**
 * The first date with a free slot (as nextAvailableDate) and the instant until which that answer holds while
 * nothing is written: the first free slot comes within the lead time (the answer may move later), an unpaid
 * hold lapses (it may move earlier), or, with no answer, the next midnight in the zone (the 60-day horizon
 * moves on). A date found stays the answer as days pass until its first free slot does.
 */
export function nextAvailability(
  q: Omit<DayQuery, "date"> & { from: string; days: number; now: Date; leadMs: number },
): { date: string | null; until: Date } {
  const date = nextAvailableDate(q);
  let until: number;
  if (date === null) until = zoneMidnightAfter(q.from, q.timeZone).getTime();
  else until = freeSlots({ ...q, date })[0]!.startsAt.getTime() - q.leadMs;
  for (const b of q.busy) {
    const freed = b.freedAt?.getTime();
    if (freed !== undefined && freed > q.now.getTime()) until = Math.min(until, freed);
  }
  return { date, until: new Date(until) };
}

/** The start of the day after `date` in the zone (luxon moves a midnight that a DST change skips forward). */
function zoneMidnightAfter(date: string, timeZone: string): Date {
  return DateTime.fromISO(addDays(date, 1), { zone: timeZone }).toJSDate();
}

/** The first date from `from` (inclusive, up to `days` days after it) with a free slot, or null. */
export function nextAvailableDate(q: Omit<DayQuery, "date"> & { from: string; days: number }): string | null {
  const workingDays = new Set(q.weekly.map((w) => w.isoDay));
  for (let i = 0; i <= q.days; i++) {
    const date = addDays(q.from, i);
    if (!workingDays.has(isoDayOf(date))) continue;
    if (freeSlots({ ...q, date }).length > 0) return date;
  }
  return null;
}
