import { tool } from "langchain";
import { z } from "zod";
import { prepareAction } from "../../actions.js";
import { formatWhen, replyZone } from "../../format.js";
import { AWAITING } from "./book.js";
import { safely, type AgentToolContext } from "./shared.js";

/** Prepares moving one of the person's own appointments to a free time of the same doctor. */
export function rescheduleTool({ turn }: AgentToolContext) {
  return tool(
    ({ appointment_id, date, time }) =>
      safely(async () => {
        const a = await turn.tools.appointment(turn.actor!, appointment_id);
        if (["cancelled", "rejected", "completed", "no_show"].includes(a.status))
          return `That appointment is ${a.status}; it cannot be moved.`;
        const day = await turn.tools.daySlots(a.doctor_id, date);
        const slot = day.slots.find((s) => s.appointment_time.toLowerCase() === time.trim().toLowerCase());
        if (!slot)
          return `That time is not free. Free times on ${date}: ${day.slots.map((s) => s.appointment_time).join(", ") || "none"}.`;
        prepareAction(turn, {
          kind: "reschedule",
          appointmentId: a.id,
          doctorId: a.doctor_id,
          appointmentDate: date,
          appointmentTime: slot.appointment_time,
          summary: `Move your appointment with ${a.doctor_name} to ${formatWhen(slot, await replyZone(turn))}.`,
        });
        return AWAITING;
      }),
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
