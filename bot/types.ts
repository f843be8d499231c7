/** The engine's message types live with the conversations module (domain/conversations/types.ts). */
export type { Choice, InboundMessage, OutboundMessage, TurnContext } from "../domain/conversations/types.js";
