import VoiceResponse from "twilio/lib/twiml/VoiceResponse.js";
import { phrasesFor } from "../../bot/phrases.js";

/** TwiML for the phone line, made with the twilio package (docs/voice.md). */

type Language = NonNullable<VoiceResponse.SayAttributes["language"]>;

/** PUBLIC_BASE_URL with its scheme turned to ws/wss + /voice/relay: where ConversationRelay connects. */
export function relayUrl(publicBaseUrl: string): string {
  return `${publicBaseUrl.replace(/^http/i, "ws")}/voice/relay`;
}

/** An incoming call in relay mode: <Connect action=…><ConversationRelay …/></Connect>. */
export function relayTwiml(opts: {
  relayUrl: string;
  actionUrl: string;
  welcomeGreeting: string;
  language: string;
}): string {
  const response = new VoiceResponse();
  const connect = response.connect({ action: opts.actionUrl, method: "POST" });
  connect.conversationRelay({
    url: opts.relayUrl,
    welcomeGreeting: opts.welcomeGreeting,
    language: opts.language,
    interruptible: "any",
    dtmfDetection: true,
  });
  return response.toString();
}

/**
 * One turn of gather mode: what to say, then listen again (speech or keys). With no input at all the call
 * says goodbye and ends.
 */
export function gatherTwiml(opts: { say: string; actionUrl: string; language: string }): string {
  const response = new VoiceResponse();
  const gather = response.gather({
    input: ["speech", "dtmf"],
    action: opts.actionUrl,
    method: "POST",
    speechTimeout: "auto",
    language: opts.language as NonNullable<VoiceResponse.GatherAttributes["language"]>,
  });
  if (opts.say) gather.say({ language: opts.language as Language }, opts.say);
  response.say({ language: opts.language as Language }, phrasesFor(opts.language).noInput);
  response.hangup();
  return response.toString();
}

/**
 * The end of a conversation: say the last words, then dial a person (an emergency or "talk to a person",
 * when a hand-off number is configured) or hang up.
 */
export function handoffTwiml(opts: {
  say?: string | undefined;
  dial?: string | undefined;
  callerId?: string | undefined;
  language: string;
}): string {
  const response = new VoiceResponse();
  if (opts.say) response.say({ language: opts.language as Language }, opts.say);
  if (opts.dial) response.dial({ callerId: opts.callerId }, opts.dial);
  else response.hangup();
  return response.toString();
}

/** A doctor's browser call: dial the patient's number from the clinic's. */
export function outboundTwiml(opts: { to: string; callerId: string }): string {
  const response = new VoiceResponse();
  response.dial({ callerId: opts.callerId }).number(opts.to);
  return response.toString();
}

/** A refused outbound call: say why (no number or ids in it) and hang up. */
export function refusedTwiml(say: string): string {
  const response = new VoiceResponse();
  response.say(say);
  response.hangup();
  return response.toString();
}
