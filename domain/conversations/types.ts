import type { Channel } from "../shared/actor.js";

/** A message from a person, in the same form whatever channel it came from. */
export interface InboundMessage {
  channel: Channel;
  /** The channel's id of the person (web: the visitor session or the signed-in user). */
  externalUserId: string;
  /** The conversation the channel believes this belongs to, if it knows. The engine decides. */
  conversationId?: number | undefined;
  text: string;
  /** The id of a choice (button) the person picked. */
  choice?: string | undefined;
  /** A contact the person shared (phone channels). */
  contact?:
    | {
        phone?: string | undefined;
        email?: string | undefined;
        /**
         * The channel proved this phone is the sender's own: Telegram's contact shared by its own user
         * (contact.user_id == from.id), WhatsApp's sender number (Meta or Twilio verified it). No code needed.
         */
        proven?: boolean | undefined;
      }
    | undefined;
  /** A location the person shared (WhatsApp, Telegram): doctors are searched near it. */
  location?: { lat: number; lng: number; name?: string | undefined } | undefined;
  attachments?: { url: string; mimeType?: string | undefined; name?: string | undefined }[] | undefined;
  /** The language a live channel's speech recognition heard this in (BCP-47, e.g. hi-IN; the phone). */
  language?: string | undefined;
  /** The provider's (or client's) id of this message: the same id twice is one message. */
  providerMessageId: string;
  receivedAt: Date;
}

export interface Choice {
  id: string;
  label: string;
}

/** A message to a person, channel-neutral; channels/<x>/render turns it into the channel's form. */
export interface OutboundMessage {
  text: string;
  choices?: Choice[] | undefined;
  links?: { label: string; url: string }[] | undefined;
  attachments?: { url: string; name: string }[] | undefined;
  typing?: boolean | undefined;
  /** The engine asks for the person's contact: phone channels offer a "share contact" button. */
  requestContact?: boolean | undefined;
  /** Sent even to an identity that opted out (the STOP confirmation itself, HELP). */
  evenIfOptedOut?: boolean | undefined;
  /**
   * Set when the message is a notification rather than a reply: a channel with a session window (WhatsApp's
   * 24 hours) sends the configured template for it when the window is closed.
   */
  notification?: { template: string; data: Record<string, unknown> } | undefined;
  /**
   * The person needs a human now (an emergency, or they asked for one): a live channel (the phone) transfers
   * the call after saying this message. Message channels ignore it.
   */
  handoff?: "emergency" | "person" | undefined;
  /** Written by an admin who took the conversation over (not the agent). */
  staff?: boolean | undefined;
  /**
   * The conversation now speaks this language (BCP-47, e.g. hi-IN): a live channel (the phone) switches its
   * speech recognition and voice before saying this message. Message channels ignore it.
   */
  language?: string | undefined;
  /** Set once stored: the conversation_messages id and the conversation. */
  id?: number | undefined;
  conversationId?: number | undefined;
}

/** What the transport knows about the sender beyond the message. */
export interface TurnContext {
  /** The channel proved the sender is this user (web: a valid access token). */
  verifiedUserId?: number | undefined;
  requestId?: string | undefined;
  /** The caller's number as the phone network gave it (E.164; voice calls): matched to a patient, not proof. */
  callerPhone?: string | undefined;
  /** The inbox row this turn answers (a turn run by the inbox drain): marked processed with the replies. */
  inboxId?: number | undefined;
}
