import { tool } from "langchain";
import { z } from "zod";
import { prepareAction } from "../../actions.js";
import { formatMoney } from "../../../domain/shared/money.js";
import { formatDay } from "../../format.js";
import { patientDaySlots, type LocalSlot } from "../../when.js";
import { safely, turnOf } from "./shared.js";

export const AWAITING = "Prepared. The person now sees a summary with Confirm / Change and must confirm it.";

/** Prepares a booking (nothing is booked): the pending middleware books only on the person's "yes". */
export function bookTool() {
  return tool(
    ({ doctor_id, date, time }, runtime) => {
      const turn = turnOf(runtime);
      return safely(async () => {
        // The date and time are the person's (as free_slots lists them); the action keeps the doctor's.
        const slots = await patientDaySlots(turn, doctor_id, date);
        const local = findSlot(slots, time);
        if (!local) return notFree(date, slots);
        const doctor = await turn.tools.doctor(doctor_id);
        prepareAction(turn, {
          kind: "book",
          doctorId: doctor_id,
          appointmentDate: local.doctorDate,
          appointmentTime: local.doctorTime,
          priceMinor: doctor.feeMinor,
          currency: doctor.currency,
          summary:
            `Book ${doctor.name} on ${formatDay(local.date)} (${local.date}) at ${local.time}. ` +
            `Fee: ${formatMoney(doctor.feeMinor, doctor.currency)}.`,
        });
        return AWAITING;
      });
    },
    {
      name: "book_appointment",
      description:
        "Prepare a booking with a doctor at a free time (as listed by free_slots). The person confirms it.",
      schema: z.object({
        doctor_id: z.number().int().positive(),
        date: z
          .string()
          .regex(/^\d{4}-\d{2}-\d{2}$/)
          .describe("the person's own date, as free_slots takes it"),
        time: z
          .string()
          .min(3)
          .max(10)
          .describe("a free time exactly as free_slots listed it, e.g. 10:00 AM"),
      }),
    },
  );
}

/** The listed slot a typed time names ("10:00 AM", "10:00 am"). */
export function findSlot(slots: LocalSlot[], time: string): LocalSlot | undefined {
  const want = time.trim().toLowerCase();
  return slots.find((s) => s.time.toLowerCase() === want);
}

export function notFree(date: string, slots: LocalSlot[]): string {
  return `That time is not free. Free times on ${date}: ${slots.map((s) => s.time).join(", ") || "none"}.`;
}
