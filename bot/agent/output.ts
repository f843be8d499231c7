import type { Channel } from "../../domain/shared/actor.js";

/** The longest reply the agent may send on each channel. */
export const MAX_REPLY_CHARS: Record<Channel, number> = {
  api: 2000,
  console: 2000,
  web: 2000,
  telegram: 3500,
  sms: 480,
  whatsapp: 1500,
  voice: 600,
  teams: 2000,
  system: 2000,
};

export class RejectedOutput extends Error {
  constructor(readonly reason: string) {
    super(`agent output rejected: ${reason}`);
  }
}

const TRACES: [RegExp, string][] = [
  [/\btool_calls?\b|\bfunction_call\b|\btool_call_id\b/i, "tool trace"],
  [/\b(patient|user|doctor|appointment|conversation)_id\b/i, "internal id"],
  [/\bpatient\s*(id|#)\s*:?\s*\d+/i, "patient id"],
  [/[{[]\s*"[\w-]+"\s*:/, "json"],
  [/```/, "code block"],
];

/**
 * Checks the model's reply before it is sent: internal ids, tool traces and JSON are refused (the turn falls
 * back to the guided menu), whitespace is tidied and the text is cut at the channel's length limit.
 */
export function checkReply(text: string, channel: Channel): string {
  const clean = text
    .replace(/\r/g, "")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
  if (clean === "") throw new RejectedOutput("empty");
  for (const [pattern, reason] of TRACES) if (pattern.test(clean)) throw new RejectedOutput(reason);
  const max = MAX_REPLY_CHARS[channel];
  if (clean.length <= max) return clean;
  const cut = clean.slice(0, max - 1);
  const at = Math.max(cut.lastIndexOf(". "), cut.lastIndexOf("\n"));
  return (at > max / 2 ? cut.slice(0, at + 1) : cut).trimEnd() + "…";
}
