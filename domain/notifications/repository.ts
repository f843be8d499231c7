import { and, desc, eq, inArray, isNull, lte, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/client.js";
import { ReminderRepository } from "./reminder-repository.js";
import type { channelIdentities } from "../../db/schema/index.js";
import {
  doctors,
  medicationDoses,
  notificationsOutbox,
  patients,
  prescriptionItems,
  prescriptions,
  users,
} from "../../db/schema/index.js";

export type OutboxRow = typeof notificationsOutbox.$inferSelect;
export type IdentityRow = typeof channelIdentities.$inferSelect;

/** Who a notification is for: the account, its role, preferred channel, phone and (patients) clock. */
export interface Recipient {
  userId: number;
  role: string;
  active: boolean;
  preferredChannel: string | null;
  phone: string | null;
  /** The account's email (a phone-only account's is a placeholder: see isDeliverableEmail). */
  email: string | null;
  patientId: number | null;
  timeZone: string;
  quietHours: string | null;
}

/** The notifications module's only access to the database: the outbox, recipients, reminder subjects. */
export class NotificationsRepository {
  constructor(private readonly db: Db) {}

  /**
   * Claims up to `limit` due pending rows for delivery (pending → sending, not_before reset to the claim
   * time so a row stuck in sending can be found). Safe with several relays: SKIP LOCKED.
   */
  async claimDue(now: Date, limit: number): Promise<number[]> {
    const due = this.db
      .select({ id: notificationsOutbox.id })
      .from(notificationsOutbox)
      .where(and(eq(notificationsOutbox.status, "pending"), lte(notificationsOutbox.notBefore, now)))
      .orderBy(notificationsOutbox.notBefore)
      .limit(limit)
      .for("update", { skipLocked: true });
    const rows = await this.db
      .update(notificationsOutbox)
      .set({ status: "sending", attempts: sql`${notificationsOutbox.attempts} + 1`, notBefore: now })
      .where(inArray(notificationsOutbox.id, due))
      .returning({ id: notificationsOutbox.id });
    return rows.map((r) => r.id);
  }

  /** Rows claimed before `before` and still not sent (their delivery job was lost): pending again. */
  async reclaimStuck(before: Date): Promise<number> {
    const rows = await this.db
      .update(notificationsOutbox)
      .set({ status: "pending", sentAt: null })
      .where(
        and(eq(notificationsOutbox.status, "sending"), sql`${notificationsOutbox.notBefore} < ${before}`),
      )
      .returning({ id: notificationsOutbox.id });
    return rows.length;
  }

  /**
   * Takes a row for posting (compare-and-set on sent_at, so two jobs for one row cannot both post it); no
   * row when it is already taken, sent, failed or cancelled. No transaction is held while posting (embedded
   * PGlite has one connection).
   */
  async take(id: number, at: Date): Promise<OutboxRow | undefined> {
    const [row] = await this.db
      .update(notificationsOutbox)
      .set({ sentAt: at })
      .where(
        and(
          eq(notificationsOutbox.id, id),
          inArray(notificationsOutbox.status, ["pending", "sending"]),
          isNull(notificationsOutbox.sentAt),
        ),
      )
      .returning();
    return row;
  }

  /** Gives a taken row back after a failure to post (the job is retried). */
  async release(id: number): Promise<void> {
    await this.db
      .update(notificationsOutbox)
      .set({ sentAt: null })
      .where(
        and(eq(notificationsOutbox.id, id), inArray(notificationsOutbox.status, ["pending", "sending"])),
      );
  }

  async find(id: number): Promise<OutboxRow | undefined> {
    const [row] = await this.db.select().from(notificationsOutbox).where(eq(notificationsOutbox.id, id));
    return row;
  }

  async byKey(idempotencyKey: string): Promise<OutboxRow | undefined> {
    const [row] = await this.db
      .select()
      .from(notificationsOutbox)
      .where(eq(notificationsOutbox.idempotencyKey, idempotencyKey));
    return row;
  }

  async markSent(tx: DbOrTx, id: number, channel: string, at: Date): Promise<void> {
    await tx
      .update(notificationsOutbox)
      .set({ status: "sent", sentAt: at, deliveredChannel: channel, lastError: null })
      .where(eq(notificationsOutbox.id, id));
  }

  /** Sent again on another channel after `error` on the first: where it went now, and why it moved. */
  async markRerouted(tx: DbOrTx, id: number, channel: string, error: string): Promise<void> {
    await tx
      .update(notificationsOutbox)
      .set({ deliveredChannel: channel, lastError: error, providerMessageId: null, deliveryStatus: null })
      .where(eq(notificationsOutbox.id, id));
  }

  async markFailed(tx: DbOrTx, id: number, error: string): Promise<void> {
    await tx
      .update(notificationsOutbox)
      .set({ status: "failed", lastError: error, sentAt: null })
      .where(eq(notificationsOutbox.id, id));
  }

  /**
   * A message for a person already claimed for delivery (status sending): the relay leaves it to the job
   * added right after. Returns the row's id, the existing row's when the key was used before.
   */
  async insertClaimed(values: {
    userId: number;
    template: string;
    data: Record<string, unknown>;
    idempotencyKey: string;
    now: Date;
  }): Promise<{ id: number; created: boolean }> {
    const [row] = await this.db
      .insert(notificationsOutbox)
      .values({
        userId: values.userId,
        template: values.template,
        data: values.data,
        idempotencyKey: values.idempotencyKey,
        status: "sending",
        attempts: 1,
        notBefore: values.now,
        createdAt: values.now,
      })
      .onConflictDoNothing({ target: notificationsOutbox.idempotencyKey })
      .returning({ id: notificationsOutbox.id });
    if (row) return { id: row.id, created: true };
    const existing = await this.byKey(values.idempotencyKey);
    return { id: existing!.id, created: false };
  }

  async recipient(userId: number): Promise<Recipient | undefined> {
    const [row] = await this.db
      .select({
        userId: users.id,
        role: users.role,
        active: users.active,
        preferredChannel: users.preferredChannel,
        userPhone: users.phone,
        email: users.email,
        patientId: patients.id,
        patientPhone: patients.phone,
        timeZone: patients.timeZone,
        quietHours: patients.quietHours,
        doctorPhone: doctors.phone,
      })
      .from(users)
      .leftJoin(patients, eq(patients.userId, users.id))
      .leftJoin(doctors, eq(doctors.userId, users.id))
      .where(eq(users.id, userId))
      .limit(1);
    if (!row) return undefined;
    return {
      userId: row.userId,
      role: row.role,
      active: row.active,
      preferredChannel: row.preferredChannel,
      phone: row.patientPhone ?? row.userPhone ?? row.doctorPhone ?? null,
      email: row.email,
      patientId: row.patientId,
      timeZone: row.timeZone ?? "UTC",
      quietHours: row.quietHours,
    };
  }

  /** Rows delivered to the development outbox, newest first, with their recipient's address and role. */
  async devOutbox(channel: string, limit: number) {
    return this.db
      .select({
        id: notificationsOutbox.id,
        channel: notificationsOutbox.channel,
        toAddress: notificationsOutbox.toAddress,
        template: notificationsOutbox.template,
        data: notificationsOutbox.data,
        sentAt: notificationsOutbox.sentAt,
        createdAt: notificationsOutbox.createdAt,
        role: users.role,
        email: users.email,
        phone: users.phone,
      })
      .from(notificationsOutbox)
      .leftJoin(users, eq(users.id, notificationsOutbox.userId))
      .where(eq(notificationsOutbox.deliveredChannel, channel))
      .orderBy(desc(notificationsOutbox.id))
      .limit(limit);
  }

  async setPreferences(
    userId: number,
    values: { preferredChannel?: string | null; quietHours?: string | null },
    now: Date,
  ): Promise<void> {
    if (values.preferredChannel !== undefined)
      await this.db
        .update(users)
        .set({ preferredChannel: values.preferredChannel, updatedAt: now })
        .where(eq(users.id, userId));
    if (values.quietHours !== undefined)
      await this.db
        .update(patients)
        .set({ quietHours: values.quietHours, updatedAt: now })
        .where(eq(patients.userId, userId));
  }

  // Reminder subjects ---------------------------------------------------------------------------------

  async appointment(id: number) {
    return (await new ReminderRepository(this.db).appointments(this.db, [id]))[0];
  }

  async dose(id: number) {
    return (await new ReminderRepository(this.db).doses(this.db, [id]))[0];
  }

  /** Scheduled doses of a prescription between two instants (the reminder window). */
  async dosesOfPrescription(
    prescriptionId: number,
    from: Date,
    to: Date,
  ): Promise<{ id: number; scheduledAt: Date }[]> {
    return this.db
      .select({ id: medicationDoses.id, scheduledAt: medicationDoses.scheduledAt })
      .from(medicationDoses)
      .innerJoin(prescriptionItems, eq(prescriptionItems.id, medicationDoses.prescriptionItemId))
      .where(
        and(
          eq(prescriptionItems.prescriptionId, prescriptionId),
          eq(medicationDoses.status, "scheduled"),
          sql`${medicationDoses.scheduledAt} >= ${from} AND ${medicationDoses.scheduledAt} < ${to}`,
        ),
      )
      .orderBy(medicationDoses.scheduledAt);
  }

  /** Prescriptions that are active and have doses due in the window (the daily roll-forward). */
  async activePrescriptionsWithDoses(from: Date, to: Date): Promise<number[]> {
    const rows = await this.db
      .selectDistinct({ id: prescriptionItems.prescriptionId })
      .from(medicationDoses)
      .innerJoin(prescriptionItems, eq(prescriptionItems.id, medicationDoses.prescriptionItemId))
      .innerJoin(prescriptions, eq(prescriptions.id, prescriptionItems.prescriptionId))
      .where(
        and(
          eq(prescriptions.status, "active"),
          eq(medicationDoses.status, "scheduled"),
          sql`${medicationDoses.scheduledAt} >= ${from} AND ${medicationDoses.scheduledAt} < ${to}`,
        ),
      );
    return rows.map((r) => r.id);
  }
}
