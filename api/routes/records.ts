import multipart from "@fastify/multipart";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyRequest } from "fastify";
import { Type } from "typebox";
import type { UploadInput } from "../../domain/records/service.js";
import { invalid } from "../../domain/shared/errors.js";
import { actorOf } from "../plugins/auth.js";
import { readUpload } from "../plugins/multipart.js";
import { bearer, errorsIn, Id, IsoDate } from "../schemas.js";

/** The error responses of these routes (see errorsIn). */
const errors = errorsIn(
  "domain/records/",
  "domain/accounts/access.ts",
  "api/routes/records.ts",
  "api/plugins/multipart.ts",
  "domain/shared/phone.ts",
);

// --- schemas -------------------------------------------------------------------------------------

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max, pattern: "\\S" });
const PatientQuery = Type.Object({ patient_id: Type.Optional(Id) });
const NoBody = Type.Null();

const EmergencyContact = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 200 })),
    phone: Type.Optional(Type.String({ maxLength: 40 })),
    relation: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false },
);
const Insurance = Type.Object(
  {
    provider: Type.Optional(Type.String({ maxLength: 200 })),
    policy_number: Type.Optional(Type.String({ maxLength: 100 })),
    valid_until: Type.Optional(IsoDate),
    member_name: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
const BloodGroup = Type.Union(["A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-"].map((g) => Type.Literal(g)));

const Profile = Type.Object({
  patient_id: Type.Integer(),
  name: Type.String(),
  date_of_birth: Nullable(Type.String()),
  sex: Nullable(Type.String()),
  phone: Nullable(Type.String()),
  email: Nullable(Type.String()),
  address: Nullable(Type.String()),
  city: Nullable(Type.String()),
  blood_group: Nullable(Type.String()),
  time_zone: Type.String(),
  emergency_contact: Nullable(EmergencyContact),
  insurance: Nullable(Insurance),
  updated_at: Type.String(),
});

const HistoryKind = Type.Union([
  Type.Literal("allergy"),
  Type.Literal("condition"),
  Type.Literal("surgery"),
  Type.Literal("family_history"),
]);
const Severity = Type.Union([Type.Literal("mild"), Type.Literal("moderate"), Type.Literal("severe")]);
const ConditionStatus = Type.Union([Type.Literal("active"), Type.Literal("resolved")]);
const HistoryItem = Type.Object({
  id: Type.Integer(),
  patient_id: Type.Integer(),
  kind: HistoryKind,
  name: Type.String(),
  detail: Nullable(Type.String()),
  severity: Nullable(Type.String()),
  reaction: Nullable(Type.String()),
  status: Nullable(Type.String()),
  relative: Nullable(Type.String()),
  onset_date: Nullable(Type.String()),
  recorded_by: Nullable(Type.String()),
  recorded_by_user_id: Nullable(Type.Integer()),
  created_at: Type.String(),
  updated_at: Type.String(),
});
const GroupedHistory = Type.Object({
  allergies: Type.Array(HistoryItem),
  conditions: Type.Array(HistoryItem),
  surgeries: Type.Array(HistoryItem),
  family_history: Type.Array(HistoryItem),
});
const HistoryFields = {
  detail: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
  severity: Type.Optional(Nullable(Severity)),
  reaction: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
  status: Type.Optional(Nullable(ConditionStatus)),
  relative: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
  onset_date: Type.Optional(Nullable(IsoDate)),
};

const TestResults = Type.Record(
  Type.String({ minLength: 1, maxLength: 200 }),
  Type.String({ maxLength: 2000 }),
  {
    maxProperties: 100,
  },
);
const MedicalRecord = Type.Object({
  record_id: Type.Integer(),
  patient_id: Type.Integer(),
  date: Type.String(),
  description: Type.String(),
  prescription: Nullable(Type.String()),
  kind: Type.Union([Type.Literal("self_reported"), Type.Literal("clinical")]),
  author: Type.Union([Type.Literal("patient"), Type.Literal("doctor")]),
  diagnosis: Nullable(Type.String()),
  notes: Nullable(Type.String()),
  test_results: Type.Record(Type.String(), Type.String()),
  doctor_name: Nullable(Type.String()),
  appointment_id: Nullable(Type.Integer()),
  created_at: Type.String(),
  updated_at: Type.String(),
});
const ClinicalRecord = Type.Object({
  record_id: Type.Integer(),
  patient_id: Type.Integer(),
  date: Type.String(),
  description: Type.String(),
  prescription: Nullable(Type.String()),
  test_results: Type.Record(Type.String(), Type.String()),
  diagnosis: Nullable(Type.String()),
  notes: Nullable(Type.String()),
  doctor_name: Nullable(Type.String()),
  appointment_id: Nullable(Type.Integer()),
  created_at: Type.String(),
  updated_at: Type.String(),
});
const ClinicalFields = {
  appointment_id: Type.Optional(Nullable(Id)),
  diagnosis: Type.Optional(Nullable(Type.String({ maxLength: 4000 }))),
  notes: Type.Optional(Nullable(Type.String({ maxLength: 20000 }))),
  prescription: Type.Optional(Nullable(Type.String({ maxLength: 4000 }))),
  test_results: Type.Optional(Nullable(TestResults)),
};

const Document = Type.Object({
  id: Type.Integer(),
  patient_id: Type.Integer(),
  record_id: Nullable(Type.Integer()),
  title: Nullable(Type.String()),
  filename: Type.String(),
  content_type: Type.String(),
  size_bytes: Type.Integer(),
  sha256: Type.String(),
  uploaded_by_user_id: Type.Integer(),
  created_at: Type.String(),
});

const RECORDS = ["records"];

/** Reads a document upload: one `file` part plus optional text fields, in any order (api/plugins/multipart.ts). */
async function readDocumentUpload(request: FastifyRequest): Promise<UploadInput> {
  const { file, fields } = await readUpload(request, "file");
  const id = (name: string): number | undefined => {
    const v = fields[name]?.trim();
    if (v === undefined || v === "") return undefined;
    if (!/^[1-9][0-9]{0,9}$/.test(v) || Number(v) > 2147483647) {
      throw invalid("VALIDATION_ERROR", `Invalid body field "${name}": must be a positive integer.`);
    }
    return Number(v);
  };
  const title = fields.title?.trim();
  if (title !== undefined && title.length > 200) {
    throw invalid("VALIDATION_ERROR", 'Invalid body field "title": at most 200 characters.');
  }
  return {
    patient_id: id("patient_id"),
    record_id: id("record_id"),
    title: title === "" ? undefined : title,
    filename: file.filename,
    bytes: file.bytes,
  };
}

// --- routes --------------------------------------------------------------------------------------

/** Patient profile and history, self-reported and clinical records, documents. */
export const recordRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { records } = app.services;
  const { storage } = app.deps.config;
  const auth = app.authenticate;

  // Scoped to this plugin: only these routes accept multipart bodies.
  await app.register(multipart, {
    limits: { fileSize: storage.maxBytes, files: 1, fields: 10, fieldSize: 1000, parts: 12 },
  });

  // --- profile and history ---

  app.get(
    "/api/patient/profile/",
    {
      preHandler: auth,
      schema: {
        tags: RECORDS,
        operationId: "getPatientProfile",
        summary: "A patient's profile with their history grouped by kind",
        security: bearer,
        querystring: PatientQuery,
        response: {
          200: Type.Object({ profile: Profile, history: GroupedHistory }),
          ...errors(400, 401, 404),
        },
      },
    },
    async (request) => records.getProfile(actorOf(request), request.query.patient_id),
  );

  app.put(
    "/api/patient/profile/",
    {
      preHandler: auth,
      schema: {
        tags: RECORDS,
        operationId: "updatePatientProfile",
        summary: "Edit your own profile (only the fields given change; null clears)",
        security: bearer,
        body: Type.Object(
          {
            patient_id: Type.Optional(Id),
            name: Type.Optional(Text(200)),
            date_of_birth: Type.Optional(Nullable(IsoDate)),
            sex: Type.Optional(Nullable(Type.String({ maxLength: 30 }))),
            phone: Type.Optional(Nullable(Type.String({ pattern: "^\\+?[0-9 ()-]{6,20}$" }))),
            email: Type.Optional(Nullable(Type.String({ format: "email", maxLength: 254 }))),
            address: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
            city: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
            blood_group: Type.Optional(Nullable(BloodGroup)),
            time_zone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
            emergency_contact: Type.Optional(Nullable(EmergencyContact)),
            insurance: Type.Optional(Nullable(Insurance)),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ profile: Profile, history: GroupedHistory }),
          ...errors(400, 401, 403, 404, 422),
        },
      },
    },
    async (request) => records.updateProfile(actorOf(request), request.body),
  );

  app.get(
    "/api/patient/history/",
    {
      preHandler: auth,
      schema: {
        tags: RECORDS,
        operationId: "listHistoryItems",
        summary: "A patient's history items (allergies, conditions, surgeries, family history)",
        security: bearer,
        querystring: PatientQuery,
        response: { 200: Type.Object({ history: Type.Array(HistoryItem) }), ...errors(400, 401, 404) },
      },
    },
    async (request) => ({ history: await records.listHistory(actorOf(request), request.query.patient_id) }),
  );

  app.post(
    "/api/patient/history/",
    {
      preHandler: auth,
      schema: {
        tags: RECORDS,
        operationId: "addHistoryItem",
        summary: "Add a history item (patients: any kind; care-team doctors: allergies and conditions)",
        security: bearer,
        body: Type.Object(
          { patient_id: Type.Optional(Id), kind: HistoryKind, name: Text(200), ...HistoryFields },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ item: HistoryItem }), ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) =>
      reply.status(201).send({ item: await records.addHistoryItem(actorOf(request), request.body) }),
  );

  app.put(
    "/api/patient/history/:id/",
    {
      preHandler: auth,
      schema: {
        tags: RECORDS,
        operationId: "updateHistoryItem",
        summary: "Change a history item you recorded",
        security: bearer,
        params: Type.Object({ id: Id }),
        body: Type.Object(
          { name: Type.Optional(Text(200)), ...HistoryFields },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ item: HistoryItem }), ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request) => ({
      item: await records.updateHistoryItem(actorOf(request), request.params.id, request.body),
    }),
  );

  app.delete(
    "/api/patient/history/:id/",
    {
      preHandler: auth,
      schema: {
        tags: RECORDS,
        operationId: "deleteHistoryItem",
        summary: "Remove a history item you recorded",
        security: bearer,
        params: Type.Object({ id: Id }),
        response: { 204: NoBody, ...errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await records.deleteHistoryItem(actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  // --- records ---

  app.get(
    "/api/patient/records/",
    {
      preHandler: auth,
      schema: {
        tags: RECORDS,
        operationId: "listPatientRecords",
        summary: "All records of a patient (self-reported and clinical), newest first",
        security: bearer,
        querystring: PatientQuery,
        response: { 200: Type.Object({ records: Type.Array(MedicalRecord) }), ...errors(400, 401, 404) },
      },
    },
    async (request) => ({ records: await records.listRecords(actorOf(request), request.query.patient_id) }),
  );

  app.post(
    "/api/patient/records/",
    {
      preHandler: auth,
      schema: {
        tags: RECORDS,
        operationId: "addPatientRecord",
        summary: "Add a self-reported record to your own history",
        security: bearer,
        body: Type.Object(
          {
            patient_id: Type.Optional(Id),
            date: IsoDate,
            description: Text(4000),
            prescription: Type.Optional(Nullable(Type.String({ maxLength: 4000 }))),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ record: MedicalRecord }), ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) =>
      reply.status(201).send({ record: await records.createSelfRecord(actorOf(request), request.body) }),
  );

  app.put(
    "/api/patient/records/:record_id/",
    {
      preHandler: auth,
      schema: {
        tags: RECORDS,
        operationId: "updatePatientRecord",
        summary: "Change one of your self-reported records (doctors' records are read-only)",
        security: bearer,
        params: Type.Object({ record_id: Id }),
        body: Type.Object(
          {
            date: Type.Optional(IsoDate),
            description: Type.Optional(Text(4000)),
            prescription: Type.Optional(Nullable(Type.String({ maxLength: 4000 }))),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ record: MedicalRecord }), ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request) => ({
      record: await records.updateSelfRecord(actorOf(request), request.params.record_id, request.body),
    }),
  );

  app.delete(
    "/api/patient/records/:record_id/",
    {
      preHandler: auth,
      schema: {
        tags: RECORDS,
        operationId: "deletePatientRecord",
        summary: "Delete one of your self-reported records (kept for the audit, hidden from you)",
        security: bearer,
        params: Type.Object({ record_id: Id }),
        response: { 204: NoBody, ...errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await records.deleteSelfRecord(actorOf(request), request.params.record_id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    "/api/patient/clinical/records/",
    {
      preHandler: auth,
      schema: {
        tags: RECORDS,
        operationId: "listClinicalRecords",
        summary: "A patient's clinical records (written by doctors), newest first",
        security: bearer,
        querystring: PatientQuery,
        response: {
          200: Type.Object({ clinical_records: Type.Array(ClinicalRecord) }),
          ...errors(400, 401, 404),
        },
      },
    },
    async (request) => ({
      clinical_records: await records.listClinicalRecords(actorOf(request), request.query.patient_id),
    }),
  );

  app.post(
    "/api/doctor/clinical/records/",
    {
      preHandler: app.requireRole("doctor"),
      schema: {
        tags: RECORDS,
        operationId: "createClinicalRecord",
        summary: "Write a clinical record for a patient in your care",
        security: bearer,
        body: Type.Object(
          { patient_id: Id, date: IsoDate, description: Text(4000), ...ClinicalFields },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ record: ClinicalRecord }), ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) =>
      reply.status(201).send({ record: await records.createClinicalRecord(actorOf(request), request.body) }),
  );

  app.put(
    "/api/doctor/clinical/records/:id/",
    {
      preHandler: app.requireRole("doctor"),
      schema: {
        tags: RECORDS,
        operationId: "updateClinicalRecord",
        summary: "Change a clinical record you wrote",
        security: bearer,
        params: Type.Object({ id: Id }),
        body: Type.Object(
          { date: Type.Optional(IsoDate), description: Type.Optional(Text(4000)), ...ClinicalFields },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ record: ClinicalRecord }), ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request) => ({
      record: await records.updateClinicalRecord(actorOf(request), request.params.id, request.body),
    }),
  );

  // --- documents ---

  app.post(
    "/api/patient/documents/",
    {
      preHandler: auth,
      schema: {
        tags: RECORDS,
        operationId: "uploadDocument",
        summary: "Upload a PDF, PNG or JPEG (multipart: file, and optional patient_id, record_id, title)",
        description: `The type is decided by the content. At most ${storage.maxBytes} bytes. Stored encrypted.`,
        security: bearer,
        consumes: ["multipart/form-data"],
        response: { 201: Type.Object({ document: Document }), ...errors(400, 401, 403, 404, 413, 422) },
      },
    },
    async (request, reply) => {
      const input = await readDocumentUpload(request);
      return reply.status(201).send({ document: await records.uploadDocument(actorOf(request), input) });
    },
  );

  app.get(
    "/api/patient/documents/",
    {
      preHandler: auth,
      schema: {
        tags: RECORDS,
        operationId: "listDocuments",
        summary: "A patient's documents",
        security: bearer,
        querystring: PatientQuery,
        response: { 200: Type.Object({ documents: Type.Array(Document) }), ...errors(400, 401, 404) },
      },
    },
    async (request) => ({
      documents: await records.listDocuments(actorOf(request), request.query.patient_id),
    }),
  );

  app.get(
    "/api/patient/documents/:id/download",
    {
      preHandler: auth,
      schema: {
        tags: RECORDS,
        operationId: "downloadDocument",
        summary: "Download a document's content (decrypted, as an attachment)",
        security: bearer,
        params: Type.Object({ id: Id }),
        produces: ["application/pdf", "image/png", "image/jpeg"],
        response: {
          200: Type.Unsafe<Buffer>({ type: "string", format: "binary" }),
          ...errors(400, 401, 404, 503),
        },
      },
    },
    async (request, reply) => {
      const doc = await records.downloadDocument(actorOf(request), request.params.id);
      return reply
        .header("content-type", doc.contentType)
        .header("content-disposition", `attachment; filename="${doc.filename}"`)
        .header("content-length", String(doc.bytes.length))
        .header("x-content-type-options", "nosniff")
        .send(doc.bytes);
    },
  );

  app.delete(
    "/api/patient/documents/:id/",
    {
      preHandler: auth,
      schema: {
        tags: RECORDS,
        operationId: "deleteDocument",
        summary: "Delete a document you uploaded",
        security: bearer,
        params: Type.Object({ id: Id }),
        response: { 204: NoBody, ...errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await records.deleteDocument(actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );
};
