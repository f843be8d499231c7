import { and, asc, eq } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/client.js";
import { doctorCredentials, doctors } from "../../db/schema/index.js";

export type CredentialKind = "registration" | "degree" | "other";
export const CREDENTIAL_KINDS: readonly CredentialKind[] = ["registration", "degree", "other"];

export type CredentialRow = typeof doctorCredentials.$inferSelect;
export type NewCredentialRow = typeof doctorCredentials.$inferInsert;

/** Doctors' credential documents (metadata; the bytes live in the storage port): the table's one writer. */
export class CredentialsRepository {
  constructor(private readonly db: Db) {}

  async insert(tx: DbOrTx, row: NewCredentialRow): Promise<CredentialRow> {
    const [created] = await tx.insert(doctorCredentials).values(row).returning();
    return created!;
  }

  async list(doctorId: number): Promise<CredentialRow[]> {
    return this.db
      .select()
      .from(doctorCredentials)
      .where(eq(doctorCredentials.doctorId, doctorId))
      .orderBy(asc(doctorCredentials.createdAt), asc(doctorCredentials.id));
  }

  async find(doctorId: number, id: number): Promise<CredentialRow | undefined> {
    const [row] = await this.db
      .select()
      .from(doctorCredentials)
      .where(and(eq(doctorCredentials.id, id), eq(doctorCredentials.doctorId, doctorId)));
    return row;
  }

  async delete(tx: DbOrTx, doctorId: number, id: number): Promise<boolean> {
    const gone = await tx
      .delete(doctorCredentials)
      .where(and(eq(doctorCredentials.id, id), eq(doctorCredentials.doctorId, doctorId)))
      .returning({ id: doctorCredentials.id });
    return gone.length > 0;
  }

  /** The doctor's verification status, or undefined when there is no such doctor. */
  async verificationOf(doctorId: number, db: DbOrTx = this.db): Promise<string | undefined> {
    const [row] = await db
      .select({ status: doctors.verificationStatus })
      .from(doctors)
      .where(eq(doctors.id, doctorId));
    return row?.status;
  }
}
