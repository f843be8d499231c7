import { tool } from "langchain";
import { z } from "zod";
import { orderStatusText } from "../../medicines.js";
import { safely, type AgentToolContext } from "./shared.js";

/** The session's own medicine orders and their delivery and payment status. */
export function medicineOrdersTool({ turn }: AgentToolContext) {
  return tool(() => safely(() => orderStatusText(turn)), {
    name: "my_medicine_orders",
    description: "The person's own recent medicine orders: delivery status and payment status.",
    schema: z.object({}),
  });
}
