import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { actorOf } from "../plugins/auth.js";
import { bearer, described, errorsIn, Id, IsoDate, Page } from "../schemas.js";

/** The error responses of these routes (see errorsIn). */
const errors = errorsIn("domain/payments/", "domain/accounts/access.ts");
/** The withdrawal's confirmation (SMS PIN or password) answers with the doctor SMS service's codes too. */
const withdrawErrors = errorsIn("domain/payments/", "domain/accounts/access.ts", "domain/doctors/sms.ts");

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const PerPage = Type.Integer({ minimum: 1, maximum: 100, default: 20 });

const Earnings = Type.Object({
  doctor_id: Type.Integer(),
  total_earnings: Type.Number({ examples: [5000.0] }),
  withdrawable_amount: Type.Number(),
  pending_amount: Type.Number(),
  withdrawn_amount: Type.Number(),
  currency: Type.String(),
});

const Withdrawal = Type.Object({
  id: Type.Integer(),
  status: Type.String({ examples: ["in_transit", "paid", "failed"] }),
  amount: Type.Number(),
  currency: Type.String(),
  created_at: Type.String({ format: "date-time" }),
  failure_reason: Nullable(Type.String()),
});

const Payment = Type.Object({
  id: Type.Integer(),
  purpose: Type.String({ examples: ["appointment"] }),
  reference_id: Type.Integer(),
  description: Type.String({ examples: ["Consultation"] }),
  status: Type.String(),
  amount: Type.Number(),
  refunded_amount: Type.Number(),
  currency: Type.String(),
  checkout_url: Nullable(Type.String()),
  expires_at: Type.String({ format: "date-time" }),
  paid_at: Nullable(Type.String()),
  created_at: Type.String({ format: "date-time" }),
  receipt_url: Nullable(Type.String()),
});

/** Earnings, withdrawals, patients' payments and receipts, platform revenue. Thin: validate, call, map. */
export const paymentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { payouts, receipts, paymentReports, doctorSms } = app.services;
  const doctorSide = app.requireRole("doctor", "nurse", "admin");
  const doctorOnly = app.requireRole("doctor");
  const patientSide = app.requireRole("patient", "doctor", "nurse");
  const patientOnly = app.requireRole("patient");
  const admin = app.requireRole("admin");

  app.get(
    "/api/doctor/earnings/",
    {
      preHandler: doctorSide,
      schema: {
        tags: ["payments"],
        operationId: "getEarnings",
        summary: "A doctor's earnings: total, withdrawable, pending (in the hold period) and withdrawn",
        security: bearer,
        querystring: Type.Object({ doctor_id: Type.Optional(Id) }),
        response: { 200: Type.Object({ earnings: Earnings }), ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => ({ earnings: await payouts.earnings(actorOf(request), request.query.doctor_id) }),
  );

  app.post(
    "/api/withdraw/earnings/",
    {
      preHandler: doctorOnly,
      schema: {
        tags: ["payments"],
        operationId: "withdrawEarnings",
        summary: "Withdraw earnings (optional Idempotency-Key header: a repeat returns the same result)",
        security: bearer,
        headers: Type.Object({
          "idempotency-key": Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
        }),
        body: Type.Object({
          doctor_id: Type.Optional(Id),
          amount: Type.Number({ exclusiveMinimum: 0, maximum: 10_000_000, examples: [2000] }),
          pin: Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 20,
              description:
                "The doctor's SMS PIN confirming the withdrawal (the console asks for it or the password). Wrong → 403 WRONG_PIN; five wrong lock it (429 PIN_LOCKED).",
            }),
          ),
          password: Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 200,
              description: "The account password confirming the withdrawal, instead of the PIN. Wrong → 403.",
            }),
          ),
        }),
        response: {
          200: Type.Object({
            status: Type.Literal("success"),
            message: Type.String(),
            withdrawal: Withdrawal,
          }),
          ...withdrawErrors(400, 401, 403, 404, 409, 422, 429),
        },
      },
    },
    async (request) => {
      const { pin, password } = request.body;
      // Given a PIN or a password (the console always gives one), it is checked before any money moves.
      if (pin !== undefined || password !== undefined)
        await doctorSms.confirmWithdrawal(actorOf(request), { pin, password });
      return payouts.withdraw(actorOf(request), {
        doctorId: request.body.doctor_id,
        amount: request.body.amount,
        idempotencyKey: request.headers["idempotency-key"],
      });
    },
  );

  app.get(
    "/api/doctor/withdrawals/",
    {
      preHandler: doctorSide,
      schema: {
        tags: ["payments"],
        operationId: "listWithdrawals",
        summary: "A doctor's withdrawals, latest first",
        security: bearer,
        querystring: Type.Object({ doctor_id: Type.Optional(Id), page: Page, per_page: PerPage }),
        response: {
          200: Type.Object({
            withdrawals: Type.Array(Withdrawal),
            page: Type.Integer(),
            per_page: Type.Integer(),
            has_more: Type.Boolean(),
          }),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (request) =>
      payouts.withdrawals(actorOf(request), {
        doctorId: request.query.doctor_id,
        page: request.query.page,
        perPage: request.query.per_page,
      }),
  );

  app.post(
    "/api/doctor/payouts/onboarding/",
    {
      preHandler: doctorOnly,
      schema: {
        tags: ["payments"],
        operationId: "createPayoutOnboardingLink",
        summary: "A payout-account onboarding link (Stripe Connect Express; the sandbox needs none)",
        security: bearer,
        response: {
          200: Type.Object({ url: Type.String(), account_id: Type.String() }),
          ...errors(401, 403, 404),
        },
      },
    },
    async (request) => payouts.onboardingLink(actorOf(request)),
  );

  app.get(
    "/api/patient/payments/",
    {
      preHandler: patientSide,
      schema: {
        tags: ["payments"],
        operationId: "listPatientPayments",
        summary: "A patient's payments, latest first",
        security: bearer,
        querystring: Type.Object({ patient_id: Type.Optional(Id), page: Page, per_page: PerPage }),
        response: {
          200: Type.Object({
            payments: Type.Array(Payment),
            page: Type.Integer(),
            per_page: Type.Integer(),
            has_more: Type.Boolean(),
          }),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (request) =>
      receipts.patientPayments(actorOf(request), {
        patientId: request.query.patient_id,
        page: request.query.page,
        perPage: request.query.per_page,
      }),
  );

  app.get(
    "/api/patient/payments/:id/receipt",
    {
      preHandler: patientOnly,
      schema: {
        tags: ["payments"],
        operationId: "getPaymentReceipt",
        summary: "A payment's receipt (PDF)",
        security: bearer,
        params: Type.Object({ id: Id }),
        response: { ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      const { paymentId, pdf } = await receipts.receiptPdf(actorOf(request), request.params.id);
      return reply
        .header("content-type", "application/pdf")
        .header("content-disposition", `attachment; filename="receipt-${paymentId}.pdf"`)
        .header("cache-control", "no-store")
        .send(Buffer.from(pdf));
    },
  );

  app.get(
    "/api/admin/revenue/",
    {
      preHandler: admin,
      schema: {
        tags: ["admin"],
        operationId: "getRevenue",
        summary: "Platform revenue and money held, per currency",
        security: bearer,
        response: {
          200: Type.Object({
            revenue: Type.Array(
              Type.Object({
                currency: Type.String(),
                platform_revenue: Type.Number(),
                held_for_patients: Type.Number(),
                doctors_owed: Type.Number(),
                paid_out: Type.Number(),
              }),
            ),
          }),
          ...errors(401, 403),
        },
      },
    },
    async (request) => paymentReports.revenue(actorOf(request)),
  );

  const LedgerQuery = {
    from: Type.Optional(described(IsoDate, "Transactions on or after this day (UTC).")),
    to: Type.Optional(described(IsoDate, "Transactions on or before this day (UTC).")),
    kind: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        pattern: "^[a-z_]+$",
        description: "Only transactions of this kind (payment, refund, payout …).",
      }),
    ),
  };

  app.get(
    "/api/admin/ledger",
    {
      preHandler: admin,
      schema: {
        tags: ["admin"],
        operationId: "listLedgerEntries",
        summary: "The ledger's entries in a date range, a page at a time, with the range's totals per kind",
        security: bearer,
        querystring: Type.Object({
          ...LedgerQuery,
          after: Type.Integer({
            minimum: 0,
            maximum: Number.MAX_SAFE_INTEGER,
            default: 0,
            description: "The last entry id of the previous page (0 for the first page).",
          }),
          per_page: Type.Integer({
            minimum: 1,
            maximum: 500,
            default: 100,
            description: "Entries per page.",
          }),
        }),
        response: {
          200: Type.Object({
            entries: Type.Array(
              Type.Object({
                entry_id: Type.Integer(),
                transaction_id: Type.Integer(),
                at: Type.String({ format: "date-time" }),
                kind: Type.String(),
                account: Type.String(),
                debit: Type.Number(),
                credit: Type.Number(),
                currency: Type.String(),
              }),
            ),
            has_more: Type.Boolean(),
            totals: Type.Array(
              Type.Object({
                kind: Type.String(),
                currency: Type.String(),
                transactions: Type.Integer(),
                amount: Type.Number({ description: "What the transactions moved, in major units." }),
              }),
            ),
          }),
          ...errors(400, 401, 403),
        },
      },
    },
    async (request) => {
      const q = request.query;
      return paymentReports.ledger(actorOf(request), {
        from: q.from,
        to: q.to,
        kind: q.kind,
        after: q.after,
        limit: q.per_page,
      });
    },
  );

  app.get(
    "/api/admin/ledger.csv",
    {
      preHandler: admin,
      schema: {
        tags: ["admin"],
        operationId: "exportLedger",
        summary: "The ledger (or a date range of it) as CSV (entries with their transactions and accounts)",
        security: bearer,
        querystring: Type.Object(LedgerQuery),
        response: { ...errors(400, 401, 403) },
      },
    },
    async (request, reply) => {
      let csv = "";
      for await (const chunk of paymentReports.ledgerCsv(actorOf(request), request.query)) csv += chunk;
      const q = request.query;
      const name = `ledger${q.from ? `-from-${q.from}` : ""}${q.to ? `-to-${q.to}` : ""}.csv`;
      return reply
        .header("content-type", "text/csv; charset=utf-8")
        .header("content-disposition", `attachment; filename="${name}"`)
        .send(csv);
    },
  );
};
