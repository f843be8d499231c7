import { MESSAGE_CHOICES } from "../../domain/notifications/templates.js";
import { DomainError } from "../../domain/shared/errors.js";
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

const MESSAGES_WORD = /^(messages|my messages|inbox)[.!]*$/i;

/**
 * Secure messages in the patient's chat: "Reply" on a message's notification (`message.reply:<thread>`) makes
 * their next text the reply (through MessagesService, as the patient: another's thread is "not found");
 * "messages" lists unread messages with a Reply button each.
 */
export const secureMessages: Middleware = async (turn, next) => {
  const actor = turn.actor;
  if (!actor) return next();
  const { messages } = turn.deps.services;
  const choice = turn.input.choice;
  if (choice?.startsWith(MESSAGE_CHOICES.reply)) {
    const id = Number(choice.slice(MESSAGE_CHOICES.reply.length));
    if (!Number.isSafeInteger(id)) return next();
    turn.handledBy = "messages";
    turn.state.replyThread = id;
    return void say(turn, "Type your reply; I'll send it to your doctor.", {
      choices: [{ id: "menu", label: "Main menu" }],
    });
  }
  const pendingReply = turn.state.replyThread;
  const text = turn.input.text.trim();
  if (pendingReply !== undefined) {
    turn.state.replyThread = undefined;
    if (choice === undefined && text !== "" && !/^(menu|main menu|stop)[.!]*$/i.test(text)) {
      turn.handledBy = "messages";
      try {
        await messages.reply(actor, pendingReply, { text });
      } catch (err) {
        if (err instanceof DomainError)
          return void say(turn, 'I couldn\'t send that reply. Write "menu" to start again.');
        throw err;
      }
      return void say(turn, "Sent. You'll get their answer here.");
    }
  }
  if (choice === undefined && MESSAGES_WORD.test(text)) {
    turn.handledBy = "messages";
    const unread = await messages.unreadFor(actor);
    if (unread.length === 0) return void say(turn, "You have no unread messages.");
    for (const { thread, messages: list } of unread) {
      const who = thread.doctor_name ? drName(thread.doctor_name) : "Your doctor";
      say(turn, `${who} — ${thread.subject}\n${list.map((m) => m.text).join("\n")}`, {
        choices: [{ id: `${MESSAGE_CHOICES.reply}${thread.id}`, label: "Reply" }],
      });
    }
    return;
  }
  await next();
};
