import { say, type Turn } from "../turn.js";

export const MENU_CHOICES = [
  { id: "find", label: "Find a doctor" },
  { id: "appointments", label: "My appointments" },
  { id: "medicines", label: "Medicines" },
  { id: "labs", label: "Lab tests" },
  { id: "results", label: "My results" },
  { id: "human", label: "Talk to a human" },
];

/** Offered when questions about the records can be answered by more than keywords (an LLM or embeddings). */
export const ASK_RECORDS_CHOICE = { id: "ask_records", label: "Ask about my records" };

/** The main menu's choices: "Ask about my records" after "My results" when an LLM or embeddings exist. */
export function menuChoices(turn: Turn) {
  if (!turn.deps.services.rag.offered) return MENU_CHOICES;
  const at = MENU_CHOICES.findIndex((c) => c.id === "results") + 1;
  return [...MENU_CHOICES.slice(0, at), ASK_RECORDS_CHOICE, ...MENU_CHOICES.slice(at)];
}

/** Shows the main menu and resets the guided dialog to it. */
export function showMenu(turn: Turn, text = "How can I help you today?"): void {
  turn.state.guided = { step: "menu" };
  say(turn, text, { choices: menuChoices(turn) });
}

export async function openTicket(turn: Turn, urgent: boolean): Promise<void> {
  const id = await turn.deps.conversations.openTicket({
    conversationId: turn.conversation.id,
    userId: turn.user?.id ?? turn.identity.userId ?? null,
    reason: urgent ? "red_flag" : "requested",
    urgent,
  });
  turn.state.guided = { step: "menu" };
  turn.state.pending = undefined;
  say(
    turn,
    urgent
      ? `I've asked a member of our team to contact you right away (ticket #${id}). If things get worse, call the emergency number now.`
      : `I've asked a member of our team to get back to you here (ticket #${id}). Type "menu" to keep going meanwhile.`,
    { handoff: "person" },
  );
}
