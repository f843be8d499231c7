import { and, eq, ilike, isNull, or, sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.js";
import {
  appointments,
  careTeamMembers,
  doctors,
  nurseAssignments,
  passwordResetTokens,
  patients,
  refreshTokens,
  sessions,
  users,
} from "../../db/schema/index.js";
import type { Role } from "../shared/role.js";

export type UserRow = typeof users.$inferSelect;

export interface UserWithProfile extends UserRow {
  patientId: number | null;
  doctorId: number | null;
}

export class AccountsRepository {
  constructor(private readonly db: DbOrTx) {}

  private withProfileQuery(db: DbOrTx) {
    return db
      .select({
        user: users,
        patientId: patients.id,
        doctorId: doctors.id,
      })
      .from(users)
      .leftJoin(patients, eq(patients.userId, users.id))
      .leftJoin(doctors, eq(doctors.userId, users.id));
  }

  async findById(id: number, db: DbOrTx = this.db): Promise<UserWithProfile | undefined> {
    const [row] = await this.withProfileQuery(db).where(eq(users.id, id)).limit(1);
    return row && { ...row.user, patientId: row.patientId, doctorId: row.doctorId };
  }

  async findByEmail(email: string, db: DbOrTx = this.db): Promise<UserWithProfile | undefined> {
    const [row] = await this.withProfileQuery(db).where(eq(users.email, email.toLowerCase())).limit(1);
    return row && { ...row.user, patientId: row.patientId, doctorId: row.doctorId };
  }

  async insertUser(
    db: DbOrTx,
    values: { role: Role; name: string; email: string; phone?: string | null; passwordHash: string },
  ): Promise<UserRow | undefined> {
    const [row] = await db
      .insert(users)
      .values({ ...values, email: values.email.toLowerCase() })
      .onConflictDoNothing({ target: users.email })
      .returning();
    return row;
  }

  async insertPatient(
    db: DbOrTx,
    values: {
      userId: number;
      name: string;
      phone?: string | null;
      email: string;
      dateOfBirth?: string | undefined;
    },
  ) {
    const [row] = await db.insert(patients).values(values).returning({ id: patients.id });
    return row!.id;
  }

  /** The user with this phone, or with the placeholder email of a phone-only account. */
  async findUserIdByPhone(phone: string, placeholder: string): Promise<number | undefined> {
    const [row] = await this.db
      .select({ id: users.id })
      .from(users)
      .where(or(eq(users.phone, phone), eq(users.email, placeholder)))
      .limit(1);
    return row?.id;
  }

  async insertDoctor(db: DbOrTx, values: { userId: number; name: string; phone?: string | null }) {
    const [row] = await db
      .insert(doctors)
      .values({ ...values, city: "", searchText: values.name.toLowerCase() })
      .returning({ id: doctors.id });
    return row!.id;
  }

  async setPassword(db: DbOrTx, userId: number, passwordHash: string): Promise<void> {
    await db.update(users).set({ passwordHash, updatedAt: new Date() }).where(eq(users.id, userId));
  }

  async setActive(db: DbOrTx, userId: number, active: boolean): Promise<boolean> {
    const rows = await db
      .update(users)
      .set({ active, updatedAt: new Date() })
      .where(eq(users.id, userId))
      .returning({ id: users.id });
    return rows.length > 0;
  }

  async setRole(db: DbOrTx, userId: number, role: Role): Promise<boolean> {
    const rows = await db
      .update(users)
      .set({ role, updatedAt: new Date() })
      .where(eq(users.id, userId))
      .returning({ id: users.id });
    return rows.length > 0;
  }

  async listUsers(opts: {
    role?: Role | undefined;
    q?: string | undefined;
    active?: boolean | undefined;
    limit: number;
    offset: number;
  }) {
    const q = opts.q?.trim();
    const like = q ? `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : undefined;
    const where = and(
      opts.role ? eq(users.role, opts.role) : undefined,
      opts.active !== undefined ? eq(users.active, opts.active) : undefined,
      like ? or(ilike(users.name, like), ilike(users.email, like)) : undefined,
    );
    return this.db
      .select({
        id: users.id,
        role: users.role,
        name: users.name,
        email: users.email,
        active: users.active,
        createdAt: users.createdAt,
      })
      .from(users)
      .where(where)
      .orderBy(users.id)
      .limit(opts.limit)
      .offset(opts.offset);
  }

  // Sessions and tokens ------------------------------------------------------------------------------

  async createSession(db: DbOrTx, userId: number, expiresAt: Date): Promise<string> {
    const [row] = await db.insert(sessions).values({ userId, expiresAt }).returning({ id: sessions.id });
    return row!.id;
  }

  async findSession(id: string) {
    const [row] = await this.db.select().from(sessions).where(eq(sessions.id, id)).limit(1);
    return row;
  }

  async revokeSession(db: DbOrTx, id: string, reason: string): Promise<void> {
    await db
      .update(sessions)
      .set({ revokedAt: new Date(), revokedReason: reason })
      .where(and(eq(sessions.id, id), isNull(sessions.revokedAt)));
  }

  async revokeAllSessions(db: DbOrTx, userId: number, reason: string): Promise<void> {
    await db
      .update(sessions)
      .set({ revokedAt: new Date(), revokedReason: reason })
      .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)));
  }

  async insertRefreshToken(db: DbOrTx, sessionId: string, tokenHash: string): Promise<void> {
    await db.insert(refreshTokens).values({ sessionId, tokenHash });
  }

  /** Marks a refresh token used, atomically: only one caller can spend it. Returns the session, or why not. */
  async spendRefreshToken(
    db: DbOrTx,
    tokenHash: string,
  ): Promise<
    { ok: true; sessionId: string } | { ok: false; reason: "unknown" | "reused"; sessionId?: string }
  > {
    const spent = await db
      .update(refreshTokens)
      .set({ usedAt: new Date() })
      .where(and(eq(refreshTokens.tokenHash, tokenHash), isNull(refreshTokens.usedAt)))
      .returning({ sessionId: refreshTokens.sessionId });
    if (spent[0]) return { ok: true, sessionId: spent[0].sessionId };
    const [existing] = await db
      .select({ sessionId: refreshTokens.sessionId })
      .from(refreshTokens)
      .where(eq(refreshTokens.tokenHash, tokenHash))
      .limit(1);
    return existing
      ? { ok: false, reason: "reused", sessionId: existing.sessionId }
      : { ok: false, reason: "unknown" };
  }

  async insertResetToken(db: DbOrTx, userId: number, tokenHash: string, expiresAt: Date): Promise<void> {
    await db.insert(passwordResetTokens).values({ userId, tokenHash, expiresAt });
  }

  /** Spends a reset token if it is unused and unexpired. Returns the user id. */
  async spendResetToken(db: DbOrTx, tokenHash: string, now: Date): Promise<number | undefined> {
    const [row] = await db
      .update(passwordResetTokens)
      .set({ usedAt: now })
      .where(
        and(
          eq(passwordResetTokens.tokenHash, tokenHash),
          isNull(passwordResetTokens.usedAt),
          sql`${passwordResetTokens.expiresAt} > ${now}`,
        ),
      )
      .returning({ userId: passwordResetTokens.userId });
    return row?.userId;
  }

  // Care team ---------------------------------------------------------------------------------------

  /** A doctor is on a patient's care team when they have (had) an appointment together. */
  async doctorHasPatient(doctorId: number, patientId: number): Promise<boolean> {
    const rows = await this.db
      .select({ one: sql`1` })
      .from(appointments)
      .where(and(eq(appointments.doctorId, doctorId), eq(appointments.patientId, patientId)))
      .limit(1);
    return rows.length > 0;
  }

  /**
   * Every patient a doctor or nurse reaches (the same rules as doctorHasPatient, nurseHasPatient and
   * isCareTeamMember), for searching their care team's patients.
   */
  async reachablePatientIds(who: {
    userId: number;
    doctorId?: number | undefined;
    nurse: boolean;
  }): Promise<number[]> {
    const viaAppointments = who.nurse
      ? this.db
          .selectDistinct({ patientId: appointments.patientId })
          .from(appointments)
          .innerJoin(nurseAssignments, eq(nurseAssignments.doctorId, appointments.doctorId))
          .where(eq(nurseAssignments.nurseUserId, who.userId))
      : this.db
          .selectDistinct({ patientId: appointments.patientId })
          .from(appointments)
          .where(eq(appointments.doctorId, who.doctorId ?? -1));
    const [a, b] = await Promise.all([
      viaAppointments,
      this.db
        .select({ patientId: careTeamMembers.patientId })
        .from(careTeamMembers)
        .where(eq(careTeamMembers.userId, who.userId)),
    ]);
    return [...new Set([...a, ...b].map((r) => r.patientId))];
  }

  /** A nurse reaches a patient through any doctor they are assigned to. */
  async nurseHasPatient(nurseUserId: number, patientId: number): Promise<boolean> {
    const rows = await this.db
      .select({ one: sql`1` })
      .from(appointments)
      .innerJoin(nurseAssignments, eq(nurseAssignments.doctorId, appointments.doctorId))
      .where(and(eq(nurseAssignments.nurseUserId, nurseUserId), eq(appointments.patientId, patientId)))
      .limit(1);
    return rows.length > 0;
  }

  /** A doctor or nurse added explicitly to the patient's care team. */
  async isCareTeamMember(userId: number, patientId: number): Promise<boolean> {
    const rows = await this.db
      .select({ one: sql`1` })
      .from(careTeamMembers)
      .where(and(eq(careTeamMembers.userId, userId), eq(careTeamMembers.patientId, patientId)))
      .limit(1);
    return rows.length > 0;
  }

  async nurseHasDoctor(nurseUserId: number, doctorId: number): Promise<boolean> {
    const rows = await this.db
      .select({ one: sql`1` })
      .from(nurseAssignments)
      .where(and(eq(nurseAssignments.nurseUserId, nurseUserId), eq(nurseAssignments.doctorId, doctorId)))
      .limit(1);
    return rows.length > 0;
  }

  /** The doctors a nurse is assigned to, by name. */
  async nurseDoctors(nurseUserId: number): Promise<{ doctorId: number; name: string }[]> {
    return this.db
      .select({ doctorId: doctors.id, name: doctors.name })
      .from(nurseAssignments)
      .innerJoin(doctors, eq(doctors.id, nurseAssignments.doctorId))
      .where(eq(nurseAssignments.nurseUserId, nurseUserId))
      .orderBy(doctors.name, doctors.id);
  }

  async assignNurse(db: DbOrTx, nurseUserId: number, doctorId: number): Promise<void> {
    await db.insert(nurseAssignments).values({ nurseUserId, doctorId }).onConflictDoNothing();
  }

  async doctorExists(doctorId: number): Promise<boolean> {
    const rows = await this.db
      .select({ id: doctors.id })
      .from(doctors)
      .where(eq(doctors.id, doctorId))
      .limit(1);
    return rows.length > 0;
  }

  async patientUserId(patientId: number): Promise<number | undefined> {
    const [row] = await this.db
      .select({ userId: patients.userId })
      .from(patients)
      .where(eq(patients.id, patientId))
      .limit(1);
    return row?.userId;
  }
}
