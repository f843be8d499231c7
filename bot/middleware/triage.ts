import { countryOf, emergencyNumber, emergencyText, redFlags } from "../redflags.js";
import { say, type Middleware } from "../turn.js";

/** Red flags first: an emergency is answered at once, before identity, consent or any brain. */
export const triage: Middleware = async (turn, next) => {
  const flags = turn.input.choice === undefined ? redFlags(turn.inbound.text) : [];
  if (flags.length === 0) return next();
  turn.handledBy = "triage";
  turn.flagged = true;
  turn.state.pending = undefined;
  const profile =
    turn.identity.userId !== null ? await turn.deps.conversations.contactOf(turn.identity.userId) : undefined;
  const number = emergencyNumber(
    turn.deps.config.bot.emergencyNumbers,
    profile ? countryOf(profile) : undefined,
  );
  say(turn, emergencyText(flags, number), {
    choices: [
      { id: "human_urgent", label: "Connect me with a person" },
      { id: "menu", label: "Main menu" },
    ],
    handoff: "emergency",
  });
};
