import type { ServiceContext } from "../context.js";
import { invalid } from "../shared/errors.js";
import { normalizePhone } from "../shared/phone.js";
import { metrics } from "../shared/metrics.js";
import type { Actor } from "../shared/actor.js";
import { recordOutboxDeliveryStatus } from "./delivery-status.js";
import { EmailError, isDeliverableEmail, renderEmail, type Mailer } from "./email.js";
import { parseQuietHours } from "./quiet-hours.js";
import { configuredChannels, type ConversationService, type IdentityRow } from "../conversations/service.js";
import { NotificationsRepository, type OutboxRow, type Recipient } from "./repository.js";
import { renderNotification, type RecipientRole } from "./templates.js";

export const NOTIFY_JOBS = { deliver: "notify.deliver", deliverMany: "notify.deliver_many" } as const;

/** Outbox rows per `notify.deliver_many` job (a batch of reminders is queued as a few hundred jobs, not 10,000). */
export const DELIVER_CHUNK = 25;

/** The outbox row's delivery job id: one job per row while it is queued. */
export const deliverJobId = (outboxId: number): string => `notify:${outboxId}`;

export const PREFERRED_CHANNELS = ["telegram", "whatsapp", "sms", "web", "email"] as const;

/** The delivered_channel of a message kept for /dev/outbox (the embedded start without that provider). */
export const DEV_OUTBOX = "dev-outbox";

/** A message kept for /dev/outbox, rendered for reading. */
export interface DevOutboxEntry {
  id: number;
  at: Date;
  channel: string;
  to: string;
  subject: string | undefined;
  text: string;
}
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

/**
 * Where a notification goes, or why it cannot go: a conversation (chat channels), an email address, or — the
 * embedded start without that provider — the development outbox (/dev/outbox).
 */
type Route =
  | { identity: IdentityRow }
  | { email: string }
  | { devOutbox: { channel: string; to: string } }
  | { error: string };

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
    /** Email through SMTP_URL; undefined → no email goes out (kept for /dev/outbox in the embedded start). */
    private readonly mailer?: Mailer | undefined,
    private readonly visits?: VisitLinks | undefined,
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
      // An online appointment's messages carry this person's visit link (never stored in the outbox).
      const data = await this.withVisitLink(row);
      if ("devOutbox" in route) {
        // Kept in the outbox row itself (template, data, address): /dev/outbox renders it when read.
        await this.repo.markSent(this.ctx.db, row.id, DEV_OUTBOX, now);
        return;
      }
      if ("email" in route) {
        const email = renderEmail(row.template, data, roleOf(recipient), this.chatUrl());
        try {
          await this.mailer!.send({ ...email, to: route.email }, deliverJobId(row.id));
        } catch (err) {
          if (err instanceof EmailError && !err.retryable) {
            metrics.channelSend("email", "permanent");
            await this.repo.markFailed(this.ctx.db, row.id, err.code);
            return;
          }
          metrics.channelSend("email", "failed");
          throw err;
        }
        metrics.channelSend("email", "sent");
        await this.repo.markSent(this.ctx.db, row.id, "email", now);
        return;
      }
      const message = renderNotification(
        row.template,
        data,
        roleOf(recipient),
        recipient?.patientId != null ? recipient.timeZone : undefined,
      );
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
    // Email first for people who prefer it (and have a deliverable address and a mail sender).
    if (recipient.preferredChannel === "email" && isDeliverableEmail(recipient.email)) {
      const byEmail = this.emailRoute(recipient.email);
      if (byEmail) return byEmail;
    }
    const [first] = await this.candidates(recipient);
    return first ? { identity: first } : { error: "NO_CHANNEL" };
  }

  /**
   * Where a person's notifications can go, in order: the preferred channel; their other verified channels, most
   * recently active first; SMS to their phone; the web chat. A channel that fails for good hands the message to
   * the next one (sendFailed).
   */
  private async candidates(recipient: Recipient): Promise<IdentityRow[]> {
    const usable = (await this.conversations.verifiedIdentities(recipient.userId)).filter(
      (i) => i.optedOutAt === null && this.has(i.channel),
    );
    const list: IdentityRow[] = [];
    const add = (i: IdentityRow | undefined) => {
      if (i && !list.some((x) => x.id === i.id)) list.push(i);
    };
    const preferred = recipient.preferredChannel;
    if (preferred) add(usable.find((i) => i.channel === preferred));
    for (const i of usable) if (i.channel !== "web") add(i);
    const phone = this.phoneOf(recipient);
    if (this.has("sms") && phone !== undefined) {
      const sms = await this.conversations.identity("sms", phone);
      const mine = sms.userId === null || sms.userId === recipient.userId;
      if (sms.optedOutAt === null && mine) add(sms);
    }
    const web = usable.find((i) => i.channel === "web");
    if (web) add(web);
    else if (this.has("web")) add(await this.conversations.webIdentity(recipient.userId));
    return list;
  }

  /**
   * A notification's message was given up on `channel` (a permanent failure: an unsubscribed or invalid number,
   * a closed channel): it is posted again on the person's next channel after that one, and the outbox row says
   * where it went and why it moved. A message pinned to one channel, or with no channel left, stays failed.
   * Idempotent: the row moves on only from the channel that failed, and each re-post has its own key.
   */
  async sendFailed(postKey: string, channel: string, code: string): Promise<void> {
    const m = /^notify:(\d+):/.exec(postKey);
    if (!m) return;
    const row = await this.repo.find(Number(m[1]));
    if (!row || row.status !== "sent" || row.deliveredChannel !== channel) return;
    // The web chat keeps the message in the conversation (read when the person opens it): not a failure.
    if (row.channel !== null || row.userId === null || channel === "web") return;
    const recipient = await this.repo.recipient(row.userId);
    if (!recipient?.active) return;
    const list = await this.candidates(recipient);
    const at = list.findIndex((i) => i.channel === channel);
    const next = list.slice(at + 1).find((i) => i.channel !== channel);
    const error = `${channel.toUpperCase()}:${code}`;
    if (!next) return this.repo.markFailed(this.ctx.db, row.id, error);
    const message = renderNotification(
      row.template,
      await this.withVisitLink(row),
      roleOf(recipient),
      recipient.patientId !== null ? recipient.timeZone : undefined,
    );
    await this.conversations.post(next, [message], {
      key: `${deliverJobId(row.id)}:after-${channel}`,
      notification: { template: row.template, data: row.data },
    });
    await this.repo.markRerouted(this.ctx.db, row.id, next.channel, error);
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
    if (channel === "email") {
      const to = row.toAddress ?? recipient?.email;
      if (!isDeliverableEmail(to)) return { error: "NO_EMAIL" };
      return this.emailRoute(to) ?? { error: "EMAIL_NOT_CONFIGURED" };
    }
    if (!this.has(channel)) {
      // The embedded start without an SMS provider: the code a newcomer waits for is readable at /dev/outbox.
      const to = row.toAddress ?? (recipient ? this.phoneOf(recipient) : undefined);
      if (channel === "sms" && this.ctx.config.devOutbox && to !== undefined)
        return { devOutbox: { channel, to } };
      return { error: "NO_CHANNEL" };
    }
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

  /** An email goes by SMTP when configured, to /dev/outbox in the embedded start without it, else nowhere. */
  private emailRoute(to: string): Route | undefined {
    if (this.mailer) return { email: to };
    if (this.ctx.config.devOutbox) return { devOutbox: { channel: "email", to } };
    return undefined;
  }

  private chatUrl(): string {
    return `${this.ctx.config.publicBaseUrl}/chat`;
  }

  /**
   * The messages kept for /dev/outbox (the embedded start without an email or SMS provider), newest first,
   * rendered as they would have been sent. Only the embedded start registers the page that shows them.
   */
  async devOutbox(limit: number): Promise<DevOutboxEntry[]> {
    const rows = await this.repo.devOutbox(DEV_OUTBOX, limit);
    const chatUrl = this.chatUrl();
    return rows.map((r) => {
      const channel = r.channel ?? "email";
      const role = roleOf(r.role === null ? undefined : ({ role: r.role } as Recipient));
      const to = r.toAddress ?? (channel === "email" ? r.email : r.phone) ?? "";
      if (channel === "email") {
        const email = renderEmail(r.template, r.data, role, chatUrl);
        return {
          id: r.id,
          at: r.sentAt ?? r.createdAt,
          channel,
          to,
          subject: email.subject,
          text: email.text,
        };
      }
      const message = renderNotification(r.template, r.data, role);
      const text = [message.text, ...(message.links ?? []).map((l) => `${l.label}: ${l.url}`)].join("\n");
      return { id: r.id, at: r.sentAt ?? r.createdAt, channel, to, subject: undefined, text };
    });
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
