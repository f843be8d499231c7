import { DateTime } from "luxon";

/** Default local dose times (minutes after midnight) by doses per day. */
export const DEFAULT_DOSE_TIMES: Readonly<Record<number, readonly number[]>> = {
  1: [9 * 60],
  2: [9 * 60, 21 * 60],
  3: [8 * 60, 14 * 60, 20 * 60],
  4: [8 * 60, 12 * 60, 16 * 60, 20 * 60],
};

/** The local times of day for n doses: the table above, or evenly spaced from 08:00 beyond four. */
export function doseTimes(timesPerDay: number, fixed?: readonly number[]): number[] {
  if (fixed && fixed.length > 0) return [...fixed].sort((a, b) => a - b);
  const table = DEFAULT_DOSE_TIMES[timesPerDay];
  if (table) return [...table];
  const step = Math.floor((24 * 60) / timesPerDay);
  return Array.from({ length: timesPerDay }, (_, i) => (8 * 60 + i * step) % (24 * 60)).sort((a, b) => a - b);
}

export interface ScheduleInput {
  /** The first calendar day of the course, in the patient's zone. */
  startDate: string;
  zone: string;
  /** Local times of day, minutes after midnight. */
  times: readonly number[];
  /** How many doses in all (doses per day × days). */
  count: number;
  /** No dose before this instant (the prescription's issue time): the course starts at the next dose time. */
  notBefore: Date;
}

/**
 * The instants of a course of doses: the next `count` dose times at or after `notBefore`, walking the days
 * from `startDate` in the patient's zone. A time that does not exist on a day (a DST gap) moves forward.
 */
export function scheduleDoses(input: ScheduleInput): Date[] {
  const out: Date[] = [];
  if (input.count <= 0 || input.times.length === 0) return out;
  const seen = new Set<number>();
  let day = DateTime.fromISO(input.startDate, { zone: input.zone }).startOf("day");
  const notBefore = input.notBefore.getTime();
  const maxDays = Math.ceil(input.count / input.times.length) + 2;
  for (let d = 0; d < maxDays && out.length < input.count; d++, day = day.plus({ days: 1 })) {
    for (const minutes of input.times) {
      const at = day.set({ hour: Math.floor(minutes / 60), minute: minutes % 60 }).toMillis();
      if (at < notBefore || seen.has(at)) continue;
      seen.add(at);
      out.push(new Date(at));
      if (out.length >= input.count) break;
    }
  }
  return out;
}
