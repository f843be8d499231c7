import { replyForError } from "../errors.js";
import { showMenu } from "../guided/menu.js";
import type { Middleware } from "../turn.js";

/** Any failure below becomes a plain reply (bot/errors.ts, the one mapping) and the menu. */
export const recover: Middleware = async (turn, next) => {
  const before = turn.out.length;
  try {
    await next();
  } catch (err) {
    turn.out.length = before;
    turn.state.pending = undefined;
    turn.handledBy = "recover";
    showMenu(turn, `${replyForError(err)} What would you like to do?`);
  }
};
