import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { actorOf } from "../plugins/auth.js";
import { bearer, described, errorsIn, Id } from "../schemas.js";

/** The error responses of these routes (see errorsIn). */
const errors = errorsIn("domain/consultations/visits.ts", "domain/accounts/access.ts");

/** The doctor's "patients waiting": online visits a patient has joined and the care team has not. */
export const visitsWaitingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    "/api/doctor/visits/waiting/",
    {
      preHandler: app.requireRole("doctor", "nurse"),
      schema: {
        tags: ["visits"],
        operationId: "listWaitingPatients",
        summary:
          "Patients waiting in an online visit the doctor (or a nurse) has not joined, longest-waiting first",
        security: bearer,
        querystring: Type.Object({
          doctor_id: Type.Optional(
            described(Id, "An assigned nurse names the doctor; a doctor's own by default."),
          ),
        }),
        response: {
          200: Type.Object({
            waiting: Type.Array(
              Type.Object({
                visit_id: Type.Integer(),
                appointment_id: Type.Integer(),
                patient_id: Type.Integer(),
                patient_name: Type.String(),
                mode: Type.String({ examples: ["video"] }),
                starts_at: Type.String({ format: "date-time" }),
                waiting_since: Type.String({ format: "date-time", description: "When the patient joined." }),
              }),
            ),
          }),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (request) => app.services.visits.waiting(actorOf(request), request.query.doctor_id),
  );
};
