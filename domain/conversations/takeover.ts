import { assertAdmin } from "../accounts/auth-service.js";
import type { ServiceContext } from "../context.js";
import type { Actor } from "../shared/actor.js";
import { conflict, notFound, unprocessable } from "../shared/errors.js";
import type { ConversationRepository, ConversationRow, IdentityRow } from "./repository.js";

/** Where a conversation stands: taken over (by which admin, since when) or with the agent. */
export interface TakeoverState {
  conversationId: number;
  takenOverBy: number | null;
  takenOverAt: Date | null;
}

const stateOf = (row: ConversationRow): TakeoverState => ({
  conversationId: row.id,
  takenOverBy: row.takenOverBy,
  takenOverAt: row.takenOverAt,
});

/**
 * An admin takes a live conversation over: the agent pauses for it (the engine's `takeover` middleware stores
 * the person's messages without answering them), the admin writes to the person on their channel through the
 * normal outbox, and hands it back to the agent. The state is two columns of the conversation, so every
 * process (web, workers, voice) sees it at the next turn. Admins only; every step writes an audit row (ids
 * only).
 */
export class Takeover {
  constructor(
    private readonly repo: ConversationRepository,
    private readonly ctx: ServiceContext,
    private readonly wakeOutbox: (identityId: number) => Promise<void>,
  ) {}

  async takeOver(actor: Actor, id: number): Promise<TakeoverState> {
    assertAdmin(actor);
    const current = await this.repo.load(id);
    if (!current) throw notFound("Conversation", "CONVERSATION_NOT_FOUND");
    const row = await this.repo.setTakeover(id, actor.userId, this.ctx.clock.now(), true);
    if (!row)
      throw conflict(
        "ALREADY_TAKEN_OVER",
        "Another admin has taken this conversation over. Ask them to hand it back.",
      );
    await this.audit(actor, row, "take_over");
    return stateOf(row);
  }

  async handBack(actor: Actor, id: number): Promise<TakeoverState> {
    assertAdmin(actor);
    const current = await this.repo.load(id);
    if (!current) throw notFound("Conversation", "CONVERSATION_NOT_FOUND");
    if (current.takenOverBy === null)
      throw conflict("NOT_TAKEN_OVER", "The agent is already answering this conversation.");
    const row = (await this.repo.setTakeover(id, null, this.ctx.clock.now())) ?? current;
    await this.audit(actor, row, "hand_back");
    return stateOf(row);
  }

  /**
   * The admin's message to the person, during a take-over: stored on the conversation as an outbound message
   * (marked as staff's) to the identity the person last wrote from on the conversation's channel, and sent by
   * that identity's outbox drain, as any reply. Returns the message's id.
   */
  async reply(actor: Actor, id: number, text: string): Promise<{ id: number; channel: string }> {
    assertAdmin(actor);
    const body = text.trim();
    if (body === "") throw unprocessable("EMPTY_MESSAGE", "Write the message.");
    const conversation = await this.repo.load(id);
    if (!conversation) throw notFound("Conversation", "CONVERSATION_NOT_FOUND");
    if (conversation.takenOverBy === null)
      throw conflict("NOT_TAKEN_OVER", "Take the conversation over before writing to the person.");
    const identity = await this.replyIdentity(conversation);
    if (!identity)
      throw unprocessable("NO_CHANNEL", "This conversation has no channel to write to the person on.");
    const now = this.ctx.clock.now();
    const [messageId] = await this.repo.recordOutboundMany([
      {
        conversationId: conversation.id,
        channel: identity.channel,
        identityId: identity.id,
        text: body,
        payload: { staff: true },
        createdAt: now,
      },
    ]);
    await this.audit(actor, conversation, "staff_reply");
    await this.wakeOutbox(identity.id);
    return { id: messageId!, channel: identity.channel };
  }

  /** The identity to write on: the person's most recently active one on the conversation's channel. */
  private async replyIdentity(conversation: ConversationRow): Promise<IdentityRow | undefined> {
    const identities =
      conversation.userId !== null
        ? await this.repo.verifiedIdentities(conversation.userId)
        : await this.repo.identitiesOfConversation(conversation.id);
    return identities.find((i) => i.channel === conversation.channel) ?? identities[0];
  }

  private async audit(actor: Actor, row: ConversationRow, action: string): Promise<void> {
    await this.ctx.audit.record(actor, {
      patientId: await this.repo.patientIdOf(row.userId),
      action,
      resourceType: "conversation",
      resourceId: row.id,
      outcome: "allowed",
    });
  }
}
