import { AIMessage, HumanMessage, type BaseMessage } from "langchain";
import { isEmergencyAnswer, redFlags } from "../redflags.js";
import type { Turn } from "../turn.js";

export const HISTORY_MESSAGES = 12;

/**
 * The conversation's recent messages (as the engine stored them), oldest first, before this turn's. An
 * emergency never reaches the model, not even later as history: a message that raises a red flag (the
 * same deterministic matcher as triage, so one answered by triage, or one that would be today) and the
 * emergency answers are left out.
 */
export async function recentMessages(turn: Turn, limit = HISTORY_MESSAGES): Promise<BaseMessage[]> {
  const rows = await turn.deps.conversations.recentMessages(
    turn.conversation.id,
    turn.inboundMessageId,
    limit,
  );
  return rows
    .filter((r): r is { direction: "in" | "out"; text: string } => !!r.text && !triaged(r.direction, r.text))
    .map((r) => (r.direction === "in" ? new HumanMessage(r.text) : new AIMessage(r.text)));
}

function triaged(direction: "in" | "out", text: string): boolean {
  return direction === "in" ? redFlags(text).length > 0 : isEmergencyAnswer(text);
}

/** A short summary of the person's open items, from domain data (not from the model's memory). */
export async function openItems(turn: Turn): Promise<string> {
  if (!turn.actor) return "";
  const page = await turn.deps.services.scheduling.listForPatient(turn.actor, {
    scope: "upcoming",
    page: 1,
    perPage: 5,
  });
  const open = page.appointments.filter((a) => !["cancelled", "rejected"].includes(a.status));
  const today = turn.deps.clock.now().toISOString().slice(0, 10);
  const lines = open.map(
    (a) =>
      `- appointment ${a.id}: ${a.doctor_name}, ${a.appointment_date} ${a.appointment_time} (${a.status})`,
  );
  return [
    `Today is ${today}.`,
    `The person: ${turn.user?.name ?? "a patient"}.`,
    lines.length
      ? `Their upcoming appointments:\n${lines.join("\n")}`
      : "They have no upcoming appointments.",
  ].join("\n");
}
