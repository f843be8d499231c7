import { payloadOf } from "../../domain/conversations/messages.js";
import type { Middleware } from "../turn.js";

/**
 * Wraps everything after it: once the turn is answered, stores every outbound message (the identity's outbox),
 * the state (with the choices just offered, so "2" means the second of them next time) and the person on the
 * conversation, releases the conversation's lease and marks the inbox row processed — one transaction.
 */
export const persist: Middleware = async (turn, next) => {
  await next();
  const { conversations, clock } = turn.deps;
  const lastChoices = [...turn.out].reverse().find((m) => m.choices?.length)?.choices;
  turn.state.choices = lastChoices;
  const now = clock.now();
  await Promise.all([
    turn.tools.flush(),
    turn.agentFailure &&
      conversations.flagForReview(
        turn.conversation.id,
        turn.inboundMessageId ?? null,
        `llm_error: ${turn.agentFailure.code} (${turn.agentFailure.errorClass})`,
        now,
      ),
  ]);
  const ids = await conversations.completeTurn({
    conversationId: turn.conversation.id,
    outbound: turn.out.map((m) => ({
      conversationId: turn.conversation.id,
      channel: turn.inbound.channel,
      identityId: turn.identity.id,
      text: m.text,
      payload: payloadOf(m),
      createdAt: now,
    })),
    save: {
      state: turn.state as Record<string, unknown>,
      channel: turn.inbound.channel,
      ...(turn.userId !== undefined ? { userId: turn.userId } : {}),
      ...(turn.flagged ? { flagged: true } : {}),
    },
    at: now,
    releaseToken: turn.lockToken,
    inboxId: turn.ctx.inboxId,
  });
  turn.out.forEach((m, i) => {
    m.id = ids[i];
    m.conversationId = turn.conversation.id;
  });
  turn.lockReleased = turn.lockToken !== undefined;
};
