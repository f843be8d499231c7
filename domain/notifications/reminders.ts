import type { ServiceContext } from "../context.js";
import { instantToZoned } from "../shared/time.js";
import { outsideQuietHours, parseQuietHours, type QuietHours } from "./quiet-hours.js";
import type { NotificationService } from "./service.js";
import { REMINDER_TEMPLATES } from "./templates.js";

export const REMINDER_JOBS = { fire: "reminder.fire", roll: "reminder.roll_forward" } as const;

export type ReminderKind = "appointment" | "medication";

/** A reminder waiting on the queue: what it reminds of and when it was meant to go. */
export interface ReminderJob {
  kind: ReminderKind;
  entityId: number;
  /** Which reminder of the entity: "24h", "2h", "dose". */
  slot: string;
  /** ISO instant the reminder is due (after quiet hours). */
  dueAt: string;
  /** What the reminder is valid for: the appointment's start, the dose's time (ISO). */
  eventAt: string;
}

/** Medication reminders are queued this far ahead; a roll-forward job per prescription queues the next days. */
export const DOSE_WINDOW_MS = 7 * 86_400_000;
const ROLL_EVERY_MS = 6 * 86_400_000;
/** Which scheduled jobs belong to an entity (so a change can remove them) is kept this long past the last. */
const INDEX_SLACK_S = 2 * 86_400;

export const reminderKey = (kind: string, entityId: number, slot: string, dueAt: Date): string =>
  `reminder:${kind}:${entityId}:${slot}:${dueAt.getTime()}`;

type Log = { warn: (obj: object, msg: string) => void };

/**
 * Reminders as delayed jobs. Scheduling happens after the commit of the change that calls for it (an
 * appointment confirmed or moved, a prescription issued); a change removes the entity's queued jobs and
 * queues the right ones. The fire handler re-reads the entity and sends only if the reminder is still
 * true (same start, still confirmed; dose still scheduled), so a job whose removal failed is harmless; it
 * writes the outbox row keyed by the reminder, so a job that runs twice sends once.
 */
export class ReminderScheduler {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly notifications: NotificationService,
    private readonly log: Log = { warn: () => undefined },
  ) {}

  private get repo() {
    return this.notifications.repo;
  }

  private quietHours(own: string | null): QuietHours | undefined {
    return parseQuietHours(own ?? this.ctx.config.notifications.quietHours);
  }

  /** Queues one reminder; returns its job id (the reminder key). */
  async schedule(job: Omit<ReminderJob, "dueAt"> & { dueAt: Date }): Promise<string> {
    const jobId = reminderKey(job.kind, job.entityId, job.slot, job.dueAt);
    await this.ctx.jobs.add<ReminderJob>(
      REMINDER_JOBS.fire,
      { ...job, dueAt: job.dueAt.toISOString() },
      {
        jobId,
        delayMs: job.dueAt.getTime() - this.ctx.clock.now().getTime(),
        attempts: 3,
        removeOnComplete: true,
      },
    );
    return jobId;
  }

  /** Replaces the queued reminders of an entity (index in the cache) with `jobs`. */
  private async replace(
    indexKey: string,
    jobs: (Omit<ReminderJob, "dueAt"> & { dueAt: Date })[],
  ): Promise<void> {
    const raw = await this.ctx.cache.get(indexKey);
    const before = raw ? (JSON.parse(raw) as string[]) : [];
    const wanted = new Map(jobs.map((j) => [reminderKey(j.kind, j.entityId, j.slot, j.dueAt), j]));
    for (const id of before) if (!wanted.has(id)) await this.ctx.jobs.remove(REMINDER_JOBS.fire, id);
    for (const j of wanted.values()) await this.schedule(j);
    if (wanted.size === 0) return this.ctx.cache.del(indexKey);
    const last = Math.max(...jobs.map((j) => j.dueAt.getTime()));
    const ttl = Math.ceil((last - this.ctx.clock.now().getTime()) / 1000) + INDEX_SLACK_S;
    await this.ctx.cache.set(indexKey, JSON.stringify([...wanted.keys()]), Math.max(60, ttl));
  }

  /** Runs a scheduling step after a commit: a failure costs a reminder, never the caller's change. */
  async safely(what: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.log.warn(
        { what, err: (err as { code?: string }).code ?? (err as Error).name },
        "reminders not scheduled",
      );
    }
  }

  // Appointments ----------------------------------------------------------------------------------------

  /**
   * An appointment changed: its reminders are the configured offsets before the start while it is
   * confirmed and upcoming (moved out of the patient's quiet hours); none otherwise.
   */
  async syncAppointment(appointmentId: number): Promise<void> {
    const a = await this.repo.appointment(appointmentId);
    const jobs: (Omit<ReminderJob, "dueAt"> & { dueAt: Date })[] = [];
    const now = this.ctx.clock.now();
    if (a && a.status === "confirmed" && a.startsAt > now) {
      const quiet = this.quietHours(a.quietHours);
      const seen = new Set<number>();
      for (const offset of this.ctx.config.notifications.appointmentReminderOffsetsMs) {
        const raw = new Date(a.startsAt.getTime() - offset);
        const dueAt = quiet ? outsideQuietHours(raw, quiet, a.patientZone, a.startsAt) : raw;
        if (dueAt <= now || dueAt >= a.startsAt || seen.has(dueAt.getTime())) continue;
        seen.add(dueAt.getTime());
        jobs.push({
          kind: "appointment",
          entityId: a.id,
          slot: offsetLabel(offset),
          dueAt,
          eventAt: a.startsAt.toISOString(),
        });
      }
    }
    await this.replace(`reminders:appointment:${appointmentId}`, jobs);
  }

  // Medication doses --------------------------------------------------------------------------------------

  /**
   * A prescription issued or withdrawn: a reminder for each scheduled dose in the next 7 days (moved to the
   * end of quiet hours when one falls inside them), and a roll-forward job that queues the following days.
   */
  async syncPrescription(prescriptionId: number): Promise<void> {
    const now = this.ctx.clock.now();
    const doses = await this.repo.dosesOfPrescription(
      prescriptionId,
      now,
      new Date(now.getTime() + DOSE_WINDOW_MS),
    );
    const jobs: (Omit<ReminderJob, "dueAt"> & { dueAt: Date })[] = [];
    for (const d of doses) {
      const dose = await this.repo.dose(d.id);
      if (!dose || dose.prescriptionStatus !== "active") continue;
      const quiet = this.quietHours(dose.quietHours);
      // A dose's reminder is never moved before the dose: after quiet hours it still asks "did you take it?".
      const dueAt = quiet ? outsideQuietHours(d.scheduledAt, quiet, dose.patientZone) : d.scheduledAt;
      jobs.push({
        kind: "medication",
        entityId: d.id,
        slot: "dose",
        dueAt: dueAt < now ? now : dueAt,
        eventAt: d.scheduledAt.toISOString(),
      });
    }
    await this.replace(`reminders:prescription:${prescriptionId}`, jobs);
    if (jobs.length > 0) {
      const at = now.getTime() + ROLL_EVERY_MS;
      await this.ctx.jobs.add(
        REMINDER_JOBS.roll,
        { prescriptionId },
        {
          jobId: `reminder-roll:${prescriptionId}:${Math.floor(at / 86_400_000)}`,
          delayMs: ROLL_EVERY_MS,
          removeOnComplete: true,
        },
      );
    }
  }

  // Firing ------------------------------------------------------------------------------------------------

  /**
   * The `reminder.fire` job: if the reminder still holds, writes its outbox row (keyed by the reminder, so
   * once) and queues its delivery at once. Returns the outbox id, or undefined when nothing was due.
   */
  async fire(job: ReminderJob): Promise<number | undefined> {
    const key = reminderKey(job.kind, job.entityId, job.slot, new Date(job.dueAt));
    const message = await this.message(job);
    let id: number | undefined;
    if (message)
      id = (await this.repo.insertClaimed({ ...message, idempotencyKey: key, now: this.ctx.clock.now() })).id;
    // No longer due, but a first run wrote it: queued again (that run may have stopped before queueing it);
    // delivery is idempotent, so it is still sent once.
    else id = (await this.repo.byKey(key))?.id;
    if (id === undefined) return undefined;
    await this.notifications.enqueueDelivery(id);
    return id;
  }

  private async message(
    job: ReminderJob,
  ): Promise<{ userId: number; template: string; data: Record<string, unknown> } | undefined> {
    const now = this.ctx.clock.now();
    if (job.kind === "appointment") {
      const a = await this.repo.appointment(job.entityId);
      if (!a || a.status !== "confirmed") return undefined;
      if (a.startsAt.toISOString() !== job.eventAt || a.startsAt <= now) return undefined;
      const local = instantToZoned(a.startsAt, a.patientZone);
      return {
        userId: a.patientUserId,
        template: REMINDER_TEMPLATES.appointment,
        data: {
          appointment_id: a.id,
          doctor_name: a.doctorName,
          appointment_date: local.date,
          appointment_time: local.time,
          time_zone: a.patientZone,
          mode: a.mode,
          starts_at: a.startsAt.toISOString(),
          slot: job.slot,
        },
      };
    }
    const d = await this.repo.dose(job.entityId);
    if (!d || d.status !== "scheduled" || d.prescriptionStatus !== "active") return undefined;
    if (d.scheduledAt.toISOString() !== job.eventAt) return undefined;
    return {
      userId: d.patientUserId,
      template: REMINDER_TEMPLATES.medication,
      data: {
        dose_id: d.id,
        medicine_name: d.medicineName,
        dose: d.dose,
        local_time: instantToZoned(d.scheduledAt, d.patientZone).time,
        scheduled_at: d.scheduledAt.toISOString(),
      },
    };
  }
}

function offsetLabel(ms: number): string {
  return ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : `${Math.round(ms / 60_000)}m`;
}
