import type { Middleware } from "../turn.js";

/**
 * Wraps everything after it: once the turn is answered, stores every outbound message, the state (with the
 * choices just offered, so "2" means the second of them next time) and the person on the conversation.
 */
export const persist: Middleware = async (turn, next) => {
  await next();
  const { store, clock } = turn.deps;
  const lastChoices = [...turn.out].reverse().find((m) => m.choices?.length)?.choices;
  turn.state.choices = lastChoices;
  const [ids] = await Promise.all([
    store.recordOutboundMany(
      turn.out.map((m) => {
        const { id: _id, conversationId: _c, text, ...payload } = m;
        return {
          conversationId: turn.conversation.id,
          channel: turn.inbound.channel,
          text,
          payload,
          createdAt: clock.now(),
        };
      }),
    ),
    turn.tools.flush(),
    turn.agentFailure &&
      store.flagForReview(
        turn.conversation.id,
        turn.inboundMessageId ?? null,
        `llm_error: ${turn.agentFailure.code} (${turn.agentFailure.errorClass})`,
        clock.now(),
      ),
  ]);
  turn.out.forEach((m, i) => {
    m.id = ids[i];
    m.conversationId = turn.conversation.id;
  });
  // The last write of the turn: it releases the conversation's lease too (one round trip, not two).
  await store.save(
    turn.conversation.id,
    {
      state: turn.state,
      channel: turn.inbound.channel,
      ...(turn.userId !== undefined ? { userId: turn.userId } : {}),
      ...(turn.flagged ? { flagged: true } : {}),
    },
    clock.now(),
    turn.lockToken,
  );
  turn.lockReleased = turn.lockToken !== undefined;
};
