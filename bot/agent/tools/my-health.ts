import { tool } from "langchain";
import { z } from "zod";
import { healthSummaryText } from "../../medicines.js";
import { safely, turnOf } from "./shared.js";

/** The session's own prescriptions, records, latest lab flags and allergies, in short. */
export function myHealthTool() {
  return tool(
    (_input, runtime) => {
      const turn = turnOf(runtime);
      return safely(async () => healthSummaryText(await turn.tools.healthSummary(turn.actor!)));
    },
    {
      name: "my_health_summary",
      description:
        "The person's own health summary: active prescriptions (medicine, dose, schedule, refills left), " +
        "recent records, the latest lab result's flags and allergies.",
      schema: z.object({}),
    },
  );
}
