import { and, asc, eq, gte, inArray, lte, notInArray, sql, type SQL } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/client.js";
import {
  appointments,
  doctors,
  labBookings,
  labTests,
  medicationDoses,
  notificationsOutbox,
  patients,
  prescriptionItems,
  prescriptions,
  reminderSyncs,
  scheduledReminders,
} from "../../db/schema/index.js";

export type ReminderRow = typeof scheduledReminders.$inferSelect;
export type ReminderSyncKind = typeof reminderSyncs.$inferSelect.kind;

/**
 * Asks for an entity's reminders to be brought in line with a change, inside the transaction of that change
 * (scheduling, prescriptions and labs call it): the request exists if and only if the change committed.
 */
export async function requestReminderSync(
  db: DbOrTx,
  kind: ReminderSyncKind,
  entityId: number,
  at: Date,
): Promise<void> {
  await db
    .insert(reminderSyncs)
    .values({ kind, entityId, requestedAt: at })
    .onConflictDoUpdate({ target: [reminderSyncs.kind, reminderSyncs.entityId], set: { requestedAt: at } });
}

export interface NewReminder {
  key: string;
  kind: string;
  entityId: number;
  slot: string;
  dueAt: Date;
  eventAt: Date;
}

/** Rows written per statement (a multi-row INSERT of 1,000 reminders stays well under the parameter limit). */
const CHUNK = 1000;

/** The reminders table: scheduling, claiming due rows in batches, and the batch reads that validate them. */
export class ReminderRepository {
  constructor(private readonly db: Db) {}

  /**
   * Writes reminders that should exist: a new key → a pending row; a key cancelled before (the appointment
   * moved back) → pending again; a key already fired or skipped is left alone.
   */
  async upsert(rows: NewReminder[]): Promise<void> {
    for (let i = 0; i < rows.length; i += CHUNK) {
      await this.db
        .insert(scheduledReminders)
        .values(rows.slice(i, i + CHUNK))
        .onConflictDoUpdate({
          target: scheduledReminders.key,
          set: { status: "pending", firedAt: null },
          setWhere: sql`${scheduledReminders.status} = 'cancelled'`,
        });
    }
  }

  /** A sync done: the request goes, unless the entity changed again meanwhile (a newer request stays). */
  async syncDone(kind: ReminderSyncKind, entityId: number, requestedAt: Date): Promise<void> {
    await this.db
      .delete(reminderSyncs)
      .where(
        and(
          eq(reminderSyncs.kind, kind),
          eq(reminderSyncs.entityId, entityId),
          lte(reminderSyncs.requestedAt, requestedAt),
        ),
      );
  }

  /** Requests older than `before` (their fast path did not run: the process died after the commit). */
  async staleSyncs(before: Date, limit: number) {
    return this.db
      .select()
      .from(reminderSyncs)
      .where(lte(reminderSyncs.requestedAt, before))
      .orderBy(asc(reminderSyncs.requestedAt))
      .limit(limit);
  }

  /** The pending request of an entity, if any. */
  async syncRequest(kind: ReminderSyncKind, entityId: number) {
    const [row] = await this.db
      .select()
      .from(reminderSyncs)
      .where(and(eq(reminderSyncs.kind, kind), eq(reminderSyncs.entityId, entityId)));
    return row;
  }

  /** A reminder fired by hand (tests, a replayed job): written if new, never revived. */
  async insertIfNew(row: NewReminder): Promise<void> {
    await this.db
      .insert(scheduledReminders)
      .values(row)
      .onConflictDoNothing({ target: scheduledReminders.key });
  }

  /**
   * Cancels the pending reminders of these entities whose key is not in `keep` (only those for an event from
   * `eventFrom` on, when given).
   */
  async cancelOthers(
    kind: string,
    entityIds: number[] | SQL,
    keep: string[],
    eventFrom?: Date,
  ): Promise<number> {
    const rows = await this.db
      .update(scheduledReminders)
      .set({ status: "cancelled" })
      .where(
        and(
          eq(scheduledReminders.status, "pending"),
          eq(scheduledReminders.kind, kind),
          Array.isArray(entityIds)
            ? inArray(scheduledReminders.entityId, entityIds)
            : sql`${scheduledReminders.entityId} IN (${entityIds})`,
          keep.length > 0 ? notInArray(scheduledReminders.key, keep) : undefined,
          eventFrom ? gte(scheduledReminders.eventAt, eventFrom) : undefined,
        ),
      )
      .returning({ id: scheduledReminders.id });
    return rows.length;
  }

  /** The dose ids of a prescription (a subquery for cancelOthers). */
  dosesOf(prescriptionId: number): SQL {
    return sql`SELECT ${medicationDoses.id} FROM ${medicationDoses} JOIN ${prescriptionItems} ON ${prescriptionItems.id} = ${medicationDoses.prescriptionItemId} WHERE ${prescriptionItems.prescriptionId} = ${prescriptionId}`;
  }

  /** An entity's reminders, by due time. */
  async ofEntities(kind: string, entityIds: number[] | SQL): Promise<ReminderRow[]> {
    return this.db
      .select()
      .from(scheduledReminders)
      .where(
        and(
          eq(scheduledReminders.kind, kind),
          Array.isArray(entityIds)
            ? inArray(scheduledReminders.entityId, entityIds)
            : sql`${scheduledReminders.entityId} IN (${entityIds})`,
        ),
      )
      .orderBy(asc(scheduledReminders.dueAt), asc(scheduledReminders.id));
  }

  async byKey(key: string): Promise<ReminderRow | undefined> {
    const [row] = await this.db.select().from(scheduledReminders).where(eq(scheduledReminders.key, key));
    return row;
  }

  /**
   * Claims up to `limit` pending reminders due by `upTo` (pending → fired). SKIP LOCKED: several loops and
   * processes claim disjoint batches. Inside the caller's transaction: a crash leaves them pending.
   */
  async claimDue(tx: DbOrTx, upTo: Date, now: Date, limit: number): Promise<ReminderRow[]> {
    const due = tx
      .select({ id: scheduledReminders.id })
      .from(scheduledReminders)
      .where(and(eq(scheduledReminders.status, "pending"), lte(scheduledReminders.dueAt, upTo)))
      .orderBy(scheduledReminders.dueAt)
      .limit(limit)
      .for("update", { skipLocked: true });
    return tx
      .update(scheduledReminders)
      .set({ status: "fired", firedAt: now })
      .where(inArray(scheduledReminders.id, due))
      .returning();
  }

  /** Claims one reminder by key when it is still pending. */
  async claimKey(tx: DbOrTx, key: string, now: Date): Promise<ReminderRow[]> {
    return tx
      .update(scheduledReminders)
      .set({ status: "fired", firedAt: now })
      .where(and(eq(scheduledReminders.key, key), eq(scheduledReminders.status, "pending")))
      .returning();
  }

  /** Claimed reminders that no longer hold: skipped (never sent). */
  async markSkipped(tx: DbOrTx, ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    await tx.update(scheduledReminders).set({ status: "skipped" }).where(inArray(scheduledReminders.id, ids));
  }

  /**
   * Writes the outbox rows of a batch in one statement, already claimed for delivery (status sending, as
   * NotificationsRepository.insertClaimed), keyed by the reminder (an existing row is kept); links each
   * reminder to its row and returns the outbox ids (new and existing) to queue.
   */
  async insertOutbox(
    tx: DbOrTx,
    reminderIds: number[],
    rows: { userId: number; template: string; data: Record<string, unknown>; idempotencyKey: string }[],
    now: Date,
  ): Promise<number[]> {
    if (rows.length === 0) return [];
    // One statement with four array parameters (unnest), not 1,000 rows of parameters: far less to build,
    // send and parse.
    await tx.execute(
      sql`INSERT INTO ${notificationsOutbox}
            (user_id, template, data, idempotency_key, status, attempts, not_before, created_at)
          SELECT u, t, d::jsonb, k, 'sending', 1, ${now}::timestamptz, ${now}::timestamptz
          FROM unnest(${sql.param(rows.map((r) => r.userId))}::int[],
                      ${sql.param(rows.map((r) => r.template))}::text[],
                      ${sql.param(rows.map((r) => JSON.stringify(r.data)))}::text[],
                      ${sql.param(rows.map((r) => r.idempotencyKey))}::text[]) AS v(u, t, d, k)
          ON CONFLICT (idempotency_key) DO NOTHING`,
    );
    const linked: unknown = await tx.execute(
      sql`UPDATE ${scheduledReminders} SET outbox_id = ${notificationsOutbox.id} FROM ${notificationsOutbox}
          WHERE ${scheduledReminders.id} = ANY(${sql.param(reminderIds)}::bigint[])
            AND ${notificationsOutbox.idempotencyKey} = ${scheduledReminders.key}
          RETURNING ${notificationsOutbox.id} AS outbox_id`,
    );
    // node-postgres and PGlite both answer { rows }; bigint comes back as a string from node-postgres.
    return (linked as { rows: { outbox_id: string | number }[] }).rows.map((r) => Number(r.outbox_id));
  }

  // Batch reads of what the reminders are about (one id: NotificationsRepository.appointment / dose) ------

  async appointments(tx: DbOrTx, ids: number[]) {
    if (ids.length === 0) return [];
    return tx
      .select({
        id: appointments.id,
        status: appointments.status,
        startsAt: appointments.startsAt,
        mode: appointments.mode,
        patientId: appointments.patientId,
        patientUserId: patients.userId,
        patientZone: patients.timeZone,
        quietHours: patients.quietHours,
        doctorName: doctors.name,
        doctorZone: doctors.timeZone,
      })
      .from(appointments)
      .innerJoin(patients, eq(patients.id, appointments.patientId))
      .innerJoin(doctors, eq(doctors.id, appointments.doctorId))
      .where(inArray(appointments.id, ids));
  }

  async doses(tx: DbOrTx, ids: number[]) {
    if (ids.length === 0) return [];
    return tx
      .select({
        id: medicationDoses.id,
        status: medicationDoses.status,
        scheduledAt: medicationDoses.scheduledAt,
        patientId: medicationDoses.patientId,
        patientUserId: patients.userId,
        patientZone: patients.timeZone,
        quietHours: patients.quietHours,
        medicineName: prescriptionItems.medicineName,
        dose: prescriptionItems.dose,
        prescriptionStatus: prescriptions.status,
      })
      .from(medicationDoses)
      .innerJoin(patients, eq(patients.id, medicationDoses.patientId))
      .innerJoin(prescriptionItems, eq(prescriptionItems.id, medicationDoses.prescriptionItemId))
      .innerJoin(prescriptions, eq(prescriptions.id, prescriptionItems.prescriptionId))
      .where(inArray(medicationDoses.id, ids));
  }

  /** The item ids of a prescription (a subquery for cancelOthers). */
  itemsOf(prescriptionId: number): SQL {
    return sql`SELECT ${prescriptionItems.id} FROM ${prescriptionItems} WHERE ${prescriptionItems.prescriptionId} = ${prescriptionId}`;
  }

  /** Prescription items with what a refill reminder needs: fills left and the time of the last dose. */
  async refillItems(tx: DbOrTx, where: { prescriptionId: number } | { ids: number[] }) {
    if ("ids" in where && where.ids.length === 0) return [];
    const lastDose = sql<Date | null>`(SELECT max(${medicationDoses.scheduledAt}) FROM ${medicationDoses}
      WHERE ${medicationDoses.prescriptionItemId} = ${prescriptionItems.id})`.mapWith(
      (v: string | Date | null) => (v === null ? null : new Date(v)),
    );
    return tx
      .select({
        id: prescriptionItems.id,
        prescriptionId: prescriptionItems.prescriptionId,
        medicineName: prescriptionItems.medicineName,
        refills: prescriptionItems.refills,
        fillsRemaining: prescriptionItems.fillsRemaining,
        prescriptionStatus: prescriptions.status,
        patientUserId: patients.userId,
        patientZone: patients.timeZone,
        quietHours: patients.quietHours,
        lastDoseAt: lastDose,
      })
      .from(prescriptionItems)
      .innerJoin(prescriptions, eq(prescriptions.id, prescriptionItems.prescriptionId))
      .innerJoin(patients, eq(patients.id, prescriptions.patientId))
      .where(
        "ids" in where
          ? inArray(prescriptionItems.id, where.ids)
          : eq(prescriptionItems.prescriptionId, where.prescriptionId),
      );
  }

  /** Lab bookings with what a preparation reminder needs. */
  async labBookings(tx: DbOrTx, ids: number[]) {
    if (ids.length === 0) return [];
    return tx
      .select({
        id: labBookings.id,
        status: labBookings.status,
        testName: labBookings.testName,
        appointmentDate: labBookings.appointmentDate,
        preparation: labTests.preparation,
        patientUserId: patients.userId,
        patientZone: patients.timeZone,
        quietHours: patients.quietHours,
      })
      .from(labBookings)
      .innerJoin(labTests, eq(labTests.id, labBookings.labTestId))
      .innerJoin(patients, eq(patients.id, labBookings.patientId))
      .where(inArray(labBookings.id, ids));
  }
}
