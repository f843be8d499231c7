import type { LabBookingQuote } from "../domain/orders/labs/service.js";
import type { LabTestView } from "../domain/orders/labs/views.js";
import { formatMoney, toMinor } from "../domain/shared/money.js";
import { formatDate } from "../domain/shared/when.js";
import { prepareAction } from "./actions.js";
import type { Turn } from "./turn.js";

/** "No special preparation needed." in the catalog: nothing to tell beyond it. */
export function labTestLine(t: LabTestView): string {
  return `${t.name}, ${formatMoney(toMinor(t.price, t.currency), t.currency)}`;
}

/** What the person confirms: test, day, where, preparation and price. */
export function labSummary(q: LabBookingQuote): string {
  const where =
    q.collection === "home" ? `sample taken at home (${q.address ?? ""})` : "sample taken at the lab";
  return (
    `Book ${q.test.name} on ${formatDate(q.appointment_date)}, ${where}. ` +
    `Preparation: ${q.preparation} Price: ${formatMoney(q.price_minor, q.currency)}.`
  );
}

/**
 * Checks a lab booking through the labs service (test, day, home collection, address) and prepares it for the
 * person's confirmation; nothing is booked until they confirm. Throws the domain's error when it cannot be.
 */
export async function prepareLabTest(
  turn: Turn,
  input: { test: string; date: string; collection: "lab" | "home"; address?: string | undefined },
): Promise<LabBookingQuote> {
  const quote = await turn.tools.labQuote(turn.actor!, {
    test_name: input.test,
    appointment_date: input.date,
    collection: input.collection,
    address: input.address,
  });
  prepareAction(turn, {
    kind: "lab_test",
    labTest: quote.test.code,
    appointmentDate: quote.appointment_date,
    collection: quote.collection,
    address: quote.address ?? undefined,
    priceMinor: quote.price_minor,
    currency: quote.currency,
    summary: labSummary(quote),
  });
  return quote;
}
