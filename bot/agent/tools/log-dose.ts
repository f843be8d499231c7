import { tool } from "langchain";
import { z } from "zod";
import { prepareDose } from "../../medicines.js";
import { safely, turnOf } from "./shared.js";

/** Prepares recording a dose the person says they took ("I took my metformin"); the person confirms it. */
export function logDoseTool() {
  return tool(
    ({ medicine }, runtime) => {
      const turn = turnOf(runtime);
      return safely(() => prepareDose(turn, medicine));
    },
    {
      name: "log_dose",
      description: "Prepare recording that the person took their current dose of one of their medicines.",
      schema: z.object({ medicine: z.string().min(2).max(100) }),
    },
  );
}
