import { Type, type TSchema } from "typebox";

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

/** A positive integer id, coerced from query strings. */
export const Id = Type.Integer({ minimum: 1, maximum: 2147483647 });
export const IsoDate = Type.String({ pattern: "^\\d{4}-\\d{2}-\\d{2}$", examples: ["2026-03-05"] });
export const ClockTime = Type.String({
  pattern: "^\\s*\\d{1,2}:\\d{2}(:\\d{2})?\\s*([AaPp][Mm])?\\s*$",
  examples: ["10:30 AM"],
});
export const Email = Type.String({ format: "email", maxLength: 254 });
export const Password = Type.String({ minLength: 8, maxLength: 200 });
export const PersonName = Type.String({ minLength: 1, maxLength: 200, pattern: "\\S" });
export const Phone = Type.String({ pattern: "^\\+?[0-9 ()-]{6,20}$" });
export const Page = Type.Integer({ minimum: 1, maximum: 10000, default: 1 });

/** Error responses a route may give, for the OpenAPI document. */
export function errors(...codes: number[]): Record<number, TSchema> {
  return Object.fromEntries(codes.map((c) => [c, Type.Ref("ErrorResponse")]));
}

export const bearer = [{ bearerAuth: [] }];
