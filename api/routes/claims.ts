import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { claimResource } from "../../domain/fhir/claim.js";
import { actorOf } from "../plugins/auth.js";
import { bearer, errorsIn, Id } from "../schemas.js";

/** The error responses of these routes (see errorsIn). */
const errors = errorsIn("domain/insurance/", "domain/payments/service.ts");

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const ItemKind = Type.Union([
  Type.Literal("appointment"),
  Type.Literal("pharmacy_order"),
  Type.Literal("lab_booking"),
]);
const Status = Type.Union([
  Type.Literal("submitted"),
  Type.Literal("accepted"),
  Type.Literal("rejected"),
  Type.Literal("paid"),
]);
const IdParams = Type.Object({ id: Id });
const TAGS = ["claims"];

const Claim = Type.Object({
  id: Type.Integer(),
  item_kind: ItemKind,
  item_id: Type.Integer(),
  patient_id: Type.Integer(),
  doctor_id: Nullable(Type.Integer()),
  payer: Type.String({ examples: ["Star Health"] }),
  member_id: Type.String(),
  service_codes: Type.Array(Type.String(), { examples: [["consultation-video"]] }),
  diagnosis_codes: Type.Array(Type.String(), { examples: [["J06.9"]] }),
  currency: Type.String({ examples: ["INR"] }),
  billed_minor: Type.Integer({ description: "What was billed, in minor units." }),
  approved_minor: Nullable(Type.Integer({ description: "What the payer covers (once accepted)." })),
  patient_share_minor: Nullable(Type.Integer({ description: "What the patient pays (once accepted)." })),
  share_applied: Nullable(
    Type.String({
      description:
        "How the share reached the payment: checkout_reduced (accepted before payment) or covered_refunded (paid first).",
    }),
  ),
  status: Status,
  rejection_reason: Nullable(Type.String()),
  clearinghouse: Type.String({ examples: ["sandbox"] }),
  clearinghouse_ref: Nullable(Type.String()),
  submitted_at: Type.String({ format: "date-time" }),
  decided_at: Nullable(Type.String({ format: "date-time" })),
  paid_at: Nullable(Type.String({ format: "date-time" })),
});
const ClaimBody = Type.Object({ claim: Claim });

/** Insurance claims: patients and admins create them; admins decide them. Thin: validate, call, map. */
export const claimRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { claims } = app.services;
  const owners = app.requireRole("patient", "admin");
  const admin = app.requireRole("admin");

  app.post(
    "/api/claims/",
    {
      preHandler: owners,
      schema: {
        tags: TAGS,
        operationId: "createClaim",
        summary: "Claim an appointment, pharmacy order or lab booking on the patient's insurance",
        description:
          "The payer and member id come from the patient's insurance details (422 INSURANCE_DETAILS_MISSING, " +
          "INSURANCE_EXPIRED). The item must be payable, paid or completed (422 ITEM_NOT_BILLABLE); one live claim " +
          "per item (409 CLAIM_EXISTS). A patient claims their own items; an admin any. Submitted to the clearinghouse.",
        security: bearer,
        body: Type.Object(
          {
            item_kind: ItemKind,
            item_id: Id,
            service_codes: Type.Optional(
              Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
                maxItems: 20,
                description:
                  "Service codes billed; default: the item's own (consultation kind, catalog codes).",
              }),
            ),
            diagnosis_codes: Type.Optional(
              Type.Array(Type.String({ minLength: 3, maxLength: 8 }), {
                maxItems: 20,
                description: "ICD-10 codes, e.g. J06.9.",
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 201: ClaimBody, ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const claim = await claims.create(actorOf(request), {
        itemKind: b.item_kind,
        itemId: b.item_id,
        serviceCodes: b.service_codes,
        diagnosisCodes: b.diagnosis_codes,
      });
      return reply.code(201).send({ claim });
    },
  );

  app.get(
    "/api/claims/",
    {
      preHandler: owners,
      schema: {
        tags: TAGS,
        operationId: "listClaims",
        summary: "Claims, newest first: a patient's own, or all for an admin (filtered)",
        security: bearer,
        querystring: Type.Object(
          {
            status: Type.Optional(Type.Union([Status], { description: "Only claims in this status." })),
            item_kind: Type.Optional(
              Type.Union([ItemKind], { description: "Only claims for this kind of item." }),
            ),
            patient_id: Type.Optional(Id),
            before_id: Type.Optional(
              Type.Integer({
                minimum: 1,
                maximum: 2147483647,
                description: "Claims older than this id (paging).",
              }),
            ),
            limit: Type.Integer({
              minimum: 1,
              maximum: 100,
              default: 50,
              description: "How many to return.",
            }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ claims: Type.Array(Claim) }), ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const q = request.query;
      return {
        claims: await claims.list(actorOf(request), {
          status: q.status,
          itemKind: q.item_kind,
          patientId: q.patient_id,
          beforeId: q.before_id,
          limit: q.limit,
        }),
      };
    },
  );

  app.get(
    "/api/claims/:id/",
    {
      preHandler: owners,
      schema: {
        tags: TAGS,
        operationId: "getClaim",
        summary: "One claim (the patient's own, or any for an admin; otherwise 404)",
        security: bearer,
        params: IdParams,
        response: { 200: ClaimBody, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => ({ claim: await claims.get(actorOf(request), request.params.id) }),
  );

  app.get(
    "/api/claims/:id/fhir",
    {
      preHandler: owners,
      schema: {
        tags: TAGS,
        operationId: "getClaimFhir",
        summary: "One claim as a FHIR R4 Claim resource (application/fhir+json)",
        security: bearer,
        params: IdParams,
        response: {
          200: Type.Object({ resourceType: Type.Literal("Claim") }, { additionalProperties: true }),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const claim = await claims.get(actorOf(request), request.params.id);
      return reply.type("application/fhir+json; charset=utf-8").send(claimResource(claim));
    },
  );

  app.post(
    "/api/claims/:id/accept",
    {
      preHandler: admin,
      schema: {
        tags: TAGS,
        operationId: "acceptClaim",
        summary: "The payer accepted the claim (admin); the patient's share reaches the payment",
        description:
          "approved_minor defaults to the clearinghouse's coverage. Before payment the checkout asks for the patient's " +
          "share only (422 FULL_COVERAGE_UNPAID when nothing would be left). Only a submitted claim (409 " +
          "INVALID_CLAIM_TRANSITION).",
        security: bearer,
        params: IdParams,
        body: Type.Object(
          {
            approved_minor: Type.Optional(
              Type.Integer({
                minimum: 0,
                maximum: 2147483647,
                description: "What the payer covers, minor units.",
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: ClaimBody, ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request) => ({
      claim: await claims.accept(actorOf(request), request.params.id, request.body.approved_minor),
    }),
  );

  app.post(
    "/api/claims/:id/reject",
    {
      preHandler: admin,
      schema: {
        tags: TAGS,
        operationId: "rejectClaim",
        summary: "The payer rejected the claim, with its reason (admin)",
        security: bearer,
        params: IdParams,
        body: Type.Object(
          {
            reason: Type.String({ minLength: 1, maxLength: 500, description: "Why the payer rejected it." }),
          },
          { additionalProperties: false },
        ),
        response: { 200: ClaimBody, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request) => ({
      claim: await claims.reject(actorOf(request), request.params.id, request.body.reason),
    }),
  );

  app.post(
    "/api/claims/:id/paid",
    {
      preHandler: admin,
      schema: {
        tags: TAGS,
        operationId: "markClaimPaid",
        summary:
          "The payer paid an accepted claim (admin); paid first, the covered part is refunded to the patient",
        security: bearer,
        params: IdParams,
        response: { 200: ClaimBody, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request) => ({ claim: await claims.markPaid(actorOf(request), request.params.id) }),
  );
};
