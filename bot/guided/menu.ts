import { MENU_IDS, turnPhrases } from "../phrases.js";
import { say, type Turn } from "../turn.js";

/**
 * The main menu's choices, labelled in the phone's language (bot/phrases.ts; English elsewhere): "Ask about my
 * records" after "My results" only when an LLM or embeddings can answer more than keywords.
 */
export function menuChoices(turn: Turn) {
  const { menu } = turnPhrases(turn);
  const ids = turn.deps.services.rag.offered ? MENU_IDS : MENU_IDS.filter((id) => id !== "ask_records");
  return ids.map((id) => ({ id, label: menu[id] }));
}

/** Shows the main menu and resets the guided dialog to it. */
export function showMenu(turn: Turn, text = turnPhrases(turn).howCanIHelp): void {
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
