import { executeAction } from "../actions.js";
import { showMenu } from "../guided/menu.js";
import type { Middleware } from "../turn.js";

const YES = /^(yes|y|yeah|yep|ok|okay|confirm|confirmed|sure|go ahead)$/i;
const NO = /^(no|n|nope|change|cancel)$/i;

/**
 * A pending action runs only on the person's confirmation of it ("yes", "1", the Confirm button) and only
 * before it expires. Anything else drops it and goes on.
 */
export const pending: Middleware = async (turn, next) => {
  const action = turn.state.pending;
  if (!action) return next();
  const word = turn.input.text.trim().replace(/[.!]+$/, "");
  const confirmed = turn.input.choice === "confirm" || (turn.input.choice === undefined && YES.test(word));
  const declined = turn.input.choice === "change" || (turn.input.choice === undefined && NO.test(word));
  if (confirmed) {
    turn.handledBy = "pending";
    if (new Date(action.expiresAt) <= turn.deps.clock.now()) {
      turn.state.pending = undefined;
      return showMenu(turn, "That request expired, so I did nothing. Let's start again.");
    }
    return executeAction(turn, action);
  }
  turn.state.pending = undefined;
  if (declined) {
    turn.handledBy = "pending";
    if (action.kind === "lab_test" && action.labTest !== undefined) {
      // Back to choosing the day for the same test.
      turn.state.guided = { step: "lab_pick_test" };
      turn.input = { text: "", choice: `lab:${action.labTest}` };
      return next();
    }
    if (action.kind !== "cancel" && action.doctorId !== undefined) {
      // Back to choosing the day, keeping the doctor (and the appointment being moved).
      turn.state.guided = {
        step: "pick_doctor",
        rescheduleOf: action.kind === "reschedule" ? action.appointmentId : undefined,
      };
      turn.input = { text: "", choice: `doc:${action.doctorId}` };
      return next();
    }
    return showMenu(turn, "OK, nothing was changed. What would you like to do?");
  }
  await next();
};
