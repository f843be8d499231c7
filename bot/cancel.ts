import { formatMoney } from "../domain/shared/money.js";
import type { AppointmentView } from "../domain/scheduling/views.js";
import { prepareAction } from "./actions.js";
import { formatWhen, replyZone } from "./format.js";
import type { Turn } from "./turn.js";

/**
 * Prepares cancelling one of the person's appointments, saying before they confirm what comes back to them
 * (the payments rules, through scheduling.cancellationRefund): all of it, a share, none, or nothing was paid.
 */
export async function prepareCancel(turn: Turn, a: AppointmentView): Promise<void> {
  const quote = await turn.tools.cancellationRefund(turn.actor!, a.id);
  let refund: string;
  if (quote === null) refund = "Nothing was paid, so there is nothing to refund.";
  else if (quote.refund_minor <= 0)
    refund = `No refund: it is too close to the start (${formatMoney(quote.paid_minor, quote.currency)} paid).`;
  else if (quote.refund_minor >= quote.paid_minor)
    refund = `You get a full refund of ${formatMoney(quote.refund_minor, quote.currency)}.`;
  else
    refund =
      `You get a refund of ${formatMoney(quote.refund_minor, quote.currency)} ` +
      `of the ${formatMoney(quote.paid_minor, quote.currency)} paid (a late cancellation).`;
  prepareAction(turn, {
    kind: "cancel",
    appointmentId: a.id,
    summary:
      `Cancel your appointment with ${a.doctor_name} on ${formatWhen(a, await replyZone(turn))}. ` + refund,
  });
}
