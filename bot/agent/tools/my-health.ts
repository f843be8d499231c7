import { tool } from "langchain";
import { z } from "zod";
import type { HealthSummary } from "../../tools.js";
import { safely, type AgentToolContext } from "./shared.js";

/** The summary as short lines for the model: names, doses, dates, flags; no internal ids. */
export function healthSummaryText(s: HealthSummary): string {
  const lines: string[] = [];
  lines.push(
    s.medicines.length
      ? "Active prescriptions:\n" +
          s.medicines
            .map(
              (m) =>
                `- ${m.medicine}: ${m.dose}, ${m.schedule}; refills left ${m.refills_left}; ` +
                `by ${m.prescribed_by}, valid until ${m.valid_until}`,
            )
            .join("\n")
      : "No active prescriptions.",
  );
  lines.push(
    s.records.length
      ? "Recent records:\n" + s.records.map((r) => `- ${r.date}: ${r.title} (${r.by})`).join("\n")
      : "No records yet.",
  );
  if (s.latest_lab) {
    const l = s.latest_lab;
    const flagged = l.flagged.map((f) => `${f.name} ${f.value}${f.unit ? ` ${f.unit}` : ""} (${f.flag})`);
    lines.push(
      `Latest lab result: ${l.test} on ${l.date}: ` +
        (flagged.length ? `flagged: ${flagged.join(", ")}` : `${l.results} results, none flagged`),
    );
  } else lines.push("No lab results yet.");
  lines.push(
    s.allergies.length
      ? "Allergies: " +
          s.allergies
            .map((a) =>
              [a.name, a.severity, a.reaction && `reaction: ${a.reaction}`].filter(Boolean).join(", "),
            )
            .join("; ")
      : "No allergies recorded.",
  );
  return lines.join("\n");
}

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
