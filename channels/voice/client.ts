import type { OutboundMessage } from "../../bot/types.js";
import { SendError, type ChannelAdapter, type SendContext, type SendResult } from "../contract.js";

/**
 * The phone as a channel of the hub. A call's replies are spoken live in its session (relay or gather), so the
 * outbox has nothing left to deliver for them: they are recorded as sent. A notification cannot be "sent" to
 * a call that has ended: it fails permanently, and the notifications go on to the person's next channel.
 */
export class VoiceClient implements ChannelAdapter {
  readonly channel = "voice";

  send(_address: string, _message: OutboundMessage, ctx: SendContext): Promise<SendResult> {
    if (ctx.notification) return Promise.reject(new SendError("VOICE_NOT_A_MAILBOX", false));
    return Promise.resolve({ providerMessageIds: [] });
  }
}
