import { GuidedBrain } from "../guided/machine.js";
import type { Middleware } from "../turn.js";

const guided = new GuidedBrain();

/**
 * The brain answers (the guided mode, or the agent with the guided mode as its fallback: bot/brain.ts). A
 * shared location is data, not words: the guided search near it answers, with no model.
 */
export const brain: Middleware = async (turn) => {
  if (turn.inbound.location && turn.input.choice === undefined) {
    turn.handledBy = guided.name;
    return guided.respond(turn);
  }
  turn.handledBy = turn.deps.brain.name;
  await turn.deps.brain.respond(turn);
};
