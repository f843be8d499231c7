import { tool } from "langchain";
import { z } from "zod";
import { medicinesText, refillOptions } from "../../medicines.js";
import { safely, turnOf } from "./shared.js";

/** The session's own active prescriptions with the fills left and what one fill costs. */
export function myMedicinesTool() {
  return tool(
    (_input, runtime) => {
      const turn = turnOf(runtime);
      return safely(async () => medicinesText(await refillOptions(turn)));
    },
    {
      name: "my_medicines",
      description:
        "The person's own active prescriptions: each medicine, its doctor, refills left and the price of one fill.",
      schema: z.object({}),
    },
  );
}
