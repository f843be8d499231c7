import { tool } from "langchain";
import { z } from "zod";
import { resultsText } from "../../medicines.js";
import { safely, turnOf } from "./shared.js";

/** The session's own latest lab results, flags in plain words. */
export function myResultsTool() {
  return tool(
    (_input, runtime) => {
      const turn = turnOf(runtime);
      return safely(() => resultsText(turn));
    },
    {
      name: "my_lab_results",
      description:
        "The person's own latest lab results, each flagged value in plain words. Repeat them as given; no diagnosis.",
      schema: z.object({}),
    },
  );
}
