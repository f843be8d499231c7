import { askedLanguage, languageOf, sameLanguage } from "../language.js";
import { say, type Middleware } from "../turn.js";

/**
 * The phone's language (bot/language.ts): a caller asking to speak another language ("can we speak Hindi?")
 * gets a confirmation in it, marked with the language so the call switches its speech recognition and voice;
 * a prompt that speech recognition heard in another supported language (`InboundMessage.language`) switches
 * too, and the turn goes on. The conversation's language is kept in its state; the agent answers in it.
 * Runs after the red-flag triage (an emergency is answered first) and before identity: a language is no
 * patient data.
 */
export const language: Middleware = async (turn, next) => {
  if (turn.inbound.channel !== "voice") return next();
  const current = turn.state.language ?? turn.deps.config.voice?.language ?? "en-US";
  const asked = turn.input.choice === undefined ? askedLanguage(turn.input.text) : undefined;
  if (asked) {
    // English keeps the configured region (en-US stays en-US); others take their own tag.
    const tag = sameLanguage(asked.tag, current) ? current : asked.tag;
    turn.state.language = tag;
    turn.handledBy = "language";
    return void say(turn, asked.confirm, { language: tag });
  }
  const heard = turn.inbound.language;
  if (heard !== undefined && languageOf(heard) && !sameLanguage(heard, current)) turn.state.language = heard;
  return next();
};
