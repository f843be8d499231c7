import { tool } from "langchain";
import { z } from "zod";
import { turnOf } from "./shared.js";

/** Opens a support ticket for this conversation. */
export function talkToHumanTool() {
  return tool(
    async ({ reason }, runtime) => {
      const turn = turnOf(runtime);
      const id = await turn.tools.call("talk_to_human", { reason }, () =>
        turn.deps.conversations.openTicket({
          conversationId: turn.conversation.id,
          userId: turn.user?.id ?? turn.identity.userId ?? null,
          reason: "requested",
          urgent: false,
        }),
      );
      turn.state.pending = undefined;
      return `A team member will get back to the person here (ticket ${id}).`;
    },
    {
      name: "talk_to_human",
      description: "Ask a human from the team to contact the person (a support ticket).",
      schema: z.object({ reason: z.string().max(300).nullish() }),
    },
  );
}
