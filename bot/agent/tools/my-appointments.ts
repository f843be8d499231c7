import { tool } from "langchain";
import { z } from "zod";
import { localWall, replyZone } from "../../format.js";
import { safely, turnOf } from "./shared.js";

/** The session's own upcoming appointments: the patient is the turn's actor, never an argument. */
export function myAppointmentsTool() {
  return tool(
    (_input, runtime) => {
      const turn = turnOf(runtime);
      return safely(async () => {
        const list = await turn.tools.upcomingAppointments(turn.actor!);
        if (list.length === 0) return "No upcoming appointments.";
        // On the person's clock, like every other time the chat shows them.
        const zone = await replyZone(turn);
        return list
          .map((a) => {
            const local = localWall(a, zone);
            return `appointment ${a.id}: ${a.doctor_name}, ${local.date} ${local.time} (${a.status})`;
          })
          .join("\n");
      });
    },
    {
      name: "my_appointments",
      description: "The person's own upcoming appointments.",
      schema: z.object({}),
    },
  );
}
