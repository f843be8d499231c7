import { tool } from "langchain";
import { z } from "zod";
import { prepareReorder } from "../../medicines.js";
import { safely, turnOf } from "./shared.js";

/**
 * Prepares a medicine order (nothing is ordered): priced and checked by the pharmacy, confirmed by the person.
 * No refills left: prepares the request to the doctor instead. Prescription-only without a prescription: refused.
 */
export function orderMedicineTool() {
  return tool(
    ({ medicine, quantity, delivery_address }, runtime) => {
      const turn = turnOf(runtime);
      return safely(() =>
        prepareReorder(turn, {
          medicine,
          quantity: quantity ?? undefined,
          address: delivery_address ?? undefined,
        }),
      );
    },
    {
      name: "order_medicine",
      description:
        "Prepare ordering a medicine (a refill of the person's prescription, or one sold without prescription) " +
        "for delivery, paid by link. Without a delivery address the address on file is used. The person confirms it.",
      schema: z.object({
        medicine: z.string().min(2).max(100).describe("the medicine's name, e.g. metformin"),
        quantity: z.number().int().positive().max(20).nullish().describe("packs; default: one fill"),
        delivery_address: z.string().min(8).max(300).nullish().describe("only if the person gave one"),
      }),
    },
  );
}
