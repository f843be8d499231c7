import type { Middleware } from "../turn.js";

/**
 * Records the inbound message first; a provider message id seen before means a redelivery: no reply.
 * Runs under the conversation's lock, so two copies arriving at once are decided one after the other.
 */
export const dedupe: Middleware = async (turn, next) => {
  const { inbound } = turn;
  const id = await turn.deps.store.recordInbound({
    conversationId: turn.conversation.id,
    channel: inbound.channel,
    text: inbound.text,
    payload: {
      ...(inbound.choice !== undefined ? { choice: inbound.choice } : {}),
      ...(inbound.attachments?.length ? { attachments: inbound.attachments } : {}),
      ...(inbound.contact ? { contact: inbound.contact } : {}),
    },
    providerMessageId: inbound.providerMessageId,
    createdAt: turn.deps.clock.now(),
  });
  if (id === undefined) {
    turn.handledBy = "dedupe";
    return;
  }
  turn.inboundMessageId = id;
  await next();
};
