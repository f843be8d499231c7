import type { MediaFetcher } from "../bot/turn.js";
import type { OutboundMessage } from "../bot/types.js";

/**
 * What every channel (channels/<name>/) gives the hub to send with. Inbound is the channel's own webhook:
 * verify → parse to InboundMessage → hub.accept. Rendering (buttons, numbered lists, splitting at the
 * channel's limit) happens inside send, in the channel's render.ts.
 */
export interface ChannelAdapter {
  /** The channel name stored on identities and messages: telegram, sms, whatsapp. */
  readonly channel: string;
  /**
   * Sends one message to an address (the identity's external id: a Telegram chat id, an E.164 phone
   * number). Throws SendError; returns the provider's ids of what it sent (one per part).
   */
  send(address: string, message: OutboundMessage, ctx: SendContext): Promise<SendResult>;
  /**
   * Downloads a file the person sent (an inbound attachment's url) with the channel's credentials, refusing
   * anything over the size cap. Channels that receive no files leave it out.
   */
  fetchMedia?: MediaFetcher | undefined;
}

export interface SendContext {
  /** Stable for this message: the same key on a retry (providers that accept one dedupe with it). */
  idempotencyKey: string;
  /**
   * Set when the message is a notification rather than a reply: a channel with a session window
   * (WhatsApp's 24 hours) sends the configured template for it when the window is closed.
   */
  notification?: OutboundMessage["notification"];
  /** The person's last inbound message on this identity (the WhatsApp window opens there). */
  lastInboundAt?: Date | null | undefined;
}

export interface SendResult {
  providerMessageIds: string[];
}

/**
 * A send failure as a short code (never the provider's message: it may echo the text or a token).
 * Retryable failures (network, 429, 5xx) are retried by the delivery job; the others are recorded and dropped.
 */
export class SendError extends Error {
  override readonly name = "SendError";
  constructor(
    readonly code: string,
    readonly retryable: boolean,
  ) {
    super(code);
  }
}

/** Classifies an HTTP status from a provider: 408, 429 and 5xx are worth another try. */
export function httpSendError(prefix: string, status: number): SendError {
  return new SendError(`${prefix}_${status}`, status === 408 || status === 429 || status >= 500);
}

/** The channels that can send, by name. Unconfigured channels are simply absent. */
export class ChannelRegistry {
  private readonly adapters = new Map<string, ChannelAdapter>();

  register(adapter: ChannelAdapter): void {
    this.adapters.set(adapter.channel, adapter);
  }

  get(channel: string): ChannelAdapter | undefined {
    return this.adapters.get(channel);
  }

  names(): string[] {
    return [...this.adapters.keys()];
  }
}
