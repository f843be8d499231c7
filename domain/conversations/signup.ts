import type { AuthService, ContactPoint } from "../accounts/auth-service.js";
import type { UserWithProfile } from "../accounts/repository.js";
import { sameDigest, sha256 } from "../accounts/secrets.js";
import type { Clock } from "../shared/clock.js";
import { isOneTimeCodeShape, newOneTimeCode } from "../shared/one-time-code.js";
import type { ConversationRepository } from "./repository.js";

export type { ContactPoint };

export const CODE_TTL_MS = 10 * 60_000;

/**
 * Channels whose sender address is a phone number the provider verified: WhatsApp (Meta's Cloud API and
 * Twilio's WhatsApp both deliver the sender's own number, and every webhook is signed). SMS is not among them:
 * an SMS sender id can be spoofed, so SMS (and the web chat) still prove a contact with a code.
 */
export function senderPhoneIsProven(channel: string): boolean {
  return channel === "whatsapp";
}

/** What a conversation keeps of a code it sent: only its hash and when it expires. */
export interface IssuedCode {
  codeHash: string;
  expiresAt: Date;
}

/**
 * Chat sign-up, the rules behind the onboarding dialog (bot/middleware/identity.ts says the words): a
 * one-time code to a contact, checked against a hash bound to the conversation and the identity; then the
 * account the contact belongs to, or a new patient account (accounts module), linked to the identity. No
 * account is created before the person proves the contact is theirs.
 */
export class ChatSignup {
  constructor(
    private readonly repo: ConversationRepository,
    private readonly auth: AuthService,
    private readonly clock: Clock,
    private readonly queue: (message: {
      template: string;
      data: Record<string, unknown>;
      idempotencyKey: string;
      channel: string;
      userId?: number | undefined;
      toAddress?: string | undefined;
    }) => Promise<void>,
  ) {}

  /** The patient account of an email or phone, if any (a staff account comes back too: refuse it). */
  accountOf(contact: ContactPoint): Promise<UserWithProfile | undefined> {
    return this.auth.patientByContact(contact);
  }

  /**
   * A caller's check (the phone line): does this date of birth match the one on file for the patient whose
   * number is calling? A yes only — the date itself never leaves the domain. No date on file → false.
   */
  async dateOfBirthMatches(userId: number, dateOfBirth: string): Promise<boolean> {
    const onFile = await this.repo.dateOfBirthOf(userId);
    return onFile !== null && onFile === dateOfBirth;
  }

  /**
   * Sends a new code to the contact (the `sequence`-th of this conversation): through the account when one
   * exists, otherwise straight to the address, by email or SMS.
   */
  async issueCode(input: {
    conversationId: number;
    identityId: number;
    contact: ContactPoint;
    userId: number | undefined;
    sequence: number;
  }): Promise<IssuedCode> {
    const code = newOneTimeCode();
    const message = {
      template: "chat.verification_code",
      data: { code, conversation_id: input.conversationId },
      idempotencyKey: `chat-code:${input.conversationId}:${input.identityId}:${input.sequence}`,
      channel: input.contact.kind === "email" ? "email" : "sms",
    };
    await this.queue(
      input.userId !== undefined
        ? { ...message, userId: input.userId }
        : { ...message, toAddress: input.contact.value },
    );
    return {
      codeHash: codeHash(input.conversationId, input.identityId, code),
      expiresAt: new Date(this.clock.now().getTime() + CODE_TTL_MS),
    };
  }

  /** Whether the typed text is the code whose hash the conversation kept (constant time). */
  codeMatches(input: {
    conversationId: number;
    identityId: number;
    typed: string;
    codeHash: string;
  }): boolean {
    const typed = input.typed.replace(/\s/g, "");
    return (
      isOneTimeCodeShape(typed) &&
      sameDigest(codeHash(input.conversationId, input.identityId, typed), input.codeHash)
    );
  }

  /**
   * A phone the channel itself proved is the sender's (a Telegram contact shared by its own user, a WhatsApp
   * sender): no code. The identity is linked to the patient account with that phone — an existing one is
   * linked, never duplicated — or to a new one with the name and date of birth given (when `newAccount` is
   * given; without it, only an existing account is linked and undefined means there is none).
   */
  async verifyProvenPhone(input: {
    identityId: number;
    phone: string;
    newAccount?: { name: string; dateOfBirth: string } | undefined;
  }): Promise<ProvenOutcome | undefined> {
    const contact: ContactPoint = { kind: "phone", value: input.phone };
    const existing = await this.auth.patientByContact(contact);
    if (existing && existing.patientId === null) return { refused: "staff_account" };
    if (!existing && !input.newAccount) return undefined;
    const userId = await this.complete({
      identityId: input.identityId,
      userId: existing?.id,
      contact,
      name: input.newAccount?.name ?? existing!.name,
      dateOfBirth: input.newAccount?.dateOfBirth ?? "1900-01-01",
    });
    return { userId, existing: existing !== undefined };
  }

  /**
   * The contact is proven: links the identity to the person's account — the one given, the one the contact
   * belongs to, or a new patient account with the name and date of birth they gave. Returns the user id.
   */
  async complete(input: {
    identityId: number;
    userId: number | undefined;
    contact: ContactPoint;
    name: string;
    dateOfBirth: string;
  }): Promise<number> {
    const userId =
      input.userId ??
      ((await this.auth.patientByContact(input.contact)) ?? (await this.auth.createPatientFromContact(input)))
        .id;
    await this.repo.linkIdentity(input.identityId, userId, this.clock.now());
    return userId;
  }
}

/** What a channel-proven contact came to: the person's user id, or a refusal (a staff account's number). */
export type ProvenOutcome = { userId: number; existing: boolean } | { refused: "staff_account" };

function codeHash(conversationId: number, identityId: number, code: string): string {
  return sha256(`${conversationId}:${identityId}:${code}`);
}
