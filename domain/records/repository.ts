import { and, asc, desc, eq, ilike, inArray, isNull, sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.js";
import {
  appointments,
  doctors,
  documents,
  medicalRecords,
  patientHistoryItems,
  patients,
  users,
} from "../../db/schema/index.js";

export type PatientRow = typeof patients.$inferSelect;
export type PatientUpdate = Partial<
  Pick<
    typeof patients.$inferInsert,
    | "name"
    | "dateOfBirth"
    | "sex"
    | "phone"
    | "email"
    | "address"
    | "city"
    | "bloodGroup"
    | "timeZone"
    | "emergencyContact"
    | "insurance"
  >
>;

export type HistoryKind = (typeof patientHistoryItems.$inferSelect)["kind"];
export type HistoryRow = typeof patientHistoryItems.$inferSelect & { recordedByRole: string | null };
export type HistoryValues = Pick<
  typeof patientHistoryItems.$inferInsert,
  "name" | "detail" | "severity" | "qualifier" | "status" | "onsetDate"
>;

export type RecordKind = (typeof medicalRecords.$inferSelect)["kind"];
export type RecordRow = typeof medicalRecords.$inferSelect & { doctorName: string | null };
export type RecordValues = Pick<
  typeof medicalRecords.$inferInsert,
  "recordDate" | "description" | "diagnosis" | "notes" | "prescription" | "testResults" | "appointmentId"
>;

export type DocumentRow = typeof documents.$inferSelect;

/** The only place the records module touches the database. */
export class RecordsRepository {
  constructor(private readonly db: DbOrTx) {}

  // --- profile -------------------------------------------------------------------------------

  async findPatient(patientId: number, db: DbOrTx = this.db): Promise<PatientRow | undefined> {
    const [row] = await db.select().from(patients).where(eq(patients.id, patientId)).limit(1);
    return row;
  }

  /** Patients among `ids` whose name contains `name` (any case), and born on `birthDate` when given. */
  async findPatientsNamed(
    ids: number[],
    filter: { name?: string | undefined; birthDate?: string | undefined },
    limit: number,
  ): Promise<PatientRow[]> {
    if (ids.length === 0) return [];
    const like =
      filter.name === undefined ? undefined : `%${filter.name.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    return this.db
      .select()
      .from(patients)
      .where(
        and(
          inArray(patients.id, ids),
          like === undefined ? undefined : ilike(patients.name, like),
          filter.birthDate === undefined ? undefined : eq(patients.dateOfBirth, filter.birthDate),
        ),
      )
      .orderBy(asc(patients.name), asc(patients.id))
      .limit(limit);
  }

  async updatePatient(db: DbOrTx, patientId: number, values: PatientUpdate, now: Date): Promise<PatientRow> {
    const [row] = await db
      .update(patients)
      .set({ ...values, updatedAt: now })
      .where(eq(patients.id, patientId))
      .returning();
    return row!;
  }

  // --- history -------------------------------------------------------------------------------

  private historyQuery(db: DbOrTx) {
    return db
      .select({ item: patientHistoryItems, recordedByRole: users.role })
      .from(patientHistoryItems)
      .leftJoin(users, eq(users.id, patientHistoryItems.recordedByUserId));
  }

  async listHistory(patientId: number, db: DbOrTx = this.db): Promise<HistoryRow[]> {
    const rows = await this.historyQuery(db)
      .where(eq(patientHistoryItems.patientId, patientId))
      .orderBy(
        asc(patientHistoryItems.kind),
        asc(patientHistoryItems.createdAt),
        asc(patientHistoryItems.id),
      );
    return rows.map((r) => ({ ...r.item, recordedByRole: r.recordedByRole }));
  }

  async findHistoryItem(id: number, db: DbOrTx = this.db): Promise<HistoryRow | undefined> {
    const [row] = await this.historyQuery(db).where(eq(patientHistoryItems.id, id)).limit(1);
    return row && { ...row.item, recordedByRole: row.recordedByRole };
  }

  async insertHistoryItem(
    db: DbOrTx,
    values: HistoryValues & { patientId: number; kind: HistoryKind; recordedByUserId: number },
  ): Promise<number> {
    const [row] = await db
      .insert(patientHistoryItems)
      .values(values)
      .returning({ id: patientHistoryItems.id });
    return row!.id;
  }

  async updateHistoryItem(db: DbOrTx, id: number, values: Partial<HistoryValues>, now: Date): Promise<void> {
    await db
      .update(patientHistoryItems)
      .set({ ...values, updatedAt: now })
      .where(eq(patientHistoryItems.id, id));
  }

  async deleteHistoryItem(db: DbOrTx, id: number): Promise<void> {
    await db.delete(patientHistoryItems).where(eq(patientHistoryItems.id, id));
  }

  // --- records -------------------------------------------------------------------------------

  private recordQuery(db: DbOrTx) {
    return db
      .select({
        record: medicalRecords,
        doctorName: sql<string | null>`coalesce(${doctors.name}, ${users.name})`,
      })
      .from(medicalRecords)
      .leftJoin(users, eq(users.id, medicalRecords.authorUserId))
      .leftJoin(doctors, eq(doctors.userId, medicalRecords.authorUserId));
  }

  /** Live (not deleted) records of a patient, newest first; only one kind when given. */
  async listRecords(patientId: number, kind?: RecordKind, db: DbOrTx = this.db): Promise<RecordRow[]> {
    const rows = await this.recordQuery(db)
      .where(
        and(
          eq(medicalRecords.patientId, patientId),
          isNull(medicalRecords.deletedAt),
          kind ? eq(medicalRecords.kind, kind) : undefined,
        ),
      )
      .orderBy(desc(medicalRecords.recordDate), desc(medicalRecords.createdAt), desc(medicalRecords.id));
    return rows.map((r) => ({ ...r.record, doctorName: r.record.kind === "clinical" ? r.doctorName : null }));
  }

  async findRecord(id: number, db: DbOrTx = this.db): Promise<RecordRow | undefined> {
    const [row] = await this.recordQuery(db)
      .where(and(eq(medicalRecords.id, id), isNull(medicalRecords.deletedAt)))
      .limit(1);
    return row && { ...row.record, doctorName: row.record.kind === "clinical" ? row.doctorName : null };
  }

  /**
   * A new record's id; with an idempotency key already used, undefined (the caller reads the first one with
   * `recordIdByKey`): a retried step that writes a record writes it once.
   */
  async insertRecord(
    db: DbOrTx,
    values: RecordValues & {
      patientId: number;
      kind: RecordKind;
      authorUserId: number;
      idempotencyKey?: string | undefined;
    },
  ): Promise<number | undefined> {
    const [row] = await db
      .insert(medicalRecords)
      .values(values)
      .onConflictDoNothing({ target: medicalRecords.idempotencyKey })
      .returning({ id: medicalRecords.id });
    return row?.id;
  }

  async recordIdByKey(db: DbOrTx, key: string): Promise<number | undefined> {
    const [row] = await db
      .select({ id: medicalRecords.id })
      .from(medicalRecords)
      .where(eq(medicalRecords.idempotencyKey, key));
    return row?.id;
  }

  async updateRecord(db: DbOrTx, id: number, values: Partial<RecordValues>, now: Date): Promise<void> {
    await db
      .update(medicalRecords)
      .set({ ...values, updatedAt: now })
      .where(and(eq(medicalRecords.id, id), isNull(medicalRecords.deletedAt)));
  }

  async softDeleteRecord(db: DbOrTx, id: number, now: Date): Promise<void> {
    await db
      .update(medicalRecords)
      .set({ deletedAt: now, updatedAt: now })
      .where(and(eq(medicalRecords.id, id), isNull(medicalRecords.deletedAt)));
  }

  /** Whether an appointment is between this doctor and this patient. */
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

  // --- documents -----------------------------------------------------------------------------

  async listDocuments(patientId: number, db: DbOrTx = this.db): Promise<DocumentRow[]> {
    return db
      .select()
      .from(documents)
      .where(and(eq(documents.patientId, patientId), isNull(documents.deletedAt)))
      .orderBy(desc(documents.createdAt), desc(documents.id));
  }

  async findDocument(id: number, db: DbOrTx = this.db): Promise<DocumentRow | undefined> {
    const [row] = await db
      .select()
      .from(documents)
      .where(and(eq(documents.id, id), isNull(documents.deletedAt)))
      .limit(1);
    return row;
  }

  async insertDocument(
    db: DbOrTx,
    values: Omit<typeof documents.$inferInsert, "id" | "createdAt" | "deletedAt">,
  ): Promise<DocumentRow> {
    const [row] = await db.insert(documents).values(values).returning();
    return row!;
  }

  async softDeleteDocument(db: DbOrTx, id: number, now: Date): Promise<void> {
    await db
      .update(documents)
      .set({ deletedAt: now })
      .where(and(eq(documents.id, id), isNull(documents.deletedAt)));
  }
}
