import { tool } from "langchain";
import { z } from "zod";
import { prepareAction } from "../../actions.js";
import { formatDay } from "../../format.js";
import { patientDaySlots } from "../../when.js";
import { AWAITING, findSlot, notFree } from "./book.js";
import { safely, turnOf } from "./shared.js";

/** Prepares moving one of the person's own appointments to a free time of the same doctor. */
export function rescheduleTool() {
  return tool(
    ({ appointment_id, date, time }, runtime) => {
      const turn = turnOf(runtime);
      return safely(async () => {
        const a = await turn.tools.appointment(turn.actor!, appointment_id);
        if (["cancelled", "rejected", "completed", "no_show"].includes(a.status))
          return `That appointment is ${a.status}; it cannot be moved.`;
        const slots = await patientDaySlots(turn, a.doctor_id, date);
        const slot = findSlot(slots, time);
        if (!slot) return notFree(date, slots);
        prepareAction(turn, {
          kind: "reschedule",
          appointmentId: a.id,
          doctorId: a.doctor_id,
          appointmentDate: slot.doctorDate,
          appointmentTime: slot.doctorTime,
          summary: `Move your appointment with ${a.doctor_name} to ${formatDay(slot.date)} at ${slot.time}.`,
        });
        return AWAITING;
      });
    },
    {
      name: "reschedule_appointment",
      description:
        "Prepare moving one of the person's own appointments to a free time of the same doctor. The person confirms it.",
      schema: z.object({
        appointment_id: z.number().int().positive(),
        date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
        time: z.string().min(3).max(10),
      }),
    },
  );
}
