import type { ServiceContext } from "../context.js";
import { invalid } from "../shared/errors.js";
import { normalizePhone } from "../shared/phone.js";
import type { Actor } from "../shared/actor.js";
import { recordOutboxDeliveryStatus } from "./delivery-status.js";
import { parseQuietHours } from "./quiet-hours.js";
import { configuredChannels, type ConversationService, type IdentityRow } from "../conversations/service.js";
import { NotificationsRepository, type OutboxRow, type Recipient } from "./repository.js";
import { renderNotification, type RecipientRole } from "./templates.js";

export const NOTIFY_JOBS = { deliver: "notify.deliver", deliverMany: "notify.deliver_many" } as const;

/** Outbox rows per `notify.deliver_many` job (a batch of reminders is queued as a few hundred jobs, not 10,000). */
export const DELIVER_CHUNK = 25;

/** The outbox row's delivery job id: one job per row while it is queued. */
export const deliverJobId = (outboxId: number): string => `notify:${outboxId}`;

export const PREFERRED_CHANNELS = ["telegram", "whatsapp", "sms", "web"] as const;
export type PreferredChannel = (typeof PREFERRED_CHANNELS)[number];

export interface Preferences {
  preferred_channel: PreferredChannel | null;
  quiet_hours: string | null;
}

/** The consultations module's visit links, without depending on it (it is built after notifications). */
export interface VisitLinks {
  /** PUBLIC_BASE_URL/visit/<token> for this person, or null when the appointment has no online visit. */
  visitLink(appointmentId: number, userId: number): Promise<string | null>;
}

/** The messages that carry an online appointment's visit link: its confirmation and its reminders. */
const VISIT_LINK_TEMPLATES = new Set([
  "appointment.booked",
  "appointment.accepted",
  "appointment.proposal_accepted",
  "appointment.rescheduled",
  "reminder.appointment",
]);

/** Where a notification goes, or why it cannot go. */
type Route = { identity: IdentityRow } | { error: string };

/**
 * Delivers the notifications outbox: picks the person's channel (preferred → most recently active other
 * → SMS to their phone → the web chat), renders the template and posts it into their conversation. Each
 * row is posted at most once: the row is locked while it is handled and a sent row is left alone.
 */
export class NotificationService {
  readonly repo: NotificationsRepository;
  /** The channels this deployment can send on (an adapter each in channels/). */
  private readonly channels: ReadonlySet<string>;

  /** Notifications reach people through their conversations (ConversationService.post and its outbox). */
  constructor(
    private readonly ctx: ServiceContext,
    private readonly conversations: ConversationService,
    private readonly visits?: VisitLinks,
  ) {
    this.repo = new NotificationsRepository(ctx.db);
    this.channels = configuredChannels(ctx.config);
  }

  private has(channel: string): boolean {
    return this.channels.has(channel);
  }

  /** Queues the delivery job of an outbox row (the relay does this for rows it claims). */
  /** A provider's delivery status for a notification it carried (never moves a status backwards). */
  async recordDeliveryStatus(channel: string, providerMessageId: string, status: string): Promise<void> {
    await recordOutboxDeliveryStatus(this.ctx.db, channel, providerMessageId, status);
  }

  async enqueueDelivery(outboxId: number): Promise<void> {
    await this.ctx.jobs.add(
      NOTIFY_JOBS.deliver,
      { outboxId },
      { jobId: deliverJobId(outboxId), removeOnComplete: true },
    );
  }

  /**
   * Queues the delivery of many outbox rows at once (a batch of reminders): one `notify.deliver_many` job per
   * DELIVER_CHUNK rows, added in bulk.
   */
  async enqueueDeliveries(outboxIds: number[]): Promise<void> {
    const chunks: number[][] = [];
    for (let i = 0; i < outboxIds.length; i += DELIVER_CHUNK)
      chunks.push(outboxIds.slice(i, i + DELIVER_CHUNK));
    await this.ctx.jobs.addBulk(
      NOTIFY_JOBS.deliverMany,
      chunks.map((ids) => ({
        data: { outboxIds: ids },
        opts: { jobId: `notify-many:${ids[0]}:${ids.length}`, removeOnComplete: true },
      })),
    );
  }

  /**
   * The `notify.deliver_many` job: delivers each row side by side; a row that fails gets its own
   * `notify.deliver` job (with its own retries), so the others are not sent again.
   */
  async deliverMany(outboxIds: number[]): Promise<void> {
    const results = await Promise.allSettled(outboxIds.map((id) => this.deliver(id)));
    const failed = outboxIds.filter((_, i) => results[i]!.status === "rejected");
    await this.ctx.jobs.addBulk(
      NOTIFY_JOBS.deliver,
      failed.map((outboxId) => ({
        data: { outboxId },
        opts: { jobId: deliverJobId(outboxId), removeOnComplete: true },
      })),
    );
  }

  /** The `notify.deliver` job. Idempotent: a row already sent, failed or cancelled is left as it is. */
  async deliver(outboxId: number): Promise<void> {
    const now = this.ctx.clock.now();
    // Taken while handled: a second job for the same row finds it taken (or sent) and does nothing.
    const row = await this.repo.take(outboxId, now);
    if (!row) return;
    try {
      const recipient = row.userId !== null ? await this.repo.recipient(row.userId) : undefined;
      const route = await this.route(row, recipient);
      if ("error" in route) {
        await this.repo.markFailed(this.ctx.db, row.id, route.error);
        return;
      }
      const message = renderNotification(row.template, await this.withVisitLink(row), roleOf(recipient));
      await this.conversations.post(route.identity, [message], {
        key: deliverJobId(row.id),
        notification: { template: row.template, data: row.data },
      });
      await this.repo.markSent(this.ctx.db, row.id, route.identity.channel, now);
    } catch (err) {
      await this.repo.release(row.id);
      throw err;
    }
  }

  /**
   * The row's data, plus the recipient's own visit link for the confirmation and reminders of an online
   * appointment. Made at delivery (never stored in the outbox): each person gets theirs.
   */
  private async withVisitLink(row: OutboxRow): Promise<Record<string, unknown>> {
    const id = row.data.appointment_id;
    if (
      !this.visits ||
      row.userId === null ||
      typeof id !== "number" ||
      !VISIT_LINK_TEMPLATES.has(row.template)
    )
      return row.data;
    if (row.data.mode === "in_person") return row.data;
    const url = await this.visits.visitLink(id, row.userId);
    return url ? { ...row.data, visit_url: url } : row.data;
  }

  private async route(row: OutboxRow, recipient: Recipient | undefined): Promise<Route> {
    if (row.userId !== null && (!recipient || !recipient.active)) return { error: "NO_RECIPIENT" };
    if (row.channel !== null) return this.pinned(row, recipient);
    if (!recipient) return { error: "NO_CHANNEL" };
    const usable = (await this.conversations.verifiedIdentities(recipient.userId)).filter(
      (i) => i.optedOutAt === null && this.has(i.channel),
    );
    const preferred = recipient.preferredChannel;
    const onPreferred = preferred ? usable.find((i) => i.channel === preferred) : undefined;
    if (onPreferred) return { identity: onPreferred };
    const other = usable.find((i) => i.channel !== "web");
    if (other) return { identity: other };
    const phone = this.phoneOf(recipient);
    if (this.has("sms") && phone !== undefined) {
      const sms = await this.conversations.identity("sms", phone);
      const mine = sms.userId === null || sms.userId === recipient.userId;
      if (sms.optedOutAt === null && mine) return { identity: sms };
    }
    const web = usable.find((i) => i.channel === "web");
    if (web) return { identity: web };
    if (this.has("web")) return { identity: await this.conversations.webIdentity(recipient.userId) };
    return { error: "NO_CHANNEL" };
  }

  /**
   * The recipient's phone in E.164, or undefined. Phones are stored in E.164; a row written before that
   * (typed as "98765 43210") is read with DEFAULT_PHONE_REGION rather than skipped.
   */
  private phoneOf(recipient: Recipient): string | undefined {
    return recipient.phone ? normalizePhone(recipient.phone, this.ctx.config.phone.defaultRegion) : undefined;
  }

  /** A row for one channel (a one-time code by SMS, a reset link by email): that channel only. */
  private async pinned(row: OutboxRow, recipient: Recipient | undefined): Promise<Route> {
    const channel = row.channel!;
    if (channel === "email") return { error: "EMAIL_NOT_CONFIGURED" };
    if (!this.has(channel)) return { error: "NO_CHANNEL" };
    if (row.toAddress !== null) {
      const identity = await this.conversations.identity(channel, row.toAddress);
      return identity.optedOutAt === null ? { identity } : { error: "OPTED_OUT" };
    }
    if (!recipient) return { error: "NO_CHANNEL" };
    const usable = (await this.conversations.verifiedIdentities(recipient.userId)).filter(
      (i) => i.channel === channel && i.optedOutAt === null,
    );
    if (usable[0]) return { identity: usable[0] };
    const phone = this.phoneOf(recipient);
    if ((channel === "sms" || channel === "whatsapp") && phone !== undefined) {
      const identity = await this.conversations.identity(channel, phone);
      if (identity.optedOutAt !== null) return { error: "OPTED_OUT" };
      if (identity.userId === null || identity.userId === recipient.userId) return { identity };
    }
    if (channel === "web") return { identity: await this.conversations.webIdentity(recipient.userId) };
    return { error: "NO_CHANNEL" };
  }

  /** The person's notification settings (the "me" route). */
  async preferences(actor: Actor): Promise<Preferences> {
    const r = await this.repo.recipient(actor.userId);
    const pc = r?.preferredChannel ?? null;
    return {
      preferred_channel: (PREFERRED_CHANNELS as readonly (string | null)[]).includes(pc)
        ? (pc as PreferredChannel)
        : null,
      quiet_hours: r?.patientId != null ? (r.quietHours ?? null) : null,
    };
  }

  /** Sets the person's preferred channel and (patients) quiet hours; null clears either. */
  async setPreferences(
    actor: Actor,
    input: { preferred_channel?: string | null | undefined; quiet_hours?: string | null | undefined },
  ): Promise<Preferences> {
    const pc = input.preferred_channel;
    if (pc !== undefined && pc !== null && !(PREFERRED_CHANNELS as readonly string[]).includes(pc))
      throw invalid("INVALID_CHANNEL", `preferred_channel must be one of ${PREFERRED_CHANNELS.join(", ")}.`);
    const qh = input.quiet_hours;
    if (qh !== undefined && qh !== null) {
      if (!parseQuietHours(qh)) throw invalid("INVALID_QUIET_HOURS", 'quiet_hours must be "HH:MM-HH:MM".');
      if (actor.role !== "patient")
        throw invalid("INVALID_QUIET_HOURS", "Quiet hours are a patient's setting.");
    }
    await this.repo.setPreferences(
      actor.userId,
      {
        ...(pc !== undefined ? { preferredChannel: pc } : {}),
        ...(qh !== undefined ? { quietHours: qh === null ? null : qh.trim() } : {}),
      },
      this.ctx.clock.now(),
    );
    await this.ctx.audit.record(actor, {
      patientId: actor.patientId ?? null,
      action: "update",
      resourceType: "notification_preferences",
      outcome: "allowed",
    });
    return this.preferences(actor);
  }
}

function roleOf(r: Recipient | undefined): RecipientRole {
  if (!r) return "unknown";
  return r.role === "patient" || r.role === "doctor" || r.role === "nurse" || r.role === "admin"
    ? r.role
    : "unknown";
}
