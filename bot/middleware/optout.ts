import { smsDoctorOf } from "../doctor-sms/handler.js";
import { say, type Middleware } from "../turn.js";

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

function keyword(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[.!]+$/, "");
}

/**
 * STOP / START / HELP on SMS and WhatsApp, first in the turn (before the message is even recorded). STOP
 * records the opt-out and answers with the confirmation only (sent even though the number is now opted out);
 * while opted out, every other message is dropped unread (nothing is processed, so nothing can be booked or
 * sent) until START (or YES); HELP is always answered (the person asked) — from a doctor's verified phone,
 * with the doctor's commands (the next middleware). Anything else goes on.
 */
export const optOut: Middleware = async (turn, next) => {
  const { channel, externalUserId: address } = turn.inbound;
  if (channel !== "sms" && channel !== "whatsapp") return next();
  const { conversations, clock } = turn.deps;
  const word = keyword(turn.inbound.text);
  const optedOut = turn.identity.optedOutAt != null;
  if (OPT_OUT[channel].has(word)) {
    turn.handledBy = "optout";
    if (optedOut) return;
    await conversations.setOptOut(channel, address, clock.now());
    return say(turn, STOP_REPLY, { evenIfOptedOut: true });
  }
  if (HELP.has(word)) {
    if (await smsDoctorOf(turn)) return next();
    turn.handledBy = "optout";
    return say(turn, HELP_REPLY, { evenIfOptedOut: true });
  }
  if (!optedOut) return next();
  turn.handledBy = "optout";
  if (OPT_IN.has(word) || word === "yes") {
    await conversations.setOptOut(channel, address, null);
    return say(turn, START_REPLY);
  }
};
