import type { FastifyError, FastifyPluginAsync, FastifyReply } from "fastify";
import type { OperationOutcome, OperationOutcomeIssue } from "@medplum/fhirtypes";
import { DomainError, loggableError, type ErrorKind } from "../../domain/shared/errors.js";
import type { FhirParams } from "../../domain/fhir/service.js";
import { actorOf } from "../plugins/auth.js";

const FHIR_JSON = "application/fhir+json; charset=utf-8";
/** A transaction Bundle's size limit (its documents travel inside it, base64). */
const IMPORT_BODY_LIMIT = 32 * 1024 * 1024;

type IssueCode = OperationOutcomeIssue["code"];

const ISSUE: Record<ErrorKind, { status: number; code: IssueCode }> = {
  invalid: { status: 400, code: "invalid" },
  unauthenticated: { status: 401, code: "login" },
  forbidden: { status: 403, code: "forbidden" },
  not_found: { status: 404, code: "not-found" },
  conflict: { status: 409, code: "conflict" },
  unprocessable: { status: 422, code: "processing" },
  rate_limited: { status: 429, code: "throttled" },
  unavailable: { status: 503, code: "transient" },
};

function outcome(code: IssueCode, diagnostics: string, details?: string): OperationOutcome {
  return {
    resourceType: "OperationOutcome",
    issue: [{ severity: "error", code, diagnostics, ...(details ? { details: { text: details } } : {}) }],
  };
}

function send(reply: FastifyReply, status: number, body: unknown) {
  return reply.status(status).header("content-type", FHIR_JSON).send(JSON.stringify(body));
}

/**
 * FHIR R4 at /fhir/R4 (docs/fhir.md): its own error form (OperationOutcome) and media type, and the
 * CapabilityStatement as its description (these routes are left out of the OpenAPI document).
 */
export const fhirRoutes: FastifyPluginAsync = async (app) => {
  const { fhir } = app.services;
  const auth = app.authenticate;
  const hide = { hide: true };

  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof DomainError) {
      const { status, code } = ISSUE[err.kind];
      return send(reply, status, outcome(code, err.message, err.code));
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) return send(reply, status, outcome("invalid", err.message));
    request.log.error({ err: loggableError(err) }, "unhandled error");
    return send(reply, 500, outcome("exception", "Something went wrong on our side."));
  });
  app.setNotFoundHandler((request, reply) =>
    send(
      reply,
      404,
      outcome("not-supported", `No FHIR interaction ${request.method} ${request.url.split("?")[0]}.`),
    ),
  );

  // FHIR's own JSON media type (this plugin only); a Bundle from another EHR may carry documents (base64).
  app.addContentTypeParser(
    "application/fhir+json",
    { parseAs: "string", bodyLimit: IMPORT_BODY_LIMIT },
    (_request, body, done) => {
      try {
        done(null, JSON.parse(body as string));
      } catch {
        done(Object.assign(new Error("The body is not valid JSON."), { statusCode: 400 }), undefined);
      }
    },
  );

  app.post("/", { preHandler: auth, schema: hide, bodyLimit: IMPORT_BODY_LIMIT }, async (request, reply) =>
    send(reply, 200, await fhir.importTransaction(actorOf(request), request.body)),
  );

  app.get("/metadata", { schema: hide }, async (_request, reply) =>
    send(reply, 200, fhir.capabilityStatement()),
  );

  app.get<{ Params: { id: string } }>(
    "/Patient/:id/$everything",
    { preHandler: auth, schema: hide },
    async (request, reply) => {
      const id = /^[1-9]\d{0,9}$/.test(request.params.id) ? Number(request.params.id) : undefined;
      if (id === undefined) return send(reply, 404, outcome("not-found", "Patient not found."));
      return send(reply, 200, await fhir.everything(actorOf(request), id));
    },
  );

  app.get<{ Params: { type: string; id: string } }>(
    "/:type/:id",
    { preHandler: auth, schema: hide },
    async (request, reply) =>
      send(reply, 200, await fhir.read(actorOf(request), request.params.type, request.params.id)),
  );

  app.get<{ Params: { type: string }; Querystring: FhirParams }>(
    "/:type",
    { preHandler: auth, schema: hide },
    async (request, reply) =>
      send(reply, 200, await fhir.search(actorOf(request), request.params.type, request.query)),
  );
};
