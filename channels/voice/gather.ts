import { randomUUID } from "node:crypto";
import { afterTurn, type CallInfo, type VoicePorts } from "./session.js";
import { spokenChoice } from "./render.js";
import type { HandoffData } from "./protocol.js";

/**
 * Gather mode (VOICE_MODE=gather, when ConversationRelay is not available): each <Gather> result (speech or
 * keys) is one turn of the same engine; the answer is said whole with <Say> and the next <Gather> listens.
 * `language` is what this <Gather> listened in; the answer's language is the one to speak and listen in next
 * (a caller who asked "can we speak Hindi?" gets the confirmation marked with it).
 */
export async function gatherTurn(
  ports: VoicePorts,
  call: CallInfo,
  input: { speech?: string | undefined; digits?: string | undefined },
  language: string,
): Promise<{ say: string; handoff: HandoffData["reason"] | undefined; language: string }> {
  const said = (input.digits ?? "").replace(/[#*]/g, "") || spokenChoice((input.speech ?? "").trim());
  if (said === "")
    return { say: "Sorry, I didn't catch that. Please say it again.", handoff: undefined, language };
  const out = await ports.runTurn(
    {
      channel: "voice",
      externalUserId: call.callSid,
      text: said.slice(0, 2000),
      language,
      providerMessageId: `${call.callSid}:${randomUUID()}`,
      receivedAt: ports.now(),
    },
    { callerPhone: call.caller },
  );
  const after = await afterTurn(ports, call, out, "");
  const next = [...out].reverse().find((m) => m.language !== undefined)?.language ?? language;
  return { say: after.speech, handoff: after.handoff, language: next };
}
