import type { Middleware, Turn } from "../turn.js";
import { attachments, attachmentsUnverified } from "./attachments.js";
import { brain } from "./brain.js";
import { dedupe } from "./dedupe.js";
import { identity } from "./identity.js";
import { keywords } from "./keywords.js";
import { pending } from "./pending.js";
import { persist } from "./persist.js";
import { recover } from "./recover.js";
import { reminders } from "./reminders.js";
import { triage } from "./triage.js";

/**
 * THE order of a turn, in one list. `persist` and `recover` wrap what follows them: `persist` stores the
 * outbound messages and the state once the rest has answered, `recover` turns any failure into a reply.
 *
 *   dedupe → (persist → recover →) red-flag triage → identity & consent → answers to reminders
 *   → attachments (files to records) → keywords → pending confirmation → brain
 */
export const MIDDLEWARE: readonly Middleware[] = [
  dedupe,
  persist,
  recover,
  triage,
  attachmentsUnverified,
  identity,
  reminders,
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
