import { formatDate } from "../domain/shared/when.js";
import { instantToZoned, parseClockTime, zonedToInstant } from "../domain/shared/time.js";
import type { Turn } from "./turn.js";

/** "Mon 7 Jan" for an ISO date (domain/shared/when.ts is the one format). */
export const formatDay = formatDate;

/** "2.3 km" under ten kilometres, "14 km" beyond. */
export const formatKm = (km: number) => (km < 10 ? `${km.toFixed(1)} km` : `${Math.round(km)} km`);

/**
 * The zone a chat reply writes times in: the session patient's own (patients.time_zone). A zone never set
 * (the column's "UTC" default) and non-patients (doctors keep their own zone) give null: the appointment's
 * own clock (the doctor's zone) is shown, as the API views carry it.
 */
export async function replyZone(turn: Turn): Promise<string | null> {
  if (turn.actor?.role !== "patient") return null;
  const { timeZone } = await turn.tools.patientDefaults(turn.actor);
  return timeZone && timeZone !== "UTC" ? timeZone : null;
}

interface Wall {
  /** The doctor's calendar date and clock time ("10:30 AM"), as the views carry them. */
  appointment_date: string;
  appointment_time: string;
  /** The instant (ISO); when absent it is computed from the doctor's wall clock and `doctorZone`. */
  starts_at?: string | undefined;
}

/** The date and clock time of a slot or appointment on `zone`'s clock (null: as given, the doctor's). */
export function localWall(w: Wall, zone: string | null, doctorZone?: string): { date: string; time: string } {
  if (zone === null) return { date: w.appointment_date, time: w.appointment_time };
  const at =
    w.starts_at !== undefined
      ? new Date(w.starts_at)
      : doctorZone !== undefined && parseClockTime(w.appointment_time) !== undefined
        ? zonedToInstant(w.appointment_date, parseClockTime(w.appointment_time)!, doctorZone)
        : undefined;
  if (at === undefined) return { date: w.appointment_date, time: w.appointment_time };
  const local = instantToZoned(at, zone);
  return { date: local.date, time: local.time };
}

/** "Tue 8 Jan at 03:00 PM" on `zone`'s clock (the chat's one way of writing when an appointment is). */
export function formatWhen(w: Wall, zone: string | null, doctorZone?: string): string {
  const l = localWall(w, zone, doctorZone);
  return `${formatDay(l.date)} at ${l.time}`;
}
