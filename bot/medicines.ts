import type { RefillOption } from "../domain/orders/pharmacy/service.js";
import { latestReports, reportInPlainWords } from "../domain/orders/labs/plain.js";
import { foldText } from "../domain/orders/safety/index.js";
import { DomainError } from "../domain/shared/errors.js";
import { formatMoney } from "../domain/shared/money.js";
import { prepareAction } from "./actions.js";
import { replyForError } from "./errors.js";
import type { PendingAction } from "./state.js";
import type { HealthSummary } from "./tools.js";
import type { GroundedAnswer } from "../domain/rag/service.js";
import { say, type Turn } from "./turn.js";

/**
 * Medicines, results and payment links in the chat: the operations the agent's tools and the guided menu share.
 * Reads answer at once; ordering, asking the doctor to renew and logging a dose are only prepared here (a pending
 * action with its exact summary) and run in executeMedicineAction once the person confirms. The patient is
 * always the turn's actor.
 */

/** What a prepare returns to the agent when the person now sees a summary with Confirm / Change. */
export const PREPARED = "Prepared. The person now sees a summary with Confirm / Change and must confirm it.";

/** The answer when no delivery address is known (none given, none on file). */
export const ASK_ADDRESS =
  "I need a delivery address for this order: please type it (house, street, area, city).";

function actorOf(turn: Turn) {
  if (!turn.actor) throw new Error("no actor");
  return turn.actor;
}

export function refillOptions(turn: Turn): Promise<RefillOption[]> {
  return turn.tools.call("list_medicines", {}, () =>
    turn.deps.services.pharmacy.refillOptions(actorOf(turn)),
  );
}

/** One line per prescribed medicine: fills left, and what one fill costs. */
export function optionLine(o: RefillOption): string {
  const fills =
    o.fills_remaining === 0
      ? "no refills left"
      : `${o.fills_remaining} fill${o.fills_remaining === 1 ? "" : "s"} left`;
  const price =
    o.unit_price_minor !== null && o.packs_per_fill !== null && o.currency !== null
      ? `, ${o.packs_per_fill} pack${o.packs_per_fill === 1 ? "" : "s"} for ${formatMoney(o.unit_price_minor * o.packs_per_fill, o.currency)}`
      : "";
  return `${o.prescribed_as} (${o.doctor_name}): ${fills}${price}`;
}

export function medicinesText(options: readonly RefillOption[]): string {
  if (options.length === 0) return "You have no active prescriptions.";
  return "Your active prescriptions:\n" + options.map((o) => `- ${optionLine(o)}`).join("\n");
}

/** The prescribed medicine a typed name means ("metformin" → Metformin 500 mg), if any. */
export function matchOption(options: readonly RefillOption[], name: string): RefillOption | undefined {
  const want = foldText(name);
  if (want.length < 3) return undefined;
  return options.find((o) => {
    const names = [o.prescribed_as, o.medicine_name ?? ""].map(foldText);
    return names.some((n) => n.includes(want) || (n.length > 0 && want.includes(n.split(" ")[0]!)));
  });
}

export interface ReorderInput {
  prescriptionItemId?: number | undefined;
  medicine?: string | undefined;
  quantity?: number | undefined;
  address?: string | undefined;
}

/**
 * Prepares a medicine order: priced and checked by the pharmacy (nothing is written), then shown for
 * confirmation. A prescribed medicine with no refills left prepares the request to the doctor instead; a
 * prescription-only medicine without a prescription is refused with the pharmacy's reason.
 */
export async function prepareReorder(turn: Turn, input: ReorderInput): Promise<string> {
  const actor = actorOf(turn);
  const options = await refillOptions(turn);
  const option =
    input.prescriptionItemId !== undefined
      ? options.find((o) => o.prescription_item_id === input.prescriptionItemId)
      : input.medicine
        ? matchOption(options, input.medicine)
        : undefined;
  if (input.prescriptionItemId !== undefined && !option) return "Not found.";
  if (!option && !input.medicine) return medicinesText(options);
  if (option?.fills_remaining === 0) return prepareRefillRequest(turn, option);
  const item = option
    ? option.medicine_id === null
      ? undefined
      : {
          medicine_id: option.medicine_id,
          quantity: input.quantity ?? option.packs_per_fill ?? 1,
          prescription_item_id: option.prescription_item_id,
        }
    : { medicine_name: input.medicine!, quantity: input.quantity ?? 1 };
  if (!item) return `${option!.prescribed_as} is not in our pharmacy's catalog; please ask the pharmacy.`;
  const order = { items: [item], delivery_address: input.address };
  let quote;
  try {
    quote = await turn.tools.call("quote_medicine_order", { ...item, address_given: !!input.address }, () =>
      turn.deps.services.pharmacy.quote(actor, order),
    );
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    if (err.code === "NO_REFILLS_LEFT") {
      const itemId = (err.details as { prescription_item_id?: number } | undefined)?.prescription_item_id;
      const renew = options.find((o) => o.prescription_item_id === itemId);
      if (renew) return prepareRefillRequest(turn, renew);
    }
    if (err.code === "ADDRESS_REQUIRED") return ASK_ADDRESS;
    return replyForError(err);
  }
  const line = quote.items[0]!;
  const price = (m: number) => formatMoney(m, quote.currency);
  const fills = option
    ? ` Uses 1 of the ${option.fills_remaining} fill${option.fills_remaining === 1 ? "" : "s"} left on ${option.doctor_name}'s prescription.`
    : "";
  prepareAction(turn, {
    kind: "order_medicine",
    priceMinor: quote.total_minor,
    currency: quote.currency,
    medicine: {
      medicineId: line.medicine_id,
      quantity: line.quantity,
      prescriptionItemId: line.prescription_item_id ?? undefined,
      deliveryAddress: quote.delivery_address,
    },
    summary:
      `Order ${line.medicine_name}, ${line.quantity} pack${line.quantity === 1 ? "" : "s"} ` +
      `(${price(line.unit_price_minor * line.quantity)}), delivered to ${quote.delivery_address}. ` +
      `Delivery ${quote.delivery_fee_minor === 0 ? "free" : price(quote.delivery_fee_minor)}; ` +
      `total ${price(quote.total_minor)}, paid by link.${fills}`,
  });
  return PREPARED;
}

/** Prepares asking the prescribing doctor to renew a prescription that has no refills left. */
export function prepareRefillRequest(turn: Turn, option: RefillOption): string {
  prepareAction(turn, {
    kind: "refill_request",
    medicine: { prescriptionItemId: option.prescription_item_id },
    summary:
      `Your prescription for ${option.prescribed_as} has no refills left. ` +
      `Ask ${option.doctor_name} to renew it? They will see your request.`,
  });
  return PREPARED;
}

/** Prepares recording that the person took a dose of one of their medicines ("I took my metformin"). */
export async function prepareDose(turn: Turn, medicine: string): Promise<string> {
  const actor = actorOf(turn);
  const meds = await turn.tools.call("list_medications", {}, () =>
    turn.deps.services.adherence.medications(actor, undefined),
  );
  const want = foldText(medicine);
  const med = meds.medications.find((m) => {
    const name = foldText(m.medicine_name);
    return want.length >= 3 && (name.includes(want) || want.includes(name.split(" ")[0]!));
  });
  if (!med) {
    const names = meds.medications.map((m) => m.medicine_name);
    return names.length
      ? `I couldn't match "${medicine.slice(0, 40)}" to your medicines: ${names.join(", ")}.`
      : "You have no active medicines to record a dose for.";
  }
  prepareAction(turn, {
    kind: "log_dose",
    medicine: { prescriptionItemId: med.item_id },
    summary: `Record that you took your ${med.medicine_name}${med.dose ? ` (${med.dose})` : ""} dose now.`,
  });
  return PREPARED;
}

/** The person's recent medicine orders and where each is. */
export async function orderStatusText(turn: Turn): Promise<string> {
  const actor = actorOf(turn);
  const { orders } = await turn.tools.call("list_medicine_orders", {}, () =>
    turn.deps.services.pharmacy.listPatientOrders(actor, undefined),
  );
  if (orders.length === 0) return "You have no medicine orders.";
  return (
    "Your medicine orders:\n" +
    orders
      .slice(0, 5)
      .map(
        (o) =>
          `- Order #${o.order_id}: ${o.items.map((i) => i.medicine_name).join(", ")}, ` +
          `${o.delivery_status.replace(/_/g, " ")}, payment ${o.payment_status}`,
      )
      .join("\n")
  );
}

/** The latest lab results in plain words (the session's patient only). */
export async function resultsText(turn: Turn): Promise<string> {
  const actor = actorOf(turn);
  const { lab_results } = await turn.tools.call("my_lab_results", {}, () =>
    turn.deps.services.labs.patientResults(actor, undefined),
  );
  const latest = latestReports(lab_results, 2);
  if (latest.length === 0) return "You have no lab results yet.";
  return latest.map(reportInPlainWords).join("\n\n");
}

/**
 * Sends again the link of every payment still waiting (said directly with its link, so the exact link reaches the
 * person whatever the model writes). Returns a sentence for the model.
 */
export async function resendPaymentLinks(turn: Turn): Promise<string> {
  const actor = actorOf(turn);
  const { payments } = await turn.tools.call("pending_payments", {}, () =>
    turn.deps.services.receipts.patientPayments(actor, { page: 1, perPage: 20 }),
  );
  const now = turn.deps.clock.now().toISOString();
  const open = payments.filter((p) => p.checkout_url !== null && p.expires_at > now);
  if (open.length === 0) return "You have no payments waiting.";
  for (const p of open) {
    const amount = formatMoney(p.amount_minor, p.currency);
    say(turn, `${p.description} #${p.reference_id}: ${amount} to pay.`, {
      links: [{ label: `Pay ${amount}`, url: p.checkout_url! }],
    });
  }
  return `The person now has the payment link${open.length === 1 ? "" : "s"} of ${open.length} payment${open.length === 1 ? "" : "s"} waiting.`;
}

/** Runs a confirmed medicine action (called by executeAction with its idempotency key). */
export async function executeMedicineAction(turn: Turn, action: PendingAction, key: string): Promise<void> {
  const actor = actorOf(turn);
  const { services } = turn.deps;
  const m = action.medicine ?? {};
  switch (action.kind) {
    case "order_medicine": {
      const { order, payment } = await turn.tools.call(
        "order_medicine",
        { medicine_id: m.medicineId, quantity: m.quantity, prescription_item_id: m.prescriptionItemId },
        () =>
          services.pharmacy.placeOrder(actor, {
            items: [
              {
                medicine_id: m.medicineId!,
                quantity: m.quantity!,
                prescription_item_id: m.prescriptionItemId,
              },
            ],
            delivery_address: m.deliveryAddress,
          }),
        key,
      );
      const total = formatMoney(action.priceMinor ?? 0, action.currency ?? order.currency);
      say(
        turn,
        `Order #${order.order_id} placed: ${order.items.map((i) => `${i.medicine_name} × ${i.quantity}`).join(", ")}. ` +
          (payment ? "Please pay by the link; the pharmacy starts once it is paid." : "Nothing to pay."),
        payment?.checkout_url ? { links: [{ label: `Pay ${total}`, url: payment.checkout_url }] } : {},
      );
      return;
    }
    case "refill_request": {
      const req = await turn.tools.call(
        "request_refill",
        { prescription_item_id: m.prescriptionItemId },
        () => services.refillRequests.request(actor, m.prescriptionItemId!),
        key,
      );
      say(
        turn,
        req.created
          ? `Sent: ${req.doctor_name} will see your request to renew ${req.medicine_name}. I'll let you know when there is a new prescription.`
          : `Your request to renew ${req.medicine_name} is already with ${req.doctor_name}.`,
      );
      return;
    }
    case "log_dose": {
      const dose = await turn.tools.call(
        "log_dose",
        { prescription_item_id: m.prescriptionItemId },
        () => services.adherence.recordDose(actor, m.prescriptionItemId!, { status: "taken" }),
        key,
      );
      say(turn, `Noted: your ${dose.local_time} dose is recorded as taken.`);
      return;
    }
    case "book":
    case "cancel":
    case "reschedule":
    case "lab_test":
      throw new Error(`not a medicine action: ${action.kind}`);
  }
}

/** A records answer for the chat: the answer, then each source with its date (no ids). */
export function recordsAnswerText(a: GroundedAnswer): string {
  if (!a.grounded) return "Nothing about that is recorded in your records.";
  const sources = a.citations.map((c) => `- ${c.date}: ${c.title}`);
  return `${a.answer}\n\nSources:\n${sources.join("\n")}`;
}

/** "Ask about my records": the session's own records only. */
export async function askRecordsText(turn: Turn, question: string): Promise<string> {
  return recordsAnswerText(await turn.tools.askRecords(actorOf(turn), question));
}

/** The summary as short lines for the model: names, doses, dates, flags; no internal ids. */
export function healthSummaryText(s: HealthSummary): string {
  const lines: string[] = [];
  lines.push(
    s.medicines.length
      ? "Active prescriptions:\n" +
          s.medicines
            .map(
              (m) =>
                `- ${m.medicine}: ${m.dose}, ${m.schedule}; refills left ${m.refills_left}; ` +
                `by ${m.prescribed_by}, valid until ${m.valid_until}`,
            )
            .join("\n")
      : "No active prescriptions.",
  );
  lines.push(
    s.records.length
      ? "Recent records:\n" + s.records.map((r) => `- ${r.date}: ${r.title} (${r.by})`).join("\n")
      : "No records yet.",
  );
  if (s.latest_lab) {
    const l = s.latest_lab;
    const flagged = l.flagged.map((f) => `${f.name} ${f.value}${f.unit ? ` ${f.unit}` : ""} (${f.flag})`);
    lines.push(
      `Latest lab result: ${l.test} on ${l.date}: ` +
        (flagged.length ? `flagged: ${flagged.join(", ")}` : `${l.results} results, none flagged`),
    );
  } else lines.push("No lab results yet.");
  lines.push(
    s.allergies.length
      ? "Allergies: " +
          s.allergies
            .map((a) =>
              [a.name, a.severity, a.reaction && `reaction: ${a.reaction}`].filter(Boolean).join(", "),
            )
            .join("; ")
      : "No allergies recorded.",
  );
  return lines.join("\n");
}
