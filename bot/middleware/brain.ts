import type { Middleware } from "../turn.js";

/** The guided mode now; the agent later (see bot/brain.ts). */
export const brain: Middleware = async (turn) => {
  turn.handledBy = turn.deps.brain.name;
  await turn.deps.brain.respond(turn);
};
