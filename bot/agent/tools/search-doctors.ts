import { tool } from "langchain";
import { z } from "zod";
import { formatMoney } from "../../format.js";
import { safely, type AgentToolContext } from "./shared.js";

export function searchDoctorsTool({ turn }: AgentToolContext) {
  return tool(
    ({ query, city }) =>
      safely(async () => {
        const list = await turn.tools.searchDoctors({ q: query, city: city ?? undefined });
        if (list.length === 0) return "No doctors found.";
        return list
          .map(
            (d) =>
              `doctor ${d.id}: ${d.doctor_name}, ${d.specialization}, ${d.city}, fee ${formatMoney(d.consultation_fees, d.currency)}, ` +
              `rating ${d.rating}, first free day ${d.next_available_date ?? "none soon"}`,
          )
          .join("\n");
      }),
    {
      name: "search_doctors",
      description: "Find doctors by specialty or symptom (e.g. dentist, fever), optionally in a city.",
      schema: z.object({
        query: z.string().min(2).max(100).describe("specialty or symptom"),
        city: z.string().max(60).nullish().describe("city name"),
      }),
    },
  );
}
