import type { Middleware } from "../turn.js";

/**
 * Records the inbound message; a provider message id seen before means a redelivery: no reply. Runs under
 * the conversation's lock, so two copies arriving at once are decided one after the other. A turn from the
 * inbox is never a redelivery (the inbox dedupes): its message found already recorded was left by an
 * earlier attempt of the same turn that died before answering, so the turn goes on with it.
 */
export const dedupe: Middleware = async (turn, next) => {
  const { inbound } = turn;
  const { conversations, clock } = turn.deps;
  let id = await conversations.recordInbound({
    conversationId: turn.conversation.id,
    channel: inbound.channel,
    text: inbound.text,
    payload: {
      ...(inbound.choice !== undefined ? { choice: inbound.choice } : {}),
      ...(inbound.attachments?.length ? { attachments: inbound.attachments } : {}),
      ...(inbound.contact ? { contact: inbound.contact } : {}),
    },
    providerMessageId: inbound.providerMessageId,
    createdAt: clock.now(),
  });
  if (id === undefined && turn.ctx.inboxId !== undefined)
    id = await conversations.inboundMessageId(inbound.channel, inbound.providerMessageId);
  if (id === undefined) {
    turn.handledBy = "dedupe";
    return;
  }
  turn.inboundMessageId = id;
  await next();
};
