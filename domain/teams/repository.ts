import { eq } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/client.js";
import { doctors, teamsLinks, users } from "../../db/schema/index.js";

export type TeamsLinkRow = typeof teamsLinks.$inferSelect;

/** A linked doctor as the Teams channel acts for them. */
export interface TeamsDoctorRow {
  doctorId: number;
  userId: number | null;
  timeZone: string;
  currency: string;
  verificationStatus: string;
  active: boolean | null;
}

/** The only writer of `teams_links`. */
export class TeamsLinksRepository {
  constructor(private readonly db: Db) {}

  async findByTeamsUser(teamsUserId: string): Promise<TeamsLinkRow | undefined> {
    const [row] = await this.db.select().from(teamsLinks).where(eq(teamsLinks.teamsUserId, teamsUserId));
    return row;
  }

  async findByDoctor(doctorId: number): Promise<TeamsLinkRow | undefined> {
    const [row] = await this.db.select().from(teamsLinks).where(eq(teamsLinks.doctorId, doctorId));
    return row;
  }

  /** Links a Teams user to a doctor, replacing either side's previous link, in one transaction. */
  async link(values: {
    doctorId: number;
    teamsUserId: string;
    tenantId: string | null;
    linkedAt: Date;
  }): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.delete(teamsLinks).where(eq(teamsLinks.doctorId, values.doctorId));
      await tx.delete(teamsLinks).where(eq(teamsLinks.teamsUserId, values.teamsUserId));
      await tx.insert(teamsLinks).values(values);
    });
  }

  async unlink(doctorId: number): Promise<boolean> {
    const rows = await this.db.delete(teamsLinks).where(eq(teamsLinks.doctorId, doctorId)).returning();
    return rows.length > 0;
  }

  async doctor(doctorId: number, db: DbOrTx = this.db): Promise<TeamsDoctorRow | undefined> {
    const [row] = await db
      .select({
        doctorId: doctors.id,
        userId: doctors.userId,
        timeZone: doctors.timeZone,
        currency: doctors.currency,
        verificationStatus: doctors.verificationStatus,
        active: users.active,
      })
      .from(doctors)
      .leftJoin(users, eq(users.id, doctors.userId))
      .where(eq(doctors.id, doctorId));
    return row;
  }
}
