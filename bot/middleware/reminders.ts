import { prepareCancel } from "../cancel.js";
import { formatWhen, replyZone } from "../format.js";
import { showMenu } from "../guided/menu.js";
import { REMINDER_CHOICES } from "../../domain/notifications/templates.js";
import { say, type Middleware, type Turn } from "../turn.js";

/** "reminder.confirm:12" → 12 for that prefix; undefined otherwise. */
function idAfter(choice: string | undefined, prefix: string): number | undefined {
  if (!choice?.startsWith(prefix)) return undefined;
  const rest = choice.slice(prefix.length);
  return /^\d{1,12}$/.test(rest) ? Number(rest) : undefined;
}

/**
 * Answers to reminders (domain/notifications/templates.ts): Confirm / Cancel on an appointment reminder,
 * Taken / Skip on a medication reminder — by button, number or the word, once the reminder offered them.
 * Runs after `identity`, so only a verified patient gets here; every id goes through a domain service with
 * the patient as actor, so another person's appointment or dose is "not found". Cancelling is prepared as
 * a pending action and happens only when the patient confirms it.
 */
export const reminders: Middleware = async (turn, next) => {
  const actor = turn.actor;
  const choice = turn.input.choice;
  if (!actor || !choice) return next();
  const { services } = turn.deps;

  const confirm = idAfter(choice, REMINDER_CHOICES.confirm);
  if (confirm !== undefined) {
    turn.handledBy = "reminders";
    const view = await services.scheduling.confirmAttendance(actor, confirm);
    return void say(
      turn,
      `Thank you, you're confirmed: ${view.doctor_name} on ${formatWhen(view, await replyZone(turn))}.`,
    );
  }
  const cancel = idAfter(choice, REMINDER_CHOICES.cancel);
  if (cancel !== undefined) {
    turn.handledBy = "reminders";
    return cancelFromReminder(turn, cancel);
  }
  const taken = idAfter(choice, REMINDER_CHOICES.taken);
  const skip = idAfter(choice, REMINDER_CHOICES.skip);
  const doseId = taken ?? skip;
  if (doseId !== undefined) {
    turn.handledBy = "reminders";
    const status = taken !== undefined ? "taken" : "skipped";
    await services.adherence.recordDoseById(actor, doseId, status);
    return void say(turn, status === "taken" ? "Noted: taken. Well done." : "Noted: skipped.");
  }
  await next();
};

async function cancelFromReminder(turn: Turn, id: number): Promise<void> {
  const a = await turn.tools.appointment(turn.actor!, id);
  if (a.status !== "confirmed" && a.status !== "pending" && a.status !== "proposed")
    return showMenu(turn, `Appointment #${a.id} is already ${a.status}. What would you like to do?`);
  await prepareCancel(turn, a);
}
