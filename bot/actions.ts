import { formatMoney, toMinor } from "../domain/shared/money.js";
import { formatDate } from "../domain/shared/when.js";
import { formatWhen, replyZone } from "./format.js";
import type { PendingAction } from "./state.js";
import { say, type Turn } from "./turn.js";
import { showMenu } from "./guided/menu.js";
import { executeMedicineAction } from "./medicines.js";

export const PENDING_TTL_MS = 10 * 60_000;

export const CONFIRM_CHOICES = [
  { id: "confirm", label: "Confirm" },
  { id: "change", label: "Change" },
];

/**
 * Prepares a consequential action: stored on the conversation with a number and an expiry, shown as a
 * summary with Confirm / Change. Nothing happens until the person confirms this exact action.
 */
export function prepareAction(turn: Turn, action: Omit<PendingAction, "n" | "expiresAt">): void {
  const n = (turn.state.actionSeq ?? 0) + 1;
  turn.state.actionSeq = n;
  const expiresAt = new Date(turn.deps.clock.now().getTime() + PENDING_TTL_MS).toISOString();
  turn.state.pending = { ...action, n, expiresAt };
  say(turn, `${action.summary}\nShall I go ahead?`, { choices: CONFIRM_CHOICES });
}

export function idempotencyKey(turn: Turn, action: PendingAction): string {
  return `conv:${turn.conversation.id}:action:${action.n}`;
}

/** Executes a confirmed action through the domain service, once per idempotency key. */
export async function executeAction(turn: Turn, action: PendingAction): Promise<void> {
  const actor = turn.actor;
  if (!actor) throw new Error("no actor");
  const { services } = turn.deps;
  const key = idempotencyKey(turn, action);
  // Cleared first: whatever happens next, this action is not executed again from this conversation.
  turn.state.pending = undefined;
  turn.state.guided = { step: "menu" };
  switch (action.kind) {
    case "book": {
      const booking = await turn.tools.call(
        "book_appointment",
        {
          doctor_id: action.doctorId,
          appointment_date: action.appointmentDate,
          appointment_time: action.appointmentTime,
        },
        () =>
          services.scheduling.bookWithPayment(actor, {
            doctorId: action.doctorId!,
            appointmentDate: action.appointmentDate!,
            appointmentTime: action.appointmentTime!,
          }),
        key,
      );
      const { appointment: view, payment } = booking;
      const when = formatWhen(view, await replyZone(turn));
      const sent =
        view.status === "confirmed"
          ? `Booked: ${view.doctor_name} on ${when} is confirmed.`
          : `Request sent to the doctor: ${view.doctor_name} on ${when}. I'll let you know when they accept.`;
      say(turn, `${sent} (Appointment #${view.id})`, {
        ...(payment?.checkout_url
          ? {
              links: [
                { label: `Pay ${formatMoney(view.fee_minor, view.currency)}`, url: payment.checkout_url },
              ],
            }
          : {}),
      });
      break;
    }
    case "lab_test": {
      const booked = await turn.tools.call(
        "book_lab_test",
        { test: action.labTest, date: action.appointmentDate, collection: action.collection },
        () =>
          services.labs.book(actor, {
            test_name: action.labTest!,
            appointment_date: action.appointmentDate!,
            collection: action.collection,
            address: action.address,
          }),
        key,
      );
      const b = booked.lab_test_booking;
      const where =
        b.collection === "home" ? "the sample is taken at home" : "the sample is taken at the lab";
      say(
        turn,
        `Booked: ${b.test_name} on ${formatDate(b.appointment_date)}; ${where}. ` +
          `Preparation: ${b.preparation} (Lab booking #${b.booking_id})`,
        booked.payment?.checkout_url
          ? {
              links: [
                {
                  label: `Pay ${formatMoney(toMinor(booked.payment.amount, booked.payment.currency), booked.payment.currency)}`,
                  url: booked.payment.checkout_url,
                },
              ],
            }
          : {},
      );
      break;
    }
    case "cancel": {
      const view = await turn.tools.call(
        "cancel_appointment",
        { appointment_id: action.appointmentId },
        () =>
          services.scheduling.cancel(actor, action.appointmentId!, "Cancelled by the patient in the chat."),
        key,
      );
      say(turn, `Cancelled: ${view.doctor_name} on ${formatWhen(view, await replyZone(turn))}.`);
      break;
    }
    case "reschedule": {
      const view = await turn.tools.call(
        "reschedule_appointment",
        {
          appointment_id: action.appointmentId,
          appointment_date: action.appointmentDate,
          appointment_time: action.appointmentTime,
        },
        () =>
          services.scheduling.reschedule(actor, action.appointmentId!, {
            appointmentDate: action.appointmentDate!,
            appointmentTime: action.appointmentTime!,
          }),
        key,
      );
      say(
        turn,
        `Moved: ${view.doctor_name} is now on ${formatWhen(view, await replyZone(turn))}` +
          (view.status === "pending" ? " (waiting for the doctor to accept)." : "."),
      );
      break;
    }
    case "order_medicine":
    case "refill_request":
    case "log_dose":
      await executeMedicineAction(turn, action, key);
      break;
  }
  showMenu(turn, "Anything else?");
}
