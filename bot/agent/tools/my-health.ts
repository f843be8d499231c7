import { tool } from "langchain";
import { z } from "zod";
import { healthSummaryText } from "../../medicines.js";
import { safely, type AgentToolContext } from "./shared.js";

/** The session's own prescriptions, records, latest lab flags and allergies, in short. */
export function myHealthTool({ turn }: AgentToolContext) {
  return tool(() => safely(async () => healthSummaryText(await turn.tools.healthSummary(turn.actor!))), {
    name: "my_health_summary",
    description:
      "The person's own health summary: active prescriptions (medicine, dose, schedule, refills left), " +
      "recent records, the latest lab result's flags and allergies.",
    schema: z.object({}),
  });
}
