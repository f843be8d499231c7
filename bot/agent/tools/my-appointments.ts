import { tool } from "langchain";
import { z } from "zod";
import { safely, type AgentToolContext } from "./shared.js";

/** The session's own upcoming appointments: the patient is the turn's actor, never an argument. */
export function myAppointmentsTool({ turn }: AgentToolContext) {
  return tool(
    () =>
      safely(async () => {
        const list = await turn.tools.upcomingAppointments(turn.actor!);
        if (list.length === 0) return "No upcoming appointments.";
        return list
          .map(
            (a) =>
              `appointment ${a.id}: ${a.doctor_name}, ${a.appointment_date} ${a.appointment_time} (${a.status})`,
          )
          .join("\n");
      }),
    {
      name: "my_appointments",
      description: "The person's own upcoming appointments.",
      schema: z.object({}),
    },
  );
}
