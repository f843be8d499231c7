import { CONFIRM_CHOICES } from "../actions.js";
import {
  askRecordsText,
  ASK_ADDRESS,
  healthSummaryText,
  matchOption,
  medicinesText,
  orderStatusText,
  prepareDose,
  prepareRefillRequest,
  prepareReorder,
  PREPARED,
  refillOptions,
  resendPaymentLinks,
  resultsText,
} from "../medicines.js";
import { say, type Turn } from "../turn.js";
import { showMenu } from "./menu.js";

const TOOK =
  /\b(?:took|taken|had)\s+(?:my\s+|the\s+)?([a-z][a-z0-9 .-]{2,40}?)(?:\s+(?:dose|tablet|pill|today|now|this\s+\w+))*[.!]*$/i;
const REFILL = /\b(refill|reorder|re-order|repeat prescription|my medicines?|my prescriptions?|renew)\b/i;
const BUY =
  /^\s*(?:please\s+)?(?:i\s+(?:want|need)\s+to\s+)?(?:order|buy)\s+(?:some\s+)?([a-z][a-z0-9 .+-]{2,60})$/i;
const RESULTS = /\b(my\s+(?:lab\s+)?results?|lab\s+results?|test\s+results?|my\s+reports?)\b/i;
const PAY_LINK = /\b(pay(?:ment)?\s+link|link\s+to\s+pay|resend\s+(?:the\s+)?link)\b/i;
const ORDER_STATUS = /\b(order\s+status|where\s+is\s+my\s+order|my\s+orders?)\b/i;
const ADDRESS_OTHER = "addr_other";

/**
 * The guided dialog for medicines, results, payment links and doses: the menu's "Medicines" and "My results", and
 * a few typed requests understood without a model ("I took my metformin", "I need my metformin refill"). It uses
 * the same prepared actions as the agent (bot/medicines.ts). Returns false when the turn is not its own.
 */
export async function guidedMedicines(turn: Turn): Promise<boolean> {
  const g = turn.state.guided ?? { step: "menu" };
  const { choice, text } = turn.input;
  if (!turn.actor) return false;
  switch (choice ?? "") {
    case "medicines":
      await showMedicines(turn);
      return true;
    case "results":
      showMenu(turn, await resultsText(turn));
      return true;
    case "order_status":
      showMenu(turn, await orderStatusText(turn));
      return true;
    case "pay_links":
      await payLinks(turn);
      return true;
    case "health_summary":
      showMenu(turn, healthSummaryText(await turn.tools.healthSummary(turn.actor)));
      return true;
    case "ask_records":
      if (!turn.deps.services.rag.offered) return false;
      turn.state.guided = { step: "records_question" };
      say(
        turn,
        'What would you like to know from your records? For example: "What did the doctor say about my cholesterol last time?"',
        { choices: [{ id: "menu", label: "Main menu" }] },
      );
      return true;
  }
  if (g.step === "records_question" && choice === undefined) {
    const question = text.trim();
    if (question.length < 2 || question.length > 500) {
      say(turn, "Please type your question about your records (a sentence).");
      return true;
    }
    showMenu(turn, await askRecordsText(turn, question));
    return true;
  }
  if (g.step === "meds_pick" && choice?.startsWith("rx:")) {
    await reorder(turn, Number(choice.slice(3)));
    return true;
  }
  if (g.step === "meds_address" && choice === ADDRESS_OTHER && g.prescriptionItemId !== undefined) {
    turn.state.guided = { step: "meds_typed_address", prescriptionItemId: g.prescriptionItemId };
    say(turn, "Please type the delivery address (house, street, area, city).");
    return true;
  }
  if (g.step === "meds_typed_address" && choice === undefined && g.prescriptionItemId !== undefined) {
    const address = text.trim();
    if (address.length < 8 || address.length > 300) {
      say(turn, "Please type the full delivery address (house, street, area, city).");
      return true;
    }
    await reorder(turn, g.prescriptionItemId, address);
    return true;
  }
  if (choice !== undefined || !["menu", "meds_pick"].includes(g.step)) return false;
  return typed(turn, text.trim());
}

/** A typed request at the menu, understood without a model. */
async function typed(turn: Turn, text: string): Promise<boolean> {
  const took = TOOK.exec(text);
  if (took) {
    const said = await prepareDose(turn, took[1]!);
    if (said !== PREPARED) showMenu(turn, said);
    return true;
  }
  if (RESULTS.test(text)) {
    showMenu(turn, await resultsText(turn));
    return true;
  }
  if (PAY_LINK.test(text)) {
    await payLinks(turn);
    return true;
  }
  if (ORDER_STATUS.test(text)) {
    showMenu(turn, await orderStatusText(turn));
    return true;
  }
  if (REFILL.test(text)) {
    const option = matchOption(await refillOptions(turn), text);
    if (option) await reorder(turn, option.prescription_item_id);
    else await showMedicines(turn);
    return true;
  }
  const buy = BUY.exec(text);
  if (buy) {
    const option = matchOption(await refillOptions(turn), buy[1]!);
    if (option) await reorder(turn, option.prescription_item_id);
    else {
      const said = await prepareReorder(turn, { medicine: buy[1]! });
      if (said !== PREPARED) showMenu(turn, said);
    }
    return true;
  }
  return false;
}

async function showMedicines(turn: Turn): Promise<void> {
  const options = await refillOptions(turn);
  turn.state.guided = { step: "meds_pick" };
  say(turn, medicinesText(options), {
    choices: [
      ...options.map((o) => ({
        id: `rx:${o.prescription_item_id}`,
        label: o.fills_remaining === 0 ? `Ask to renew ${o.prescribed_as}` : `Reorder ${o.prescribed_as}`,
      })),
      { id: "order_status", label: "Order status" },
      { id: "pay_links", label: "Payment links" },
      { id: "health_summary", label: "My health summary" },
      { id: "menu", label: "Main menu" },
    ],
  });
}

/** Prepares the reorder of one prescription item (or the renewal request), with the address on file or typed. */
async function reorder(turn: Turn, itemId: number, address?: string): Promise<void> {
  const options = await refillOptions(turn);
  const option = options.find((o) => o.prescription_item_id === itemId);
  if (!option) return showMenu(turn, "I couldn't find that prescription.");
  if (option.fills_remaining === 0) {
    prepareRefillRequest(turn, option);
    return;
  }
  const said = await prepareReorder(turn, { prescriptionItemId: itemId, address });
  if (said === ASK_ADDRESS) {
    turn.state.guided = { step: "meds_typed_address", prescriptionItemId: itemId };
    return void say(turn, said);
  }
  if (said !== PREPARED) return showMenu(turn, said);
  // Confirm / Change, and another address than the one on file.
  turn.state.guided = { step: "meds_address", prescriptionItemId: itemId };
  const summary = turn.out.at(-1);
  if (summary) summary.choices = [...CONFIRM_CHOICES, { id: ADDRESS_OTHER, label: "Other address" }];
}

async function payLinks(turn: Turn): Promise<void> {
  const before = turn.out.length;
  const said = await resendPaymentLinks(turn);
  showMenu(turn, turn.out.length > before ? "Anything else?" : said);
}
