import { tool } from "langchain";
import { z } from "zod";
import { askRecordsText } from "../../medicines.js";
import { safely, turnOf } from "./shared.js";

/**
 * A question about the session's own records ("what did the doctor say about my cholesterol last time?"),
 * answered from them only, with the date of each source. The patient is the session's; no argument names one.
 */
export function askRecordsTool() {
  return tool(
    ({ question }, runtime) => {
      const turn = turnOf(runtime);
      return safely(() => askRecordsText(turn, question));
    },
    {
      name: "ask_my_records",
      description:
        "Answer a question about the person's own health records (visit notes, transcripts, lab results, " +
        "prescriptions, uploaded reports, history) from those records only. Returns the answer and the date and " +
        "title of each source; repeat the dates. If it says nothing is recorded, say so; never add to it.",
      schema: z.object({ question: z.string().min(2).max(500) }),
    },
  );
}
