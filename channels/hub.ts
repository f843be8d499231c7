import { randomUUID } from "node:crypto";
import type { Engine } from "../bot/engine.js";
import type { InboundMessage, OutboundMessage, TurnContext } from "../bot/types.js";
import type { TurnStream } from "../bot/turn.js";
import { loggableError } from "../domain/shared/errors.js";
import {
  CONVERSATION_JOBS,
  type ConversationService,
  type IdentityRow,
  type InboundRow,
  type MessageRow,
} from "../domain/conversations/service.js";
import { toOutbound } from "../domain/conversations/messages.js";
import type { Clock } from "../domain/shared/clock.js";
import type { Jobs } from "../domain/shared/jobs.js";
import { metrics } from "../domain/shared/metrics.js";
import { ChannelRegistry, SendError, type ChannelAdapter, type SendContext } from "./contract.js";

export const HUB_JOBS = CONVERSATION_JOBS;

/** Run the turns of the sender of this inbox row (ids only: nothing of the message is in the job). */
export interface DrainJob {
  inboxId: number;
}

/** Send the unsent outbound messages of this identity, in order. */
export interface SendJob {
  identityId: number;
}

/** An identity's inbox lease (wall clock): longer than any turn's time budget; renewed as the drain goes. */
const INBOX_LEASE_MS = 120_000;
const OUTBOX_LEASE_MS = 60_000;
/** Rows read per round trip by a drain. */
const BATCH = 20;
/** A row whose turn failed this often is given up on (with a code), so the sender's next messages go on. */
export const MAX_TURN_ATTEMPTS = 5;
/** Retryable send failures of one message before it is given up on. */
export const MAX_SEND_ATTEMPTS = 8;
/** Work older than this with no drain holding its lease lost its job: the relay enqueues it again. */
export const STRANDED_AFTER_MS = 10_000;
/** Processed inbox rows are kept this long as the dedupe record (providers redeliver within hours). */
const INBOX_RETENTION_MS = 7 * 86_400_000;
const SWEEP_LIMIT = 500;

type Log = { warn: (obj: object, msg: string) => void; error: (obj: object, msg: string) => void };

/**
 * Where the channels meet the engine. Every channel's inbound goes the same way:
 *
 *   webhook (verify, parse) → accept: stored in the inbox (Postgres; the dedupe and the durability in one
 *   statement) → 2xx → chat.drain job → the sender's pending rows, in arrival order, under the identity's
 *   inbox lease → engine turn → replies stored in the outbox (with the row marked processed, one
 *   transaction) → chat.send job → the identity's unsent messages, in order, under its outbox lease →
 *   the channel's adapter.
 *
 * Jobs carry ids only, and losing one loses nothing: `sweep` (run by the relay) finds inbox rows and
 * outbound messages left behind and enqueues them again; the leases make a second drain a no-op.
 */
export class ChannelHub {
  readonly registry = new ChannelRegistry();
  private readonly conversations: ConversationService;

  constructor(
    readonly engine: Engine,
    private readonly jobs: Jobs,
    private readonly clock: Clock,
    private readonly log: Log,
    adapters: ChannelAdapter[] = [],
  ) {
    this.conversations = engine.conversations;
    for (const a of adapters) this.registry.register(a);
  }

  register(adapter: ChannelAdapter): void {
    this.registry.register(adapter);
  }

  /**
   * Intake: stores the message (throws only when Postgres fails: the webhook answers 503 and the provider
   * retries) and asks for its sender's drain. Returns false for a redelivery (already stored).
   */
  async accept(inbound: InboundMessage, ctx: TurnContext = {}): Promise<boolean> {
    const inboxId = await this.conversations.accept(inbound, ctx);
    if (inboxId === undefined) return false;
    await this.kick(HUB_JOBS.drain, { inboxId } satisfies DrainJob);
    return true;
  }

  /**
   * Enqueues a job, best effort and bounded in time: the work it points at is already in Postgres, so a
   * queue that is down or slow costs latency (the relay enqueues it again), never the message.
   */
  private async kick(name: string, data: DrainJob | SendJob): Promise<void> {
    try {
      // Bounded by the jobs port: its producer fails fast while Redis is away and times out if it hangs.
      await this.jobs.add(name, data, { removeOnComplete: true });
    } catch (err) {
      this.log.warn({ job: name, err: loggableError(err).message }, "enqueue failed; the relay will retry");
    }
  }

  // ---- inbound: the drain ----------------------------------------------------------------------------

  /** The `chat.drain` job. */
  async drain(job: DrainJob): Promise<void> {
    const row = await this.conversations.inboundById(job.inboxId);
    if (!row || row.processedAt !== null) return;
    await this.drainSender(row.channel, row.address);
  }

  /**
   * Runs the sender's pending turns strictly in arrival order, one at a time, under the identity's inbox
   * lease. A drain that finds the lease taken leaves: the holder looks again after releasing it, so a message
   * stored meanwhile is never left behind.
   */
  async drainSender(channel: string, address: string): Promise<void> {
    const { conversations } = this;
    const identity = await conversations.identity(channel, address);
    for (;;) {
      const token = randomUUID();
      if (!(await conversations.takeLease(identity.id, "inbox", token, new Date(), INBOX_LEASE_MS))) return;
      let renewedAt = Date.now();
      try {
        for (;;) {
          const rows = await conversations.pendingInbound(channel, address, BATCH);
          if (rows.length === 0) break;
          for (const row of rows) {
            if (Date.now() - renewedAt > INBOX_LEASE_MS / 4) {
              const until = new Date(Date.now() + INBOX_LEASE_MS);
              if (!(await conversations.renewLease(identity.id, "inbox", token, until))) return;
              renewedAt = Date.now();
            }
            await this.runRow(row);
          }
        }
      } finally {
        await conversations.releaseLease(identity.id, "inbox", token);
      }
      if ((await conversations.pendingInbound(channel, address, 1)).length === 0) return;
    }
  }

  /** One inbox row's turn; a failure is counted, and after MAX_TURN_ATTEMPTS the row is given up on. */
  private async runRow(row: InboundRow): Promise<void> {
    try {
      await this.runTurn(inboundOf(row), { ...(row.context as TurnContext), inboxId: row.id });
    } catch (err) {
      const attempts = await this.conversations.countInboundAttempt(row.id);
      if (attempts < MAX_TURN_ATTEMPTS) throw err;
      // Logged by class and code: an error's message may quote the person.
      this.log.error(
        { inbox_id: row.id, attempts, err: loggableError(err).name, code: loggableError(err).code },
        "inbound message given up on after repeated failures",
      );
      await this.conversations.finishInbound(row.id, this.clock.now(), "TURN_FAILED");
    }
  }

  /** One turn through the engine, then its replies' delivery. */
  async runTurn(
    inbound: InboundMessage,
    ctx: TurnContext = {},
    stream?: TurnStream,
  ): Promise<OutboundMessage[]> {
    const { channel, externalUserId: address } = inbound;
    // The person wrote on this identity: WhatsApp's 24-hour window opens at their message. Recorded while the
    // turn runs (nothing in the turn reads it; what it sends is delivered after): one round trip less before
    // the answer. A failure is logged, not thrown: the answer is stored by then and must still be sent, and a
    // window missed only makes WhatsApp fall back to a template sooner.
    const touched = this.conversations
      .touchInbound(channel, address, inbound.receivedAt)
      .catch((err: unknown) =>
        this.log.warn({ channel, err: loggableError(err).name }, "the inbound time was not recorded"),
      );
    const out = await this.engine.handleTurn(inbound, ctx, stream).finally(() => touched);
    if (out.some((m) => m.id !== undefined)) {
      const identity = await this.conversations.identity(channel, address);
      await this.kick(HUB_JOBS.send, { identityId: identity.id });
    }
    return out;
  }

  // ---- outbound: posting outside a turn, and the send drain ------------------------------------------

  /** Posts messages to a person outside a turn (ConversationService.post): stored, then sent by `chat.send`. */
  post(
    identity: IdentityRow,
    messages: OutboundMessage[],
    opts: { key: string; notification?: SendContext["notification"] },
  ): Promise<number[]> {
    return this.conversations.post(identity, messages, opts);
  }

  /**
   * A provider's delivery status callback (sent, delivered, read, failed…): recorded on the conversation
   * message and on the notification it carried, whichever it was; never backwards. A late permanent failure
   * (`permanentError`: the provider's code, given only for codes that are final for that address) of a message
   * that carried a notification hands it to the person's next channel, as a permanent send error does.
   */
  async recordStatus(
    channel: string,
    providerMessageId: string,
    status: string,
    at: Date,
    permanentError?: string,
  ): Promise<void> {
    const postKey = await this.conversations.recordDeliveryStatus(channel, providerMessageId, status, at);
    const { notifications } = this.engine.deps.services;
    await notifications.recordDeliveryStatus(channel, providerMessageId, status);
    if (permanentError !== undefined && postKey?.startsWith("notify:"))
      await notifications.sendFailed(postKey, channel, permanentError);
  }

  /** The `chat.send` job. */
  async send(job: SendJob): Promise<void> {
    await this.sendFor(job.identityId);
  }

  /**
   * Sends the identity's unsent messages in order under its outbox lease. A retryable failure (network, 429,
   * 5xx) is counted on the message and thrown, so the job retries from that message with backoff and the
   * ones after it wait; a permanent failure (or the last allowed attempt) gives that message up and goes on.
   */
  async sendFor(identityId: number): Promise<void> {
    const { conversations } = this;
    for (;;) {
      const token = randomUUID();
      if (!(await conversations.takeLease(identityId, "outbox", token, new Date(), OUTBOX_LEASE_MS))) return;
      try {
        const identity = await conversations.identityById(identityId);
        if (!identity) return;
        for (;;) {
          const rows = await conversations.unsentFor(identityId, BATCH);
          if (rows.length === 0) break;
          for (const row of rows) await this.sendOne(identity, row);
        }
      } finally {
        await conversations.releaseLease(identityId, "outbox", token);
      }
      if ((await conversations.unsentFor(identityId, 1)).length === 0) return;
    }
  }

  private async sendOne(identity: IdentityRow, row: MessageRow): Promise<void> {
    const { conversations } = this;
    const message = toOutbound(row);
    const adapter = this.registry.get(identity.channel);
    const giveUp = async (code: string) => {
      await conversations.recordSendFailure([row.id], code, this.clock.now());
      // A notification given up on this channel goes on to the person's next one.
      if (row.postKey?.startsWith("notify:"))
        await this.engine.deps.services.notifications.sendFailed(row.postKey, identity.channel, code);
    };
    if (!adapter) return giveUp("CHANNEL_OFF");
    if (identity.optedOutAt !== null && !message.evenIfOptedOut) return giveUp("OPTED_OUT");
    const ctx: SendContext = {
      idempotencyKey: `msg:${row.id}`,
      notification: message.notification,
      lastInboundAt: identity.lastInboundAt,
    };
    let result;
    try {
      result = await adapter.send(identity.externalId, message, ctx);
    } catch (err) {
      const failure =
        err instanceof SendError ? err : new SendError(`${identity.channel.toUpperCase()}_ERROR`, true);
      if (!failure.retryable || row.sendAttempts + 1 >= MAX_SEND_ATTEMPTS) {
        metrics.channelSend(identity.channel, "permanent");
        this.log.warn({ channel: identity.channel, code: failure.code }, "message not delivered");
        return giveUp(failure.code);
      }
      metrics.channelSend(identity.channel, "failed");
      await conversations.recordSendFailure([row.id], failure.code, null);
      throw failure;
    }
    metrics.channelSend(identity.channel, "sent");
    await conversations.recordSent(row.id, this.clock.now(), result.providerMessageIds[0]);
  }

  // ---- the relay's part --------------------------------------------------------------------------------

  /**
   * Finds work whose job was lost (Redis down or flushed, a process killed between commit and enqueue):
   * senders with inbox rows pending for a while and identities with unsent messages, none of them under a
   * live lease, and enqueues their drains again. Also forgets processed inbox rows past their retention.
   * Returns how many drains it enqueued.
   */
  async sweep(now: Date): Promise<number> {
    const before = new Date(now.getTime() - STRANDED_AFTER_MS);
    // Leases run on the wall clock (they guard processes, not business time); rows carry the app's clock.
    const wall = new Date();
    const inbox = await this.conversations.strandedInbound(before, wall, SWEEP_LIMIT);
    for (const inboxId of inbox) await this.kick(HUB_JOBS.drain, { inboxId });
    const outbox = await this.conversations.strandedOutbox(before, wall, SWEEP_LIMIT);
    for (const identityId of outbox) await this.kick(HUB_JOBS.send, { identityId });
    await this.conversations.purgeInbound(new Date(now.getTime() - INBOX_RETENTION_MS));
    return inbox.length + outbox.length;
  }
}

/** An inbox row back into the InboundMessage the channel parsed. */
function inboundOf(row: InboundRow): InboundMessage {
  return {
    ...(row.message as Omit<
      InboundMessage,
      "channel" | "externalUserId" | "providerMessageId" | "receivedAt"
    >),
    channel: row.channel as InboundMessage["channel"],
    externalUserId: row.address,
    providerMessageId: row.providerMessageId,
    receivedAt: row.receivedAt,
  };
}
