import { and, asc, desc, eq, inArray, isNull } from "drizzle-orm";
import type { DbOrTx } from "../../../db/client.js";
import {
  careTeamMembers,
  doctors,
  patients,
  planNotes,
  planTasks,
  treatmentPlans,
  users,
} from "../../../db/schema/index.js";

export type PlanRow = typeof treatmentPlans.$inferSelect & { doctorName: string };
export type TaskRow = typeof planTasks.$inferSelect;
export type NoteRow = typeof planNotes.$inferSelect & { authorName: string };
export type MemberRow = typeof careTeamMembers.$inferSelect & { name: string };
export type PlanStatus = PlanRow["status"];
export type PlanUpdate = Partial<
  Pick<typeof treatmentPlans.$inferInsert, "status" | "nextReviewDate" | "endDate">
>;

/** Treatment plans, their tasks and notes, and explicit care-team members. */
export class PlansRepository {
  constructor(private readonly db: DbOrTx) {}

  async patient(patientId: number, db: DbOrTx = this.db) {
    const [row] = await db
      .select({ id: patients.id, userId: patients.userId, timeZone: patients.timeZone })
      .from(patients)
      .where(eq(patients.id, patientId))
      .limit(1);
    return row;
  }

  async user(userId: number) {
    const [row] = await this.db
      .select({ id: users.id, role: users.role, name: users.name, active: users.active })
      .from(users)
      .where(eq(users.id, userId))
      .limit(1);
    return row;
  }

  private planQuery(db: DbOrTx) {
    return db
      .select({ plan: treatmentPlans, doctorName: doctors.name })
      .from(treatmentPlans)
      .innerJoin(doctors, eq(doctors.id, treatmentPlans.createdByDoctorId));
  }

  async findPlan(id: number, db: DbOrTx = this.db): Promise<PlanRow | undefined> {
    const [row] = await this.planQuery(db).where(eq(treatmentPlans.id, id)).limit(1);
    return row && { ...row.plan, doctorName: row.doctorName };
  }

  async listPlans(patientId: number, db: DbOrTx = this.db): Promise<PlanRow[]> {
    const rows = await this.planQuery(db)
      .where(eq(treatmentPlans.patientId, patientId))
      .orderBy(desc(treatmentPlans.createdAt), desc(treatmentPlans.id))
      .limit(200);
    return rows.map((r) => ({ ...r.plan, doctorName: r.doctorName }));
  }

  async tasks(planIds: number[], db: DbOrTx = this.db): Promise<TaskRow[]> {
    if (planIds.length === 0) return [];
    return db.select().from(planTasks).where(inArray(planTasks.planId, planIds)).orderBy(asc(planTasks.id));
  }

  async notes(planIds: number[], db: DbOrTx = this.db): Promise<NoteRow[]> {
    if (planIds.length === 0) return [];
    const rows = await db
      .select({ note: planNotes, authorName: users.name })
      .from(planNotes)
      .innerJoin(users, eq(users.id, planNotes.authorUserId))
      .where(inArray(planNotes.planId, planIds))
      .orderBy(asc(planNotes.at), asc(planNotes.id));
    return rows.map((r) => ({ ...r.note, authorName: r.authorName }));
  }

  async careTeam(patientId: number, db: DbOrTx = this.db): Promise<MemberRow[]> {
    const rows = await db
      .select({ member: careTeamMembers, name: users.name })
      .from(careTeamMembers)
      .innerJoin(users, eq(users.id, careTeamMembers.userId))
      .where(eq(careTeamMembers.patientId, patientId))
      .orderBy(asc(careTeamMembers.addedAt), asc(careTeamMembers.id));
    return rows.map((r) => ({ ...r.member, name: r.name }));
  }

  async insertPlan(
    db: DbOrTx,
    values: Omit<typeof treatmentPlans.$inferInsert, "id" | "status" | "createdAt" | "updatedAt">,
  ): Promise<number> {
    const [row] = await db.insert(treatmentPlans).values(values).returning({ id: treatmentPlans.id });
    return row!.id;
  }

  async updatePlan(db: DbOrTx, id: number, values: PlanUpdate, now: Date): Promise<void> {
    await db
      .update(treatmentPlans)
      .set({ ...values, updatedAt: now })
      .where(eq(treatmentPlans.id, id));
  }

  async insertTasks(
    db: DbOrTx,
    planId: number,
    tasks: { title: string; dueDate: string | null }[],
    createdByUserId: number,
  ): Promise<TaskRow[]> {
    if (tasks.length === 0) return [];
    return db
      .insert(planTasks)
      .values(tasks.map((t) => ({ ...t, planId, createdByUserId })))
      .returning();
  }

  async findTask(planId: number, taskId: number, db: DbOrTx = this.db): Promise<TaskRow | undefined> {
    const [row] = await db
      .select()
      .from(planTasks)
      .where(and(eq(planTasks.id, taskId), eq(planTasks.planId, planId)))
      .limit(1);
    return row;
  }

  /** Marks a task done once; a second tick keeps the first time. */
  async markDone(db: DbOrTx, taskId: number, now: Date, userId: number): Promise<void> {
    await db
      .update(planTasks)
      .set({ doneAt: now, doneByUserId: userId })
      .where(and(eq(planTasks.id, taskId), isNull(planTasks.doneAt)));
  }

  async insertNote(
    db: DbOrTx,
    values: { planId: number; authorUserId: number; kind: "progress" | "outcome"; text: string; at: Date },
  ): Promise<number> {
    const [row] = await db.insert(planNotes).values(values).returning({ id: planNotes.id });
    return row!.id;
  }

  /** Adds a member once; returns true when newly added. */
  async addMember(
    db: DbOrTx,
    values: {
      patientId: number;
      userId: number;
      role: "doctor" | "nurse";
      planId: number;
      addedByUserId: number;
      addedAt: Date;
    },
  ): Promise<boolean> {
    const rows = await db
      .insert(careTeamMembers)
      .values(values)
      .onConflictDoNothing({ target: [careTeamMembers.patientId, careTeamMembers.userId] })
      .returning({ id: careTeamMembers.id });
    return rows.length > 0;
  }
}
