import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { actorOf } from "../plugins/auth.js";
import { bearer, described, errorsIn, Id } from "../schemas.js";

/** The error responses of these routes (see errorsIn). */
const errors = errorsIn(
  "domain/orders/prescriptions/",
  "domain/orders/adherence/",
  "domain/orders/refills/",
  "domain/accounts/access.ts",
);

// --- schemas -------------------------------------------------------------------------------------

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max, pattern: "\\S" });
const Instant = Type.String({ format: "date-time", maxLength: 40, examples: ["2030-01-07T03:30:00Z"] });

const Alert = Type.Object({
  id: Type.String(),
  severity: Type.Union([
    Type.Literal("contraindicated"),
    Type.Literal("major"),
    Type.Literal("moderate"),
    Type.Literal("minor"),
  ]),
  type: Type.Union([Type.Literal("interaction"), Type.Literal("allergy"), Type.Literal("duplicate")]),
  message: Type.String(),
  source: Type.String(),
  drugs: Type.Array(Type.String()),
});
const Warnings = Type.Object({
  unrecognized: Type.Array(Type.String(), { description: "Medicines no safety check could be run for." }),
  unrecognized_allergies: Type.Array(Type.String()),
});

const Item = Type.Object({
  id: Type.Integer(),
  medicine_name: Type.String(),
  generics: Type.Array(Type.String()),
  strength: Nullable(Type.String()),
  dose: Type.String(),
  frequency: Type.String(),
  times_per_day: Type.Integer(),
  duration_days: Type.Integer(),
  quantity: Type.Integer(),
  refills: Type.Integer(),
  fills_remaining: Type.Integer(),
  instructions: Nullable(Type.String()),
  start_date: Type.String(),
});
const LabTest = Type.Object({
  id: Type.Integer(),
  test_name: Type.String(),
  test_code: Nullable(Type.String()),
  instructions: Nullable(Type.String()),
});
const Prescription = Type.Object({
  id: Type.Integer(),
  patient_id: Type.Integer(),
  doctor_id: Type.Integer(),
  doctor_name: Type.String(),
  appointment_id: Nullable(Type.Integer()),
  record_id: Nullable(Type.Integer()),
  issued_at: Type.String(),
  valid_until: Type.String(),
  status: Type.Union([
    Type.Literal("active"),
    Type.Literal("completed"),
    Type.Literal("cancelled"),
    Type.Literal("expired"),
  ]),
  notes: Nullable(Type.String()),
  items: Type.Array(Item),
  lab_tests: Type.Array(LabTest),
  alerts: Type.Array(Alert),
  acknowledged_alert_ids: Type.Array(Type.String()),
  override_reason: Nullable(Type.String()),
});

const ItemInput = Type.Object(
  {
    medicine_name: Text(200),
    strength: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
    dose: Text(200),
    frequency: Text(100),
    duration_days: Type.Integer({ minimum: 1, maximum: 365 }),
    refills: Type.Optional(Type.Integer({ minimum: 0, maximum: 12, default: 0 })),
    instructions: Type.Optional(Nullable(Type.String({ maxLength: 1000 }))),
  },
  { additionalProperties: false },
);
const LabTestInput = Type.Object(
  {
    test_name: Text(200),
    instructions: Type.Optional(Nullable(Type.String({ maxLength: 1000 }))),
  },
  { additionalProperties: false },
);

const Dose = Type.Object({
  id: Type.Integer(),
  item_id: Type.Integer(),
  scheduled_at: Type.String(),
  local_time: Type.String(),
  status: Type.Union([
    Type.Literal("scheduled"),
    Type.Literal("taken"),
    Type.Literal("skipped"),
    Type.Literal("missed"),
  ]),
  recorded_at: Nullable(Type.String()),
  channel: Nullable(Type.String()),
});
const Medication = Type.Object({
  item_id: Type.Integer(),
  prescription_id: Type.Integer(),
  medicine_name: Type.String(),
  strength: Nullable(Type.String()),
  dose: Type.String(),
  frequency: Type.String(),
  times_per_day: Type.Integer(),
  prn: Type.Boolean(),
  instructions: Nullable(Type.String()),
  start_date: Type.String(),
  duration_days: Type.Integer(),
  fills_remaining: Type.Integer(),
  doses_today: Type.Array(Dose),
});
const Percent = Nullable(Type.Number({ description: "null when no dose has fallen due" }));
const Tally = {
  taken: Type.Integer(),
  skipped: Type.Integer(),
  missed: Type.Integer(),
  upcoming: Type.Integer(),
};
const Adherence = Type.Object({
  patient_id: Type.Integer(),
  as_of: Type.String(),
  overall_percent: Percent,
  ...Tally,
  items: Type.Array(
    Type.Object({ item_id: Type.Integer(), medicine_name: Type.String(), ...Tally, percent: Percent }),
  ),
});

const PatientQuery = Type.Object({ patient_id: Type.Optional(Id) });
const TAGS = ["prescriptions"];
const ADHERENCE_TAGS = ["adherence"];

// --- routes --------------------------------------------------------------------------------------

/** Prescriptions (with safety checks and a printable PDF), medication schedules and adherence. */
export const prescriptionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { prescriptions, adherence } = app.services;
  const auth = app.authenticate;
  const doctorOnly = app.requireRole("doctor");

  app.post(
    "/api/doctor/prescriptions/",
    {
      preHandler: doctorOnly,
      schema: {
        tags: TAGS,
        operationId: "createPrescription",
        summary: "Prescribe medicines and lab tests for a patient in your care (safety-checked)",
        description:
          "Contraindicated and major alerts block with 422 SAFETY_ALERTS_UNACKNOWLEDGED (details.alerts) until every " +
          "blocking alert id is in acknowledge_alerts and override_reason is given. The check is re-run on every submit.",
        security: bearer,
        body: Type.Object(
          {
            patient_id: Id,
            appointment_id: Type.Optional(Nullable(Id)),
            items: Type.Array(ItemInput, { maxItems: 20 }),
            lab_tests: Type.Optional(Type.Array(LabTestInput, { maxItems: 30 })),
            notes: Type.Optional(Nullable(Type.String({ maxLength: 4000 }))),
            acknowledge_alerts: Type.Optional(
              Type.Array(Type.String({ minLength: 1, maxLength: 300 }), { maxItems: 100 }),
            ),
            override_reason: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ prescription: Prescription, alerts: Type.Array(Alert), warnings: Warnings }),
          ...errors(400, 401, 403, 404, 422),
        },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await prescriptions.prescribe(actorOf(request), request.body)),
  );

  app.post(
    "/api/doctor/prescriptions/check/",
    {
      preHandler: doctorOnly,
      schema: {
        tags: TAGS,
        operationId: "checkPrescriptionSafety",
        summary:
          "The safety alerts a prescription would raise, before signing it (a dry run; nothing is written)",
        description:
          "The same check createPrescription runs: the medicines against each other, the patient's active " +
          "medicines and recorded allergies. `blocking`: a contraindicated or major alert, which must then be " +
          "acknowledged with a reason when the prescription is submitted.",
        security: bearer,
        body: Type.Object(
          {
            patient_id: described(Id, "A patient in your care."),
            medicines: described(
              Type.Array(Text(200), { minItems: 1, maxItems: 20 }),
              "The medicines to prescribe, as written on the prescription.",
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ alerts: Type.Array(Alert), warnings: Warnings, blocking: Type.Boolean() }),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (request) => prescriptions.checkSafety(actorOf(request), request.body),
  );

  app.get(
    "/api/patient/prescriptions/",
    {
      preHandler: auth,
      schema: {
        tags: TAGS,
        operationId: "listPatientPrescriptions",
        summary: "A patient's prescriptions, newest first (active: still valid; past: expired or cancelled)",
        security: bearer,
        querystring: Type.Object({
          patient_id: Type.Optional(Id),
          status: Type.Optional(
            Type.Union([Type.Literal("active"), Type.Literal("past"), Type.Literal("all")], {
              default: "all",
              description: "Active (still valid), past (expired or cancelled) or all prescriptions.",
            }),
          ),
        }),
        response: {
          200: Type.Object({ prescriptions: Type.Array(Prescription) }),
          ...errors(400, 401, 404),
        },
      },
    },
    async (request) => ({
      prescriptions: await prescriptions.list(
        actorOf(request),
        request.query.patient_id,
        request.query.status ?? "all",
      ),
    }),
  );

  app.get(
    "/api/doctor/patients/:patient_id/prescriptions/",
    {
      preHandler: doctorOnly,
      schema: {
        tags: TAGS,
        operationId: "listPrescriptionsForDoctor",
        summary: "Every prescription of a patient in your care (the doctor's chart view)",
        security: bearer,
        params: Type.Object({ patient_id: Id }),
        response: {
          200: Type.Object({ prescriptions: Type.Array(Prescription) }),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (request) => ({
      prescriptions: await prescriptions.list(actorOf(request), request.params.patient_id, "all"),
    }),
  );

  app.get(
    "/api/prescriptions/:id/",
    {
      preHandler: auth,
      schema: {
        tags: TAGS,
        operationId: "getPrescription",
        summary: "One prescription",
        security: bearer,
        params: Type.Object({ id: Id }),
        response: { 200: Type.Object({ prescription: Prescription }), ...errors(400, 401, 404) },
      },
    },
    async (request) => ({ prescription: await prescriptions.get(actorOf(request), request.params.id) }),
  );

  app.get(
    "/api/prescriptions/:id/pdf",
    {
      preHandler: auth,
      schema: {
        tags: TAGS,
        operationId: "getPrescriptionPdf",
        summary: "The printable prescription (PDF, as an attachment)",
        security: bearer,
        params: Type.Object({ id: Id }),
        produces: ["application/pdf"],
        response: {
          200: Type.Unsafe<Buffer>({ type: "string", format: "binary" }),
          ...errors(400, 401, 404),
        },
      },
    },
    async (request, reply) => {
      const pdf = await prescriptions.pdf(actorOf(request), request.params.id);
      return reply
        .header("content-type", "application/pdf")
        .header("content-disposition", `attachment; filename="${pdf.filename}"`)
        .header("content-length", String(pdf.bytes.length))
        .header("x-content-type-options", "nosniff")
        .send(pdf.bytes);
    },
  );

  app.post(
    "/api/doctor/prescriptions/:id/cancel",
    {
      preHandler: doctorOnly,
      schema: {
        tags: TAGS,
        operationId: "cancelPrescription",
        summary: "Cancel a prescription you wrote (no further fills; future doses removed)",
        security: bearer,
        params: Type.Object({ id: Id }),
        response: { 200: Type.Object({ prescription: Prescription }), ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request) => ({ prescription: await prescriptions.cancel(actorOf(request), request.params.id) }),
  );

  // --- medications and adherence ---

  app.get(
    "/api/patient/medications/",
    {
      preHandler: auth,
      schema: {
        tags: ADHERENCE_TAGS,
        operationId: "listCurrentMedications",
        summary: "Medicines being taken now, with today's doses (on the patient's clock)",
        security: bearer,
        querystring: PatientQuery,
        response: {
          200: Type.Object({
            patient_id: Type.Integer(),
            date: Type.String(),
            time_zone: Type.String(),
            medications: Type.Array(Medication),
          }),
          ...errors(400, 401, 404),
        },
      },
    },
    async (request) => adherence.medications(actorOf(request), request.query.patient_id),
  );

  app.post(
    "/api/patient/medications/:item_id/doses",
    {
      preHandler: auth,
      schema: {
        tags: ADHERENCE_TAGS,
        operationId: "recordDose",
        summary: "Record a dose as taken or skipped (the nearest due dose unless scheduled_at is given)",
        description: "Answering the same dose again changes the answer. Doses more than 2 hours ahead: 422.",
        security: bearer,
        params: Type.Object({ item_id: Id }),
        body: Type.Object(
          {
            scheduled_at: Type.Optional(Instant),
            status: Type.Union([Type.Literal("taken"), Type.Literal("skipped")]),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ dose: Dose }), ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request) => ({
      dose: await adherence.recordDose(actorOf(request), request.params.item_id, request.body),
    }),
  );

  app.get(
    "/api/patient/adherence/",
    {
      preHandler: auth,
      schema: {
        tags: ADHERENCE_TAGS,
        operationId: "getAdherence",
        summary: "Adherence: taken / (taken + skipped + missed) over doses that have fallen due",
        security: bearer,
        querystring: PatientQuery,
        response: { 200: Adherence, ...errors(400, 401, 404) },
      },
    },
    async (request) => adherence.adherence(actorOf(request), request.query.patient_id),
  );

  app.get(
    "/api/doctor/patients/:patient_id/adherence/",
    {
      preHandler: app.requireRole("doctor", "nurse"),
      schema: {
        tags: ADHERENCE_TAGS,
        operationId: "getPatientAdherenceForDoctor",
        summary: "A patient's adherence, per medicine and overall (care-team doctors and nurses)",
        security: bearer,
        params: Type.Object({ patient_id: Id }),
        response: { 200: Adherence, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => adherence.adherence(actorOf(request), request.params.patient_id),
  );
  app.get(
    "/api/doctor/refill-requests/",
    {
      preHandler: doctorOnly,
      schema: {
        tags: TAGS,
        operationId: "listRefillRequests",
        summary:
          "Your patients' pending requests to renew a prescription (asked from the chat), newest first",
        security: bearer,
        response: {
          200: Type.Object({
            refill_requests: Type.Array(
              Type.Object({
                request_id: Type.Integer(),
                patient_id: Type.Integer(),
                patient_name: Type.String(),
                prescription_id: Type.Integer(),
                prescription_item_id: Type.Integer(),
                medicine_name: Type.String(),
                requested_at: Type.String({ format: "date-time" }),
              }),
            ),
          }),
          ...errors(401, 403),
        },
      },
    },
    async (request) => app.services.refillRequests.pendingForDoctor(actorOf(request)),
  );
};
