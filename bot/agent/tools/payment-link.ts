import { tool } from "langchain";
import { z } from "zod";
import { resendPaymentLinks } from "../../medicines.js";
import { safely, turnOf } from "./shared.js";

/** Sends the person the links of their payments still waiting (appointments, medicine orders, lab tests). */
export function paymentLinkTool() {
  return tool(
    (_input, runtime) => {
      const turn = turnOf(runtime);
      return safely(() => resendPaymentLinks(turn));
    },
    {
      name: "resend_payment_link",
      description: "Send the person again the payment link of each of their payments still waiting.",
      schema: z.object({}),
    },
  );
}
