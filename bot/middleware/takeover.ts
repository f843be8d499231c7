import type { Middleware } from "../turn.js";

/**
 * A conversation an admin took over (conversations.taken_over_by, set through the admin API): the agent is
 * paused. The person's message is already stored (dedupe) and nothing answers it: the admin's review view
 * shows it and the admin writes back on the person's channel until they hand the conversation back. The
 * state is read with the conversation at the start of each turn, so it holds across processes. Runs after the
 * red-flag triage: an emergency is still answered at once.
 */
export const takeover: Middleware = async (turn, next) => {
  if (turn.conversation.takenOverBy === null) return next();
  turn.handledBy = "takeover";
};
