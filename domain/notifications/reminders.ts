import { randomUUID } from "node:crypto";
import type { SQL } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.js";
import type { ServiceContext } from "../context.js";
import { addDays, instantToZoned, zonedToInstant } from "../shared/time.js";
import { outsideQuietHours, parseQuietHours, type QuietHours } from "./quiet-hours.js";
import {
  ReminderRepository,
  type NewReminder,
  type ReminderRow,
  type ReminderSyncKind,
} from "./reminder-repository.js";
import type { NotificationService } from "./service.js";
import { REMINDER_TEMPLATES } from "./templates.js";

export const REMINDER_JOBS = { due: "reminder.due", roll: "reminder.roll_forward" } as const;

export type ReminderKind = "appointment" | "medication" | "refill" | "lab_prep";

/** Lab preparation reminders go the evening before the booking's day, at this time on the patient's clock. */
const LAB_PREP_MINUTES = 19 * 60;
/** A catalog preparation that asks nothing of the patient: no reminder. */
const NO_PREPARATION = /^\s*no special preparation/i;

/** A reminder: what it reminds of and when it is meant to go. */
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

/** The `reminder.due` job: dispatches the reminders due by `at` (epoch ms, a whole second). */
export interface ReminderDueJob {
  at: number;
}

type Planned = Omit<ReminderJob, "dueAt" | "kind"> & { kind: string; dueAt: Date };

/** Medication reminders are queued this far ahead; a roll-forward job per prescription queues the next days. */
export const DOSE_WINDOW_MS = 7 * 86_400_000;
const ROLL_EVERY_MS = 6 * 86_400_000;
/** Reminders claimed and written per transaction. */
const BATCH = 1000;
/** Claim loops run side by side by one `reminder.due` job (Postgres only; PGlite has one connection). */
const LOOPS = 3;
/** A pending reminder this late lost its `reminder.due` job (Redis flushed): the relay's sweep sends it. */
export const OVERDUE_MS = 30_000;
/** A sync request this old lost its fast path (the process died after the commit): the relay does it. */
const SYNC_STALE_MS = 30_000;

/** What the services whose changes call for reminders are given: the fast path after their commit. */
export interface ReminderSync {
  synced(kind: ReminderSyncKind, entityId: number): Promise<void>;
}

/** No reminders (a service built alone, in a unit test): requests wait for a sweep that never comes. */
export const noReminderSync: ReminderSync = { synced: () => Promise.resolve() };

export const reminderKey = (kind: string, entityId: number, slot: string, dueAt: Date): string =>
  `reminder:${kind}:${entityId}:${slot}:${dueAt.getTime()}`;

/** The `reminder.due` job of a due time: one per second, whatever the number of reminders due in it. */
export const dueSecond = (dueAt: Date): number => Math.ceil(dueAt.getTime() / 1000) * 1000;

type Log = { warn: (obj: object, msg: string) => void };

type Message = { userId: number; template: string; data: Record<string, unknown> };

/**
 * Reminders as rows of `scheduled_reminders` plus one BullMQ delayed job per due second (`reminder.due`,
 * job id `reminder-due:<epoch second>`: adding it again while it waits is a no-op, so 10,000 reminders due
 * in the same second are one job). Scheduling happens after the commit of the change that calls for it (an
 * appointment confirmed or moved, a prescription issued); a change writes the wanted reminders and cancels
 * the entity's other pending ones (their second's job then finds nothing to do).
 *
 * The due job claims the due rows in batches (pending → fired, SKIP LOCKED), re-reads their appointments and
 * doses in one query per kind, and in the same transaction writes the outbox rows of those still true (one
 * multi-row INSERT keyed by the reminder) and marks the others skipped; then it queues their deliveries in
 * bulk. A crash before the commit leaves them pending; a job that runs twice finds nothing pending; the
 * outbox key still guards: each reminder is sent once.
 */
export class ReminderScheduler {
  readonly rows: ReminderRepository;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly notifications: NotificationService,
    private readonly log: Log = { warn: () => undefined },
  ) {
    this.rows = new ReminderRepository(ctx.db);
  }

  private get repo() {
    return this.notifications.repo;
  }

  private quietHours(own: string | null): QuietHours | undefined {
    return parseQuietHours(own ?? this.ctx.config.notifications.quietHours);
  }

  /** Writes reminders (pending) and makes sure each due second has its `reminder.due` job. */
  async schedule(planned: Planned[]): Promise<string[]> {
    const rows: NewReminder[] = planned.map((p) => ({
      key: reminderKey(p.kind, p.entityId, p.slot, p.dueAt),
      kind: p.kind,
      entityId: p.entityId,
      slot: p.slot,
      dueAt: p.dueAt,
      eventAt: new Date(p.eventAt),
    }));
    await this.rows.upsert(rows);
    const now = this.ctx.clock.now().getTime();
    const seconds = [...new Set(planned.map((p) => dueSecond(p.dueAt)))];
    await this.ctx.jobs.addBulk<ReminderDueJob>(
      REMINDER_JOBS.due,
      seconds.map((at) => ({
        data: { at },
        opts: {
          // A second about to start may have its job running already (an add would be a no-op): its own job.
          jobId: at - now > 1500 ? `reminder-due:${at / 1000}` : `reminder-due:${at / 1000}:${randomUUID()}`,
          delayMs: at - now,
          attempts: 5,
          removeOnComplete: true,
        },
      })),
    );
    return rows.map((r) => r.key);
  }

  /** Replaces the pending reminders of entities with `planned`. */
  private async replace(
    kind: string,
    entities: number[] | SQL,
    planned: Planned[],
    eventFrom?: Date,
  ): Promise<void> {
    const keys = await this.schedule(planned);
    await this.rows.cancelOthers(kind, entities, keys, eventFrom);
  }

  /**
   * The fast path after a change's commit (the change wrote its sync request in its transaction): brings the
   * entity's reminders in line and drops the request. A failure here costs nothing: the request stays and the
   * relay's sweep (`sweepSyncs`) does it. Never throws into the caller, whose change is committed.
   */
  async synced(kind: ReminderSyncKind, entityId: number): Promise<void> {
    try {
      const request = await this.rows.syncRequest(kind, entityId);
      await this.syncOf(kind, entityId);
      if (request) await this.rows.syncDone(kind, entityId, request.requestedAt);
    } catch (err) {
      this.log.warn(
        { kind, err: (err as { code?: string }).code ?? (err as Error).name },
        "reminders not scheduled yet; the relay will",
      );
    }
  }

  /** The relay's part: sync requests left behind (older than SYNC_STALE_MS), oldest first. */
  async sweepSyncs(now: Date): Promise<number> {
    const stale = await this.rows.staleSyncs(new Date(now.getTime() - SYNC_STALE_MS), 200);
    for (const r of stale) {
      await this.syncOf(r.kind, r.entityId);
      await this.rows.syncDone(r.kind, r.entityId, r.requestedAt);
    }
    return stale.length;
  }

  private syncOf(kind: ReminderSyncKind, entityId: number): Promise<void> {
    switch (kind) {
      case "appointment":
        return this.syncAppointment(entityId);
      case "prescription":
        return this.syncPrescription(entityId);
      case "lab_booking":
        return this.syncLabBooking(entityId);
    }
  }

  // Appointments ----------------------------------------------------------------------------------------

  /**
   * An appointment changed: its reminders are the configured offsets before the start while it is
   * confirmed and upcoming (moved out of the patient's quiet hours); none otherwise.
   */
  async syncAppointment(appointmentId: number): Promise<void> {
    const a = await this.repo.appointment(appointmentId);
    const jobs: Planned[] = [];
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
    await this.replace("appointment", [appointmentId], jobs);
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
    const jobs: Planned[] = [];
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
    // Only doses from now on are planned: a past dose's reminder still waiting (moved to the end of quiet
    // hours) is left to fire; it is checked then (dose still scheduled, prescription still active).
    await this.replace("medication", this.rows.dosesOf(prescriptionId), jobs, now);
    await this.syncRefills(prescriptionId);
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

  /**
   * Refill reminders: for each item of an active prescription with refills left, REFILL_REMINDER_DAYS before
   * its last scheduled dose (out of quiet hours, never after that dose); none once withdrawn.
   */
  private async syncRefills(prescriptionId: number): Promise<void> {
    const now = this.ctx.clock.now();
    const days = this.ctx.config.notifications.refillReminderDays;
    const planned: Planned[] = [];
    for (const item of await this.rows.refillItems(this.ctx.db, { prescriptionId })) {
      if (!refillHolds(item)) continue;
      const last = item.lastDoseAt!;
      const raw = new Date(last.getTime() - days * 86_400_000);
      const quiet = this.quietHours(item.quietHours);
      const dueAt = quiet ? outsideQuietHours(raw, quiet, item.patientZone, last) : raw;
      if (dueAt <= now || dueAt >= last) continue;
      planned.push({
        kind: "refill",
        entityId: item.id,
        slot: "refill",
        dueAt,
        eventAt: last.toISOString(),
      });
    }
    await this.replace("refill", this.rows.itemsOf(prescriptionId), planned);
  }

  /**
   * A lab booking made, moved or cancelled: when its test asks for preparation (fasting …), one reminder the
   * evening before its day (19:00 on the patient's clock, out of quiet hours); none otherwise.
   */
  async syncLabBooking(bookingId: number): Promise<void> {
    const now = this.ctx.clock.now();
    const [b] = await this.rows.labBookings(this.ctx.db, [bookingId]);
    const planned: Planned[] = [];
    if (b && b.status === "scheduled" && !NO_PREPARATION.test(b.preparation)) {
      const day = zonedToInstant(b.appointmentDate, 0, b.patientZone);
      const raw = zonedToInstant(addDays(b.appointmentDate, -1), LAB_PREP_MINUTES, b.patientZone);
      const quiet = this.quietHours(b.quietHours);
      const dueAt = quiet ? outsideQuietHours(raw, quiet, b.patientZone, day) : raw;
      if (dueAt > now && dueAt < day)
        planned.push({
          kind: "lab_prep",
          entityId: b.id,
          slot: "prep",
          dueAt,
          eventAt: day.toISOString(),
        });
    }
    await this.replace("lab_prep", [bookingId], planned);
  }

  // Firing ------------------------------------------------------------------------------------------------

  /**
   * The `reminder.due` job: dispatches every pending reminder due by `at` (or by now, if later), in batches,
   * with LOOPS claim loops side by side. Returns how many reminders were claimed.
   */
  async dispatchDue(at: number): Promise<number> {
    return this.dispatchUpTo(new Date(Math.max(at, this.ctx.clock.now().getTime())));
  }

  /** The relay's safety net: reminders overdue by more than OVERDUE_MS (their due job was lost). */
  async sweepOverdue(now: Date): Promise<number> {
    return this.dispatchUpTo(new Date(now.getTime() - OVERDUE_MS));
  }

  private async dispatchUpTo(upTo: Date): Promise<number> {
    const loops = this.ctx.database.kind === "pg" ? LOOPS : 1;
    const counts = await Promise.all(
      Array.from({ length: loops }, async () => {
        let total = 0;
        for (;;) {
          const n = await this.dispatchBatch((tx, now) => this.rows.claimDue(tx, upTo, now, BATCH));
          total += n.claimed;
          if (n.claimed < BATCH) return total;
        }
      }),
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  /**
   * Sends one reminder now if it still holds (written first if it is not in the table). Returns its outbox
   * id, or undefined when it is not due any more. Fired before: its row is queued again (a first run may
   * have stopped before queueing it; delivery is idempotent, so it is still sent once).
   */
  async fire(job: ReminderJob): Promise<number | undefined> {
    const key = reminderKey(job.kind, job.entityId, job.slot, new Date(job.dueAt));
    await this.rows.insertIfNew({
      key,
      kind: job.kind,
      entityId: job.entityId,
      slot: job.slot,
      dueAt: new Date(job.dueAt),
      eventAt: new Date(job.eventAt),
    });
    const { outboxIds } = await this.dispatchBatch((tx, now) => this.rows.claimKey(tx, key, now));
    if (outboxIds[0] !== undefined) return outboxIds[0];
    const id = (await this.repo.byKey(key))?.id;
    if (id !== undefined) await this.notifications.enqueueDelivery(id);
    return id;
  }

  /** Claims a batch, writes the outbox rows of those still true, skips the others, then queues delivery. */
  private async dispatchBatch(
    claim: (tx: DbOrTx, now: Date) => Promise<ReminderRow[]>,
  ): Promise<{ claimed: number; outboxIds: number[] }> {
    const now = this.ctx.clock.now();
    const result = await this.ctx.db.transaction(async (tx) => {
      const claimed = await claim(tx, now);
      if (claimed.length === 0) return { claimed: 0, outboxIds: [] };
      const messages = await this.messages(tx, claimed, now);
      const firing = claimed.filter((r) => messages.has(r.id));
      const outboxIds = await this.rows.insertOutbox(
        tx,
        firing.map((r) => r.id),
        firing.map((r) => ({ ...messages.get(r.id)!, idempotencyKey: r.key })),
        now,
      );
      await this.rows.markSkipped(
        tx,
        claimed.filter((r) => !messages.has(r.id)).map((r) => r.id),
      );
      return { claimed: claimed.length, outboxIds };
    });
    await this.notifications.enqueueDeliveries(result.outboxIds);
    return result;
  }

  /** The message of each claimed reminder that still holds (by reminder row id): one query per kind. */
  private async messages(tx: DbOrTx, rows: ReminderRow[], now: Date): Promise<Map<number, Message>> {
    const out = new Map<number, Message>();
    const ids = (kind: string) => [...new Set(rows.filter((r) => r.kind === kind).map((r) => r.entityId))];
    const appts = new Map((await this.rows.appointments(tx, ids("appointment"))).map((a) => [a.id, a]));
    const doses = new Map((await this.rows.doses(tx, ids("medication"))).map((d) => [d.id, d]));
    const items = new Map((await this.rows.refillItems(tx, { ids: ids("refill") })).map((i) => [i.id, i]));
    const labs = new Map((await this.rows.labBookings(tx, ids("lab_prep"))).map((b) => [b.id, b]));
    for (const r of rows) {
      if (r.kind === "appointment") {
        const a = appts.get(r.entityId);
        if (!a || a.status !== "confirmed") continue;
        if (a.startsAt.getTime() !== r.eventAt.getTime() || a.startsAt <= now) continue;
        const local = instantToZoned(a.startsAt, a.patientZone);
        out.set(r.id, {
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
            slot: r.slot,
          },
        });
      } else if (r.kind === "medication") {
        const d = doses.get(r.entityId);
        if (!d || d.status !== "scheduled" || d.prescriptionStatus !== "active") continue;
        if (d.scheduledAt.getTime() !== r.eventAt.getTime()) continue;
        out.set(r.id, {
          userId: d.patientUserId,
          template: REMINDER_TEMPLATES.medication,
          data: {
            dose_id: d.id,
            medicine_name: d.medicineName,
            dose: d.dose,
            local_time: instantToZoned(d.scheduledAt, d.patientZone).time,
            scheduled_at: d.scheduledAt.toISOString(),
          },
        });
      } else if (r.kind === "refill") {
        const i = items.get(r.entityId);
        if (!i || !refillHolds(i) || i.lastDoseAt!.getTime() !== r.eventAt.getTime()) continue;
        out.set(r.id, {
          userId: i.patientUserId,
          template: REMINDER_TEMPLATES.refill,
          data: {
            prescription_id: i.prescriptionId,
            medicine_name: i.medicineName,
            runs_out_on: instantToZoned(i.lastDoseAt!, i.patientZone).date,
            fills_remaining: i.fillsRemaining,
          },
        });
      } else if (r.kind === "lab_prep") {
        const b = labs.get(r.entityId);
        if (!b || b.status !== "scheduled" || NO_PREPARATION.test(b.preparation)) continue;
        if (zonedToInstant(b.appointmentDate, 0, b.patientZone).getTime() !== r.eventAt.getTime()) continue;
        out.set(r.id, {
          userId: b.patientUserId,
          template: REMINDER_TEMPLATES.labPrep,
          data: {
            booking_id: b.id,
            test_name: b.testName,
            appointment_date: b.appointmentDate,
            preparation: b.preparation,
          },
        });
      }
    }
    return out;
  }
}

/** A refill reminder holds while the prescription is active, refills are left and doses are scheduled. */
function refillHolds(i: {
  prescriptionStatus: string;
  refills: number;
  fillsRemaining: number;
  lastDoseAt: Date | null;
}): boolean {
  return i.prescriptionStatus === "active" && i.refills > 0 && i.fillsRemaining > 0 && i.lastDoseAt !== null;
}

function offsetLabel(ms: number): string {
  return ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : `${Math.round(ms / 60_000)}m`;
}
