import type { AppointmentStatus } from "../../db/schema/index.js";
import { invalid, unprocessable } from "../shared/errors.js";
import { assertTimeZone, ISO_DAYS, isIsoDate, minutesToTime } from "../shared/time.js";
import type { WeeklyWindow } from "./slots.js";

// Weekly availability -------------------------------------------------------------------------------

export interface WeeklyInput {
  day: string;
  start: string;
  end: string;
  slot_minutes: number;
}

/** "09:00" → 540; "24:00" is allowed as an end (midnight). Anything else is undefined. */
export function parseHourMinute(value: string, allowMidnightEnd = false): number | undefined {
  if (allowMidnightEnd && value === "24:00") return 1440;
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(value);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

/** Validates a replacement weekly schedule: day names, times, start < end, slot 5–240, no overlaps on a day. */
export function parseWeekly(timeZone: string, weekly: readonly WeeklyInput[]): WeeklyWindow[] {
  assertTimeZone(timeZone);
  const windows = weekly.map((w, i): WeeklyWindow => {
    const dayIndex = ISO_DAYS.indexOf(w.day.trim().toUpperCase() as (typeof ISO_DAYS)[number]);
    if (dayIndex < 0) throw invalid("INVALID_DAY", `weekly[${i}].day must be one of ${ISO_DAYS.join(", ")}.`);
    const start = parseHourMinute(w.start);
    const end = parseHourMinute(w.end, true);
    if (start === undefined || end === undefined)
      throw invalid("INVALID_TIME", `weekly[${i}]: times are 24-hour HH:MM.`);
    if (start >= end) throw invalid("INVALID_WINDOW", `weekly[${i}]: start must be before end.`);
    if (!Number.isInteger(w.slot_minutes) || w.slot_minutes < 5 || w.slot_minutes > 240)
      throw invalid("INVALID_SLOT_MINUTES", `weekly[${i}].slot_minutes must be between 5 and 240.`);
    if (end - start < w.slot_minutes)
      throw invalid("INVALID_WINDOW", `weekly[${i}]: the window is shorter than one slot.`);
    return { isoDay: dayIndex + 1, startMinutes: start, endMinutes: end, slotMinutes: w.slot_minutes };
  });
  const sorted = [...windows].sort((a, b) => a.isoDay - b.isoDay || a.startMinutes - b.startMinutes);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const cur = sorted[i]!;
    if (prev.isoDay === cur.isoDay && cur.startMinutes < prev.endMinutes) {
      throw invalid(
        "OVERLAPPING_WINDOWS",
        `${ISO_DAYS[cur.isoDay - 1]}: ${minutesToTime(prev.startMinutes)}–${minutesToTime(prev.endMinutes)} overlaps ${minutesToTime(cur.startMinutes)}–${minutesToTime(cur.endMinutes)}.`,
      );
    }
  }
  return sorted;
}

/** Bit i set = works on ISO weekday i + 1. */
export function daysMask(windows: readonly WeeklyWindow[]): number {
  let mask = 0;
  for (const w of windows) mask |= 1 << (w.isoDay - 1);
  return mask;
}

export function parseExceptionInput(input: {
  date: string;
  start?: string | undefined;
  end?: string | undefined;
}): {
  startMinutes: number | null;
  endMinutes: number | null;
} {
  if (!isIsoDate(input.date)) throw invalid("INVALID_DATE", `"${input.date}" is not a date (YYYY-MM-DD).`);
  if (input.start === undefined && input.end === undefined) return { startMinutes: null, endMinutes: null };
  if (input.start === undefined || input.end === undefined)
    throw invalid("INVALID_WINDOW", "Give both start and end, or neither for the whole day.");
  const start = parseHourMinute(input.start);
  const end = parseHourMinute(input.end, true);
  if (start === undefined || end === undefined) throw invalid("INVALID_TIME", "Times are 24-hour HH:MM.");
  if (start >= end) throw invalid("INVALID_WINDOW", "start must be before end.");
  return { startMinutes: start, endMinutes: end };
}

// The appointment state machine ---------------------------------------------------------------------

export type AppointmentEvent =
  | "booked"
  | "accepted"
  | "rejected"
  | "proposed"
  | "proposal_accepted"
  | "proposal_declined"
  | "rescheduled"
  | "cancelled"
  | "completed"
  | "no_show";

export const ACTIVE_STATUSES = [
  "pending",
  "proposed",
  "confirmed",
] as const satisfies readonly AppointmentStatus[];

/**
 * From which statuses each event may happen. The target status is fixed for most events; for "booked" and
 * "rescheduled" it depends on who acts and on the doctor's auto-accept (decided in the service).
 */
const ALLOWED_FROM: Record<Exclude<AppointmentEvent, "booked">, readonly AppointmentStatus[]> = {
  accepted: ["pending"],
  rejected: ["pending"],
  proposed: ["pending", "proposed"],
  proposal_accepted: ["proposed"],
  proposal_declined: ["proposed"],
  rescheduled: ["pending", "proposed", "confirmed"],
  cancelled: ["pending", "proposed", "confirmed"],
  completed: ["confirmed"],
  no_show: ["confirmed"],
};

export function assertTransition(event: Exclude<AppointmentEvent, "booked">, from: AppointmentStatus): void {
  if (!ALLOWED_FROM[event].includes(from)) {
    throw unprocessable(
      "INVALID_TRANSITION",
      `An appointment that is ${from} cannot be ${describe(event)}.`,
      {
        from,
        event,
      },
    );
  }
}

function describe(event: Exclude<AppointmentEvent, "booked">): string {
  switch (event) {
    case "accepted":
      return "accepted";
    case "rejected":
      return "rejected";
    case "proposed":
      return "given a new proposed time";
    case "proposal_accepted":
    case "proposal_declined":
      return "answered as a proposal";
    case "rescheduled":
      return "rescheduled";
    case "cancelled":
      return "cancelled";
    case "completed":
      return "completed";
    case "no_show":
      return "marked as a no-show";
  }
}

/** How a status reads in the doctor's request list. */
export function requestStatus(status: AppointmentStatus): string {
  return status === "confirmed" ? "accepted" : status;
}
