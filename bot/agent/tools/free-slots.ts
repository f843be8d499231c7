import { tool } from "langchain";
import { z } from "zod";
import { safely, type AgentToolContext } from "./shared.js";

export function freeSlotsTool({ turn }: AgentToolContext) {
  return tool(
    ({ doctor_id, date }) =>
      safely(async () => {
        if (!date) {
          const days = await turn.tools.freeDays(doctor_id);
          return days.length ? `Days with free times: ${days.join(", ")}` : "No free days soon.";
        }
        const day = await turn.tools.daySlots(doctor_id, date);
        if (day.slots.length === 0)
          return `No free times on ${date}. Next free day: ${day.next_available_date ?? "none soon"}.`;
        return `Free times on ${date}: ${day.slots.map((s) => s.appointment_time).join(", ")}`;
      }),
    {
      name: "free_slots",
      description: "A doctor's free appointment times on a date (YYYY-MM-DD), or their next free days.",
      schema: z.object({
        doctor_id: z.number().int().positive(),
        date: z
          .string()
          .regex(/^\d{4}-\d{2}-\d{2}$/)
          .nullish(),
      }),
    },
  );
}
