import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { actorOf } from "../plugins/auth.js";
import { bearer, errorsIn, Id } from "../schemas.js";

/** The error responses of these routes (see errorsIn). */
const errors = errorsIn("domain/rag/", "domain/accounts/access.ts");

const Citation = Type.Object({
  source_type: Type.String({
    description: "record | history | prescription | lab_result | visit_note | transcript | document",
  }),
  source_id: Type.String(),
  date: Type.String({ description: "The source's date (YYYY-MM-DD)" }),
  title: Type.String(),
  excerpt: Type.String(),
});

const Answer = Type.Object({
  answer: Type.String(),
  citations: Type.Array(Citation),
  grounded: Type.Boolean({
    description: "false: nothing in the records supports an answer (no citations, 'nothing recorded')",
  }),
});

/** Questions answered from one patient's history (domain/rag). */
export const ragRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { rag } = app.services;

  app.post(
    "/api/patients/:patient_id/ask",
    {
      preHandler: app.authenticate,
      schema: {
        operationId: "askPatientRecords",
        tags: ["records"],
        summary: "Ask a question answered from one patient's records, with citations",
        description:
          "For the patient themself and the doctors and nurses of their care team; anyone else gets 404. The " +
          "answer rests only on that patient's records: every statement is cited, and when nothing supports " +
          "an answer it says so (`grounded: false`). The question is audited with the ids it retrieved, never " +
          "its text.",
        security: bearer,
        params: Type.Object({ patient_id: Id }),
        body: Type.Object(
          { question: Type.String({ minLength: 2, maxLength: 1000 }) },
          { additionalProperties: false },
        ),
        response: { 200: Answer, ...errors(400, 401, 404) },
      },
    },
    async (request) => rag.ask(actorOf(request), request.params.patient_id, request.body.question),
  );
};
