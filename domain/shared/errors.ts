/**
 * Domain errors carry a stable code (asserted by tests, shown to clients) and a kind.
 * Each transport maps the kind to its own form in one place (HTTP status, chat reply).
 */
export type ErrorKind =
  | "invalid" // 400: the request itself is malformed
  | "unauthenticated" // 401
  | "forbidden" // 403: authenticated but not allowed, where hiding existence is not needed
  | "not_found" // 404: absent, or not yours
  | "conflict" // 409: a competing state (slot taken, duplicate)
  | "unprocessable" // 422: well-formed but breaks a business rule
  | "rate_limited" // 429
  | "unavailable"; // 503

export class DomainError extends Error {
  override readonly name = "DomainError";
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** A 429 that knows when the next attempt is allowed (the HTTP transport sends it as Retry-After). */
export class RateLimitedError extends DomainError {
  constructor(
    code: string,
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super("rate_limited", code, message);
  }
}

export const notFound = (what: string, code = "NOT_FOUND") =>
  new DomainError("not_found", code, `${what} not found.`);
export const invalid = (code: string, message: string, details?: Record<string, unknown>) =>
  new DomainError("invalid", code, message, details);
export const unprocessable = (code: string, message: string, details?: Record<string, unknown>) =>
  new DomainError("unprocessable", code, message, details);
export const conflict = (code: string, message: string) => new DomainError("conflict", code, message);
export const forbidden = (code: string, message: string) => new DomainError("forbidden", code, message);
export const unauthenticated = (code: string, message: string) =>
  new DomainError("unauthenticated", code, message);

/**
 * An error as it may be logged (the database driver's error, without drizzle's SQL and parameters, which can
 * be patient data). Re-exported here so that the layers above the domain need nothing from db/.
 */
export { loggableError } from "../../db/client.js";
