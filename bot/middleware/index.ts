import type { Middleware, Turn } from "../turn.js";
import { attachments, attachmentsUnverified } from "./attachments.js";
import { brain } from "./brain.js";
import { consultation, secureMessages } from "./consultation.js";
import { doctorCommands } from "../doctor-sms/handler.js";
import { dedupe } from "./dedupe.js";
import { identity } from "./identity.js";
import { keywords } from "./keywords.js";
import { language } from "./language.js";
import { optOut } from "./optout.js";
import { pending } from "./pending.js";
import { persist } from "./persist.js";
import { recover } from "./recover.js";
import { reminders } from "./reminders.js";
import { takeover } from "./takeover.js";
import { ratings } from "./ratings.js";
import { triage } from "./triage.js";

/**
 * THE order of a turn, in one list. `persist` and `recover` wrap what follows them: `persist` stores the
 * outbound messages and the state once the rest has answered (and marks the inbox row processed), `recover`
 * turns any failure into a reply. STOP/START/HELP and doctors' commands come before the message is recorded
 * (a command may carry a PIN).
 *
 *   (persist → recover →) STOP/START/HELP → doctors' SMS commands → dedupe (record the message)
 *   → red-flag triage → an admin's take-over (the agent paused: stored, not answered) → the phone's language
 *   → identity & consent → secure messages ("Reply", "messages")
 *   → chat consultation (to the doctor's visit thread)
 *   → answers to reminders → answers to a visit's rating request → attachments (files to records)
 *   → keywords → pending confirmation → brain
 */
export const MIDDLEWARE: readonly Middleware[] = [
  persist,
  recover,
  optOut,
  doctorCommands,
  dedupe,
  triage,
  takeover,
  language,
  attachmentsUnverified,
  identity,
  secureMessages,
  consultation,
  reminders,
  ratings,
  attachments,
  keywords,
  pending,
  brain,
];

export async function runMiddleware(list: readonly Middleware[], turn: Turn): Promise<void> {
  const at = async (i: number): Promise<void> => {
    const m = list[i];
    if (m) await m(turn, () => at(i + 1));
  };
  await at(0);
}
