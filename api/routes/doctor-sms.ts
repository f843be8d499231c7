import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { actorOf } from "../plugins/auth.js";
import { bearer, errorsIn } from "../schemas.js";

/** The error responses of these routes (see errorsIn). */
const errors = errorsIn("domain/doctors/sms", "domain/accounts/login-throttle.ts", "domain/shared/phone.ts");

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const SmsStatus = Type.Object({
  phone: Nullable(Type.String()),
  phone_verified: Type.Boolean(),
  phone_verified_at: Nullable(Type.String()),
  sms_pin_set: Type.Boolean(),
  sms_pin_locked_until: Nullable(Type.String()),
});

/**
 * The doctor's SMS command line, set up from the console: prove a phone with a one-time code, set the PIN
 * that authorises WITHDRAW by SMS. The commands themselves arrive on the SMS channel (bot/doctor-sms).
 */
export const doctorSmsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { doctorSms } = app.services;
  const doctor = app.requireRole("doctor");

  app.get(
    "/api/doctor/phone",
    {
      preHandler: doctor,
      schema: {
        tags: ["doctors"],
        operationId: "getDoctorPhone",
        summary: "The doctor's SMS phone (verified or not) and whether an SMS PIN is set or locked",
        security: bearer,
        response: { 200: SmsStatus, ...errors(401, 403, 404) },
      },
    },
    async (request) => doctorSms.status(actorOf(request)),
  );

  app.post(
    "/api/doctor/phone",
    {
      preHandler: doctor,
      schema: {
        tags: ["doctors"],
        operationId: "setDoctorPhone",
        summary:
          "Set the doctor's mobile number for SMS commands; a 6-digit code is sent to it (valid 10 minutes)",
        security: bearer,
        body: Type.Object(
          { phone: Type.String({ minLength: 1, maxLength: 32, examples: ["+919876543210"] }) },
          { additionalProperties: false },
        ),
        response: {
          202: Type.Object({ phone: Type.String(), code_expires_at: Type.String() }),
          ...errors(400, 401, 403, 404, 429),
        },
      },
    },
    async (request, reply) =>
      reply.status(202).send(await doctorSms.setPhone(actorOf(request), request.body)),
  );

  app.post(
    "/api/doctor/phone/verify",
    {
      preHandler: doctor,
      schema: {
        tags: ["doctors"],
        operationId: "verifyDoctorPhone",
        summary: "Prove the phone with the code sent to it; five wrong codes void it",
        security: bearer,
        body: Type.Object(
          { code: Type.String({ minLength: 1, maxLength: 20 }) },
          { additionalProperties: false },
        ),
        response: { 200: SmsStatus, ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request) => doctorSms.verifyPhone(actorOf(request), request.body),
  );

  app.put(
    "/api/doctor/sms-pin",
    {
      preHandler: doctor,
      schema: {
        tags: ["doctors"],
        operationId: "setDoctorSmsPin",
        summary: "Set (or reset, which unlocks) the PIN that authorises WITHDRAW by SMS; needs the password",
        security: bearer,
        body: Type.Object(
          {
            pin: Type.String({ minLength: 1, maxLength: 20, description: "4 to 8 digits" }),
            password: Type.String({ minLength: 1, maxLength: 200 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: SmsStatus, ...errors(400, 401, 403, 404, 429) },
      },
    },
    async (request) => doctorSms.setPin(actorOf(request), request.body),
  );
};
