import multipart from "@fastify/multipart";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyRequest } from "fastify";
import type { Actor } from "../../domain/shared/actor.js";
import { Type } from "typebox";
import { invalid } from "../../domain/shared/errors.js";
import { actorOf } from "../plugins/auth.js";
import { readUpload } from "../plugins/multipart.js";
import { bearer, errorsIn, Id } from "../schemas.js";

/** The error responses of these routes (see errorsIn). */
const errors = errorsIn(
  "domain/consultations/notes",
  "domain/consultations/transcripts",
  "api/routes/visit-notes.ts",
  "api/plugins/multipart.ts",
);

const TAGS = ["visits"];
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const VisitParams = Type.Object({ visit_id: Id });
const SectionText = Type.String({ maxLength: 20_000 });

const Segment = Type.Object({
  id: Type.Integer(),
  speaker: Type.Union([Type.Literal("doctor"), Type.Literal("patient")]),
  start: Type.Number(),
  end: Type.Number(),
  text: Type.String(),
});
const Transcript = Type.Object({
  visit_id: Type.Integer(),
  status: Type.Union([
    Type.Literal("none"),
    Type.Literal("processing"),
    Type.Literal("ready"),
    Type.Literal("failed"),
    Type.Literal("not_configured"),
  ]),
  segments: Type.Array(Segment),
});
const Sections = Type.Object({
  subjective: Type.String(),
  objective: Type.String(),
  assessment: Type.String(),
  plan: Type.String(),
});
const Note = Type.Object({
  visit_id: Type.Integer(),
  status: Type.Union([Type.Literal("draft"), Type.Literal("signed")]),
  draft: Type.Object({
    status: Type.Union([
      Type.Literal("none"),
      Type.Literal("drafting"),
      Type.Literal("ready"),
      Type.Literal("not_drafted"),
    ]),
    reason: Nullable(Type.String()),
    message: Nullable(Type.String()),
    model: Nullable(Type.String()),
  }),
  sections: Sections,
  statements: Type.Array(
    Type.Object({ section: Type.String(), text: Type.String(), segment_ids: Type.Array(Type.Integer()) }),
  ),
  patient_summary: Nullable(Type.String()),
  signed_at: Nullable(Type.String()),
  record_id: Nullable(Type.Integer()),
  document_id: Nullable(Type.Integer()),
  prescriptions: Type.Array(
    Type.Object({
      id: Type.Integer(),
      status: Type.String(),
      items: Type.Array(
        Type.Object({
          medicine_name: Type.String(),
          dose: Type.String(),
          frequency: Type.String(),
          duration_days: Type.Integer(),
        }),
      ),
    }),
    { description: "Prescriptions written for the visit's appointment (during the visit, or given its id)." },
  ),
});

/** Visit recordings, the transcript, the doctor's note and its signature (domain/consultations). */
export const visitNoteRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { transcripts, visitNotes, visits } = app.services;
  const maxBytes = app.deps.config.visitAudioMaxBytes;
  const auth = app.authenticate;

  // Scoped to this plugin: only the audio upload takes multipart bodies.
  await app.register(multipart, {
    limits: { fileSize: maxBytes, files: 1, fields: 4, fieldSize: 100, parts: 6 },
  });

  app.post(
    "/api/visits/:visit_id/audio",
    {
      preHandler: auth,
      schema: {
        tags: TAGS,
        operationId: "uploadVisitAudio",
        summary: "Upload your own recording of a visit (multipart: file; optional offset_ms or started_at)",
        description:
          `WebM, Ogg or WAV, decided by the content; at most ${maxBytes} bytes; stored encrypted. Kept only when ` +
          "both people consented to recording at join (409 RECORDING_NOT_CONSENTED otherwise). Transcribed by a job.",
        security: bearer,
        params: VisitParams,
        consumes: ["multipart/form-data"],
        response: {
          202: Type.Object({ audio: Type.Object({ id: Type.Integer(), status: Type.String() }) }),
          ...errors(400, 401, 404, 409, 413, 422),
        },
      },
    },
    async (request, reply) =>
      reply.status(202).send(await upload(request, actorOf(request), request.params.visit_id)),
  );

  app.post(
    "/api/visit/audio",
    {
      schema: {
        tags: TAGS,
        operationId: "uploadVisitAudioWithLink",
        summary: "Upload your recording from the visit page (multipart: token, visit_id, file, started_at)",
        description:
          "The visit page's upload, authorised by the person's visit link token (a form field, never the URL). " +
          "The same rules as POST /api/visits/{visit_id}/audio.",
        consumes: ["multipart/form-data"],
        response: {
          202: Type.Object({ audio: Type.Object({ id: Type.Integer(), status: Type.String() }) }),
          ...errors(400, 404, 409, 413, 422),
        },
      },
    },
    async (request, reply) => {
      const { file, fields } = await readUpload(request, "file");
      const visitId = /^[1-9][0-9]{0,9}$/.test(fields.visit_id ?? "") ? Number(fields.visit_id) : undefined;
      if (!fields.token || visitId === undefined)
        throw invalid("VALIDATION_ERROR", 'The body needs the fields "token" and "visit_id".');
      const { actor } = await visits.linkActor(fields.token);
      return reply.status(202).send(await store(actor, visitId, file.bytes, fields));
    },
  );

  async function upload(request: FastifyRequest, actor: Actor, visitId: number) {
    const { file, fields } = await readUpload(request, "file");
    return store(actor, visitId, file.bytes, fields);
  }

  async function store(actor: Actor, visitId: number, bytes: Buffer, fields: Record<string, string>) {
    const raw = fields.offset_ms?.trim();
    if (raw !== undefined && raw !== "" && !/^[0-9]{1,9}$/.test(raw)) {
      throw invalid(
        "VALIDATION_ERROR",
        'Invalid body field "offset_ms": milliseconds from the visit\'s start.',
      );
    }
    const started = fields.started_at?.trim();
    const startedAt = started ? new Date(started) : undefined;
    if (started && (!/^\d{4}-\d{2}-\d{2}T/.test(started) || Number.isNaN(startedAt!.getTime()))) {
      throw invalid("VALIDATION_ERROR", 'Invalid body field "started_at": an ISO 8601 time.');
    }
    const result = await transcripts.uploadAudio(actor, visitId, {
      bytes,
      offsetMs: raw ? Number(raw) : undefined,
      startedAt,
    });
    return { audio: { id: result.audio_id, status: result.status } };
  }

  app.get(
    "/api/visits/:visit_id/transcript",
    {
      preHandler: auth,
      schema: {
        tags: TAGS,
        operationId: "getVisitTranscript",
        summary: "The visit's transcript, both speakers merged by time (the visit's two people only)",
        security: bearer,
        params: VisitParams,
        response: { 200: Type.Object({ transcript: Transcript }), ...errors(401, 404) },
      },
    },
    async (request) => ({
      transcript: await transcripts.getTranscript(actorOf(request), request.params.visit_id),
    }),
  );

  app.get(
    "/api/visits/:visit_id/note",
    {
      preHandler: auth,
      schema: {
        tags: TAGS,
        operationId: "getVisitNote",
        summary: "The visit's note: the doctor's draft, or the signed note (the patient sees it once signed)",
        security: bearer,
        params: VisitParams,
        response: { 200: Type.Object({ note: Note }), ...errors(401, 404) },
      },
    },
    async (request) => ({ note: await visitNotes.getNote(actorOf(request), request.params.visit_id) }),
  );

  app.put(
    "/api/visits/:visit_id/note",
    {
      preHandler: auth,
      schema: {
        tags: TAGS,
        operationId: "updateVisitNote",
        summary: "Edit the draft note (the sections given replace those sections)",
        security: bearer,
        params: VisitParams,
        body: Type.Object(
          {
            sections: Type.Object(
              {
                subjective: Type.Optional(SectionText),
                objective: Type.Optional(SectionText),
                assessment: Type.Optional(SectionText),
                plan: Type.Optional(SectionText),
              },
              { additionalProperties: false },
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ note: Note }), ...errors(400, 401, 404, 409) },
      },
    },
    async (request) => ({
      note: await visitNotes.updateNote(actorOf(request), request.params.visit_id, request.body.sections),
    }),
  );

  app.post(
    "/api/visits/:visit_id/note/sign",
    {
      preHandler: auth,
      schema: {
        tags: TAGS,
        operationId: "signVisitNote",
        summary: "Sign the note: it becomes a clinical record and the patient's summary (chat and PDF)",
        security: bearer,
        params: VisitParams,
        response: { 200: Type.Object({ note: Note }), ...errors(401, 404, 409, 422) },
      },
    },
    async (request) => ({ note: await visitNotes.sign(actorOf(request), request.params.visit_id) }),
  );
};
