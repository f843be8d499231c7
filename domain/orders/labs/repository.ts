import { and, asc, desc, eq, inArray } from "drizzle-orm";
import type { DbOrTx, Tx } from "../../../db/client.js";
import {
  doctors,
  labBookingEvents,
  labBookings,
  labResults,
  labTests,
  patients,
  prescriptionLabTests,
  prescriptions,
  type LabBookingStatus,
} from "../../../db/schema/index.js";

export type LabTestRow = typeof labTests.$inferSelect;
export type BookingRow = typeof labBookings.$inferSelect & { patientUserId: number };
export type BookingEventRow = typeof labBookingEvents.$inferSelect;
export type ResultRow = typeof labResults.$inferSelect;
export type BookingDetail = BookingRow & {
  preparation: string;
  sampleType: string;
  turnaroundHours: number;
  results: ResultRow[];
  events: BookingEventRow[];
};

export interface LabPatient {
  id: number;
  userId: number;
  address: string | null;
  timeZone: string;
  sex: string | null;
}

export interface PrescribedLabTest {
  id: number;
  patientId: number;
  doctorId: number;
  testName: string;
  testCode: string | null;
  prescriptionStatus: string;
  validUntil: string;
}

/** The only place the labs module touches the database. */
export class LabsRepository {
  constructor(private readonly db: DbOrTx) {}

  async activeTests(): Promise<LabTestRow[]> {
    return this.db.select().from(labTests).where(eq(labTests.active, true)).orderBy(asc(labTests.name));
  }

  async findTest(id: number, db: DbOrTx = this.db): Promise<LabTestRow | undefined> {
    const [row] = await db.select().from(labTests).where(eq(labTests.id, id)).limit(1);
    return row;
  }

  async findPatient(patientId: number): Promise<LabPatient | undefined> {
    const [row] = await this.db
      .select({
        id: patients.id,
        userId: patients.userId,
        address: patients.address,
        timeZone: patients.timeZone,
        sex: patients.sex,
      })
      .from(patients)
      .where(eq(patients.id, patientId))
      .limit(1);
    return row;
  }

  async prescribedLabTest(id: number): Promise<PrescribedLabTest | undefined> {
    const [row] = await this.db
      .select({
        id: prescriptionLabTests.id,
        patientId: prescriptions.patientId,
        doctorId: prescriptions.doctorId,
        testName: prescriptionLabTests.testName,
        testCode: prescriptionLabTests.testCode,
        prescriptionStatus: prescriptions.status,
        validUntil: prescriptions.validUntil,
      })
      .from(prescriptionLabTests)
      .innerJoin(prescriptions, eq(prescriptions.id, prescriptionLabTests.prescriptionId))
      .where(eq(prescriptionLabTests.id, id))
      .limit(1);
    return row;
  }

  async doctorUserId(doctorId: number, db: DbOrTx = this.db): Promise<number | null> {
    const [row] = await db
      .select({ userId: doctors.userId })
      .from(doctors)
      .where(eq(doctors.id, doctorId))
      .limit(1);
    return row?.userId ?? null;
  }

  // --- bookings ------------------------------------------------------------------------------------

  async insertBooking(tx: Tx, values: typeof labBookings.$inferInsert): Promise<number> {
    const [row] = await tx.insert(labBookings).values(values).returning({ id: labBookings.id });
    return row!.id;
  }

  async insertEvent(tx: Tx, values: typeof labBookingEvents.$inferInsert): Promise<void> {
    await tx.insert(labBookingEvents).values(values);
  }

  private bookingQuery(db: DbOrTx) {
    return db
      .select({ booking: labBookings, patientUserId: patients.userId })
      .from(labBookings)
      .innerJoin(patients, eq(patients.id, labBookings.patientId));
  }

  async findBooking(id: number, db: DbOrTx = this.db): Promise<BookingRow | undefined> {
    const [row] = await this.bookingQuery(db).where(eq(labBookings.id, id)).limit(1);
    return row && { ...row.booking, patientUserId: row.patientUserId };
  }

  /** The booking, locked for the rest of the transaction. */
  async lockBooking(tx: Tx, id: number): Promise<BookingRow | undefined> {
    const [row] = await this.bookingQuery(tx)
      .where(eq(labBookings.id, id))
      .limit(1)
      .for("update", { of: labBookings });
    return row && { ...row.booking, patientUserId: row.patientUserId };
  }

  async updateBooking(
    tx: Tx,
    id: number,
    values: { status: LabBookingStatus; resultedAt?: Date; recordId?: number; resultSummary?: string },
    now: Date,
  ): Promise<void> {
    await tx
      .update(labBookings)
      .set({ ...values, updatedAt: now })
      .where(eq(labBookings.id, id));
  }

  async setPaymentStatus(
    tx: Tx,
    id: number,
    paymentStatus: "unpaid" | "paid" | "refunded",
    now: Date,
  ): Promise<void> {
    await tx.update(labBookings).set({ paymentStatus, updatedAt: now }).where(eq(labBookings.id, id));
  }

  async insertResults(tx: Tx, rows: (typeof labResults.$inferInsert)[]): Promise<void> {
    if (rows.length > 0) await tx.insert(labResults).values(rows);
  }

  private async withDetails(rows: BookingRow[]): Promise<BookingDetail[]> {
    const ids = rows.map((r) => r.id);
    if (ids.length === 0) return [];
    const testIds = [...new Set(rows.map((r) => r.labTestId))];
    const [results, events, tests] = await Promise.all([
      this.db.select().from(labResults).where(inArray(labResults.bookingId, ids)).orderBy(asc(labResults.id)),
      this.db
        .select()
        .from(labBookingEvents)
        .where(inArray(labBookingEvents.bookingId, ids))
        .orderBy(asc(labBookingEvents.at), asc(labBookingEvents.id)),
      this.db
        .select({
          id: labTests.id,
          preparation: labTests.preparation,
          sampleType: labTests.sampleType,
          turnaroundHours: labTests.turnaroundHours,
        })
        .from(labTests)
        .where(inArray(labTests.id, testIds)),
    ]);
    return rows.map((r) => {
      const test = tests.find((t) => t.id === r.labTestId)!;
      return {
        ...r,
        preparation: test.preparation,
        sampleType: test.sampleType,
        turnaroundHours: test.turnaroundHours,
        results: results.filter((x) => x.bookingId === r.id),
        events: events.filter((e) => e.bookingId === r.id),
      };
    });
  }

  async bookingDetail(id: number): Promise<BookingDetail | undefined> {
    const row = await this.findBooking(id);
    return row && (await this.withDetails([row]))[0];
  }

  async resultedBookingsOf(patientId: number): Promise<BookingDetail[]> {
    const rows = await this.bookingQuery(this.db)
      .where(and(eq(labBookings.patientId, patientId), eq(labBookings.status, "resulted")))
      .orderBy(desc(labBookings.resultedAt), desc(labBookings.id));
    return this.withDetails(rows.map((r) => ({ ...r.booking, patientUserId: r.patientUserId })));
  }

  async bookingsOf(patientId: number): Promise<BookingDetail[]> {
    const rows = await this.bookingQuery(this.db)
      .where(eq(labBookings.patientId, patientId))
      .orderBy(desc(labBookings.appointmentDate), desc(labBookings.id));
    return this.withDetails(rows.map((r) => ({ ...r.booking, patientUserId: r.patientUserId })));
  }

  /** The lab's work queue: by appointment date, oldest first. */
  async queue(status: LabBookingStatus | undefined, offset: number, limit: number): Promise<BookingDetail[]> {
    const rows = await this.bookingQuery(this.db)
      .where(status ? eq(labBookings.status, status) : undefined)
      .orderBy(asc(labBookings.appointmentDate), asc(labBookings.id))
      .offset(offset)
      .limit(limit);
    return this.withDetails(rows.map((r) => ({ ...r.booking, patientUserId: r.patientUserId })));
  }
}
