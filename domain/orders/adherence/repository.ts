import { and, asc, eq, gte, inArray, lt, sql } from "drizzle-orm";
import { queryRows, type DbOrTx } from "../../../db/client.js";
import { medicationDoses, prescriptionItems, prescriptions } from "../../../db/schema/index.js";

export type DoseRow = typeof medicationDoses.$inferSelect;
export type NewDose = Pick<
  typeof medicationDoses.$inferInsert,
  "prescriptionItemId" | "patientId" | "scheduledAt"
>;

export interface ItemWithPrescription {
  id: number;
  prescriptionId: number;
  patientId: number;
  prescriptionStatus: string;
  medicineName: string;
  strength: string | null;
  dose: string;
  frequency: string;
  timesPerDay: number;
  durationDays: number;
  fillsRemaining: number;
  instructions: string | null;
  startDate: string;
}

const INSERT_CHUNK = 1000;

/** Medication doses; the only place the adherence module touches the database. */
export class AdherenceRepository {
  constructor(private readonly db: DbOrTx) {}

  /** Inserts scheduled doses (in the caller's transaction), in chunks. */
  async insertDoses(db: DbOrTx, doses: NewDose[]): Promise<void> {
    for (let i = 0; i < doses.length; i += INSERT_CHUNK) {
      await db.insert(medicationDoses).values(doses.slice(i, i + INSERT_CHUNK));
    }
  }

  private itemQuery(db: DbOrTx) {
    return db
      .select({
        id: prescriptionItems.id,
        prescriptionId: prescriptionItems.prescriptionId,
        patientId: prescriptions.patientId,
        prescriptionStatus: prescriptions.status,
        medicineName: prescriptionItems.medicineName,
        strength: prescriptionItems.strength,
        dose: prescriptionItems.dose,
        frequency: prescriptionItems.frequency,
        timesPerDay: prescriptionItems.timesPerDay,
        durationDays: prescriptionItems.durationDays,
        fillsRemaining: prescriptionItems.fillsRemaining,
        instructions: prescriptionItems.instructions,
        startDate: prescriptionItems.startDate,
      })
      .from(prescriptionItems)
      .innerJoin(prescriptions, eq(prescriptions.id, prescriptionItems.prescriptionId));
  }

  async findItem(itemId: number, db: DbOrTx = this.db): Promise<ItemWithPrescription | undefined> {
    const [row] = await this.itemQuery(db).where(eq(prescriptionItems.id, itemId)).limit(1);
    return row;
  }

  /**
   * Items the patient is taking: on an active prescription, and either within their course
   * (start + duration after today) or with a dose still to come from the start of today.
   */
  async activeItems(patientId: number, today: string, dayStart: Date, db: DbOrTx = this.db) {
    return this.itemQuery(db)
      .where(
        and(
          eq(prescriptions.patientId, patientId),
          eq(prescriptions.status, "active"),
          sql`(${prescriptionItems.startDate} + ${prescriptionItems.durationDays}::int > ${today}::date
               or exists (select 1 from medication_doses d
                           where d.prescription_item_id = ${prescriptionItems.id}
                             and d.scheduled_at >= ${dayStart.toISOString()}::timestamptz))`,
        ),
      )
      .orderBy(asc(prescriptionItems.id));
  }

  async dosesBetween(itemIds: number[], from: Date, to: Date, db: DbOrTx = this.db): Promise<DoseRow[]> {
    if (itemIds.length === 0) return [];
    return db
      .select()
      .from(medicationDoses)
      .where(
        and(
          inArray(medicationDoses.prescriptionItemId, itemIds),
          gte(medicationDoses.scheduledAt, from),
          lt(medicationDoses.scheduledAt, to),
        ),
      )
      .orderBy(asc(medicationDoses.scheduledAt), asc(medicationDoses.id));
  }

  async findDoseById(id: number, db: DbOrTx = this.db): Promise<DoseRow | undefined> {
    const [row] = await db.select().from(medicationDoses).where(eq(medicationDoses.id, id)).limit(1);
    return row;
  }

  async findDose(itemId: number, scheduledAt: Date, db: DbOrTx = this.db): Promise<DoseRow | undefined> {
    const [row] = await db
      .select()
      .from(medicationDoses)
      .where(
        and(eq(medicationDoses.prescriptionItemId, itemId), eq(medicationDoses.scheduledAt, scheduledAt)),
      )
      .limit(1);
    return row;
  }

  /** The dose closest in time to `now` among those scheduled no later than `latest`. */
  async nearestDose(
    itemId: number,
    now: Date,
    latest: Date,
    db: DbOrTx = this.db,
  ): Promise<DoseRow | undefined> {
    const [row] = await db
      .select()
      .from(medicationDoses)
      .where(and(eq(medicationDoses.prescriptionItemId, itemId), lt(medicationDoses.scheduledAt, latest)))
      .orderBy(
        sql`abs(extract(epoch from ${medicationDoses.scheduledAt} - ${now.toISOString()}::timestamptz))`,
        asc(medicationDoses.scheduledAt),
      )
      .limit(1);
    return row;
  }

  async answerDose(
    db: DbOrTx,
    id: number,
    values: { status: "taken" | "skipped"; recordedAt: Date; channel: string; recordedByUserId: number },
  ): Promise<DoseRow> {
    const [row] = await db.update(medicationDoses).set(values).where(eq(medicationDoses.id, id)).returning();
    return row!;
  }

  /** Every dose of a patient with its item, for adherence. */
  async patientDoses(patientId: number, db: DbOrTx = this.db) {
    return queryRows<{
      item_id: number;
      medicine_name: string;
      status: "scheduled" | "taken" | "skipped" | "missed";
      scheduled_at: Date | string;
    }>(
      db,
      sql`select d.prescription_item_id as item_id, i.medicine_name, d.status, d.scheduled_at
            from medication_doses d
            join prescription_items i on i.id = d.prescription_item_id
           where d.patient_id = ${patientId}
           order by d.prescription_item_id, d.scheduled_at`,
    );
  }
}
