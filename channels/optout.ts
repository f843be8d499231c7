import type { ConversationStore } from "../bot/store.js";
import type { InboundMessage } from "../bot/types.js";
import type { Clock } from "../domain/shared/clock.js";
import type { Interceptor } from "./hub.js";

/**
 * The opt-out words, matched as the whole message (trimmed, any case, a trailing "." or "!" ignored), as
 * Twilio's standard keyword handling does.
 *
 * SMS takes Twilio's full standard list, CANCEL, END and QUIT included: Twilio's own opt-out handling blocks
 * the number at its end on those words (later sends fail with 21610), so our record must agree with it, even
 * though "cancel" is also a patient's word — the confirmation tells them how to come back and that appointments
 * are cancelled from the menu ("cancel" inside a longer message, or a numbered choice, is not an opt-out).
 * WhatsApp has no carrier keyword handling, so there only the unambiguous words count and CANCEL, END and
 * QUIT reach the conversation.
 */
const OPT_OUT: Record<"sms" | "whatsapp", ReadonlySet<string>> = {
  sms: new Set(["stop", "stopall", "unsubscribe", "cancel", "end", "quit", "optout", "revoke"]),
  whatsapp: new Set(["stop", "stopall", "unsubscribe", "optout"]),
};
/** START and UNSTOP always; YES (Twilio's list) only from an opted-out number: otherwise it is a confirmation. */
const OPT_IN = new Set(["start", "unstop"]);
const HELP = new Set(["help", "info"]);

export const STOP_REPLY =
  "HealthLink: you're unsubscribed and will get no more messages from this number. Reply START to subscribe again. " +
  'To cancel an appointment instead, reply START and then "menu".';
export const START_REPLY =
  'HealthLink: you\'re subscribed again. Reply "menu" to see what I can do, or HELP for help.';
export const HELP_REPLY =
  'HealthLink: book and manage doctor appointments by message. Reply "menu" to start, then pick "Talk to a human" ' +
  "to reach a person. Reply STOP to stop all messages, START to get them again. In an emergency, call your local emergency number.";

/** HELP or INFO as the whole message. */
export function isHelpKeyword(text: string): boolean {
  return HELP.has(keyword(text));
}

function keyword(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[.!]+$/, "");
}

/**
 * STOP / START / HELP on SMS and WhatsApp, before the engine. STOP records the opt-out and answers with the
 * confirmation only (sent even though the number is now opted out); while opted out, every other message is
 * dropped unread (nothing is processed, so nothing can be booked or sent) until START (or YES); HELP is always
 * answered (the person asked). Anything else goes on to the engine.
 */
export function optOutInterceptor(store: ConversationStore, clock: Clock): Interceptor {
  return async (inbound: InboundMessage) => {
    const { channel, externalUserId: address } = inbound;
    if (channel !== "sms" && channel !== "whatsapp") return undefined;
    const word = keyword(inbound.text);
    const existing = await store.findIdentity(channel, address);
    const optedOut = existing?.optedOutAt != null;
    const touch = async () => {
      if (!existing) await store.identity(channel, address);
      await store.touchInbound(channel, address, inbound.receivedAt);
    };

    if (OPT_OUT[channel].has(word)) {
      await touch();
      if (optedOut) return [];
      await store.setOptOut(channel, address, clock.now());
      return { replies: [{ text: STOP_REPLY }], evenIfOptedOut: true };
    }
    if (HELP.has(word)) {
      await touch();
      return { replies: [{ text: HELP_REPLY }], evenIfOptedOut: true };
    }
    if (!optedOut) return undefined;
    await touch();
    if (OPT_IN.has(word) || word === "yes") {
      await store.setOptOut(channel, address, null);
      return [{ text: START_REPLY }];
    }
    return [];
  };
}
