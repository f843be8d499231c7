import { tool } from "langchain";
import { z } from "zod";
import { replyZone } from "../../format.js";
import { patientDaySlots, patientFreeDays } from "../../when.js";
import { safely, turnOf } from "./shared.js";

/** Free times on the person's own clock (their date, their time), as book_appointment takes them back. */
export function freeSlotsTool() {
  return tool(
    ({ doctor_id, date }, runtime) => {
      const turn = turnOf(runtime);
      return safely(async () => {
        const zone = await replyZone(turn);
        const clock = zone ? ` (the person's time, ${zone})` : "";
        if (!date) {
          const days = await patientFreeDays(turn, doctor_id);
          return days.length ? `Days with free times${clock}: ${days.join(", ")}` : "No free days soon.";
        }
        const slots = await patientDaySlots(turn, doctor_id, date);
        if (slots.length === 0) {
          const next = (await patientFreeDays(turn, doctor_id, 1))[0];
          return `No free times on ${date}. Next free day: ${next ?? "none soon"}.`;
        }
        return `Free times on ${date}${clock}: ${slots.map((s) => s.time).join(", ")}`;
      });
    },
    {
      name: "free_slots",
      description:
        "A doctor's free appointment times on a date (YYYY-MM-DD, the person's own calendar), or their next free days. Times are on the person's clock.",
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
