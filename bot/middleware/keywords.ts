import { openTicket, showMenu } from "../guided/menu.js";
import { say, type Middleware } from "../turn.js";

const HELP =
  'I can help you find a doctor and book, and manage your appointments. Type "menu" at any time to start ' +
  'over, "stop" to end, or pick "Talk to a human".';

/** "menu", "stop", "help" and the talk-to-a-person choices work at any point. */
export const keywords: Middleware = async (turn, next) => {
  const word = turn.input.text
    .trim()
    .toLowerCase()
    .replace(/[.!]+$/, "");
  const choice = turn.input.choice;
  if (choice === "human_urgent") {
    turn.handledBy = "keywords";
    return openTicket(turn, true);
  }
  if (choice === "menu" || word === "menu" || word === "start" || word === "main menu") {
    turn.handledBy = "keywords";
    turn.state.pending = undefined;
    return showMenu(turn);
  }
  if (word === "stop" || word === "cancel all") {
    turn.handledBy = "keywords";
    turn.state.pending = undefined;
    turn.state.guided = { step: "menu" };
    return say(turn, 'OK, I\'ve stopped. Type "menu" whenever you need me.');
  }
  if (word === "help" || word === "?") {
    turn.handledBy = "keywords";
    turn.state.pending = undefined;
    return showMenu(turn, HELP);
  }
  await next();
};
