import { tool } from "langchain";
import { z } from "zod";
import { resendPaymentLinks } from "../../medicines.js";
import { safely, type AgentToolContext } from "./shared.js";

/** Sends the person the links of their payments still waiting (appointments, medicine orders, lab tests). */
export function paymentLinkTool({ turn }: AgentToolContext) {
  return tool(() => safely(() => resendPaymentLinks(turn)), {
    name: "resend_payment_link",
    description: "Send the person again the payment link of each of their payments still waiting.",
    schema: z.object({}),
  });
}
