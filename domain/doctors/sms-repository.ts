import { and, eq, isNotNull, ne, sql } from "drizzle-orm";
import type { Db, DbOrTx, Tx } from "../../db/client.js";
import { doctors, users } from "../../db/schema/index.js";

/** What the SMS commands need to know about a doctor (and its account). */
export interface SmsDoctorRow {
  doctorId: number;
  userId: number | null;
  phone: string | null;
  phoneVerifiedAt: Date | null;
  timeZone: string;
  currency: string;
  verificationStatus: string;
  active: boolean | null;
  smsPinHash: string | null;
  smsPinFailures: number;
  smsPinLockedUntil: Date | null;
}

/** The doctors' SMS phone and PIN: the only place that touches those columns. */
export class DoctorSmsRepository {
  constructor(private readonly db: Db) {}

  async find(doctorId: number, db: DbOrTx = this.db): Promise<SmsDoctorRow | undefined> {
    const [row] = await db
      .select({
        doctorId: doctors.id,
        userId: doctors.userId,
        phone: doctors.phone,
        phoneVerifiedAt: doctors.phoneVerifiedAt,
        timeZone: doctors.timeZone,
        currency: doctors.currency,
        verificationStatus: doctors.verificationStatus,
        active: users.active,
        smsPinHash: doctors.smsPinHash,
        smsPinFailures: doctors.smsPinFailures,
        smsPinLockedUntil: doctors.smsPinLockedUntil,
      })
      .from(doctors)
      .leftJoin(users, eq(users.id, doctors.userId))
      .where(eq(doctors.id, doctorId));
    return row;
  }

  /** The doctor whose verified phone this is. No index on phone: a scan, so the service caches the answer. */
  async verifiedByPhone(phone: string): Promise<number | undefined> {
    const [row] = await this.db
      .select({ id: doctors.id })
      .from(doctors)
      .where(and(eq(doctors.phone, phone), isNotNull(doctors.phoneVerifiedAt)))
      .limit(1);
    return row?.id;
  }

  /** Another doctor already proved this phone. */
  async verifiedElsewhere(tx: DbOrTx, phone: string, doctorId: number): Promise<boolean> {
    const [row] = await tx
      .select({ id: doctors.id })
      .from(doctors)
      .where(and(eq(doctors.phone, phone), isNotNull(doctors.phoneVerifiedAt), ne(doctors.id, doctorId)))
      .limit(1);
    return row !== undefined;
  }

  /** Serialises verifications of one number (there is no unique index to do it). */
  async lockPhone(tx: Tx, phone: string): Promise<void> {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${"doctor-phone:" + phone}))`);
  }

  async setPhone(doctorId: number, phone: string, now: Date, db: DbOrTx = this.db): Promise<void> {
    await db
      .update(doctors)
      .set({ phone, phoneVerifiedAt: null, updatedAt: now })
      .where(eq(doctors.id, doctorId));
  }

  /** Marks the phone proven, only if it is still the doctor's phone. */
  async markVerified(tx: DbOrTx, doctorId: number, phone: string, now: Date): Promise<boolean> {
    const rows = await tx
      .update(doctors)
      .set({ phoneVerifiedAt: now, updatedAt: now })
      .where(and(eq(doctors.id, doctorId), eq(doctors.phone, phone)))
      .returning({ id: doctors.id });
    return rows.length === 1;
  }

  /** A new PIN; failures and a lock are cleared with it. */
  async setPin(doctorId: number, pinHash: string, now: Date): Promise<void> {
    await this.db
      .update(doctors)
      .set({ smsPinHash: pinHash, smsPinFailures: 0, smsPinLockedUntil: null, updatedAt: now })
      .where(eq(doctors.id, doctorId));
  }

  /**
   * One more wrong PIN, counted atomically; at `max` failures the PIN is locked until `lockUntil`.
   * Returns the new count and the lock.
   */
  async recordPinFailure(
    doctorId: number,
    max: number,
    lockUntil: Date,
  ): Promise<{ failures: number; lockedUntil: Date | null }> {
    const [row] = await this.db
      .update(doctors)
      .set({
        smsPinFailures: sql`least(${doctors.smsPinFailures} + 1, 32767)`,
        smsPinLockedUntil: sql`case when ${doctors.smsPinFailures} + 1 >= ${max} then ${lockUntil.toISOString()}::timestamptz else ${doctors.smsPinLockedUntil} end`,
      })
      .where(eq(doctors.id, doctorId))
      .returning({ failures: doctors.smsPinFailures, lockedUntil: doctors.smsPinLockedUntil });
    return row ?? { failures: max, lockedUntil: lockUntil };
  }

  async clearPinFailures(doctorId: number): Promise<void> {
    await this.db
      .update(doctors)
      .set({ smsPinFailures: 0, smsPinLockedUntil: null })
      .where(eq(doctors.id, doctorId));
  }
}
