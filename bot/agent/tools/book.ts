import { tool } from "langchain";
import { z } from "zod";
import { prepareAction } from "../../actions.js";
import { formatMoney } from "../../../domain/shared/money.js";
import { formatDay, localWall, replyZone } from "../../format.js";
import { safely, type AgentToolContext } from "./shared.js";

export const AWAITING = "Prepared. The person now sees a summary with Confirm / Change and must confirm it.";

/** Prepares a booking (nothing is booked): the pending middleware books only on the person's "yes". */
export function bookTool({ turn }: AgentToolContext) {
  return tool(
    ({ doctor_id, date, time }) =>
      safely(async () => {
        const day = await turn.tools.daySlots(doctor_id, date);
        const slot = day.slots.find((s) => s.appointment_time.toLowerCase() === time.trim().toLowerCase());
        if (!slot)
          return `That time is not free. Free times on ${date}: ${day.slots.map((s) => s.appointment_time).join(", ") || "none"}.`;
        const doctor = await turn.tools.doctor(doctor_id);
        // What the person reads is on their own clock; the action keeps the doctor's date and time.
        const local = localWall(slot, await replyZone(turn));
        prepareAction(turn, {
          kind: "book",
          doctorId: doctor_id,
          appointmentDate: date,
          appointmentTime: slot.appointment_time,
          priceMinor: doctor.feeMinor,
          currency: doctor.currency,
          summary:
            `Book ${doctor.name} on ${formatDay(local.date)} (${local.date}) at ${local.time}. ` +
            `Fee: ${formatMoney(doctor.feeMinor, doctor.currency)}.`,
        });
        return AWAITING;
      }),
    {
      name: "book_appointment",
      description:
        "Prepare a booking with a doctor at a free time (as listed by free_slots). The person confirms it.",
      schema: z.object({
        doctor_id: z.number().int().positive(),
        date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
        time: z.string().min(3).max(10).describe("a free time exactly as listed, e.g. 10:00 AM"),
      }),
    },
  );
}
