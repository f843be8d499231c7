import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { cleanText } from "../../channels/shared/text.js";
import { actorOf } from "../plugins/auth.js";
import { bearer, errorsIn, Id } from "../schemas.js";

/** The error responses of these routes (see errorsIn). */
const errors = errorsIn("domain/consultations/messages", "domain/accounts/access.ts");

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const Thread = Type.Object({
  id: Type.Integer(),
  subject: Type.String(),
  patient_id: Type.Integer(),
  patient_name: Type.String(),
  doctor_id: Type.Integer(),
  doctor_name: Nullable(Type.String()),
  last_message_at: Type.String({ format: "date-time" }),
  created_at: Type.String({ format: "date-time" }),
  unread: Type.Integer({ description: "Messages from the other side this caller has not read." }),
});

const Message = Type.Object({
  id: Type.Integer(),
  sender_role: Type.String({ examples: ["patient", "doctor", "nurse"] }),
  text: Type.String(),
  document_id: Nullable(Type.Integer()),
  at: Type.String({ format: "date-time" }),
});

const Text = Type.String({ minLength: 1, maxLength: 4000 });

/**
 * Secure messages outside visits (MessagesService): threads between a patient and a doctor of their care
 * team; a nurse assigned to the doctor reads and answers. Thin: validate, call the domain, map.
 */
export const messageRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { messages } = app.services;
  const signedIn = app.authenticate;

  app.post(
    "/api/messages/threads",
    {
      preHandler: signedIn,
      schema: {
        tags: ["messages"],
        operationId: "createMessageThread",
        summary: "Start a secure thread: a patient with a doctor of theirs, or a doctor with their patient",
        description:
          "Patients give `doctor_id` (a doctor they have or had an appointment with), doctors `patient_id`; anyone else 404 (a nurse 403: they answer, the doctor or patient starts). `document_id` attaches one of the patient's own documents (else 422 INVALID_DOCUMENT). The other person is notified.",
        security: bearer,
        body: Type.Object({
          doctor_id: Type.Optional(Id),
          patient_id: Type.Optional(Id),
          subject: Type.String({ minLength: 1, maxLength: 200 }),
          text: Text,
          document_id: Type.Optional(Id),
        }),
        response: {
          201: Type.Object({ thread: Thread, message: Message }),
          ...errors(400, 401, 403, 404, 422),
        },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const out = await messages.start(actorOf(request), {
        ...b,
        subject: cleanText(b.subject),
        text: cleanText(b.text),
      });
      return reply.status(201).send(out);
    },
  );

  app.get(
    "/api/messages/threads",
    {
      preHandler: signedIn,
      schema: {
        tags: ["messages"],
        operationId: "listMessageThreads",
        summary: "The caller's threads, newest first, with unread counts",
        security: bearer,
        response: { 200: Type.Object({ threads: Type.Array(Thread) }), ...errors(401) },
      },
    },
    async (request) => ({ threads: await messages.list(actorOf(request)) }),
  );

  app.get(
    "/api/messages/threads/:id",
    {
      preHandler: signedIn,
      schema: {
        tags: ["messages"],
        operationId: "getMessageThread",
        summary: "A thread's messages (marks them read for the caller)",
        description:
          "Paging: `after` (a message id), `limit`. Anyone but the thread's two people and the doctor's nurse: 404.",
        security: bearer,
        params: Type.Object({ id: Id }),
        querystring: Type.Object({
          after: Type.Optional(
            Type.Integer({
              minimum: 0,
              description: "Only messages after this message id (the previous page's next_after).",
            }),
          ),
          limit: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: 200,
              description: "How many messages at most (default 100).",
            }),
          ),
        }),
        response: {
          200: Type.Object({ thread: Thread, messages: Type.Array(Message) }),
          ...errors(400, 401, 404),
        },
      },
    },
    async (request) =>
      messages.get(actorOf(request), request.params.id, {
        after: request.query.after,
        limit: request.query.limit,
      }),
  );

  app.post(
    "/api/messages/threads/:id/messages",
    {
      preHandler: signedIn,
      schema: {
        tags: ["messages"],
        operationId: "postThreadMessage",
        summary: "Write in a thread (its patient, its doctor, or the doctor's nurse)",
        description:
          "`document_id` attaches one of the thread's patient's documents (else 422 INVALID_DOCUMENT). The other side is notified. Others 404.",
        security: bearer,
        params: Type.Object({ id: Id }),
        body: Type.Object({ text: Text, document_id: Type.Optional(Id) }),
        response: { 201: Type.Object({ message: Message }), ...errors(400, 401, 404, 422) },
      },
    },
    async (request, reply) => {
      const message = await messages.reply(actorOf(request), request.params.id, {
        text: cleanText(request.body.text),
        document_id: request.body.document_id,
      });
      return reply.status(201).send({ message });
    },
  );
};
