import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { actorOf } from "../plugins/auth.js";
import { bearer, errorsIn, Id, IsoDate } from "../schemas.js";

/** The error responses of these routes (see errorsIn). */
const errors = errorsIn("domain/records/plans/", "domain/accounts/access.ts");

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max, pattern: "\\S" });
const PlanStatus = Type.Union([Type.Literal("active"), Type.Literal("completed"), Type.Literal("cancelled")]);

const Task = Type.Object({
  id: Type.Integer(),
  plan_id: Type.Integer(),
  title: Type.String(),
  due_date: Nullable(Type.String()),
  done: Type.Boolean(),
  done_at: Nullable(Type.String()),
  done_by_user_id: Nullable(Type.Integer()),
});
const Note = Type.Object({
  id: Type.Integer(),
  plan_id: Type.Integer(),
  kind: Type.Union([Type.Literal("progress"), Type.Literal("outcome")]),
  text: Type.String(),
  author_user_id: Type.Integer(),
  author_name: Type.String(),
  at: Type.String(),
});
const Member = Type.Object({
  user_id: Type.Integer(),
  name: Type.String(),
  role: Type.Union([Type.Literal("doctor"), Type.Literal("nurse")]),
  plan_id: Nullable(Type.Integer()),
  added_by_user_id: Type.Integer(),
  added_at: Type.String(),
});
const Plan = Type.Object({
  id: Type.Integer(),
  patient_id: Type.Integer(),
  created_by_doctor_id: Type.Integer(),
  doctor_name: Type.String(),
  condition: Type.String(),
  goals: Type.Array(Type.String()),
  status: PlanStatus,
  start_date: Type.String(),
  next_review_date: Nullable(Type.String()),
  end_date: Nullable(Type.String()),
  created_at: Type.String(),
  updated_at: Type.String(),
  tasks: Type.Array(Task),
  notes: Type.Array(Note),
  care_team: Type.Array(Member, { description: "Providers added explicitly to the patient's care team." }),
});
const TaskInput = Type.Object(
  { title: Text(300), due_date: Type.Optional(Nullable(IsoDate)) },
  { additionalProperties: false },
);
const PlanResponse = Type.Object({ plan: Plan });
const TAGS = ["plans"];

/** Treatment plans: goals, tasks, progress notes and outcomes, and the care team. */
export const planRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { plans } = app.services;
  const auth = app.authenticate;
  const params = Type.Object({ id: Id });

  app.post(
    "/api/doctor/plans/",
    {
      preHandler: app.requireRole("doctor"),
      schema: {
        tags: TAGS,
        operationId: "createTreatmentPlan",
        summary: "Create a treatment plan for a patient in your care",
        security: bearer,
        body: Type.Object(
          {
            patient_id: Id,
            condition: Text(300),
            goals: Type.Optional(Type.Array(Text(500), { maxItems: 30 })),
            start_date: Type.Optional(IsoDate),
            next_review_date: Type.Optional(Nullable(IsoDate)),
            end_date: Type.Optional(Nullable(IsoDate)),
            tasks: Type.Optional(Type.Array(TaskInput, { maxItems: 50 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: PlanResponse, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) =>
      reply.status(201).send({ plan: await plans.create(actorOf(request), request.body) }),
  );

  app.get(
    "/api/patient/plans/",
    {
      preHandler: auth,
      schema: {
        tags: TAGS,
        operationId: "listTreatmentPlans",
        summary: "A patient's treatment plans, newest first",
        security: bearer,
        querystring: Type.Object({ patient_id: Type.Optional(Id) }),
        response: { 200: Type.Object({ plans: Type.Array(Plan) }), ...errors(400, 401, 404) },
      },
    },
    async (request) => ({ plans: await plans.list(actorOf(request), request.query.patient_id) }),
  );

  app.get(
    "/api/plans/:id/",
    {
      preHandler: auth,
      schema: {
        tags: TAGS,
        operationId: "getTreatmentPlan",
        summary: "One treatment plan with its tasks, notes and care team",
        security: bearer,
        params,
        response: { 200: PlanResponse, ...errors(400, 401, 404) },
      },
    },
    async (request) => ({ plan: await plans.get(actorOf(request), request.params.id) }),
  );

  app.patch(
    "/api/plans/:id/",
    {
      preHandler: auth,
      schema: {
        tags: TAGS,
        operationId: "updateTreatmentPlan",
        summary: "Change a plan's status or follow-up dates (care-team doctors)",
        security: bearer,
        params,
        body: Type.Object(
          {
            status: Type.Optional(PlanStatus),
            next_review_date: Type.Optional(Nullable(IsoDate)),
            end_date: Type.Optional(Nullable(IsoDate)),
          },
          { additionalProperties: false },
        ),
        response: { 200: PlanResponse, ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request) => ({ plan: await plans.update(actorOf(request), request.params.id, request.body) }),
  );

  app.post(
    "/api/plans/:id/notes",
    {
      preHandler: auth,
      schema: {
        tags: TAGS,
        operationId: "addPlanNote",
        summary: "Add a progress note or an outcome (care team)",
        security: bearer,
        params,
        body: Type.Object(
          {
            kind: Type.Union([Type.Literal("progress"), Type.Literal("outcome")], { default: "progress" }),
            text: Text(10000),
          },
          { additionalProperties: false },
        ),
        response: { 201: PlanResponse, ...errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send({ plan: await plans.addNote(actorOf(request), request.params.id, request.body) }),
  );

  app.post(
    "/api/plans/:id/tasks",
    {
      preHandler: auth,
      schema: {
        tags: TAGS,
        operationId: "addPlanTask",
        summary: "Add a task to a plan (care team)",
        security: bearer,
        params,
        body: TaskInput,
        response: { 201: PlanResponse, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send({ plan: await plans.addTask(actorOf(request), request.params.id, request.body) }),
  );

  app.post(
    "/api/plans/:id/tasks/:task_id/done",
    {
      preHandler: auth,
      schema: {
        tags: TAGS,
        operationId: "completePlanTask",
        summary: "Tick a task as done (the patient, or the care team)",
        security: bearer,
        params: Type.Object({ id: Id, task_id: Id }),
        response: { 200: PlanResponse, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => ({
      plan: await plans.completeTask(actorOf(request), request.params.id, request.params.task_id),
    }),
  );

  app.post(
    "/api/plans/:id/care-team",
    {
      preHandler: auth,
      schema: {
        tags: TAGS,
        operationId: "addCareTeamMember",
        summary: "Add a doctor or nurse to the patient's care team (a doctor on the plan)",
        security: bearer,
        params,
        body: Type.Object({ user_id: Id }, { additionalProperties: false }),
        response: { 200: PlanResponse, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request) => ({
      plan: await plans.addCareTeamMember(actorOf(request), request.params.id, request.body.user_id),
    }),
  );
};
