import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { actorOf } from "../plugins/auth.js";
import { bearer, ClockTime, described, errorsIn, Id, IsoDate, Page } from "../schemas.js";

/** The error responses of these routes (see errorsIn). */
const errors = errorsIn("domain/scheduling/", "domain/accounts/access.ts", "domain/shared/time.ts");

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const HourMinute = Type.String({ pattern: "^\\d{2}:\\d{2}$", examples: ["09:00"] });
const Mode = Type.Union([
  Type.Literal("in_person"),
  Type.Literal("video"),
  Type.Literal("audio"),
  Type.Literal("chat"),
]);
const Scope = Type.Union([Type.Literal("upcoming"), Type.Literal("past")], {
  default: "upcoming",
  description: "Upcoming appointments (soonest first) or past ones (latest first).",
});
const PerPage = Type.Integer({ minimum: 1, maximum: 100, default: 20 });
const Reason = Type.String({ maxLength: 1000 });

const WeeklyWindow = Type.Object({
  day: Type.String({ examples: ["MONDAY"] }),
  start: HourMinute,
  end: HourMinute,
  slot_minutes: Type.Integer({ examples: [15] }),
});

const Availability = Type.Object({
  doctor_id: Type.Integer(),
  timezone: Type.String(),
  auto_accept: Type.Boolean(),
  weekly: Type.Array(WeeklyWindow),
});

const Exception = Type.Object({
  id: Type.Integer(),
  doctor_id: Type.Integer(),
  date: Type.String(),
  start: Nullable(Type.String()),
  end: Nullable(Type.String()),
  reason: Nullable(Type.String()),
});

const Appointment = Type.Object({
  id: Type.Integer(),
  doctor_id: Type.Integer(),
  doctor_name: Type.String(),
  patient_id: Type.Integer(),
  patient_name: Type.String(),
  appointment_date: Type.String({ examples: ["2026-03-05"] }),
  appointment_time: Type.String({ examples: ["10:30 AM"] }),
  status: Type.String({ examples: ["pending"] }),
  starts_at: Type.String({ format: "date-time" }),
  ends_at: Type.String({ format: "date-time" }),
  time_zone: Type.String(),
  mode: Type.String(),
  fee: Type.Number(),
  currency: Type.String(),
  payment_status: Type.String({ examples: ["unpaid", "paid", "not_required"] }),
  reason: Nullable(Type.String()),
  status_reason: Nullable(Type.String()),
  previous_appointment_date: Nullable(Type.String()),
  previous_appointment_time: Nullable(Type.String()),
  previous_starts_at: Nullable(Type.String()),
});
const AppointmentBody = Type.Object({ appointment: Appointment });
const BookingPayment = Type.Object({
  id: Type.Integer(),
  status: Type.String({ examples: ["requires_payment"] }),
  amount: Type.Number(),
  currency: Type.String(),
  checkout_url: Type.String(),
  expires_at: Type.String({ format: "date-time" }),
});
const BookingBody = Type.Object({ appointment: Appointment, payment: Nullable(BookingPayment) });

const AppointmentPage = Type.Object({
  appointments: Type.Array(Appointment),
  page: Type.Integer(),
  per_page: Type.Integer(),
  has_more: Type.Boolean(),
});

const AppointmentRequest = Type.Object({
  request_id: Type.Integer(),
  appointment_id: Type.Integer(),
  patient_id: Type.Integer(),
  patient_name: Type.String(),
  appointment_date: Type.String(),
  appointment_time: Type.String(),
  status: Type.String({ examples: ["pending", "accepted", "rejected", "cancelled", "proposed"] }),
  starts_at: Type.String({ format: "date-time" }),
  ends_at: Type.String({ format: "date-time" }),
  time_zone: Type.String(),
  mode: Type.String(),
  reason: Nullable(Type.String()),
});

const StatusMessage = (status: string) =>
  Type.Object({ status: Type.Literal(status), message: Type.String(), appointment: Appointment });

const NewTime = {
  appointment_date: IsoDate,
  appointment_time: ClockTime,
};

/** Availability, slots and the appointment lifecycle. Thin: validate, call one SchedulingService method, map. */
export const schedulingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { scheduling } = app.services;
  const doctorSide = app.requireRole("doctor", "nurse", "admin");
  const careTeam = app.requireRole("doctor", "nurse");
  const patientOnly = app.requireRole("patient");
  const party = app.requireRole("patient", "doctor", "nurse");

  // Weekly availability ----------------------------------------------------------------------------

  app.put(
    "/api/doctor/availability/",
    {
      preHandler: doctorSide,
      schema: {
        tags: ["scheduling"],
        operationId: "replaceAvailability",
        summary: "Replace a doctor's weekly availability, time zone and auto-accept",
        security: bearer,
        body: Type.Object({
          doctor_id: Type.Optional(Id),
          timezone: Type.String({ minLength: 1, maxLength: 64, examples: ["Asia/Kolkata"] }),
          weekly: Type.Array(WeeklyWindow, { maxItems: 100 }),
          auto_accept: Type.Boolean(),
        }),
        response: { 200: Availability, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) =>
      scheduling.setAvailability(actorOf(request), {
        doctorId: request.body.doctor_id,
        timezone: request.body.timezone,
        weekly: request.body.weekly,
        autoAccept: request.body.auto_accept,
      }),
  );

  app.get(
    "/api/doctor/availability/",
    {
      schema: {
        tags: ["scheduling"],
        operationId: "getAvailability",
        summary: "A doctor's weekly availability (public)",
        querystring: Type.Object({ doctor_id: described(Id, "The doctor's id.") }),
        response: { 200: Availability, ...errors(400, 404) },
      },
    },
    async (request) => scheduling.getAvailability(request.query.doctor_id),
  );

  // Exceptions -------------------------------------------------------------------------------------

  app.post(
    "/api/doctor/availability/exceptions/",
    {
      preHandler: doctorSide,
      schema: {
        tags: ["scheduling"],
        operationId: "addAvailabilityException",
        summary: "Add a day off (no times) or a part of a day off",
        security: bearer,
        body: Type.Object({
          doctor_id: Type.Optional(Id),
          date: IsoDate,
          start: Type.Optional(HourMinute),
          end: Type.Optional(HourMinute),
          reason: Type.Optional(Type.String({ maxLength: 500 })),
        }),
        response: { 201: Type.Object({ exception: Exception }), ...errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const exception = await scheduling.addException(actorOf(request), {
        doctorId: b.doctor_id,
        date: b.date,
        start: b.start,
        end: b.end,
        reason: b.reason,
      });
      return reply.status(201).send({ exception });
    },
  );

  app.get(
    "/api/doctor/availability/exceptions/",
    {
      preHandler: doctorSide,
      schema: {
        tags: ["scheduling"],
        operationId: "listAvailabilityExceptions",
        summary: "A doctor's exceptions from a date (default today) to a date (default a year on)",
        security: bearer,
        querystring: Type.Object({
          doctor_id: Type.Optional(Id),
          from: Type.Optional(described(IsoDate, "The first date (default: today in the doctor's zone).")),
          to: Type.Optional(described(IsoDate, "The last date (default: a year after `from`).")),
        }),
        response: { 200: Type.Object({ exceptions: Type.Array(Exception) }), ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => ({
      exceptions: await scheduling.listExceptions(actorOf(request), {
        doctorId: request.query.doctor_id,
        from: request.query.from,
        to: request.query.to,
      }),
    }),
  );

  app.delete(
    "/api/doctor/availability/exceptions/:id/",
    {
      preHandler: doctorSide,
      schema: {
        tags: ["scheduling"],
        operationId: "deleteAvailabilityException",
        summary: "Remove an exception",
        security: bearer,
        params: Type.Object({ id: Id }),
        response: { 204: Type.Null(), ...errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await scheduling.removeException(actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  // Slots ------------------------------------------------------------------------------------------

  app.get(
    "/api/doctor/slots/",
    {
      schema: {
        tags: ["scheduling"],
        operationId: "listFreeSlots",
        summary: "A day's free slots in the doctor's time zone, and the next date with one (public)",
        querystring: Type.Object({
          doctor_id: described(Id, "The doctor's id."),
          date: described(IsoDate, "The day, in the doctor's time zone."),
        }),
        response: {
          200: Type.Object({
            slots: Type.Array(
              Type.Object({
                appointment_date: Type.String(),
                appointment_time: Type.String({ examples: ["10:30 AM"] }),
                starts_at: Type.String({ format: "date-time" }),
                ends_at: Type.String({ format: "date-time" }),
              }),
            ),
            time_zone: Type.String(),
            next_available_date: Nullable(Type.String()),
          }),
          ...errors(400, 404),
        },
      },
    },
    async (request) => scheduling.daySlots(request.query.doctor_id, request.query.date),
  );

  // Booking and changes ----------------------------------------------------------------------------

  app.post(
    "/api/book/appointment/",
    {
      preHandler: patientOnly,
      schema: {
        tags: ["appointments"],
        operationId: "bookAppointment",
        summary: "Book a slot: pending, or confirmed if the doctor auto-accepts",
        security: bearer,
        body: Type.Object({
          doctor_id: Id,
          ...NewTime,
          patient_name: Type.Optional(Type.String({ maxLength: 200 })),
          patient_email: Type.Optional(Type.String({ maxLength: 254 })),
          mode: Type.Optional(Mode),
          reason: Type.Optional(Reason),
        }),
        response: { 201: BookingBody, ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const booking = await scheduling.bookWithPayment(actorOf(request), {
        doctorId: b.doctor_id,
        appointmentDate: b.appointment_date,
        appointmentTime: b.appointment_time,
        patientName: b.patient_name,
        mode: b.mode,
        reason: b.reason,
      });
      return reply.status(201).send(booking);
    },
  );

  app.post(
    "/api/reschedule/appointment/",
    {
      preHandler: party,
      schema: {
        tags: ["appointments"],
        operationId: "rescheduleAppointment",
        summary: "Move an appointment to another slot (patient: back to pending unless auto-accept)",
        security: bearer,
        body: Type.Object({ appointment_id: Id, ...NewTime }),
        response: { 200: AppointmentBody, ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request) => ({
      appointment: await scheduling.reschedule(actorOf(request), request.body.appointment_id, {
        appointmentDate: request.body.appointment_date,
        appointmentTime: request.body.appointment_time,
      }),
    }),
  );

  app.post(
    "/api/cancel/appointment/",
    {
      preHandler: party,
      schema: {
        tags: ["appointments"],
        operationId: "cancelAppointment",
        summary: "Cancel an appointment (either side), with an optional reason",
        security: bearer,
        body: Type.Object({ appointment_id: Id, reason: Type.Optional(Reason) }),
        response: { 200: StatusMessage("cancelled"), ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request) => ({
      status: "cancelled" as const,
      message: "Appointment successfully cancelled.",
      appointment: await scheduling.cancel(
        actorOf(request),
        request.body.appointment_id,
        request.body.reason,
      ),
    }),
  );

  app.get(
    "/api/doctor/appointment/requests/",
    {
      preHandler: careTeam,
      schema: {
        tags: ["appointments"],
        operationId: "listAppointmentRequests",
        summary: "A doctor's appointment requests not yet past, pending first",
        security: bearer,
        querystring: Type.Object({ doctor_id: Type.Optional(Id), page: Page, per_page: PerPage }),
        response: {
          200: Type.Object({ appointment_requests: Type.Array(AppointmentRequest) }),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (request) => ({
      appointment_requests: await scheduling.requests(actorOf(request), {
        doctorId: request.query.doctor_id,
        page: request.query.page,
        perPage: request.query.per_page,
      }),
    }),
  );

  app.post(
    "/api/accept/appointment/request/",
    {
      preHandler: careTeam,
      schema: {
        tags: ["appointments"],
        operationId: "acceptAppointmentRequest",
        summary: "Accept a pending request",
        security: bearer,
        body: Type.Object({ request_id: Id }),
        response: { 200: StatusMessage("accepted"), ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request) => ({
      status: "accepted" as const,
      message: "Appointment request successfully accepted.",
      appointment: await scheduling.accept(actorOf(request), request.body.request_id),
    }),
  );

  app.post(
    "/api/reject/appointment/request/",
    {
      preHandler: careTeam,
      schema: {
        tags: ["appointments"],
        operationId: "rejectAppointmentRequest",
        summary: "Reject a pending request, with an optional reason",
        security: bearer,
        body: Type.Object({ request_id: Id, reason: Type.Optional(Reason) }),
        response: { 200: StatusMessage("rejected"), ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request) => ({
      status: "rejected" as const,
      message: "Appointment request successfully rejected.",
      appointment: await scheduling.reject(actorOf(request), request.body.request_id, request.body.reason),
    }),
  );

  app.post(
    "/api/propose/appointment/time/",
    {
      preHandler: careTeam,
      schema: {
        tags: ["appointments"],
        operationId: "proposeAppointmentTime",
        summary: "Propose another time for a request (the proposed slot is held)",
        security: bearer,
        body: Type.Object({ request_id: Id, ...NewTime }),
        response: { 200: StatusMessage("proposed"), ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request) => ({
      status: "proposed" as const,
      message: "New appointment time proposed to the patient.",
      appointment: await scheduling.propose(actorOf(request), request.body.request_id, {
        appointmentDate: request.body.appointment_date,
        appointmentTime: request.body.appointment_time,
      }),
    }),
  );

  app.post(
    "/api/appointments/:id/proposal/",
    {
      preHandler: patientOnly,
      schema: {
        tags: ["appointments"],
        operationId: "answerAppointmentProposal",
        summary: "Answer a proposed time: accept → confirmed, decline → cancelled",
        security: bearer,
        params: Type.Object({ id: Id }),
        body: Type.Object({ accept: Type.Boolean() }),
        response: { 200: AppointmentBody, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request) => ({
      appointment: await scheduling.answerProposal(actorOf(request), request.params.id, request.body.accept),
    }),
  );

  for (const [path, operationId, summary, run] of [
    [
      "complete",
      "completeAppointment",
      "Mark an appointment completed (after its start)",
      scheduling.complete.bind(scheduling),
    ],
    [
      "no-show",
      "markAppointmentNoShow",
      "Mark the patient as a no-show (after the start)",
      scheduling.noShow.bind(scheduling),
    ],
  ] as const) {
    app.post(
      `/api/appointments/:id/${path}`,
      {
        preHandler: careTeam,
        schema: {
          tags: ["appointments"],
          operationId,
          summary,
          security: bearer,
          params: Type.Object({ id: Id }),
          response: { 200: AppointmentBody, ...errors(400, 401, 403, 404, 422) },
        },
      },
      async (request) => ({ appointment: await run(actorOf(request), request.params.id) }),
    );
  }

  // Reads ------------------------------------------------------------------------------------------

  app.get(
    "/api/appointments/:id/",
    {
      preHandler: party,
      schema: {
        tags: ["appointments"],
        operationId: "getAppointment",
        summary: "One appointment (either party)",
        security: bearer,
        params: Type.Object({ id: Id }),
        response: { 200: AppointmentBody, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => ({ appointment: await scheduling.get(actorOf(request), request.params.id) }),
  );

  app.get(
    "/api/patient/appointments/",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["appointments"],
        operationId: "listPatientAppointments",
        summary: "A patient's appointments: upcoming (soonest first) or past (latest first)",
        security: bearer,
        querystring: Type.Object({
          patient_id: Type.Optional(Id),
          scope: Scope,
          page: Page,
          per_page: PerPage,
        }),
        response: { 200: AppointmentPage, ...errors(400, 401, 404) },
      },
    },
    async (request) =>
      scheduling.listForPatient(actorOf(request), {
        patientId: request.query.patient_id,
        scope: request.query.scope,
        page: request.query.page,
        perPage: request.query.per_page,
      }),
  );

  app.get(
    "/api/doctor/appointments/",
    {
      preHandler: careTeam,
      schema: {
        tags: ["appointments"],
        operationId: "listDoctorAppointments",
        summary: "A doctor's appointments: upcoming (soonest first) or past (latest first)",
        security: bearer,
        querystring: Type.Object({
          doctor_id: Type.Optional(Id),
          scope: Scope,
          page: Page,
          per_page: PerPage,
        }),
        response: { 200: AppointmentPage, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) =>
      scheduling.listForDoctor(actorOf(request), {
        doctorId: request.query.doctor_id,
        scope: request.query.scope,
        page: request.query.page,
        perPage: request.query.per_page,
      }),
  );

  app.get(
    "/api/doctor/patients/",
    {
      preHandler: careTeam,
      schema: {
        tags: ["appointments"],
        operationId: "listDoctorPatients",
        summary: "A doctor's patients (an appointment together, or on their care team), by name, searchable",
        security: bearer,
        querystring: Type.Object({
          doctor_id: Type.Optional(
            described(Id, "An assigned nurse names the doctor; a doctor's own by default."),
          ),
          q: Type.Optional(
            Type.String({ maxLength: 100, description: "Only patients whose name contains this text." }),
          ),
          page: described(Page, "The page, from 1."),
          per_page: described(PerPage, "Patients per page (at most 100)."),
        }),
        response: {
          200: Type.Object({
            patients: Type.Array(
              Type.Object({
                patient_id: Type.Integer(),
                name: Type.String(),
                last_visit_at: Nullable(
                  Type.String({ format: "date-time", description: "The latest appointment that has begun." }),
                ),
                next_visit_at: Nullable(
                  Type.String({
                    format: "date-time",
                    description: "The next pending or confirmed appointment.",
                  }),
                ),
              }),
            ),
            page: Type.Integer(),
            per_page: Type.Integer(),
            has_more: Type.Boolean(),
          }),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (request) =>
      scheduling.doctorPatients(actorOf(request), {
        doctorId: request.query.doctor_id,
        q: request.query.q,
        page: request.query.page,
        perPage: request.query.per_page,
      }),
  );
};
