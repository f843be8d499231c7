import { and, asc, desc, eq, gt, inArray, sql } from "drizzle-orm";
import { queryRows, type DbOrTx } from "../../../db/client.js";
import {
  appointments,
  doctors,
  medicalRecords,
  medicationDoses,
  patientHistoryItems,
  patients,
  prescriptionItems,
  prescriptionLabTests,
  prescriptions,
  visits,
} from "../../../db/schema/index.js";

export type PrescriptionRow = typeof prescriptions.$inferSelect;
export type ItemRow = typeof prescriptionItems.$inferSelect;
export type LabTestRow = typeof prescriptionLabTests.$inferSelect;

export interface PrescriptionDetail extends PrescriptionRow {
  doctorName: string;
  items: ItemRow[];
  labTests: LabTestRow[];
}

export interface PatientBasics {
  id: number;
  userId: number;
  name: string;
  dateOfBirth: string | null;
  sex: string | null;
  timeZone: string;
}

export interface DoctorBasics {
  id: number;
  userId: number | null;
  name: string;
  registrationNumber: string | null;
  clinicName: string | null;
  clinicAddress: string | null;
  city: string;
  phone: string | null;
}

export type NewItem = Omit<typeof prescriptionItems.$inferInsert, "id" | "prescriptionId">;
export type NewLabTest = Omit<typeof prescriptionLabTests.$inferInsert, "id" | "prescriptionId">;

/** Prescriptions, their items and lab tests; the only place the prescriptions module touches the database. */
export class PrescriptionsRepository {
  constructor(private readonly db: DbOrTx) {}

  async findPatient(patientId: number, db: DbOrTx = this.db): Promise<PatientBasics | undefined> {
    const [row] = await db
      .select({
        id: patients.id,
        userId: patients.userId,
        name: patients.name,
        dateOfBirth: patients.dateOfBirth,
        sex: patients.sex,
        timeZone: patients.timeZone,
      })
      .from(patients)
      .where(eq(patients.id, patientId))
      .limit(1);
    return row;
  }

  async findDoctor(doctorId: number, db: DbOrTx = this.db): Promise<DoctorBasics | undefined> {
    const [row] = await db
      .select({
        id: doctors.id,
        userId: doctors.userId,
        name: doctors.name,
        registrationNumber: doctors.registrationNumber,
        clinicName: doctors.clinicName,
        clinicAddress: doctors.clinicAddress,
        city: doctors.city,
        phone: doctors.phone,
      })
      .from(doctors)
      .where(eq(doctors.id, doctorId))
      .limit(1);
    return row;
  }

  /** Recorded allergies (the substances), for the safety check. */
  async allergies(patientId: number, db: DbOrTx = this.db): Promise<string[]> {
    const rows = await db
      .select({ name: patientHistoryItems.name })
      .from(patientHistoryItems)
      .where(and(eq(patientHistoryItems.patientId, patientId), eq(patientHistoryItems.kind, "allergy")))
      .orderBy(asc(patientHistoryItems.id));
    return rows.map((r) => r.name);
  }

  /**
   * Medicines the patient is on now: items of active prescriptions whose course has not ended
   * (start date + duration in days is after today in the patient's zone).
   */
  async activeItemNames(patientId: number, now: Date, db: DbOrTx = this.db): Promise<string[]> {
    const rows = await queryRows<{ medicine_name: string }>(
      db,
      sql`select i.medicine_name
            from prescription_items i
            join prescriptions p on p.id = i.prescription_id
            join patients pt on pt.id = p.patient_id
           where p.patient_id = ${patientId}
             and p.status = 'active'
             and i.start_date + i.duration_days::int > (${now.toISOString()}::timestamptz at time zone pt.time_zone)::date
           order by i.id`,
    );
    return rows.map((r) => r.medicine_name);
  }

  /**
   * The appointment of the doctor's visit with this patient that is open now (a prescription written during
   * the visit is linked to it), if there is one.
   */
  async openVisitAppointment(doctorId: number, patientId: number): Promise<number | undefined> {
    const [row] = await this.db
      .select({ id: appointments.id })
      .from(visits)
      .innerJoin(appointments, eq(appointments.id, visits.appointmentId))
      .where(
        and(
          eq(visits.status, "open"),
          eq(appointments.doctorId, doctorId),
          eq(appointments.patientId, patientId),
        ),
      )
      .orderBy(desc(visits.id))
      .limit(1);
    return row?.id;
  }

  async appointmentBetween(appointmentId: number, doctorId: number, patientId: number): Promise<boolean> {
    const rows = await this.db
      .select({ id: appointments.id })
      .from(appointments)
      .where(
        and(
          eq(appointments.id, appointmentId),
          eq(appointments.doctorId, doctorId),
          eq(appointments.patientId, patientId),
        ),
      )
      .limit(1);
    return rows.length > 0;
  }

  // --- writes ----------------------------------------------------------------------------------

  /** Serialises prescribing for one patient (held until the transaction ends). */
  async lockPatient(db: DbOrTx, patientId: number): Promise<void> {
    await db.select({ id: patients.id }).from(patients).where(eq(patients.id, patientId)).for("update");
  }

  async insertRecord(
    db: DbOrTx,
    values: {
      patientId: number;
      authorUserId: number;
      appointmentId: number | null;
      recordDate: string;
      prescription: string;
    },
  ): Promise<number> {
    const [row] = await db
      .insert(medicalRecords)
      .values({ ...values, kind: "clinical", description: "Prescription" })
      .returning({ id: medicalRecords.id });
    return row!.id;
  }

  async insertPrescription(
    db: DbOrTx,
    values: Omit<typeof prescriptions.$inferInsert, "id" | "status">,
  ): Promise<number> {
    const [row] = await db.insert(prescriptions).values(values).returning({ id: prescriptions.id });
    return row!.id;
  }

  async insertItems(db: DbOrTx, prescriptionId: number, items: NewItem[]): Promise<ItemRow[]> {
    if (items.length === 0) return [];
    return db
      .insert(prescriptionItems)
      .values(items.map((i) => ({ ...i, prescriptionId })))
      .returning();
  }

  async insertLabTests(db: DbOrTx, prescriptionId: number, tests: NewLabTest[]): Promise<void> {
    if (tests.length === 0) return;
    await db.insert(prescriptionLabTests).values(tests.map((t) => ({ ...t, prescriptionId })));
  }

  /**
   * Cancels an active prescription: no fills remain and future scheduled doses are removed.
   * Returns false when it was not active (a concurrent cancel, or already closed).
   */
  async cancel(db: DbOrTx, id: number, now: Date): Promise<boolean> {
    const rows = await db
      .update(prescriptions)
      .set({ status: "cancelled" })
      .where(and(eq(prescriptions.id, id), eq(prescriptions.status, "active")))
      .returning({ id: prescriptions.id });
    if (rows.length === 0) return false;
    await db
      .update(prescriptionItems)
      .set({ fillsRemaining: 0 })
      .where(eq(prescriptionItems.prescriptionId, id));
    const itemIds = db
      .select({ id: prescriptionItems.id })
      .from(prescriptionItems)
      .where(eq(prescriptionItems.prescriptionId, id));
    await db
      .delete(medicationDoses)
      .where(
        and(
          inArray(medicationDoses.prescriptionItemId, itemIds),
          eq(medicationDoses.status, "scheduled"),
          gt(medicationDoses.scheduledAt, now),
        ),
      );
    return true;
  }

  // --- reads -----------------------------------------------------------------------------------

  private async details(db: DbOrTx, rows: { p: PrescriptionRow; doctorName: string }[]) {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.p.id);
    const items = await db
      .select()
      .from(prescriptionItems)
      .where(inArray(prescriptionItems.prescriptionId, ids))
      .orderBy(asc(prescriptionItems.id));
    const tests = await db
      .select()
      .from(prescriptionLabTests)
      .where(inArray(prescriptionLabTests.prescriptionId, ids))
      .orderBy(asc(prescriptionLabTests.id));
    return rows.map((r): PrescriptionDetail => ({
      ...r.p,
      doctorName: r.doctorName,
      items: items.filter((i) => i.prescriptionId === r.p.id),
      labTests: tests.filter((t) => t.prescriptionId === r.p.id),
    }));
  }

  private baseQuery(db: DbOrTx) {
    return db
      .select({ p: prescriptions, doctorName: doctors.name })
      .from(prescriptions)
      .innerJoin(doctors, eq(doctors.id, prescriptions.doctorId));
  }

  async findPrescription(id: number, db: DbOrTx = this.db): Promise<PrescriptionDetail | undefined> {
    const rows = await this.baseQuery(db).where(eq(prescriptions.id, id)).limit(1);
    const [detail] = await this.details(db, rows);
    return detail;
  }

  /**
   * A patient's prescriptions, newest first. Active: status active and still valid on `today`;
   * past: everything else (expired, completed, cancelled).
   */
  async listPrescriptions(
    patientId: number,
    filter: "active" | "past" | "all",
    today: string,
    db: DbOrTx = this.db,
  ): Promise<PrescriptionDetail[]> {
    const isActive = sql`(${prescriptions.status} = 'active' and ${prescriptions.validUntil} >= ${today})`;
    const where = filter === "active" ? isActive : filter === "past" ? sql`not ${isActive}` : undefined;
    const rows = await this.baseQuery(db)
      .where(and(eq(prescriptions.patientId, patientId), where))
      .orderBy(desc(prescriptions.issuedAt), desc(prescriptions.id))
      .limit(500);
    return this.details(db, rows);
  }
}
