import { tool } from "langchain";
import { z } from "zod";
import { DomainError } from "../../../domain/shared/errors.js";
import { labTestLine, prepareLabTest } from "../../labs.js";
import { AWAITING } from "./book.js";
import { safely, turnOf } from "./shared.js";

/** Lab tests by name or plain words ("blood count"), with price, sample, preparation and home collection. */
export function findLabTestsTool() {
  return tool(
    ({ query }, runtime) => {
      const turn = turnOf(runtime);
      return safely(async () => {
        const tests = await turn.tools.findLabTests(query);
        if (tests.length === 0) return "No lab test found.";
        return tests
          .map(
            (t) =>
              `test ${t.code}: ${labTestLine(t)}; sample ${t.sample_type}; ` +
              `${t.home_collection ? "home collection available" : "at the lab only"}; preparation: ${t.preparation}`,
          )
          .join("\n");
      });
    },
    {
      name: "find_lab_tests",
      description:
        "Find lab tests by name or plain words (e.g. blood count, sugar, thyroid): price, sample, preparation, home collection.",
      schema: z.object({ query: z.string().min(2).max(100) }),
    },
  );
}

/**
 * Prepares a lab test booking for the person (nothing is booked): the labs service checks the test, the day,
 * home collection and the address (the one given, else the one on file). The person confirms it.
 */
export function bookLabTestTool() {
  return tool(
    ({ test, date, collection, address }, runtime) => {
      const turn = turnOf(runtime);
      return safely(async () => {
        try {
          await prepareLabTest(turn, { test, date, collection, address: address ?? undefined });
        } catch (err) {
          if (err instanceof DomainError && err.code === "ADDRESS_REQUIRED")
            return "No address on file: ask the person where the sample should be taken, then call again with it.";
          if (err instanceof DomainError && (err.kind === "unprocessable" || err.kind === "invalid"))
            return `Cannot be booked: ${err.message}`;
          throw err;
        }
        return AWAITING;
      });
    },
    {
      name: "book_lab_test",
      description:
        "Prepare booking a lab test (code or name from find_lab_tests) on a date, at the lab or with home " +
        "collection. Without an address, home collection uses the address on file. The person confirms it.",
      schema: z.object({
        test: z.string().min(2).max(100).describe("the test's code or name, e.g. CBC"),
        date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
        collection: z.enum(["lab", "home"]),
        address: z.string().min(8).max(300).nullish().describe("only if the person gave another address"),
      }),
    },
  );
}
