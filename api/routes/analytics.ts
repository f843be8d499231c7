import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type, type TSchema } from "typebox";
import type { Actor } from "../../domain/shared/actor.js";
import type { RangeQuery, ReportName } from "../../domain/analytics/service.js";
import { actorOf } from "../plugins/auth.js";
import { bearer, described, errorsIn, IsoDate } from "../schemas.js";

/** The error responses of these routes (see errorsIn). */
const errors = errorsIn("domain/analytics/", "domain/accounts/auth-service.ts");

const CHANNELS = ["web", "telegram", "whatsapp", "sms", "voice", "api", "console"] as const;

const RangeQuerySchema = Type.Object(
  {
    from: Type.Optional(
      described(IsoDate, "First day (UTC, YYYY-MM-DD), inclusive. Default: 29 days before `to`."),
    ),
    to: Type.Optional(described(IsoDate, "Last day (UTC, YYYY-MM-DD), inclusive. Default: today.")),
    channel: Type.Optional(
      described(
        Type.Union(CHANNELS.map((c) => Type.Literal(c))),
        "Only what happened on this channel: conversations on it, appointments booked on it, ratings answered on it. Model usage is not per channel.",
      ),
    ),
  },
  { additionalProperties: false },
);

const Rate = Type.Union([Type.Number(), Type.Null()], {
  description: "A share from 0 to 1; null with no data.",
});
const Num = Type.Union([Type.Number(), Type.Null()]);

const Range = Type.Object({ from: Type.String(), to: Type.String(), channel: Type.Optional(Type.String()) });
const Activity = Type.Array(
  Type.Object({ day: Type.String(), conversations: Type.Integer(), bookings: Type.Integer() }),
);
const Funnel = Type.Object({
  first_message: Type.Integer(),
  verified: Type.Integer(),
  booking: Type.Integer(),
  paid: Type.Integer(),
  attended: Type.Integer(),
});
const Outcomes = Type.Object({
  appointments: Type.Integer(),
  completed: Type.Integer(),
  no_show: Type.Integer(),
  cancelled: Type.Integer(),
  rejected: Type.Integer(),
  no_show_rate: Rate,
  cancellation_rate: Rate,
});
const Acceptance = Type.Object({ accepted: Type.Integer(), p50_minutes: Num, p90_minutes: Num });
const Providers = Type.Array(
  Type.Object({
    doctor_id: Type.Integer(),
    name: Type.String(),
    requests: Type.Integer(),
    accepted: Type.Integer(),
    rejected: Type.Integer(),
    acceptance_rate: Rate,
    median_response_minutes: Num,
    reviews: Type.Integer(),
    average_rating: Num,
    revenue_minor: Type.Integer(),
    currency: Type.String(),
  }),
);
const Satisfaction = Type.Object({
  requested: Type.Integer(),
  answered: Type.Integer(),
  average: Num,
  distribution: Type.Array(Type.Object({ rating: Type.Integer(), count: Type.Integer() })),
  recommend_rate: Rate,
});
const ModelUsage = Type.Object({
  price: Type.Object({
    input_per_million: Type.Number(),
    output_per_million: Type.Number(),
    currency: Type.String(),
  }),
  days: Type.Array(
    Type.Object({
      day: Type.String(),
      calls: Type.Integer(),
      errors: Type.Integer(),
      prompt_tokens: Type.Integer(),
      completion_tokens: Type.Integer(),
      latency_p50_ms: Num,
      latency_p95_ms: Num,
      estimated_cost: Type.Number(),
      voice_answers: Type.Integer(),
      voice_first_token_p50_ms: Num,
      voice_first_token_p95_ms: Num,
    }),
  ),
});
const GroupAttendance = Type.Object({
  appointments: Type.Integer(),
  attended: Type.Integer(),
  attendance_rate: Rate,
});
const Reminders = Type.Object({
  days: Type.Array(Type.Object({ day: Type.String(), sent: Type.Integer() })),
  by_kind: Type.Array(Type.Object({ kind: Type.String(), sent: Type.Integer() })),
  with_reminder: GroupAttendance,
  without_reminder: GroupAttendance,
});

/** Each report: its path, operation, summary and answer. */
const REPORT_ROUTES: {
  name: ReportName;
  operationId: string;
  summary: string;
  schema: TSchema;
  key: string;
}[] = [
  {
    name: "activity",
    operationId: "analyticsActivity",
    summary: "Conversations started and appointments booked per day",
    schema: Activity,
    key: "days",
  },
  {
    name: "funnel",
    operationId: "analyticsFunnel",
    summary: "The funnel: first message → verified → booking → paid → attended",
    schema: Funnel,
    key: "funnel",
  },
  {
    name: "outcomes",
    operationId: "analyticsOutcomes",
    summary: "Outcomes of appointments in the range: no-show and cancellation rates",
    schema: Outcomes,
    key: "outcomes",
  },
  {
    name: "acceptance",
    operationId: "analyticsAcceptance",
    summary: "Time from a request to the doctor's acceptance (p50, p90)",
    schema: Acceptance,
    key: "acceptance",
  },
  {
    name: "providers",
    operationId: "analyticsProviders",
    summary: "Provider performance: acceptance rate, response time, ratings, revenue",
    schema: Providers,
    key: "providers",
  },
  {
    name: "satisfaction",
    operationId: "analyticsSatisfaction",
    summary: "Patients' ratings: distribution, average, share who would recommend",
    schema: Satisfaction,
    key: "satisfaction",
  },
  {
    name: "model-usage",
    operationId: "analyticsModelUsage",
    summary: "Model calls, tokens, latency, errors and estimated cost per day; voice first-token latency",
    schema: ModelUsage,
    key: "model_usage",
  },
  {
    name: "reminders",
    operationId: "analyticsReminders",
    summary: "Reminders sent, and attendance with and without an appointment reminder",
    schema: Reminders,
    key: "reminders",
  },
];

/**
 * The admin dashboard's figures (domain/analytics): one endpoint per report, the whole overview, a CSV of each
 * report and the printable operations report (PDF). Admins only. Read-only queries on indexed time columns.
 */
export const analyticsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { analytics } = app.services;
  const admin = app.requireRole("admin");
  const load: Record<ReportName, (actor: Actor, q: RangeQuery) => Promise<unknown>> = {
    activity: (a, q) => analytics.activity(a, q),
    funnel: (a, q) => analytics.funnel(a, q),
    outcomes: (a, q) => analytics.outcomes(a, q),
    acceptance: (a, q) => analytics.acceptance(a, q),
    providers: (a, q) => analytics.providers(a, q),
    satisfaction: (a, q) => analytics.satisfaction(a, q),
    "model-usage": (a, q) => analytics.modelUsage(a, q),
    reminders: (a, q) => analytics.reminders(a, q),
  };

  app.get(
    "/api/admin/analytics/overview",
    {
      preHandler: admin,
      schema: {
        tags: ["admin"],
        operationId: "analyticsOverview",
        summary: "Every analytics report for a range (the dashboard)",
        security: bearer,
        querystring: RangeQuerySchema,
        response: {
          200: Type.Object({
            range: Range,
            activity: Activity,
            funnel: Funnel,
            outcomes: Outcomes,
            acceptance: Acceptance,
            providers: Providers,
            satisfaction: Satisfaction,
            model_usage: ModelUsage,
            reminders: Reminders,
          }),
          ...errors(400, 401, 403),
        },
      },
    },
    async (request) => analytics.overview(actorOf(request), request.query),
  );

  for (const r of REPORT_ROUTES) {
    app.get(
      `/api/admin/analytics/${r.name}`,
      {
        preHandler: admin,
        schema: {
          tags: ["admin"],
          operationId: r.operationId,
          summary: r.summary,
          security: bearer,
          querystring: RangeQuerySchema,
          response: {
            200: Type.Object({ range: Range, [r.key]: r.schema }),
            ...errors(400, 401, 403),
          },
        },
      },
      async (request) => {
        const actor = actorOf(request);
        const range = analytics.range(request.query);
        return { range, [r.key]: await load[r.name](actor, range) };
      },
    );

    app.get(
      `/api/admin/analytics/${r.name}.csv`,
      {
        preHandler: admin,
        schema: {
          tags: ["admin"],
          operationId: `${r.operationId}Csv`,
          summary: `${r.summary}, as CSV`,
          security: bearer,
          querystring: RangeQuerySchema,
          produces: ["text/csv"],
          response: {
            200: { description: "A CSV file (header row first).", type: "string" },
            ...errors(400, 401, 403),
          },
        },
      },
      async (request, reply) => {
        const range = analytics.range(request.query);
        const csv = await analytics.csv(actorOf(request), r.name, range);
        return reply
          .header("content-type", "text/csv; charset=utf-8")
          .header(
            "content-disposition",
            `attachment; filename="healthlink-${r.name}-${range.from}-${range.to}.csv"`,
          )
          .send(csv);
      },
    );
  }

  app.get(
    "/api/admin/analytics/report.pdf",
    {
      preHandler: admin,
      schema: {
        tags: ["admin"],
        operationId: "analyticsReportPdf",
        summary: "The printable operations report (PDF) for a range",
        security: bearer,
        querystring: RangeQuerySchema,
        produces: ["application/pdf"],
        response: { ...errors(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const range = analytics.range(request.query);
      const pdf = await analytics.reportPdf(actorOf(request), range);
      return reply
        .header("content-type", "application/pdf")
        .header(
          "content-disposition",
          `inline; filename="healthlink-operations-${range.from}-${range.to}.pdf"`,
        )
        .send(pdf);
    },
  );
};
