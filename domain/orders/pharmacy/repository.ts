import { and, asc, desc, eq, gt, gte, inArray, sql } from "drizzle-orm";
import type { DbOrTx, Tx } from "../../../db/client.js";
import {
  doctors,
  medicines,
  patientHistoryItems,
  patients,
  pharmacyOrderEvents,
  pharmacyOrderItems,
  pharmacyOrders,
  prescriptionItems,
  prescriptions,
  processedWebhookEvents,
  type PharmacyOrderStatus,
} from "../../../db/schema/index.js";

export type MedicineRow = typeof medicines.$inferSelect;
export type OrderRow = typeof pharmacyOrders.$inferSelect & { patientUserId: number };
export type OrderItemRow = typeof pharmacyOrderItems.$inferSelect;
export type OrderEventRow = typeof pharmacyOrderEvents.$inferSelect;
export type OrderDetail = OrderRow & { items: OrderItemRow[]; events: OrderEventRow[] };

export interface PatientInfo {
  id: number;
  userId: number;
  address: string | null;
  timeZone: string;
}

/** A medicine on one of the patient's active, unexpired prescriptions. */
export interface ActiveRxItem {
  id: number;
  prescriptionId: number;
  medicineName: string;
  generics: string[];
  strength: string | null;
  quantity: number;
  fillsRemaining: number;
  validUntil: string;
  doctorId: number;
  doctorName: string;
}

/** The only place the pharmacy module touches the database. */
export class PharmacyRepository {
  constructor(private readonly db: DbOrTx) {}

  // --- catalog -------------------------------------------------------------------------------------

  async activeMedicines(): Promise<MedicineRow[]> {
    return this.db.select().from(medicines).where(eq(medicines.active, true)).orderBy(asc(medicines.name));
  }

  async medicinesPage(offset: number, limit: number): Promise<MedicineRow[]> {
    return this.db
      .select()
      .from(medicines)
      .where(eq(medicines.active, true))
      .orderBy(asc(medicines.name), asc(medicines.id))
      .offset(offset)
      .limit(limit);
  }

  async findMedicine(id: number): Promise<MedicineRow | undefined> {
    const [row] = await this.db
      .select()
      .from(medicines)
      .where(and(eq(medicines.id, id), eq(medicines.active, true)))
      .limit(1);
    return row;
  }

  // --- the patient ---------------------------------------------------------------------------------

  async findPatient(patientId: number): Promise<PatientInfo | undefined> {
    const [row] = await this.db
      .select({
        id: patients.id,
        userId: patients.userId,
        address: patients.address,
        timeZone: patients.timeZone,
      })
      .from(patients)
      .where(eq(patients.id, patientId))
      .limit(1);
    return row;
  }

  /** Items of the patient's active prescriptions valid on `today` (spent ones included), soonest expiry first. */
  async activeRxItems(patientId: number, today: string): Promise<ActiveRxItem[]> {
    return this.db
      .select({
        id: prescriptionItems.id,
        prescriptionId: prescriptionItems.prescriptionId,
        medicineName: prescriptionItems.medicineName,
        generics: prescriptionItems.generics,
        strength: prescriptionItems.strength,
        quantity: prescriptionItems.quantity,
        fillsRemaining: prescriptionItems.fillsRemaining,
        validUntil: prescriptions.validUntil,
        doctorId: prescriptions.doctorId,
        doctorName: doctors.name,
      })
      .from(prescriptionItems)
      .innerJoin(prescriptions, eq(prescriptions.id, prescriptionItems.prescriptionId))
      .innerJoin(doctors, eq(doctors.id, prescriptions.doctorId))
      .where(
        and(
          eq(prescriptions.patientId, patientId),
          eq(prescriptions.status, "active"),
          gte(prescriptions.validUntil, today),
        ),
      )
      .orderBy(asc(prescriptions.validUntil), asc(prescriptionItems.id));
  }

  /** Which patient a prescription (or a prescription item) belongs to. */
  async prescriptionPatient(prescriptionId: number): Promise<number | undefined> {
    const [row] = await this.db
      .select({ patientId: prescriptions.patientId })
      .from(prescriptions)
      .where(eq(prescriptions.id, prescriptionId))
      .limit(1);
    return row?.patientId;
  }

  async prescriptionItemPatient(itemId: number): Promise<number | undefined> {
    const [row] = await this.db
      .select({ patientId: prescriptions.patientId })
      .from(prescriptionItems)
      .innerJoin(prescriptions, eq(prescriptions.id, prescriptionItems.prescriptionId))
      .where(eq(prescriptionItems.id, itemId))
      .limit(1);
    return row?.patientId;
  }

  async allergies(patientId: number): Promise<string[]> {
    const rows = await this.db
      .select({ name: patientHistoryItems.name })
      .from(patientHistoryItems)
      .where(and(eq(patientHistoryItems.patientId, patientId), eq(patientHistoryItems.kind, "allergy")));
    return rows.map((r) => r.name);
  }

  /** Spends one fill, atomically: only while one is left. Returns what remains, or undefined if none was. */
  async spendFill(tx: Tx, itemId: number): Promise<number | undefined> {
    const [row] = await tx
      .update(prescriptionItems)
      .set({ fillsRemaining: sql`${prescriptionItems.fillsRemaining} - 1` })
      .where(and(eq(prescriptionItems.id, itemId), gt(prescriptionItems.fillsRemaining, 0)))
      .returning({ fillsRemaining: prescriptionItems.fillsRemaining });
    return row?.fillsRemaining;
  }

  /** Gives a spent fill back (a cancelled order). */
  async returnFill(tx: Tx, itemId: number): Promise<void> {
    await tx
      .update(prescriptionItems)
      .set({ fillsRemaining: sql`${prescriptionItems.fillsRemaining} + 1` })
      .where(eq(prescriptionItems.id, itemId));
  }

  // --- orders --------------------------------------------------------------------------------------

  async insertOrder(tx: Tx, values: typeof pharmacyOrders.$inferInsert): Promise<number> {
    const [row] = await tx.insert(pharmacyOrders).values(values).returning({ id: pharmacyOrders.id });
    return row!.id;
  }

  async insertItems(tx: Tx, rows: (typeof pharmacyOrderItems.$inferInsert)[]): Promise<void> {
    await tx.insert(pharmacyOrderItems).values(rows);
  }

  async insertEvent(tx: Tx, values: typeof pharmacyOrderEvents.$inferInsert): Promise<void> {
    await tx.insert(pharmacyOrderEvents).values(values);
  }

  private orderQuery(db: DbOrTx) {
    return db
      .select({ order: pharmacyOrders, patientUserId: patients.userId })
      .from(pharmacyOrders)
      .innerJoin(patients, eq(patients.id, pharmacyOrders.patientId));
  }

  async findOrder(id: number, db: DbOrTx = this.db): Promise<OrderRow | undefined> {
    const [row] = await this.orderQuery(db).where(eq(pharmacyOrders.id, id)).limit(1);
    return row && { ...row.order, patientUserId: row.patientUserId };
  }

  /** The order, locked for the rest of the transaction (status changes are serialised per order). */
  async lockOrder(tx: Tx, id: number): Promise<OrderRow | undefined> {
    const [row] = await this.orderQuery(tx).where(eq(pharmacyOrders.id, id)).limit(1).for("update", {
      of: pharmacyOrders,
    });
    return row && { ...row.order, patientUserId: row.patientUserId };
  }

  async updateOrder(
    tx: Tx,
    id: number,
    values: { status: PharmacyOrderStatus; tracking?: string | undefined },
    now: Date,
  ): Promise<void> {
    await tx
      .update(pharmacyOrders)
      .set({
        status: values.status,
        ...(values.tracking !== undefined ? { tracking: values.tracking } : {}),
        updatedAt: now,
      })
      .where(eq(pharmacyOrders.id, id));
  }

  async setPaymentStatus(
    tx: Tx,
    id: number,
    paymentStatus: "unpaid" | "paid" | "refunded",
    now: Date,
  ): Promise<void> {
    await tx.update(pharmacyOrders).set({ paymentStatus, updatedAt: now }).where(eq(pharmacyOrders.id, id));
  }

  async itemsOf(orderIds: number[], db: DbOrTx = this.db): Promise<OrderItemRow[]> {
    if (orderIds.length === 0) return [];
    return db
      .select()
      .from(pharmacyOrderItems)
      .where(inArray(pharmacyOrderItems.orderId, orderIds))
      .orderBy(asc(pharmacyOrderItems.id));
  }

  async eventsOf(orderIds: number[], db: DbOrTx = this.db): Promise<OrderEventRow[]> {
    if (orderIds.length === 0) return [];
    return db
      .select()
      .from(pharmacyOrderEvents)
      .where(inArray(pharmacyOrderEvents.orderId, orderIds))
      .orderBy(asc(pharmacyOrderEvents.at), asc(pharmacyOrderEvents.id));
  }

  private async withDetails(rows: OrderRow[], db: DbOrTx = this.db): Promise<OrderDetail[]> {
    const ids = rows.map((r) => r.id);
    const [items, events] = await Promise.all([this.itemsOf(ids, db), this.eventsOf(ids, db)]);
    return rows.map((r) => ({
      ...r,
      items: items.filter((i) => i.orderId === r.id),
      events: events.filter((e) => e.orderId === r.id),
    }));
  }

  async orderDetail(id: number, db: DbOrTx = this.db): Promise<OrderDetail | undefined> {
    const row = await this.findOrder(id, db);
    return row && (await this.withDetails([row], db))[0];
  }

  async ordersOfPatient(patientId: number): Promise<OrderDetail[]> {
    const rows = await this.orderQuery(this.db)
      .where(eq(pharmacyOrders.patientId, patientId))
      .orderBy(desc(pharmacyOrders.createdAt), desc(pharmacyOrders.id));
    return this.withDetails(rows.map((r) => ({ ...r.order, patientUserId: r.patientUserId })));
  }

  /** The pharmacist's queue: oldest first (first in, first served). */
  async queue(
    status: PharmacyOrderStatus | undefined,
    offset: number,
    limit: number,
  ): Promise<OrderDetail[]> {
    const rows = await this.orderQuery(this.db)
      .where(status ? eq(pharmacyOrders.status, status) : undefined)
      .orderBy(asc(pharmacyOrders.createdAt), asc(pharmacyOrders.id))
      .offset(offset)
      .limit(limit);
    return this.withDetails(rows.map((r) => ({ ...r.order, patientUserId: r.patientUserId })));
  }

  // --- webhooks ------------------------------------------------------------------------------------

  /** Claims a provider's event id inside the caller's transaction: false when it was processed before. */
  async claimWebhookEvent(tx: Tx, provider: string, eventId: string, outcome: string): Promise<boolean> {
    const rows = await tx
      .insert(processedWebhookEvents)
      .values({ provider, eventId, outcome })
      .onConflictDoNothing()
      .returning({ eventId: processedWebhookEvents.eventId });
    return rows.length > 0;
  }

  async setWebhookOutcome(tx: Tx, provider: string, eventId: string, outcome: string): Promise<void> {
    await tx
      .update(processedWebhookEvents)
      .set({ outcome })
      .where(and(eq(processedWebhookEvents.provider, provider), eq(processedWebhookEvents.eventId, eventId)));
  }
}
