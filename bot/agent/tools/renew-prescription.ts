import { tool } from "langchain";
import { z } from "zod";
import { matchOption, prepareRefillRequest, refillOptions } from "../../medicines.js";
import { safely, turnOf } from "./shared.js";

/** Prepares asking the prescribing doctor to renew one of the person's prescriptions (the person confirms). */
export function renewPrescriptionTool() {
  return tool(
    ({ medicine }, runtime) => {
      const turn = turnOf(runtime);
      return safely(async () => {
        const option = matchOption(await refillOptions(turn), medicine);
        if (!option) return "No active prescription for that medicine.";
        return prepareRefillRequest(turn, option);
      });
    },
    {
      name: "ask_doctor_to_renew",
      description:
        "Prepare a request to the prescribing doctor to renew one of the person's prescriptions (e.g. no refills left). The person confirms it.",
      schema: z.object({ medicine: z.string().min(2).max(100) }),
    },
  );
}
