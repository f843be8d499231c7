import { tool } from "langchain";
import { z } from "zod";
import { orderStatusText } from "../../medicines.js";
import { safely, turnOf } from "./shared.js";

/** The session's own medicine orders and their delivery and payment status. */
export function medicineOrdersTool() {
  return tool(
    (_input, runtime) => {
      const turn = turnOf(runtime);
      return safely(() => orderStatusText(turn));
    },
    {
      name: "my_medicine_orders",
      description: "The person's own recent medicine orders: delivery status and payment status.",
      schema: z.object({}),
    },
  );
}
