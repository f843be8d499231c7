import { addDays } from "../domain/shared/time.js";
import { localWall, replyZone } from "./format.js";
import type { Turn } from "./turn.js";

/** A free slot as the patient reads it (`date`, `time` on their clock) and as scheduling books it (the doctor's). */
export interface LocalSlot {
  date: string;
  time: string;
  doctorDate: string;
  doctorTime: string;
}

/**
 * The free slots of one of the patient's days, on the patient's clock. A doctor in another zone contributes
 * from the neighbouring days of theirs (a Dubai doctor's 11 PM is the next morning in Kolkata, and a Kolkata
 * patient's early hours are the Dubai doctor's evening before), so both neighbours are read when the zones
 * differ; on one zone (or no zone set) it is the doctor's day as it is.
 */
export async function patientDaySlots(turn: Turn, doctorId: number, date: string): Promise<LocalSlot[]> {
  const zone = await replyZone(turn);
  const day = await turn.tools.daySlots(doctorId, date);
  const days = [day];
  if (zone !== null && zone !== day.time_zone)
    days.push(
      ...(await Promise.all([
        turn.tools.daySlots(doctorId, addDays(date, -1)),
        turn.tools.daySlots(doctorId, addDays(date, 1)),
      ])),
    );
  return days
    .flatMap((d) => d.slots)
    .map((s) => {
      const local = localWall(s, zone);
      return { ...local, doctorDate: s.appointment_date, doctorTime: s.appointment_time, at: s.starts_at };
    })
    .filter((s) => s.date === date)
    .sort((a, b) => a.at.localeCompare(b.at))
    .map(({ at: _at, ...s }) => s);
}

/** The next `count` of the patient's days with a free slot (the doctor's own days when the zones agree). */
export async function patientFreeDays(turn: Turn, doctorId: number, count = 5): Promise<string[]> {
  const zone = await replyZone(turn);
  const doctorDays = await turn.tools.freeDays(doctorId, zone === null ? count : count + 1);
  if (zone === null || doctorDays.length === 0) return doctorDays;
  const first = await turn.tools.daySlots(doctorId, doctorDays[0]!);
  if (first.time_zone === zone) return doctorDays.slice(0, count);
  const days = [
    first,
    ...(await Promise.all(doctorDays.slice(1).map((d) => turn.tools.daySlots(doctorId, d)))),
  ];
  const local = new Set(days.flatMap((d) => d.slots.map((s) => localWall(s, zone).date)));
  return [...local].sort().slice(0, count);
}
