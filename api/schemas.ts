import { Type, type TSchema } from "typebox";
import { ERROR_CODES } from "./error-codes.js";

/** Shared pieces of route schemas. */
export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ examples: ["NOT_FOUND"] }),
      message: Type.String(),
      details: Type.Optional(Type.Unknown()),
    }),
  },
  { $id: "ErrorResponse", description: "Every error has this shape." },
);

/** A shared schema with a description of its own (what a parameter means on one route). */
export function described<T extends TSchema>(schema: T, description: string): T {
  return { ...schema, description };
}

/** A positive integer id, coerced from query strings. */
export const Id = Type.Integer({ minimum: 1, maximum: 2147483647 });
/** A calendar date. No example: any fixed date goes into the past, and routes refuse past dates. */
export const IsoDate = Type.String({ pattern: "^\\d{4}-\\d{2}-\\d{2}$" });
export const ClockTime = Type.String({
  pattern: "^\\s*\\d{1,2}:\\d{2}(:\\d{2})?\\s*([AaPp][Mm])?\\s*$",
  examples: ["10:30 AM"],
});
export const Email = Type.String({ format: "email", maxLength: 254 });
export const Password = Type.String({ minLength: 8, maxLength: 200 });
export const PersonName = Type.String({ minLength: 1, maxLength: 200, pattern: "\\S" });
export const Phone = Type.String({ pattern: "^\\+?[0-9 ()-]{6,20}$" });
export const Page = Type.Integer({ minimum: 1, maximum: 10000, default: 1 });

const STATUS_TEXT: Record<number, string> = {
  400: "Bad request",
  401: "Not signed in",
  403: "Forbidden",
  404: "Not found (or not yours to see)",
  409: "Conflict",
  413: "Payload too large",
  422: "Breaks a business rule",
  429: "Too many requests",
  503: "Unavailable",
};

/** Codes any route answering a status can give, not thrown by name in our source (Fastify's own). */
const FRAMEWORK_CODES: Record<number, string[]> = {
  400: ["VALIDATION_ERROR", "MALFORMED_JSON"],
  413: ["PAYLOAD_TOO_LARGE"],
};

/** Codes thrown for every route: the error handler's (NUL characters, numbers out of range) and sign-in's. */
const EVERYWHERE = ["api/plugins/errors.ts", "api/plugins/auth.ts"];

/** The error body of one status with the codes a route may answer with it (`{error: {code, message, details?}}`). */
function errorResponse(status: number, codes: string[]): TSchema {
  return Type.Object(
    {
      error: Type.Object({
        code: Type.Unsafe<string>({ type: "string", enum: codes }),
        message: Type.String(),
        details: Type.Optional(Type.Unknown()),
      }),
    },
    { description: `${STATUS_TEXT[status] ?? "Error"}. Codes: ${codes.join(", ")}.` },
  );
}

/**
 * The error responses of a route file's routes, for the OpenAPI document: `errorsIn(areas…)` gives the file an
 * `errors(...)` whose arguments are statuses (each listed with the codes of that status thrown under the areas:
 * folder or file prefixes such as "domain/scheduling/") or codes (listed under their own status, from
 * api/error-codes.ts, whatever the areas). Every response has the shared shape with the codes as an enum and in
 * its description. The codes are those the route's area can answer with that status, a superset of what one
 * route can meet.
 */
export function errorsIn(...areas: string[]): (...spec: (number | string)[]) => Record<number, TSchema> {
  const where = [...EVERYWHERE, ...areas];
  return (...spec) => {
    const byStatus = new Map<number, Set<string>>();
    const at = (status: number) => byStatus.get(status) ?? byStatus.set(status, new Set()).get(status)!;
    for (const item of spec) {
      if (typeof item === "number") {
        const codes = at(item);
        for (const c of FRAMEWORK_CODES[item] ?? []) codes.add(c);
        for (const [code, e] of Object.entries(ERROR_CODES))
          if (e.status.includes(item) && e.in.some((f) => where.some((a) => f.startsWith(a))))
            codes.add(code);
      } else {
        const known = ERROR_CODES[item];
        if (!known) throw new Error(`unknown error code ${item}: run npm run openapi:codes`);
        for (const status of known.status) at(status).add(item);
      }
    }
    return Object.fromEntries(
      [...byStatus.entries()].map(([status, codes]) => [status, errorResponse(status, [...codes].sort())]),
    );
  };
}

/** Error responses with only the codes every route may answer (for routes outside any area). */
export const errors = errorsIn();

export const bearer = [{ bearerAuth: [] }];
