import { and, desc, eq } from "drizzle-orm";
import type { DbOrTx, Tx } from "../../../db/client.js";
import {
  doctors,
  patients,
  prescriptionItems,
  prescriptions,
  refillRequests,
} from "../../../db/schema/index.js";

export type RefillRequestRow = typeof refillRequests.$inferSelect;

/** The prescription item a request is about, with who prescribed it. */
export interface RequestableItem {
  itemId: number;
  patientId: number;
  doctorId: number;
  doctorUserId: number | null;
  doctorName: string;
  medicineName: string;
  strength: string | null;
}

export interface DoctorRequestRow {
  id: number;
  createdAt: Date;
  patientId: number;
  patientName: string;
  prescriptionId: number;
  prescriptionItemId: number;
  medicineName: string;
  strength: string | null;
}

/** The only place the refill requests touch the database. */
export class RefillRequestsRepository {
  constructor(private readonly db: DbOrTx) {}

  async item(itemId: number): Promise<RequestableItem | undefined> {
    const [row] = await this.db
      .select({
        itemId: prescriptionItems.id,
        patientId: prescriptions.patientId,
        doctorId: prescriptions.doctorId,
        doctorUserId: doctors.userId,
        doctorName: doctors.name,
        medicineName: prescriptionItems.medicineName,
        strength: prescriptionItems.strength,
      })
      .from(prescriptionItems)
      .innerJoin(prescriptions, eq(prescriptions.id, prescriptionItems.prescriptionId))
      .innerJoin(doctors, eq(doctors.id, prescriptions.doctorId))
      .where(eq(prescriptionItems.id, itemId))
      .limit(1);
    return row;
  }

  /** Inserts a pending request; undefined when one is already pending for the item. */
  async insertPending(
    tx: Tx,
    values: {
      prescriptionItemId: number;
      patientId: number;
      doctorId: number;
      requestedByUserId: number;
      createdAt: Date;
    },
  ): Promise<RefillRequestRow | undefined> {
    const [row] = await tx
      .insert(refillRequests)
      .values({ ...values, status: "pending" })
      .onConflictDoNothing()
      .returning();
    return row;
  }

  async pendingFor(itemId: number, db: DbOrTx = this.db): Promise<RefillRequestRow | undefined> {
    const [row] = await db
      .select()
      .from(refillRequests)
      .where(and(eq(refillRequests.prescriptionItemId, itemId), eq(refillRequests.status, "pending")))
      .limit(1);
    return row;
  }

  async pendingOfDoctor(doctorId: number): Promise<DoctorRequestRow[]> {
    return this.db
      .select({
        id: refillRequests.id,
        createdAt: refillRequests.createdAt,
        patientId: refillRequests.patientId,
        patientName: patients.name,
        prescriptionId: prescriptionItems.prescriptionId,
        prescriptionItemId: refillRequests.prescriptionItemId,
        medicineName: prescriptionItems.medicineName,
        strength: prescriptionItems.strength,
      })
      .from(refillRequests)
      .innerJoin(prescriptionItems, eq(prescriptionItems.id, refillRequests.prescriptionItemId))
      .innerJoin(patients, eq(patients.id, refillRequests.patientId))
      .where(and(eq(refillRequests.doctorId, doctorId), eq(refillRequests.status, "pending")))
      .orderBy(desc(refillRequests.createdAt));
  }
}
