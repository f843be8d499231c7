import type { AuthService } from "../accounts/auth-service.js";
import type { UserWithProfile } from "../accounts/repository.js";
import { AccountsRepository } from "../accounts/repository.js";
import type { ServiceContext } from "../context.js";
import { enqueueNotification, type OutboxMessage } from "../notifications/outbox.js";
import {
  ConversationRepository,
  type ConversationRow,
  type IdentityRow,
  type InboundRow,
  type LeaseKind,
  type MessageRow,
  type OutboundValues,
  type ToolCallValues,
} from "./repository.js";
import { ChatSignup } from "./signup.js";
import { Takeover } from "./takeover.js";
import { payloadOf } from "./messages.js";
import type { InboundMessage, OutboundMessage, TurnContext } from "./types.js";

/** The conversations module's jobs: a sender's inbox drain, an identity's outbox drain (ids only). */
export const CONVERSATION_JOBS = { drain: "chat.drain", send: "chat.send" } as const;

/** The web chat identity of a signed-in person (a visitor's is `visitor:<hash of their token>`). */
export function userExternalId(userId: number): string {
  return `user:${userId}`;
}

/** The channels this configuration can send on (the web chat always); the channels layer has an adapter each. */
export function configuredChannels(config: ServiceContext["config"]): ReadonlySet<string> {
  const channels = new Set(["web"]);
  if (config.telegram) channels.add("telegram");
  if (config.twilio?.phoneNumber) channels.add("sms");
  if (config.twilio?.whatsappNumber || config.whatsapp) channels.add("whatsapp");
  return channels;
}

export type { ConversationRow, IdentityRow, InboundRow, MessageRow, OutboundValues, ToolCallValues };

/** A turn's last writes, committed together (see ConversationService.completeTurn). */
export interface TurnOutcome {
  conversationId: number;
  outbound: OutboundValues[];
  save: { state: Record<string, unknown>; channel: string; userId?: number | null; flagged?: boolean };
  at: Date;
  /** The turn's lease on the conversation: released by the same write. */
  releaseToken?: string | undefined;
  /** The inbox row the turn answered: marked processed in the same transaction. */
  inboxId?: number | undefined;
}

/**
 * The conversations module: people's channel identities, their conversations and messages, the inbox of
 * inbound messages, the outbox of replies, tool calls, consents, hand-off tickets and chat sign-up. The engine
 * (bot/) and the channels (channels/) reach these tables only through this service.
 */
export class ConversationService {
  private readonly repo: ConversationRepository;
  private readonly accounts: AccountsRepository;
  /** Chat sign-up: one-time codes and the account an identity is linked to. */
  readonly signup: ChatSignup;
  /** An admin taking a conversation over from the agent, writing to the person, handing it back. */
  readonly takeover: Takeover;

  constructor(
    private readonly ctx: ServiceContext,
    auth: AuthService,
  ) {
    this.repo = new ConversationRepository(ctx.db);
    this.accounts = new AccountsRepository(ctx.db);
    this.signup = new ChatSignup(this.repo, auth, ctx.clock, (message) =>
      enqueueNotification(ctx.db, message as OutboxMessage),
    );
    this.takeover = new Takeover(this.repo, ctx, async (identityId) => {
      await ctx.jobs
        .add(CONVERSATION_JOBS.send, { identityId }, { removeOnComplete: true })
        // The message is stored: the relay's sweep sends it if this add is lost.
        .catch(() => undefined);
    });
  }

  // ---- identities ---------------------------------------------------------------------------------------
  identity = (channel: string, externalId: string): Promise<IdentityRow> =>
    this.repo.identity(channel, externalId);
  findIdentity = (channel: string, externalId: string): Promise<IdentityRow | undefined> =>
    this.repo.findIdentity(channel, externalId);
  identityById = (id: number): Promise<IdentityRow | undefined> => this.repo.identityById(id);
  /** The person's verified identities, most recently active first. */
  verifiedIdentities = (userId: number): Promise<IdentityRow[]> => this.repo.verifiedIdentities(userId);
  linkIdentity = (identityId: number, userId: number, at: Date): Promise<void> =>
    this.repo.linkIdentity(identityId, userId, at);
  setOptOut = (channel: string, externalId: string, at: Date | null): Promise<void> =>
    this.repo.setOptOut(channel, externalId, at);
  touchInbound = (channel: string, externalId: string, at: Date): Promise<void> =>
    this.repo.touchInbound(channel, externalId, at);

  // ---- conversations and the turn's lease ------------------------------------------------------------
  conversationFor = (identity: IdentityRow, channel: string): Promise<ConversationRow> =>
    this.repo.conversationFor(identity, channel);
  lockCurrent = (identity: IdentityRow) => this.repo.lockCurrent(identity);
  lockAndLoad = (id: number, waitMs?: number) => this.repo.lockAndLoad(id, waitMs);
  lock = (id: number, waitMs?: number): Promise<string> => this.repo.lock(id, waitMs);
  unlock = (id: number, token: string): Promise<void> => this.repo.unlock(id, token);
  load = (id: number): Promise<ConversationRow | undefined> => this.repo.load(id);
  save = (id: number, values: TurnOutcome["save"], now: Date, releaseToken?: string): Promise<void> =>
    this.repo.save(id, values, now, releaseToken);

  // ---- messages -----------------------------------------------------------------------------------------
  recordInbound = (values: Parameters<ConversationRepository["recordInbound"]>[0]) =>
    this.repo.recordInbound(values);
  /** The id of the inbound message stored for this provider message id, if any. */
  inboundMessageId = (channel: string, providerMessageId: string) =>
    this.repo.inboundMessageId(channel, providerMessageId);
  recordOutbound = (values: OutboundValues): Promise<number> => this.repo.recordOutbound(values);
  recordOutboundMany = (rows: OutboundValues[]): Promise<number[]> => this.repo.recordOutboundMany(rows);
  outboundIdsByPostKeys = (keys: string[]): Promise<number[]> => this.repo.outboundIdsByPostKeys(keys);
  recentMessages = (conversationId: number, beforeId: number | undefined, limit: number) =>
    this.repo.recentMessages(conversationId, beforeId, limit);
  historyAfter = (conversationId: number, afterId: number, limit?: number): Promise<MessageRow[]> =>
    this.repo.historyAfter(conversationId, afterId, limit);
  outboundAfter = (conversationId: number, afterId: number, limit?: number): Promise<MessageRow[]> =>
    this.repo.outboundAfter(conversationId, afterId, limit);
  outboundByIds = (ids: number[]): Promise<MessageRow[]> => this.repo.outboundByIds(ids);
  recordDelivery = (ids: number[], outcome: { deliveredAt: Date } | { error: string }) =>
    this.repo.recordDelivery(ids, outcome);
  /**
   * A phone caller talked over an answer whose audio was still playing: its stored messages keep only what was
   * heard (`heard…` in the first, the later ones emptied), so the history and the admin review hold what was
   * said. Only outbound messages of that conversation are touched.
   */
  keepHeard = (conversationId: number, messageIds: number[], heard: string): Promise<void> =>
    this.repo.setOutboundText(
      conversationId,
      messageIds.map((id, i) => ({ id, text: i === 0 ? `${heard}…` : "" })),
    );
  recordSent = (id: number, at: Date, providerMessageId: string | undefined) =>
    this.repo.recordSent(id, at, providerMessageId);
  recordSendFailure = (ids: number[], code: string, failedAt: Date | null) =>
    this.repo.recordSendFailure(ids, code, failedAt);
  recordDeliveryStatus = (channel: string, providerMessageId: string, status: string, at: Date) =>
    this.repo.recordDeliveryStatus(channel, providerMessageId, status, at);
  unsentFor = (identityId: number, limit: number): Promise<MessageRow[]> =>
    this.repo.unsentFor(identityId, limit);
  strandedOutbox = (before: Date, now: Date, limit: number): Promise<number[]> =>
    this.repo.strandedOutbox(before, now, limit);

  /**
   * A turn's last writes in one transaction: its replies (the outbox), the conversation's state (releasing
   * the turn's lease) and, for a turn from the inbox, the inbox row marked processed. A crash before the
   * commit leaves the inbox row pending and no reply stored: the turn runs again; after it, the replies are
   * stored and the row done: the outbox drain sends them. Returns the replies' ids, in order.
   */
  async completeTurn(outcome: TurnOutcome): Promise<number[]> {
    return this.repo.inTransaction(async (repo) => {
      const ids = await repo.recordOutboundMany(outcome.outbound);
      await repo.save(outcome.conversationId, outcome.save, outcome.at, outcome.releaseToken);
      if (outcome.inboxId !== undefined) await repo.finishInbound(outcome.inboxId, outcome.at);
      return ids;
    });
  }

  /** The person's web chat identity (the one their signed-in chat uses), linked to them. */
  async webIdentity(userId: number): Promise<IdentityRow> {
    const identity = await this.repo.identity("web", userExternalId(userId));
    if (identity.userId === userId && identity.verifiedAt !== null) return identity;
    if (identity.userId !== null && identity.userId !== userId) return identity;
    const at = this.ctx.clock.now();
    await this.repo.linkIdentity(identity.id, userId, at);
    return { ...identity, userId, verifiedAt: at };
  }

  /**
   * Posts messages to a person on one identity outside a turn (a notification, a reminder, a staff answer):
   * stored in their conversation (the choices offered become what "1"/"2" mean next: the conversation state's
   * `choices`) and in the identity's outbox, whose drain sends them. `key` makes the post idempotent: posting
   * again with the same key stores nothing more. Returns the messages' ids.
   */
  /**
   * A phone call's status callback (ringing, in-progress, completed, busy, no-answer, failed) with its length:
   * kept on the call's conversation (state.call) for the admin review. A call that never reached a turn has
   * no conversation yet: one is opened, so every call is on record.
   */
  async recordCall(
    callSid: string,
    call: { status: string; durationSeconds?: number | undefined },
    at: Date,
  ): Promise<void> {
    const identity = await this.repo.identity("voice", callSid);
    const conversation = await this.repo.conversationFor(identity, "voice");
    const token = await this.repo.lock(conversation.id);
    try {
      const current = (await this.repo.load(conversation.id)) ?? conversation;
      const state = {
        ...current.state,
        call: { status: call.status, durationSeconds: call.durationSeconds, at: at.toISOString() },
      };
      await this.repo.save(conversation.id, { state, channel: current.channel }, at);
    } finally {
      await this.repo.unlock(conversation.id, token);
    }
  }

  async post(
    identity: IdentityRow,
    messages: OutboundMessage[],
    opts: { key: string; notification?: OutboundMessage["notification"] },
  ): Promise<number[]> {
    const conversation = await this.repo.conversationFor(identity, identity.channel);
    const token = await this.repo.lock(conversation.id);
    const keys = messages.map((_, i) => `${opts.key}:${i}`);
    let ids: number[];
    try {
      const now = this.ctx.clock.now();
      ids = await this.repo.recordOutboundMany(
        messages.map((m, i) => ({
          conversationId: conversation.id,
          channel: identity.channel,
          identityId: identity.id,
          postKey: keys[i],
          text: m.text,
          payload: payloadOf(opts.notification ? { ...m, notification: opts.notification } : m),
          createdAt: now,
        })),
      );
      if (ids.length < messages.length) ids = await this.repo.outboundIdsByPostKeys(keys);
      const choices = [...messages].reverse().find((m) => m.choices?.length)?.choices;
      if (choices) {
        const current = (await this.repo.load(conversation.id)) ?? conversation;
        await this.repo.save(
          conversation.id,
          { state: { ...current.state, choices }, channel: current.channel },
          now,
        );
      }
    } finally {
      await this.repo.unlock(conversation.id, token);
    }
    await this.ctx.jobs
      .add(CONVERSATION_JOBS.send, { identityId: identity.id }, { removeOnComplete: true })
      // The messages are stored: the relay's sweep sends them if this add is lost.
      .catch(() => undefined);
    return ids;
  }

  // ---- the inbox ----------------------------------------------------------------------------------------

  /**
   * Stores an inbound message before anything answers the provider: the unique key on channel + provider
   * message id makes this the dedupe and the durability in one statement. Returns the inbox row's id, or
   * undefined for a redelivery.
   */
  async accept(inbound: InboundMessage, context: TurnContext = {}): Promise<number | undefined> {
    const { channel, externalUserId, providerMessageId, receivedAt, ...message } = inbound;
    return this.repo.insertInbound({
      channel,
      providerMessageId,
      address: externalUserId,
      message: message,
      context: context as Record<string, unknown>,
      receivedAt,
    });
  }

  inboundById = (id: number): Promise<InboundRow | undefined> => this.repo.inboundById(id);
  pendingInbound = (channel: string, address: string, limit: number): Promise<InboundRow[]> =>
    this.repo.pendingInbound(channel, address, limit);
  finishInbound = (id: number, at: Date, error?: string): Promise<void> =>
    this.repo.finishInbound(id, at, error ?? null);
  countInboundAttempt = (id: number): Promise<number> => this.repo.countInboundAttempt(id);
  strandedInbound = (before: Date, now: Date, limit: number): Promise<number[]> =>
    this.repo.strandedInbound(before, now, limit);
  purgeInbound = (before: Date): Promise<number> => this.repo.purgeInbound(before);

  // ---- leases on an identity (its inbox drain, its outbox drain) ----------------------------------------
  takeLease = (identityId: number, kind: LeaseKind, token: string, now: Date, ms: number): Promise<boolean> =>
    this.repo.takeLease(identityId, kind, token, now, ms);
  renewLease = (identityId: number, kind: LeaseKind, token: string, until: Date): Promise<boolean> =>
    this.repo.renewLease(identityId, kind, token, until);
  releaseLease = (identityId: number, kind: LeaseKind, token: string): Promise<void> =>
    this.repo.releaseLease(identityId, kind, token);

  // ---- tool calls, consents, tickets, review flags ------------------------------------------------------
  recordToolCalls = (rows: ToolCallValues[]): Promise<void> => this.repo.recordToolCalls(rows);
  completedAction = (idempotencyKey: string): Promise<unknown> => this.repo.completedAction(idempotencyKey);
  recordConsent = (identityId: number, userId: number | null, version: string, at: Date): Promise<void> =>
    this.repo.recordConsent(identityId, userId, version, at);
  openTicket = (values: Parameters<ConversationRepository["openTicket"]>[0]): Promise<number> =>
    this.repo.openTicket(values);
  flagForReview = (
    conversationId: number,
    messageId: number | null,
    reason: string,
    at: Date,
  ): Promise<void> => this.repo.flagForReview(conversationId, messageId, reason, at);
  contactOf = (userId: number) => this.repo.contactOf(userId);
  count = (table: "messages" | "tool_calls", conversationId: number): Promise<number> =>
    this.repo.count(table, conversationId);

  // ---- the person behind an identity ---------------------------------------------------------------------
  userById = (id: number): Promise<UserWithProfile | undefined> => this.accounts.findById(id);
}
