import { say, type Turn } from "../turn.js";

export const MENU_CHOICES = [
  { id: "find", label: "Find a doctor" },
  { id: "appointments", label: "My appointments" },
  { id: "medicines", label: "Medicines" },
  { id: "labs", label: "Lab tests" },
  { id: "results", label: "My results" },
  { id: "human", label: "Talk to a human" },
];

/** Shows the main menu and resets the guided dialog to it. */
export function showMenu(turn: Turn, text = "How can I help you today?"): void {
  turn.state.guided = { step: "menu" };
  say(turn, text, { choices: MENU_CHOICES });
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
