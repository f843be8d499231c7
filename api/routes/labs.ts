import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { actorOf } from "../plugins/auth.js";
import { bearer, described, errorsIn, Id, IsoDate, Page } from "../schemas.js";

/** The error responses of these routes (see errorsIn). */
const errors = errorsIn("domain/orders/labs/", "domain/accounts/access.ts");

// --- schemas -------------------------------------------------------------------------------------

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max, pattern: "\\S" });
const STATUSES = ["scheduled", "sample_collected", "processing", "resulted", "cancelled"] as const;
const BookingStatus = Type.Union(STATUSES.map((s) => Type.Literal(s)));
const Flag = Type.Union([
  Type.Literal("normal"),
  Type.Literal("low"),
  Type.Literal("high"),
  Type.Literal("critical"),
]);

const LabTest = Type.Object({
  test_id: Type.Integer(),
  code: Type.String({ examples: ["CBC"] }),
  name: Type.String({ examples: ["Complete Blood Count"] }),
  synonyms: Type.Array(Type.String()),
  category: Type.String(),
  sample_type: Type.String(),
  preparation: Type.String(),
  price: Type.Number(),
  currency: Type.String(),
  turnaround_hours: Type.Integer(),
  home_collection: Type.Boolean(),
  analytes: Type.Array(Type.Object({ code: Type.String(), name: Type.String(), unit: Type.String() })),
});

const Result = Type.Object({
  name: Type.String(),
  analyte_code: Nullable(Type.String()),
  value: Type.String(),
  unit: Nullable(Type.String()),
  reference_range: Nullable(Type.String()),
  flag: Nullable(Type.String()),
});

const Booking = Type.Object({
  booking_id: Type.Integer(),
  patient_id: Type.Integer(),
  test_id: Type.Integer(),
  test_name: Type.String(),
  appointment_date: Type.String(),
  status: Type.String({ examples: ["scheduled"] }),
  collection: Type.String(),
  address: Nullable(Type.String()),
  preparation: Type.String(),
  sample_type: Type.String(),
  turnaround_hours: Type.Integer(),
  price: Type.Number(),
  currency: Type.String(),
  payment_status: Type.String(),
  ordering_doctor_id: Nullable(Type.Integer()),
  prescription_lab_test_id: Nullable(Type.Integer()),
  record_id: Nullable(Type.Integer()),
  result_summary: Nullable(Type.String()),
  resulted_at: Nullable(Type.String()),
  created_at: Type.String(),
  results: Type.Array(Result),
  history: Type.Array(
    Type.Object({
      from_status: Nullable(Type.String()),
      status: Type.String(),
      note: Nullable(Type.String()),
      at: Type.String(),
    }),
  ),
});
const BookingBody = Type.Object({ booking: Booking });

const PaymentSummary = Type.Object(
  {
    id: Type.Integer(),
    status: Type.String({ examples: ["requires_payment"] }),
    amount: Type.Number(),
    currency: Type.String(),
    checkout_url: Type.String(),
    expires_at: Type.String({ format: "date-time" }),
  },
  {
    description:
      "The payment to make (null when there is nothing to pay). The sample is collected once it is paid.",
  },
);

const ContractBooking = Type.Object({
  lab_test_booking: Type.Object({
    booking_id: Type.Integer(),
    patient_id: Type.Integer(),
    test_name: Type.String(),
    appointment_date: Type.String(),
    status: Type.String({ examples: ["scheduled"] }),
    collection: Type.String(),
    address: Nullable(Type.String()),
    preparation: Type.String(),
    price: Type.Number(),
    currency: Type.String(),
    payment_status: Type.String(),
    ordering_doctor_id: Nullable(Type.Integer()),
    prescription_lab_test_id: Nullable(Type.Integer()),
  }),
  payment: Nullable(PaymentSummary),
});

const Report = Type.Object({
  booking_id: Type.Integer(),
  patient_id: Type.Integer(),
  test_name: Type.String(),
  appointment_date: Type.String(),
  resulted_at: Nullable(Type.String()),
  record_id: Nullable(Type.Integer()),
  summary: Nullable(Type.String({ examples: ["Abnormal (Low Hemoglobin)"] })),
  results: Type.Array(Result),
});

const IdParams = Type.Object({ id: Id });
const LABS = ["labs"];

// --- routes --------------------------------------------------------------------------------------

/** The lab test catalog, bookings, the sample lifecycle and results. */
export const labRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { labs } = app.services;
  const auth = app.authenticate;

  app.get(
    "/api/lab/tests/",
    {
      schema: {
        tags: LABS,
        operationId: "searchLabTests",
        summary: "Search the lab test catalog (names, codes, synonyms; typo tolerant)",
        querystring: Type.Object({
          q: Type.Optional(Type.String({ maxLength: 100, description: "A test's name, code or synonym." })),
        }),
        response: { 200: Type.Object({ tests: Type.Array(LabTest) }), ...errors(400) },
      },
    },
    async (request) => labs.searchTests(request.query.q),
  );

  app.post(
    "/api/book/labtest/",
    {
      preHandler: app.requireRole("patient", "doctor"),
      schema: {
        tags: LABS,
        operationId: "bookLabTest",
        summary: "Book a lab test (the patient), or order one for a patient (a care-team doctor)",
        description:
          "test_name is matched against the catalog (422 UNKNOWN_LAB_TEST with suggestions). Home collection needs " +
          "a test that allows it and an address (given, or the profile's). Returns the payment (checkout link) " +
          "beside the booking; unpaid at the end of the payment window (a patient's booking: PAYMENT_HOLD_MINUTES; " +
          "a doctor's order: 24 hours), the booking is cancelled.",
        security: bearer,
        body: Type.Object(
          {
            patient_id: Type.Optional(Id),
            test_name: Text(200),
            appointment_date: IsoDate,
            collection: Type.Optional(Type.Union([Type.Literal("lab"), Type.Literal("home")])),
            address: Type.Optional(Text(500)),
            prescription_lab_test_id: Type.Optional(Id),
          },
          { additionalProperties: false },
        ),
        response: { 201: ContractBooking, ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const result = await labs.book(actorOf(request), request.body);
      return reply.code(201).send(result);
    },
  );

  app.get(
    "/api/lab/bookings/",
    {
      preHandler: app.requireRole("lab"),
      schema: {
        tags: LABS,
        operationId: "listLabQueue",
        summary: "The lab's queue of bookings, by appointment date",
        security: bearer,
        querystring: Type.Object({
          status: Type.Optional(described(BookingStatus, "Only bookings in this status.")),
          page: Page,
        }),
        response: {
          200: Type.Object({
            bookings: Type.Array(Booking),
            page: Type.Integer(),
            per_page: Type.Integer(),
            has_more: Type.Boolean(),
          }),
          ...errors(400, 401, 403),
        },
      },
    },
    async (request) => labs.queue(actorOf(request), request.query.status, request.query.page),
  );

  app.get(
    "/api/lab/bookings/:id/",
    {
      preHandler: auth,
      schema: {
        tags: LABS,
        operationId: "getLabBooking",
        summary: "One booking with its results and history",
        security: bearer,
        params: IdParams,
        response: { 200: BookingBody, ...errors(400, 401, 404) },
      },
    },
    async (request) => labs.getBooking(actorOf(request), request.params.id),
  );

  app.post(
    "/api/lab/bookings/:id/status",
    {
      preHandler: app.requireRole("lab"),
      schema: {
        tags: LABS,
        operationId: "updateLabBookingStatus",
        summary: "Record the sample's progress, or cancel (lab staff)",
        description:
          "sample_collected needs a paid booking (422 PAYMENT_REQUIRED). Cancelling a paid booking refunds it in full.",
        security: bearer,
        params: IdParams,
        body: Type.Object(
          {
            status: Type.Union([
              Type.Literal("sample_collected"),
              Type.Literal("processing"),
              Type.Literal("cancelled"),
            ]),
            note: Type.Optional(Type.String({ maxLength: 1000 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: BookingBody, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request) => labs.updateStatus(actorOf(request), request.params.id, request.body),
  );

  app.post(
    "/api/lab/bookings/:id/cancel",
    {
      preHandler: auth,
      schema: {
        tags: LABS,
        operationId: "cancelLabBooking",
        summary: "Cancel a booking before the sample is taken (the patient or the ordering doctor)",
        security: bearer,
        params: IdParams,
        body: Type.Optional(
          Nullable(
            Type.Object(
              { reason: Type.Optional(Type.String({ maxLength: 1000 })) },
              { additionalProperties: false },
            ),
          ),
        ),
        response: { 200: BookingBody, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request) => labs.cancel(actorOf(request), request.params.id, request.body?.reason),
  );

  app.get(
    "/api/patient/lab/bookings/",
    {
      preHandler: auth,
      schema: {
        tags: LABS,
        operationId: "listPatientLabBookings",
        summary: "A patient's lab bookings",
        security: bearer,
        querystring: Type.Object({ patient_id: Type.Optional(Id) }),
        response: { 200: Type.Object({ bookings: Type.Array(Booking) }), ...errors(400, 401, 404) },
      },
    },
    async (request) => labs.listPatientBookings(actorOf(request), request.query.patient_id),
  );

  app.post(
    "/api/lab/results/",
    {
      preHandler: app.requireRole("lab"),
      // Room for a base64 report of the largest allowed document.
      bodyLimit: Math.ceil((app.deps.config.storage.maxBytes * 4) / 3) + 256 * 1024,
      schema: {
        tags: LABS,
        operationId: "postLabResults",
        summary: "Post a booking's results (lab staff; once per booking)",
        description:
          "Flags are computed from the catalog's reference ranges where the analyte is known (an explicit critical " +
          "stays critical). The summary is written into the patient's clinical record; critical values reach the " +
          "ordering doctor at once. A second post for the same booking: 409 RESULTS_ALREADY_POSTED.",
        security: bearer,
        body: Type.Object(
          {
            booking_id: Id,
            results: Type.Array(
              Type.Object(
                {
                  name: Text(200),
                  value: Type.Union([Type.Number(), Text(200)]),
                  unit: Type.Optional(Type.String({ maxLength: 50 })),
                  reference_range: Type.Optional(Type.String({ maxLength: 100 })),
                  flag: Type.Optional(Flag),
                },
                { additionalProperties: false },
              ),
              { minItems: 1, maxItems: 100 },
            ),
            document: Type.Optional(
              Type.Object(
                {
                  content_base64: Type.String({
                    minLength: 1,
                    description: "The report (PDF, PNG or JPEG), base64.",
                  }),
                  filename: Type.Optional(Type.String({ maxLength: 200 })),
                  title: Type.Optional(Type.String({ maxLength: 200 })),
                },
                { additionalProperties: false },
              ),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 201: BookingBody, ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const result = await labs.postResults(actorOf(request), request.body);
      return reply.code(201).send(result);
    },
  );

  app.get(
    "/api/patient/lab/results/",
    {
      preHandler: auth,
      schema: {
        tags: LABS,
        operationId: "listPatientLabResults",
        summary: "A patient's lab results, newest first",
        security: bearer,
        querystring: Type.Object({ patient_id: Type.Optional(Id) }),
        response: { 200: Type.Object({ lab_results: Type.Array(Report) }), ...errors(400, 401, 404) },
      },
    },
    async (request) => labs.patientResults(actorOf(request), request.query.patient_id),
  );
};
