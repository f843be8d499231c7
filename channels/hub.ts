import type { Engine } from "../bot/engine.js";
import type { ConversationState } from "../bot/state.js";
import type { IdentityRow, MessageRow } from "../bot/store.js";
import type { InboundMessage, OutboundMessage, TurnContext } from "../bot/types.js";
import type { Cache } from "../domain/shared/cache.js";
import type { Clock } from "../domain/shared/clock.js";
import type { Jobs } from "../domain/shared/jobs.js";
import { ChannelRegistry, SendError, type ChannelAdapter, type SendContext } from "./contract.js";

export const HUB_JOBS = { turn: "chat.turn", deliver: "chat.deliver" } as const;

/** How long an inbound provider message id is remembered at intake (providers redeliver within minutes). */
const SEEN_TTL_SECONDS = 24 * 3600;

/** A turn waiting in the queue: the inbound message as JSON (dates as ISO strings). */
export interface TurnJob {
  inbound: Omit<InboundMessage, "receivedAt"> & { receivedAt: string };
}

export interface DeliverJob {
  channel: string;
  /** The identity's external id on that channel: a Telegram chat id, an E.164 number. */
  address: string;
  /** Stored outbound messages (conversation_messages), sent in order, each at most once. */
  messageIds?: number[] | undefined;
  /** Unstored replies (an opt-out confirmation, a doctor's command answer). */
  inline?: OutboundMessage[] | undefined;
  notification?: SendContext["notification"];
  /** A reply to a message received at this time (ISO): the person just wrote, so WhatsApp's window is open. */
  repliesTo?: string | undefined;
  /** Inline replies that must go even to an opted-out number (the STOP confirmation itself). */
  evenIfOptedOut?: boolean | undefined;
}

/**
 * Runs before the engine for every queued turn; returning replies answers the message without the engine
 * (STOP/START/HELP, a doctor's SMS command). Undefined → next interceptor, then the engine.
 */
export type Interceptor = (
  inbound: InboundMessage,
) => Promise<OutboundMessage[] | InterceptorReply | undefined>;

/** An interceptor's replies that must reach even an opted-out identity (the STOP confirmation itself). */
export interface InterceptorReply {
  replies: OutboundMessage[];
  evenIfOptedOut: boolean;
}

type Log = { warn: (obj: object, msg: string) => void; error: (obj: object, msg: string) => void };

/**
 * The channels' side of the engine. Webhooks verify and parse, then `accept` (dedupe + enqueue: fast, no
 * database); the `chat.turn` job runs the engine under the conversation's lease; the `chat.deliver` job
 * sends the stored replies through the channel's adapter, with retries, each message at most once.
 * The web chat is the exception: its sockets live in this process, so it talks to the engine directly.
 */
export class ChannelHub {
  readonly registry = new ChannelRegistry();
  private readonly interceptors: Interceptor[] = [];

  constructor(
    readonly engine: Engine,
    private readonly jobs: Jobs,
    private readonly cache: Cache,
    private readonly clock: Clock,
    private readonly log: Log,
  ) {}

  register(adapter: ChannelAdapter): void {
    this.registry.register(adapter);
  }

  intercept(interceptor: Interceptor): void {
    this.interceptors.push(interceptor);
  }

  /**
   * Intake: the first sighting of a provider message id enqueues its turn; redeliveries are dropped here
   * (and again by the engine's dedupe, which is durable). Returns false for a duplicate.
   */
  async accept(inbound: InboundMessage): Promise<boolean> {
    const key = `${inbound.channel}:${inbound.providerMessageId}`;
    if (!(await this.cache.setIfAbsent(`seen:${key}`, "1", SEEN_TTL_SECONDS))) return false;
    const job: TurnJob = { inbound: { ...inbound, receivedAt: inbound.receivedAt.toISOString() } };
    // One attempt: the engine records the message first, so a retry would be taken for a duplicate;
    // failures inside a turn become a reply (the recover middleware).
    await this.jobs.add(HUB_JOBS.turn, job, { jobId: `turn:${key}`, attempts: 1, removeOnComplete: true });
    return true;
  }

  /** The `chat.turn` job. */
  async runTurn(job: TurnJob, ctx: TurnContext = {}): Promise<void> {
    const inbound: InboundMessage = { ...job.inbound, receivedAt: new Date(job.inbound.receivedAt) };
    const { channel, externalUserId: address } = inbound;
    for (const interceptor of this.interceptors) {
      const result = await interceptor(inbound);
      if (result) {
        const { replies, evenIfOptedOut } = Array.isArray(result)
          ? { replies: result, evenIfOptedOut: false }
          : result;
        if (replies.length > 0)
          await this.enqueueDelivery(
            { channel, address, inline: replies, ...(evenIfOptedOut ? { evenIfOptedOut } : {}) },
            inbound,
          );
        return;
      }
    }
    const out = await this.engine.handleTurn(inbound, ctx);
    await this.engine.store.touchInbound(channel, address, inbound.receivedAt);
    const messageIds = out.flatMap((m) => (m.id === undefined ? [] : [m.id]));
    if (messageIds.length > 0) await this.enqueueDelivery({ channel, address, messageIds }, inbound);
  }

  private async enqueueDelivery(job: DeliverJob, inbound: InboundMessage): Promise<void> {
    const reply: DeliverJob = { ...job, repliesTo: inbound.receivedAt.toISOString() };
    await this.jobs.add(HUB_JOBS.deliver, reply, {
      jobId: `deliver:${inbound.channel}:${inbound.providerMessageId}`,
      removeOnComplete: true,
    });
  }

  /**
   * Posts messages to a person on a channel outside a turn (a notification, a reminder, a staff answer):
   * stored in their conversation (the choices offered become what "1"/"2" mean next), then delivered by
   * the `chat.deliver` job. `key` makes the delivery job unique.
   */
  async post(
    identity: IdentityRow,
    messages: OutboundMessage[],
    opts: { key: string; notification?: SendContext["notification"] },
  ): Promise<number[]> {
    const { store } = this.engine;
    const conversation = await store.conversationFor(identity, identity.channel);
    const token = await store.lock(conversation.id);
    const ids: number[] = [];
    try {
      const now = this.clock.now();
      for (const m of messages) {
        const { id: _id, conversationId: _c, text, ...payload } = m;
        ids.push(
          await store.recordOutbound({
            conversationId: conversation.id,
            channel: identity.channel,
            text,
            payload,
            createdAt: now,
          }),
        );
      }
      const choices = [...messages].reverse().find((m) => m.choices?.length)?.choices;
      if (choices) {
        const current = (await store.load(conversation.id)) ?? conversation;
        const state = { ...(current.state as ConversationState), choices };
        await store.save(conversation.id, { state, channel: current.channel }, now);
      }
    } finally {
      await store.unlock(conversation.id, token);
    }
    {
      await this.jobs.add(
        HUB_JOBS.deliver,
        {
          channel: identity.channel,
          address: identity.externalId,
          messageIds: ids,
          notification: opts.notification,
        } satisfies DeliverJob,
        { jobId: `deliver:${opts.key}`, removeOnComplete: true },
      );
    }
    return ids;
  }

  /**
   * A provider's delivery status callback (sent, delivered, read, failed…): recorded on the conversation
   * message and on the notification it carried, whichever it was; never backwards.
   */
  async recordStatus(channel: string, providerMessageId: string, status: string, at: Date): Promise<void> {
    await this.engine.store.recordDeliveryStatus(channel, providerMessageId, status, at);
    await this.engine.deps.services.notifications.recordDeliveryStatus(channel, providerMessageId, status);
  }

  /**
   * The `chat.deliver` job: sends in order; a message already delivered (a rerun) is skipped; a retryable
   * failure throws so the job is retried from the first undelivered message; a permanent one is recorded
   * on that message and the ones after it (they would arrive out of order), and the job ends.
   */
  async deliver(job: DeliverJob): Promise<void> {
    const adapter = this.registry.get(job.channel);
    const { store } = this.engine;
    const rows = await store.outboundByIds(job.messageIds ?? []);
    if (!adapter) {
      await store.recordDelivery(
        rows.map((r) => r.id),
        { error: "CHANNEL_OFF" },
      );
      return;
    }
    const identity = await store.findIdentity(job.channel, job.address);
    const optedOut = identity?.optedOutAt != null && !job.evenIfOptedOut;
    const ctx = (key: string): SendContext => ({
      idempotencyKey: key,
      notification: job.notification,
      lastInboundAt: latest(identity?.lastInboundAt ?? null, job.repliesTo),
    });

    if (job.inline) {
      if (optedOut) return;
      for (const [i, m] of job.inline.entries()) {
        try {
          await adapter.send(job.address, m, ctx(`inline:${job.channel}:${job.address}:${i}`));
        } catch (err) {
          // A permanent refusal (e.g. the provider already opted the number out) is not worth a retry.
          if (!(err instanceof SendError) || err.retryable) throw err;
          this.log.warn({ channel: job.channel, code: err.code }, "reply not delivered");
          return;
        }
      }
      return;
    }
    const pending = rows.filter((r) => r.deliveredAt === null);
    for (const [i, row] of pending.entries()) {
      if (optedOut) {
        await store.recordDelivery([row.id], { error: "OPTED_OUT" });
        continue;
      }
      try {
        const result = await adapter.send(job.address, toOutbound(row), ctx(`msg:${row.id}`));
        await store.recordSent(row.id, this.clock.now(), result.providerMessageIds[0]);
      } catch (err) {
        const failure =
          err instanceof SendError ? err : new SendError(`${job.channel.toUpperCase()}_ERROR`, true);
        if (failure.retryable) {
          await store.recordDelivery([row.id], { error: failure.code });
          throw failure;
        }
        await store.recordDelivery(
          pending.slice(i).map((r) => r.id),
          { error: failure.code },
        );
        this.log.warn({ channel: job.channel, code: failure.code }, "message not delivered");
        return;
      }
    }
  }
}

/** The later of the identity's last inbound time and the message being answered. */
function latest(stored: Date | null, repliesTo: string | undefined): Date | null {
  const answered = repliesTo === undefined ? null : new Date(repliesTo);
  if (!stored) return answered;
  return answered && answered > stored ? answered : stored;
}

/** A stored outbound row back into the channel-neutral message it was. */
export function toOutbound(row: MessageRow): OutboundMessage {
  return {
    ...(row.payload as Omit<OutboundMessage, "text">),
    text: row.text ?? "",
    id: row.id,
    conversationId: row.conversationId,
  };
}
