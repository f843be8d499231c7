import { randomUUID } from "node:crypto";
import { phrasesFor } from "../../bot/phrases.js";
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
  const said =
    (input.digits ?? "").replace(/[#*]/g, "") || spokenChoice((input.speech ?? "").trim(), language);
  if (said === "") return { say: phrasesFor(language).notCaught, handoff: undefined, language };
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
  const next = [...out].reverse().find((m) => m.language !== undefined)?.language ?? language;
  const after = await afterTurn(ports, call, out, "", next);
  return { say: after.speech, handoff: after.handoff, language: next };
}
