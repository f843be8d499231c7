import type { AuthService, ContactPoint } from "../accounts/auth-service.js";
import type { UserWithProfile } from "../accounts/repository.js";
import { sameDigest, sha256 } from "../accounts/secrets.js";
import type { Clock } from "../shared/clock.js";
import { isOneTimeCodeShape, newOneTimeCode } from "../shared/one-time-code.js";
import type { ConversationRepository } from "./repository.js";

export type { ContactPoint };

export const CODE_TTL_MS = 10 * 60_000;

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

function codeHash(conversationId: number, identityId: number, code: string): string {
  return sha256(`${conversationId}:${identityId}:${code}`);
}
