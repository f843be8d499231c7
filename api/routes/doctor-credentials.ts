import multipart from "@fastify/multipart";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { actorOf } from "../plugins/auth.js";
import { readUpload } from "../plugins/multipart.js";
import { bearer, errorsIn } from "../schemas.js";

/** The error responses of these routes (see errorsIn). */
const errors = errorsIn(
  "domain/doctors/credentials.ts",
  "domain/records/files.ts",
  "domain/shared/",
  "api/plugins/multipart.ts",
);

const Credential = Type.Object({
  id: Type.Integer(),
  doctor_id: Type.Integer(),
  kind: Type.Union([Type.Literal("registration"), Type.Literal("degree"), Type.Literal("other")]),
  title: Type.String(),
  filename: Type.String(),
  content_type: Type.String(),
  size_bytes: Type.Integer(),
  created_at: Type.String(),
});

const CredentialId = Type.Integer({ minimum: 1, maximum: 2147483647, description: "The document's id." });
const DoctorId = Type.Integer({ minimum: 1, maximum: 2147483647, description: "The doctor's id." });

/** Doctors' credential documents: the doctor uploads them, an admin reads them to verify the doctor. */
export const doctorCredentialRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { credentials } = app.services;
  const { storage } = app.deps.config;

  // Scoped to this plugin: only these routes accept multipart bodies, up to the documents' size limit.
  await app.register(multipart, {
    limits: { fileSize: storage.maxBytes, files: 1, fields: 5, fieldSize: 1000, parts: 6 },
  });

  app.post(
    "/api/doctor/credentials/",
    {
      preHandler: app.requireRole("doctor"),
      schema: {
        tags: ["doctors"],
        operationId: "uploadDoctorCredential",
        summary: "Upload a credential document (multipart: file, kind, title)",
        description:
          `kind is registration, degree or other. PDF, PNG or JPEG, decided by the content; at most ` +
          `${storage.maxBytes} bytes. Stored encrypted.`,
        security: bearer,
        consumes: ["multipart/form-data"],
        response: { 201: Type.Object({ credential: Credential }), ...errors(400, 401, 403, 404, 413, 422) },
      },
    },
    async (request, reply) => {
      const { file, fields } = await readUpload(request, "file");
      const credential = await credentials.upload(actorOf(request), {
        kind: fields.kind,
        title: fields.title,
        filename: file.filename,
        bytes: file.bytes,
      });
      return reply.status(201).send({ credential });
    },
  );

  app.get(
    "/api/doctor/credentials/",
    {
      preHandler: app.requireRole("doctor"),
      schema: {
        tags: ["doctors"],
        operationId: "listDoctorCredentials",
        summary: "The doctor's own credential documents",
        security: bearer,
        response: { 200: Type.Object({ credentials: Type.Array(Credential) }), ...errors(401, 403, 404) },
      },
    },
    async (request) => ({ credentials: await credentials.listOwn(actorOf(request)) }),
  );

  app.delete(
    "/api/doctor/credentials/:id",
    {
      preHandler: app.requireRole("doctor"),
      schema: {
        tags: ["doctors"],
        operationId: "deleteDoctorCredential",
        summary: "Delete one of the doctor's own credential documents (refused once the doctor is verified)",
        security: bearer,
        params: Type.Object({ id: CredentialId }),
        response: { 204: Type.Null(), ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await credentials.deleteOwn(actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  const admin = app.requireRole("admin");

  app.get(
    "/api/admin/doctors/:id/credentials/",
    {
      preHandler: admin,
      schema: {
        tags: ["admin"],
        operationId: "listDoctorCredentialsForReview",
        summary: "A doctor's credential documents, for verification (audited)",
        security: bearer,
        params: Type.Object({ id: DoctorId }),
        response: {
          200: Type.Object({ credentials: Type.Array(Credential) }),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (request) => ({
      credentials: await credentials.listForReview(actorOf(request), request.params.id),
    }),
  );

  app.get(
    "/api/admin/doctors/:id/credentials/:docId",
    {
      preHandler: admin,
      schema: {
        tags: ["admin"],
        operationId: "readDoctorCredential",
        summary: "A credential document's content (decrypted, inline), for verification (audited)",
        security: bearer,
        params: Type.Object({
          id: DoctorId,
          docId: CredentialId,
        }),
        produces: ["application/pdf", "image/png", "image/jpeg"],
        response: {
          200: Type.Unsafe<Buffer>({ type: "string", format: "binary" }),
          ...errors(400, 401, 403, 404, 503),
        },
      },
    },
    async (request, reply) => {
      const doc = await credentials.readForReview(actorOf(request), request.params.id, request.params.docId);
      return reply
        .header("content-type", doc.contentType)
        .header("content-disposition", `inline; filename="${doc.filename}"`)
        .header("content-length", String(doc.bytes.length))
        .header("cache-control", "private, no-store")
        .header("x-content-type-options", "nosniff")
        .send(doc.bytes);
    },
  );
};
