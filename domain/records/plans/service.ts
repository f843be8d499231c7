import { pgErrorCode, PG, type DbOrTx, type Tx } from "../../../db/client.js";
import type { AuditEntry } from "../../audit/audit.js";
import type { ServiceContext } from "../../context.js";
import { enqueueNotification } from "../../notifications/outbox.js";
import type { Actor } from "../../shared/actor.js";
import { conflict, forbidden, invalid, notFound, unprocessable } from "../../shared/errors.js";
import { isIsoDate, todayIn } from "../../shared/time.js";
import { PlansRepository, type PlanRow, type PlanStatus, type PlanUpdate } from "./repository.js";
import { planView, type PlanView } from "./views.js";

export interface PlanTaskInput {
  title: string;
  due_date?: string | null | undefined;
}

export interface CreatePlanInput {
  patient_id: number;
  condition: string;
  goals?: string[] | undefined;
  start_date?: string | undefined;
  next_review_date?: string | null | undefined;
  end_date?: string | null | undefined;
  tasks?: PlanTaskInput[] | undefined;
}

export interface UpdatePlanInput {
  status?: PlanStatus | undefined;
  next_review_date?: string | null | undefined;
  end_date?: string | null | undefined;
}

export interface PlanNoteInput {
  kind: "progress" | "outcome";
  text: string;
}

const PLAN = "treatment_plan";
const TASK = "plan_task";
const NOTE = "plan_note";
const MEMBER = "care_team_member";

/**
 * Treatment plans: a care-team doctor sets the condition, goals, tasks and review dates; the care team adds
 * progress notes and outcomes; the patient ticks their own tasks. A doctor on the plan can add another doctor or
 * nurse to the patient's care team, who then reaches the patient like any care-team member. Anyone else: 404.
 * Every read and write leaves an audit row (ids only).
 */
export class PlansService {
  private readonly repo: PlansRepository;

  constructor(readonly ctx: ServiceContext) {
    this.repo = new PlansRepository(ctx.db);
  }

  private audit(actor: Actor, entry: AuditEntry, db: DbOrTx = this.ctx.db): Promise<void> {
    return this.ctx.audit.record(actor, entry, db);
  }

  private date(value: string | null | undefined, field: string): string | null | undefined {
    if (value == null) return value;
    if (!isIsoDate(value)) throw invalid("INVALID_DATE", `${field} is not a date (YYYY-MM-DD).`);
    return value;
  }

  private async readable(actor: Actor, id: number, action: string): Promise<PlanRow> {
    const plan = await this.repo.findPlan(id);
    if (!plan || !(await this.ctx.access.canAccessPatient(actor, plan.patientId))) {
      await this.audit(actor, {
        patientId: plan?.patientId ?? null,
        action,
        resourceType: PLAN,
        resourceId: id,
        outcome: "not_found",
      });
      throw notFound("Plan", "PLAN_NOT_FOUND");
    }
    return plan;
  }

  private async requireRole(
    actor: Actor,
    roles: readonly Actor["role"][],
    entry: Omit<AuditEntry, "outcome">,
    code: string,
    message: string,
  ): Promise<void> {
    if (roles.includes(actor.role)) return;
    await this.audit(actor, { ...entry, outcome: "denied" });
    throw forbidden(code, message);
  }

  private async full(planId: number): Promise<PlanView> {
    const plan = (await this.repo.findPlan(planId))!;
    const [tasks, notes, team] = await Promise.all([
      this.repo.tasks([planId]),
      this.repo.notes([planId]),
      this.repo.careTeam(plan.patientId),
    ]);
    return planView(plan, tasks, notes, team);
  }

  /** Runs a write; a date order refused by the database becomes a 422. */
  private async write<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    try {
      return await this.ctx.db.transaction(fn);
    } catch (err) {
      if (pgErrorCode(err) === PG.checkViolation) {
        throw unprocessable("INVALID_PLAN_DATES", "Review and end dates cannot be before the start date.");
      }
      throw err;
    }
  }

  async create(actor: Actor, input: CreatePlanInput): Promise<PlanView> {
    const patientId = await this.ctx.access.patientScope(actor, input.patient_id, {
      action: "create",
      resourceType: PLAN,
    });
    const entry = { patientId, action: "create", resourceType: PLAN };
    if (actor.role !== "doctor" || actor.doctorId === undefined) {
      await this.audit(actor, { ...entry, outcome: "denied" });
      throw forbidden("DOCTORS_ONLY", "Only doctors create treatment plans.");
    }
    const doctorId = actor.doctorId;
    const patient = (await this.repo.patient(patientId))!;
    const now = this.ctx.clock.now();
    const startDate = this.date(input.start_date, "start_date") ?? todayIn(patient.timeZone, now);
    const nextReviewDate = this.date(input.next_review_date, "next_review_date") ?? null;
    const endDate = this.date(input.end_date, "end_date") ?? null;
    const tasks = (input.tasks ?? []).map((t, i) => ({
      title: t.title.trim(),
      dueDate: this.date(t.due_date, `tasks[${i}].due_date`) ?? null,
    }));
    const id = await this.write(async (tx) => {
      const planId = await this.repo.insertPlan(tx, {
        patientId,
        createdByDoctorId: doctorId,
        createdByUserId: actor.userId,
        condition: input.condition.trim(),
        goals: (input.goals ?? []).map((g) => g.trim()).filter((g) => g.length > 0),
        startDate,
        nextReviewDate,
        endDate,
      });
      await this.repo.insertTasks(tx, planId, tasks, actor.userId);
      await this.audit(actor, { ...entry, resourceId: planId, outcome: "allowed" }, tx);
      await enqueueNotification(tx, {
        userId: patient.userId,
        template: "plan.created",
        idempotencyKey: `plan:${planId}:created`,
        notBefore: now,
        data: { plan_id: planId, patient_id: patientId, doctor_id: doctorId },
      });
      return planId;
    });
    return this.full(id);
  }

  async list(actor: Actor, requested: number | undefined): Promise<PlanView[]> {
    const patientId = await this.ctx.access.patientScope(actor, requested, {
      action: "list",
      resourceType: PLAN,
    });
    const plans = await this.repo.listPlans(patientId);
    const ids = plans.map((p) => p.id);
    const [tasks, notes, team] = await Promise.all([
      this.repo.tasks(ids),
      this.repo.notes(ids),
      this.repo.careTeam(patientId),
    ]);
    await this.audit(actor, { patientId, action: "list", resourceType: PLAN, outcome: "allowed" });
    return plans.map((p) => planView(p, tasks, notes, team));
  }

  async get(actor: Actor, id: number): Promise<PlanView> {
    const plan = await this.readable(actor, id, "read");
    await this.audit(actor, {
      patientId: plan.patientId,
      action: "read",
      resourceType: PLAN,
      resourceId: id,
      outcome: "allowed",
    });
    return this.full(id);
  }

  /** Status and follow-up dates, by a care-team doctor. A closed plan can be reopened (status active). */
  async update(actor: Actor, id: number, input: UpdatePlanInput): Promise<PlanView> {
    const plan = await this.readable(actor, id, "update");
    const entry = { patientId: plan.patientId, action: "update", resourceType: PLAN, resourceId: id };
    await this.requireRole(actor, ["doctor"], entry, "DOCTORS_ONLY", "Only doctors change a treatment plan.");
    const values: PlanUpdate = {};
    if (input.status !== undefined) values.status = input.status;
    if (input.next_review_date !== undefined)
      values.nextReviewDate = this.date(input.next_review_date, "next_review_date") ?? null;
    if (input.end_date !== undefined) values.endDate = this.date(input.end_date, "end_date") ?? null;
    if (plan.status !== "active" && input.status !== "active" && Object.keys(values).length > 0) {
      throw conflict("PLAN_CLOSED", "This plan is closed; reopen it (status active) to change it.");
    }
    const now = this.ctx.clock.now();
    await this.write(async (tx) => {
      await this.repo.updatePlan(tx, id, values, now);
      await this.audit(actor, { ...entry, outcome: "allowed" }, tx);
    });
    return this.full(id);
  }

  async addNote(actor: Actor, id: number, input: PlanNoteInput): Promise<PlanView> {
    const plan = await this.readable(actor, id, "create_note");
    const entry = { patientId: plan.patientId, action: "create", resourceType: NOTE };
    await this.requireRole(
      actor,
      ["doctor", "nurse"],
      entry,
      "CARE_TEAM_ONLY",
      "Progress notes and outcomes are written by the care team.",
    );
    const now = this.ctx.clock.now();
    await this.ctx.db.transaction(async (tx) => {
      const noteId = await this.repo.insertNote(tx, {
        planId: id,
        authorUserId: actor.userId,
        kind: input.kind,
        text: input.text.trim(),
        at: now,
      });
      await this.audit(actor, { ...entry, resourceId: noteId, outcome: "allowed" }, tx);
    });
    return this.full(id);
  }

  async addTask(actor: Actor, id: number, input: PlanTaskInput): Promise<PlanView> {
    const plan = await this.readable(actor, id, "create_task");
    const entry = { patientId: plan.patientId, action: "create", resourceType: TASK };
    await this.requireRole(
      actor,
      ["doctor", "nurse"],
      entry,
      "CARE_TEAM_ONLY",
      "Tasks are set by the care team.",
    );
    if (plan.status !== "active") throw conflict("PLAN_CLOSED", "This plan is closed.");
    const dueDate = this.date(input.due_date, "due_date") ?? null;
    await this.ctx.db.transaction(async (tx) => {
      const [task] = await this.repo.insertTasks(
        tx,
        id,
        [{ title: input.title.trim(), dueDate }],
        actor.userId,
      );
      await this.audit(actor, { ...entry, resourceId: task!.id, outcome: "allowed" }, tx);
    });
    return this.full(id);
  }

  /** The patient (or their care team) ticks a task; ticking it again changes nothing. */
  async completeTask(actor: Actor, id: number, taskId: number): Promise<PlanView> {
    const plan = await this.readable(actor, id, "complete_task");
    const task = await this.repo.findTask(id, taskId);
    const entry = { patientId: plan.patientId, action: "complete", resourceType: TASK, resourceId: taskId };
    if (!task) {
      await this.audit(actor, { ...entry, outcome: "not_found" });
      throw notFound("Task", "TASK_NOT_FOUND");
    }
    await this.requireRole(
      actor,
      ["patient", "doctor", "nurse"],
      entry,
      "FORBIDDEN_ROLE",
      "Only the patient or the care team can tick tasks.",
    );
    const now = this.ctx.clock.now();
    await this.ctx.db.transaction(async (tx) => {
      await this.repo.markDone(tx, taskId, now, actor.userId);
      await this.audit(actor, { ...entry, outcome: "allowed" }, tx);
    });
    return this.full(id);
  }

  /**
   * A doctor on the plan (a care-team doctor of its patient) adds another doctor or nurse to the patient's care
   * team; they then see the plan and the patient. Adding someone already on the team changes nothing.
   */
  async addCareTeamMember(actor: Actor, id: number, userId: number): Promise<PlanView> {
    const plan = await this.readable(actor, id, "add_member");
    const entry = { patientId: plan.patientId, action: "create", resourceType: MEMBER, resourceId: userId };
    await this.requireRole(
      actor,
      ["doctor"],
      entry,
      "DOCTORS_ONLY",
      "Only a doctor on the plan adds members to the care team.",
    );
    const user = await this.repo.user(userId);
    if (!user || !user.active) throw notFound("User", "USER_NOT_FOUND");
    if (user.role !== "doctor" && user.role !== "nurse") {
      throw unprocessable("INVALID_CARE_TEAM_MEMBER", "Only doctors and nurses can join a care team.");
    }
    const role = user.role;
    const now = this.ctx.clock.now();
    await this.ctx.db.transaction(async (tx) => {
      const added = await this.repo.addMember(tx, {
        patientId: plan.patientId,
        userId,
        role,
        planId: id,
        addedByUserId: actor.userId,
        addedAt: now,
      });
      await this.audit(actor, { ...entry, outcome: "allowed" }, tx);
      if (added && userId !== actor.userId) {
        await enqueueNotification(tx, {
          userId,
          template: "care_team.added",
          idempotencyKey: `care_team:${plan.patientId}:${userId}:${id}`,
          notBefore: now,
          data: { patient_id: plan.patientId, plan_id: id, added_by_user_id: actor.userId },
        });
      }
    });
    return this.full(id);
  }
}
