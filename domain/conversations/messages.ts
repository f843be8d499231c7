import type { MessageRow } from "./repository.js";
import type { OutboundMessage } from "./types.js";

/** What is stored beside an outbound message's text: everything the renderers and the sender need. */
export function payloadOf(m: OutboundMessage): Record<string, unknown> {
  const { id: _id, conversationId: _c, text: _t, ...payload } = m;
  return payload;
}

/** A stored outbound row back into the channel-neutral message it was. */
export function toOutbound(row: MessageRow): OutboundMessage {
  return {
    ...(row.payload as Omit<OutboundMessage, "text">),
    text: row.text ?? "",
    id: row.id,
    conversationId: row.conversationId,
  };
}
