import { say, type Middleware } from "../turn.js";

const drName = (name: string): string => (/^dr\.?\s/i.test(name) ? name : `Dr ${name}`);

/**
 * Chat consultations: during a `chat` appointment's window (confirmed and paid, from VISIT_EARLY_JOIN_MINUTES
 * before the start to 30 minutes after the end, until the visit ends) a verified patient's typed messages go
 * to the doctor's visit thread instead of the assistant; the doctor's replies come back on this channel as
 * notifications. One indexed read per turn finds the open consultation (`visits.chats.openFor`). Runs after
 * STOP/HELP and the red-flag triage (an emergency is still answered first) and after identity; buttons,
 * files and the word "menu" go on to the assistant as usual.
 */
export const consultation: Middleware = async (turn, next) => {
  const actor = turn.actor;
  if (actor?.patientId === undefined || turn.inboundMessageId === undefined) return next();
  if (turn.input.choice !== undefined || (turn.inbound.attachments?.length ?? 0) > 0) return next();
  const text = turn.input.text.trim();
  if (text === "" || /^(menu|main menu)[.!]*$/i.test(text)) return next();
  const chats = turn.deps.services.visits.chats;
  const open = await chats.openFor(actor.patientId);
  if (!open) return next();
  const line = await chats.fromPatient(actor, open, {
    text,
    channel: turn.inbound.channel,
    inboundMessageId: turn.inboundMessageId,
  });
  if (!line) return next();
  turn.handledBy = "consultation";
  if (!line.first) return;
  const doctor = drName(line.doctorName);
  say(
    turn,
    line.doctorPresent
      ? `Your message is with ${doctor}. They will answer here.`
      : `Your chat visit with ${doctor} is open and your message is with them: they will answer here. ` +
          'Until the visit ends, what you write here goes to your doctor (write "menu" for the assistant).',
  );
};
