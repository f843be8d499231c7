import { and, desc, eq, lt, type SQL } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.js";
import {
  appointments,
  claims,
  labBookings,
  labTests,
  medicines,
  patients,
  pharmacyOrderItems,
  pharmacyOrders,
  type ClaimStatus,
  type Insurance,
  type PaymentPurpose,
} from "../../db/schema/index.js";

export type ClaimRow = typeof claims.$inferSelect;

/** The thing a claim is for, as the claims module reads it (the owners of those tables write them). */
export interface ClaimableItem {
  kind: PaymentPurpose;
  id: number;
  patientId: number;
  doctorId: number | null;
  /** The item's own status (appointment, order or booking status). */
  status: string;
  /** Completed (a visit held, an order delivered, a lab test resulted). */
  completed: boolean;
  /** Cancelled, rejected or a no-show: nothing to claim. */
  void: boolean;
  amountMinor: number;
  currency: string;
  /** Our catalog's codes for what was provided. */
  serviceCodes: string[];
}

export interface ClaimFilters {
  status?: ClaimStatus | undefined;
  patientId?: number | undefined;
  itemKind?: PaymentPurpose | undefined;
  /** Keyset paging: claims with a smaller id. */
  beforeId?: number | undefined;
  limit: number;
}

/** The only writer of `claims`. */
export class ClaimsRepository {
  constructor(private readonly db: DbOrTx) {}

  async insert(tx: DbOrTx, values: typeof claims.$inferInsert): Promise<ClaimRow> {
    const [row] = await tx.insert(claims).values(values).returning();
    return row!;
  }

  async update(tx: DbOrTx, id: number, set: Partial<typeof claims.$inferInsert>): Promise<ClaimRow> {
    const [row] = await tx.update(claims).set(set).where(eq(claims.id, id)).returning();
    return row!;
  }

  async find(id: number, db: DbOrTx = this.db): Promise<ClaimRow | undefined> {
    const [row] = await db.select().from(claims).where(eq(claims.id, id));
    return row;
  }

  async lock(tx: DbOrTx, id: number): Promise<ClaimRow | undefined> {
    const [row] = await tx.select().from(claims).where(eq(claims.id, id)).for("update");
    return row;
  }

  async list(f: ClaimFilters): Promise<ClaimRow[]> {
    const where: SQL[] = [];
    if (f.status) where.push(eq(claims.status, f.status));
    if (f.patientId !== undefined) where.push(eq(claims.patientId, f.patientId));
    if (f.itemKind) where.push(eq(claims.itemKind, f.itemKind));
    if (f.beforeId !== undefined) where.push(lt(claims.id, f.beforeId));
    return this.db
      .select()
      .from(claims)
      .where(and(...where))
      .orderBy(desc(claims.id))
      .limit(f.limit);
  }

  async insurance(patientId: number): Promise<{ insurance: Insurance | null; name: string } | undefined> {
    const [row] = await this.db
      .select({ insurance: patients.insurance, name: patients.name })
      .from(patients)
      .where(eq(patients.id, patientId));
    return row;
  }

  async item(kind: PaymentPurpose, id: number): Promise<ClaimableItem | undefined> {
    switch (kind) {
      case "appointment": {
        const [a] = await this.db.select().from(appointments).where(eq(appointments.id, id));
        if (!a) return undefined;
        return {
          kind,
          id,
          patientId: a.patientId,
          doctorId: a.doctorId,
          status: a.status,
          completed: a.status === "completed",
          void: a.status === "rejected" || a.status === "cancelled" || a.status === "no_show",
          amountMinor: a.feeMinor,
          currency: a.currency,
          serviceCodes: [`consultation-${a.mode}`],
        };
      }
      case "pharmacy_order": {
        const [o] = await this.db.select().from(pharmacyOrders).where(eq(pharmacyOrders.id, id));
        if (!o) return undefined;
        const items = await this.db
          .select({ code: medicines.code })
          .from(pharmacyOrderItems)
          .innerJoin(medicines, eq(medicines.id, pharmacyOrderItems.medicineId))
          .where(eq(pharmacyOrderItems.orderId, id));
        return {
          kind,
          id,
          patientId: o.patientId,
          doctorId: null,
          status: o.status,
          completed: o.status === "delivered",
          void: o.status === "cancelled",
          amountMinor: o.totalMinor,
          currency: o.currency,
          serviceCodes: items.length > 0 ? [...new Set(items.map((i) => i.code))] : ["pharmacy-order"],
        };
      }
      case "lab_booking": {
        const [b] = await this.db
          .select({ booking: labBookings, code: labTests.code })
          .from(labBookings)
          .innerJoin(labTests, eq(labTests.id, labBookings.labTestId))
          .where(eq(labBookings.id, id));
        if (!b) return undefined;
        return {
          kind,
          id,
          patientId: b.booking.patientId,
          doctorId: b.booking.orderingDoctorId,
          status: b.booking.status,
          completed: b.booking.status === "resulted",
          void: b.booking.status === "cancelled",
          amountMinor: b.booking.priceMinor,
          currency: b.booking.currency,
          serviceCodes: [b.code],
        };
      }
    }
  }
}
