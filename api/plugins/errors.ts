import type { FastifyError, FastifyInstance } from "fastify";
import { loggableError, pgErrorCode } from "../../db/client.js";
import { DomainError, RateLimitedError, type ErrorKind } from "../../domain/shared/errors.js";
import { consumesMultipart } from "./multipart.js";

const STATUS: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
  rate_limited: 429,
  unavailable: 503,
};

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export function errorBody(code: string, message: string, details?: unknown): ErrorBody {
  return details === undefined ? { error: { code, message } } : { error: { code, message, details } };
}

/** Fastify's own 4xx errors (bad JSON, wrong content type, body too large …) keep their status with a stable code. */
function frameworkCode(err: FastifyError): string {
  switch (err.code) {
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return "UNSUPPORTED_MEDIA_TYPE";
    case "FST_ERR_CTP_BODY_TOO_LARGE":
    case "FST_REQ_FILE_TOO_LARGE":
      return "PAYLOAD_TOO_LARGE";
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return "MALFORMED_JSON";
    default:
      return err.statusCode === 400 && err instanceof SyntaxError ? "MALFORMED_JSON" : "BAD_REQUEST";
  }
}

function containsNul(value: unknown, depth = 0): boolean {
  if (typeof value === "string") return value.includes("\u0000");
  if (depth > 20 || value === null || typeof value !== "object") return false;
  if (Buffer.isBuffer(value)) return false;
  for (const [k, v] of Object.entries(value))
    if (k.includes("\u0000") || containsNul(v, depth + 1)) return true;
  return false;
}

function containsNonFinite(value: unknown, depth = 0): boolean {
  if (typeof value === "number") return !Number.isFinite(value);
  if (depth > 20 || value === null || typeof value !== "object" || Buffer.isBuffer(value)) return false;
  for (const v of Object.values(value)) if (containsNonFinite(v, depth + 1)) return true;
  return false;
}

/** The one place that turns errors into HTTP answers: `{"error": {"code", "message"}}`, never a stack trace. */
export function registerErrorHandling(app: FastifyInstance): void {
  // Postgres cannot store NUL in text; no legitimate input contains it. Refuse it before anything runs.
  app.addHook("preValidation", (request, _reply, done) => {
    if (containsNul(request.body) || containsNul(request.query) || containsNul(request.params)) {
      return done(new DomainError("invalid", "INVALID_CHARACTERS", "The request contains a NUL character."));
    }
    done();
  });
  // Schema coercion turns "1e309" into Infinity, which ajv's integer and maximum checks let through.
  app.addHook("preHandler", (request, _reply, done) => {
    if (
      containsNonFinite(request.query) ||
      containsNonFinite(request.params) ||
      containsNonFinite(request.body)
    ) {
      return done(new DomainError("invalid", "VALIDATION_ERROR", "A number in the request is out of range."));
    }
    done();
  });

  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof DomainError) {
      const status = STATUS[err.kind];
      if (err.kind === "rate_limited")
        void reply.header(
          "retry-after",
          String(err instanceof RateLimitedError ? Math.max(1, Math.ceil(err.retryAfterSeconds)) : 60),
        );
      return reply.status(status).send(errorBody(err.code, err.message, err.details));
    }
    if (err.validation) {
      const first = err.validation[0];
      const where = err.validationContext ?? "request";
      const field = first?.instancePath ? first.instancePath.replace(/^\//, "").replace(/\//g, ".") : "";
      const missing = (first?.params as { missingProperty?: string } | undefined)?.missingProperty;
      const name = missing ?? field;
      const message = `Invalid ${where}${name ? ` field "${name}"` : ""}: ${first?.message ?? "invalid value"}.`;
      return reply.status(400).send(errorBody("VALIDATION_ERROR", message));
    }
    // Safety net: a data exception from Postgres (class 22: out of range, bad date …) is the input's fault.
    if (pgErrorCode(err)?.startsWith("22")) {
      request.log.warn({ sqlstate: pgErrorCode(err) }, "data exception reached the database");
      return reply
        .status(400)
        .send(errorBody("INVALID_VALUE", "A value in the request is out of range or malformed."));
    }
    // An upload route sent another content type: the same answer as a non-multipart body that parsed.
    if (err.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE" && consumesMultipart(request)) {
      return reply.status(400).send(errorBody("MULTIPART_REQUIRED", "Send the body as multipart/form-data."));
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return reply.status(status).send(errorBody(frameworkCode(err), err.message));
    }
    request.log.error({ err: loggableError(err) }, "unhandled error");
    return reply
      .status(500)
      .send(errorBody("INTERNAL_ERROR", "Something went wrong on our side. Please try again."));
  });

  app.setNotFoundHandler((request, reply) => {
    return reply
      .status(404)
      .send(errorBody("ROUTE_NOT_FOUND", `No route ${request.method} ${request.url.split("?")[0]}.`));
  });
}
