import { z } from "zod";

/**
 * Twilio ConversationRelay's WebSocket messages (docs/voice.md). In: setup (once, first), prompt (the
 * caller's words, final when last is true), interrupt (the caller talked over us: what they heard so far),
 * dtmf (a key), error. Out: text tokens (last: true ends the answer), end (with handoffData for the
 * <Connect action> callback), language.
 */
const Setup = z.object({
  type: z.literal("setup"),
  callSid: z.string().regex(/^CA[0-9a-fA-F]{32}$/),
  from: z.string().max(64).default(""),
  to: z.string().max(64).default(""),
  direction: z.string().max(40).optional(),
  customParameters: z.record(z.string(), z.string().max(500)).optional(),
});
const Prompt = z.object({
  type: z.literal("prompt"),
  voicePrompt: z.string().max(4000),
  lang: z.string().max(20).optional(),
  last: z.boolean().default(true),
});
const Interrupt = z.object({
  type: z.literal("interrupt"),
  utteranceUntilInterrupt: z.string().max(8000).default(""),
  durationUntilInterruptMs: z.number().optional(),
});
const Dtmf = z.object({ type: z.literal("dtmf"), digit: z.string().regex(/^[0-9*#]$/) });
const ErrorMessage = z.object({ type: z.literal("error"), description: z.string().max(2000).default("") });

const RelayMessage = z.discriminatedUnion("type", [Setup, Prompt, Interrupt, Dtmf, ErrorMessage]);
export type RelayMessage = z.infer<typeof RelayMessage>;

/** Parses one frame from Twilio; undefined when it is not one we know (never throws on junk). */
export function parseRelayMessage(raw: string): RelayMessage | undefined {
  if (raw.length > 64 * 1024) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const parsed = RelayMessage.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

export type RelayOut =
  | { type: "text"; token: string; last: boolean; lang?: string | undefined }
  | { type: "end"; handoffData?: string | undefined }
  | { type: "language"; ttsLanguage: string; transcriptionLanguage: string };

/** What the session's end carries to the <Connect action> callback (as a JSON string: Twilio's HandoffData). */
export interface HandoffData {
  reason: "emergency" | "person";
  /** The call's language at the end (BCP-47), so the callback speaks it too. */
  language?: string | undefined;
}

/** HandoffData from the action callback → ours, or undefined (absent, junk, unknown reason). */
export function parseHandoffData(raw: string | undefined): HandoffData | undefined {
  if (!raw || raw.length > 2000) return undefined;
  try {
    const data = JSON.parse(raw) as { reason?: unknown; language?: unknown };
    if (data.reason !== "emergency" && data.reason !== "person") return undefined;
    const language =
      typeof data.language === "string" && data.language.length <= 35 ? data.language : undefined;
    return { reason: data.reason, language };
  } catch {
    return undefined;
  }
}
