import { tool } from "langchain";
import { z } from "zod";
import { prepareCancel } from "../../cancel.js";
import { AWAITING } from "./book.js";
import { safely, turnOf } from "./shared.js";

/** Prepares cancelling one of the person's own appointments (the domain answers not found otherwise). */
export function cancelTool() {
  return tool(
    ({ appointment_id }, runtime) => {
      const turn = turnOf(runtime);
      return safely(async () => {
        const a = await turn.tools.appointment(turn.actor!, appointment_id);
        if (["cancelled", "rejected", "completed", "no_show"].includes(a.status))
          return `That appointment is ${a.status}; it cannot be cancelled.`;
        await prepareCancel(turn, a);
        return AWAITING;
      });
    },
    {
      name: "cancel_appointment",
      description: "Prepare cancelling one of the person's own appointments. The person confirms it.",
      schema: z.object({ appointment_id: z.number().int().positive() }),
    },
  );
}
