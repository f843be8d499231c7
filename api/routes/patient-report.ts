import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { patientReport } from "../../domain/records/report.js";
import { actorOf } from "../plugins/auth.js";
import { bearer, described, errorsIn, Id, IsoDate } from "../schemas.js";

/** The error responses of these routes (see errorsIn). */
const errors = errorsIn("domain/records/report.ts", "domain/accounts/access.ts");

/** A patient's care in one printable PDF (seed 002: the patient report). */
export const patientReportRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    "/api/patients/:patient_id/report.pdf",
    {
      preHandler: app.authenticate,
      schema: {
        tags: ["records"],
        operationId: "getPatientReportPdf",
        summary:
          "A PDF summary of a patient's care for a date range (history, medicines, results, visits, plans)",
        description:
          "For the patient themself and their care team (doctors and nurses); anyone else gets 404. Allergies and " +
          "conditions are listed as they stand; records, prescriptions, lab results, visits and plans of the " +
          "period follow. Audited.",
        security: bearer,
        params: Type.Object({ patient_id: described(Id, "The patient.") }),
        querystring: Type.Object({
          from: Type.Optional(described(IsoDate, "The first day (default: a year before `to`).")),
          to: Type.Optional(described(IsoDate, "The last day (default: today in the patient's time zone).")),
        }),
        produces: ["application/pdf"],
        response: {
          200: Type.Unsafe<Buffer>({ type: "string", format: "binary" }),
          ...errors(400, 401, 404),
        },
      },
    },
    async (request, reply) => {
      const s = app.services;
      const report = await patientReport(
        {
          records: s.records,
          prescriptions: s.prescriptions,
          labs: s.labs,
          scheduling: s.scheduling,
          plans: s.plans,
          audit: s.audit,
          now: () => app.deps.clock.now(),
        },
        actorOf(request),
        request.params.patient_id,
        request.query,
      );
      return reply
        .header("content-type", "application/pdf")
        .header("content-disposition", `attachment; filename="${report.filename}"`)
        .header("cache-control", "no-store")
        .send(Buffer.from(report.bytes));
    },
  );
};
