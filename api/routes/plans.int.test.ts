import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog, careTeamMembers, notificationsOutbox, treatmentPlans } from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../../test/app.js";
import { careTeamAppointment, signInAs, signUp, type Session } from "../../test/factories.js";

type Patient = Session & { patientId: number };
type Doctor = Session & { doctorId: number };
type Method = "GET" | "POST" | "PATCH";

let t: TestApp;
let asha: Patient;
let ravi: Patient; // another patient
let rao: Doctor; // Asha's doctor
let mehta: Doctor; // not on Asha's care team until added
let outsider: Doctor; // Ravi's doctor
let nurse: Session; // assigned to nobody: reaches Asha only once added to her care team
let planId: number;
let taskId: number;

function call(s: Session, method: Method, url: string, payload?: object) {
  return t.app.inject({ method, url, headers: s.headers, ...(payload ? { payload } : {}) });
}
async function doctor(name: string): Promise<Doctor> {
  const s = await signUp(t, "doctor", { name });
  return { ...s, doctorId: s.doctorId! };
}
async function patient(): Promise<Patient> {
  const s = await signUp(t, "patient");
  return { ...s, patientId: s.patientId! };
}

beforeAll(async () => {
  t = await buildTestApp();
  asha = await patient();
  ravi = await patient();
  rao = await doctor("Dr Asha Rao");
  mehta = await doctor("Dr Mehta");
  outsider = await doctor("Dr Outside");
  nurse = await signInAs(t, "nurse");
  await careTeamAppointment(t, rao.doctorId, asha.patientId);
  await careTeamAppointment(t, outsider.doctorId, ravi.patientId);
});
afterAll(async () => {
  await t.close();
});

describe("treatment plans", () => {
  it("lets a care-team doctor create a plan with goals, tasks and a review date, and tells the patient", async () => {
    const res = await call(rao, "POST", "/api/doctor/plans/", {
      patient_id: asha.patientId,
      condition: "Type 2 diabetes",
      goals: ["HbA1c below 7%", "Walk 30 minutes a day"],
      next_review_date: "2030-04-07",
      tasks: [{ title: "Check fasting sugar daily", due_date: "2030-01-14" }, { title: "Book an eye exam" }],
    });
    expect(res.statusCode).toBe(201);
    const plan = res.json().plan;
    expect(plan).toMatchObject({
      patient_id: asha.patientId,
      created_by_doctor_id: rao.doctorId,
      doctor_name: "Dr Asha Rao",
      condition: "Type 2 diabetes",
      goals: ["HbA1c below 7%", "Walk 30 minutes a day"],
      status: "active",
      start_date: "2030-01-07",
      next_review_date: "2030-04-07",
      end_date: null,
      notes: [],
      care_team: [],
    });
    expect(plan.tasks).toEqual([
      expect.objectContaining({ title: "Check fasting sugar daily", due_date: "2030-01-14", done: false }),
      expect.objectContaining({ title: "Book an eye exam", due_date: null, done: false }),
    ]);
    planId = plan.id;
    taskId = plan.tasks[0].id;
    const [note] = await t.database.db
      .select()
      .from(notificationsOutbox)
      .where(eq(notificationsOutbox.idempotencyKey, `plan:${planId}:created`));
    expect(note).toMatchObject({ userId: asha.userId, template: "plan.created" });
  });

  it("refuses impossible dates and a review before the start", async () => {
    const bad = await call(rao, "POST", "/api/doctor/plans/", {
      patient_id: asha.patientId,
      condition: "Hypertension",
      start_date: "2030-02-30",
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe("INVALID_DATE");
    const early = await call(rao, "POST", "/api/doctor/plans/", {
      patient_id: asha.patientId,
      condition: "Hypertension",
      start_date: "2030-02-01",
      next_review_date: "2030-01-01",
    });
    expect(early.statusCode).toBe(422);
    expect(early.json().error.code).toBe("INVALID_PLAN_DATES");
  });

  it("shows the patient their plans and lets them tick their own tasks, but not write notes or tasks", async () => {
    const list = await call(asha, "GET", "/api/patient/plans/");
    expect(list.statusCode).toBe(200);
    expect(list.json().plans.map((p: { id: number }) => p.id)).toEqual([planId]);

    t.clock.advance(3_600_000);
    const done = await call(asha, "POST", `/api/plans/${planId}/tasks/${taskId}/done`);
    expect(done.statusCode).toBe(200);
    const task = done.json().plan.tasks.find((x: { id: number }) => x.id === taskId);
    expect(task).toMatchObject({
      done: true,
      done_at: "2030-01-07T01:00:00.000Z",
      done_by_user_id: asha.userId,
    });
    t.clock.advance(3_600_000);
    const again = await call(asha, "POST", `/api/plans/${planId}/tasks/${taskId}/done`);
    expect(again.json().plan.tasks.find((x: { id: number }) => x.id === taskId).done_at).toBe(
      "2030-01-07T01:00:00.000Z",
    );

    expect(
      (await call(asha, "POST", `/api/plans/${planId}/notes`, { text: "Feeling better" })).statusCode,
    ).toBe(403);
    expect((await call(asha, "POST", `/api/plans/${planId}/tasks`, { title: "Mine" })).statusCode).toBe(403);
    expect((await call(asha, "PATCH", `/api/plans/${planId}/`, { status: "completed" })).statusCode).toBe(
      403,
    );
    const unknownTask = await call(asha, "POST", `/api/plans/${planId}/tasks/999999/done`);
    expect(unknownTask.statusCode).toBe(404);
    expect(unknownTask.json().error.code).toBe("TASK_NOT_FOUND");
  });

  it("gives an added nurse and doctor access to the plan and the patient; before that they get 404", async () => {
    expect((await call(nurse, "GET", `/api/plans/${planId}/`)).statusCode).toBe(404);
    expect((await call(nurse, "GET", `/api/patient/records/?patient_id=${asha.patientId}`)).statusCode).toBe(
      404,
    );
    expect((await call(mehta, "GET", `/api/plans/${planId}/`)).statusCode).toBe(404);

    const added = await call(rao, "POST", `/api/plans/${planId}/care-team`, { user_id: nurse.userId });
    expect(added.statusCode).toBe(200);
    expect(added.json().plan.care_team).toEqual([
      expect.objectContaining({
        user_id: nurse.userId,
        role: "nurse",
        plan_id: planId,
        added_by_user_id: rao.userId,
      }),
    ]);
    // Adding the same person again changes nothing.
    const twice = await call(rao, "POST", `/api/plans/${planId}/care-team`, { user_id: nurse.userId });
    expect(twice.json().plan.care_team).toHaveLength(1);

    const seen = await call(nurse, "GET", `/api/plans/${planId}/`);
    expect(seen.statusCode).toBe(200);
    expect((await call(nurse, "GET", `/api/patient/records/?patient_id=${asha.patientId}`)).statusCode).toBe(
      200,
    );
    const note = await call(nurse, "POST", `/api/plans/${planId}/notes`, {
      kind: "progress",
      text: "Fasting sugars 110-130 this week",
    });
    expect(note.statusCode).toBe(201);
    expect(note.json().plan.notes).toEqual([
      expect.objectContaining({
        kind: "progress",
        author_user_id: nurse.userId,
        text: "Fasting sugars 110-130 this week",
      }),
    ]);
    const byNurse = await call(nurse, "POST", `/api/plans/${planId}/care-team`, { user_id: mehta.userId });
    expect(byNurse.statusCode).toBe(403);

    expect(
      (await call(rao, "POST", `/api/plans/${planId}/care-team`, { user_id: mehta.userId })).statusCode,
    ).toBe(200);
    expect((await call(mehta, "GET", `/api/patient/plans/?patient_id=${asha.patientId}`)).statusCode).toBe(
      200,
    );
    const [outbox] = await t.database.db
      .select()
      .from(notificationsOutbox)
      .where(
        and(
          eq(notificationsOutbox.userId, mehta.userId),
          eq(notificationsOutbox.template, "care_team.added"),
        ),
      );
    expect(outbox).toBeDefined();
  });

  it("adds only active doctors and nurses to a care team", async () => {
    const aPatient = await call(rao, "POST", `/api/plans/${planId}/care-team`, { user_id: ravi.userId });
    expect(aPatient.statusCode).toBe(422);
    expect(aPatient.json().error.code).toBe("INVALID_CARE_TEAM_MEMBER");
    const nobody = await call(rao, "POST", `/api/plans/${planId}/care-team`, { user_id: 999999 });
    expect(nobody.statusCode).toBe(404);
    expect(nobody.json().error.code).toBe("USER_NOT_FOUND");
  });

  it("lets a care-team doctor change status and follow-up dates; a closed plan takes no new tasks until reopened", async () => {
    const res = await call(rao, "PATCH", `/api/plans/${planId}/`, {
      status: "completed",
      end_date: "2030-03-01",
      next_review_date: null,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().plan).toMatchObject({
      status: "completed",
      end_date: "2030-03-01",
      next_review_date: null,
    });
    const task = await call(rao, "POST", `/api/plans/${planId}/tasks`, { title: "Late task" });
    expect(task.statusCode).toBe(409);
    expect(task.json().error.code).toBe("PLAN_CLOSED");
    const outcome = await call(rao, "POST", `/api/plans/${planId}/notes`, {
      kind: "outcome",
      text: "Target met",
    });
    expect(outcome.statusCode).toBe(201);

    const reopened = await call(rao, "PATCH", `/api/plans/${planId}/`, {
      status: "active",
      next_review_date: "2030-06-01",
    });
    expect(reopened.json().plan).toMatchObject({ status: "active", next_review_date: "2030-06-01" });
    const added = await call(rao, "POST", `/api/plans/${planId}/tasks`, {
      title: "Repeat HbA1c",
      due_date: "2030-04-01",
    });
    expect(added.statusCode).toBe(201);
    expect(added.json().plan.tasks).toHaveLength(3);
  });

  it("audits reads and writes of a plan", async () => {
    await call(asha, "GET", `/api/plans/${planId}/`);
    const rows = await t.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.resourceType, "treatment_plan"), eq(auditLog.resourceId, String(planId))));
    const actions = rows.map((r) => `${r.actorUserId}:${r.action}:${r.outcome}`);
    expect(actions).toContain(`${rao.userId}:create:allowed`);
    expect(actions).toContain(`${rao.userId}:update:allowed`);
    expect(actions).toContain(`${asha.userId}:read:allowed`);
    expect(actions).toContain(`${nurse.userId}:read:not_found`);
  });

  it("answers 404 to another patient and to doctors and nurses outside the care team, changing nothing", async () => {
    const stranger = await signInAs(t, "nurse");
    const routes: { method: Method; url: string; body?: object }[] = [
      { method: "GET", url: `/api/patient/plans/?patient_id=${asha.patientId}` },
      { method: "GET", url: `/api/plans/${planId}/` },
      { method: "PATCH", url: `/api/plans/${planId}/`, body: { status: "cancelled" } },
      { method: "POST", url: `/api/plans/${planId}/notes`, body: { text: "x" } },
      { method: "POST", url: `/api/plans/${planId}/tasks`, body: { title: "x" } },
      { method: "POST", url: `/api/plans/${planId}/tasks/${taskId}/done` },
      { method: "POST", url: `/api/plans/${planId}/care-team`, body: { user_id: stranger.userId } },
    ];
    for (const who of [ravi, outsider, stranger]) {
      for (const r of routes) {
        const res = await call(who, r.method, r.url, r.body);
        expect({ who: who.userId, route: `${r.method} ${r.url}`, status: res.statusCode }).toEqual({
          who: who.userId,
          route: `${r.method} ${r.url}`,
          status: 404,
        });
      }
    }
    const create = await call(outsider, "POST", "/api/doctor/plans/", {
      patient_id: asha.patientId,
      condition: "x",
    });
    expect(create.statusCode).toBe(404);
    const [plan] = await t.database.db.select().from(treatmentPlans).where(eq(treatmentPlans.id, planId));
    expect(plan!.status).toBe("active");
    const members = await t.database.db
      .select()
      .from(careTeamMembers)
      .where(eq(careTeamMembers.patientId, asha.patientId));
    expect(members.map((m) => m.userId).sort()).toEqual([nurse.userId, mehta.userId].sort());
    expect(
      (await t.database.db.select().from(treatmentPlans).where(eq(treatmentPlans.patientId, asha.patientId)))
        .length,
    ).toBe(1);
  });
});
