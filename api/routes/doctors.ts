import multipart from "@fastify/multipart";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { PHOTO_MAX_BYTES } from "../../domain/doctors/service.js";
import { readUpload } from "../plugins/multipart.js";
import { actorOf } from "../plugins/auth.js";
import { bearer, described, errorsIn, Id, IsoDate, Page } from "../schemas.js";

/** The error responses of these routes (see errorsIn). */
const errors = errorsIn(
  "domain/doctors/service.ts",
  "domain/accounts/access.ts",
  "domain/shared/",
  "api/plugins/multipart.ts",
);

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Day = Type.Union([
  Type.Literal("MONDAY"),
  Type.Literal("TUESDAY"),
  Type.Literal("WEDNESDAY"),
  Type.Literal("THURSDAY"),
  Type.Literal("FRIDAY"),
  Type.Literal("SATURDAY"),
  Type.Literal("SUNDAY"),
]);
const ShortText = Type.String({ maxLength: 100 });
const Mode = Type.Union([
  Type.Literal("in_person"),
  Type.Literal("video"),
  Type.Literal("audio"),
  Type.Literal("chat"),
]);

const listItemFields = {
  id: Type.Integer(),
  profile_photo_url: Nullable(Type.String()),
  doctor_name: Type.String(),
  specialization: Type.String(),
  experience_years: Type.Integer(),
  city: Type.String(),
  available_days: Type.Array(Day),
  consultation_fees: Type.Number({ description: "In the currency's major unit (e.g. 500.00 INR)." }),
  currency: Type.String(),
  wait_time: Type.Integer({ description: "Typical wait at the clinic, in minutes." }),
  reviews_count: Type.Integer(),
  rating: Type.Number(),
  modes: Type.Array(Mode, { description: "How the doctor consults." }),
};
const DoctorListItem = Type.Object({
  ...listItemFields,
  distance_km: Type.Optional(Type.Number({ description: "Present in a search near a point." })),
});

const DoctorView = Type.Object({
  ...listItemFields,
  specialties: Type.Array(Type.String()),
  qualifications: Type.Array(
    Type.Object({ degree: Type.String(), institute: Type.String(), year: Nullable(Type.Integer()) }),
  ),
  available_timings: Type.Array(
    Type.Object({ day: Day, start: Type.String({ examples: ["10:00 AM"] }), end: Type.String() }),
  ),
  summary: Nullable(Type.String()),
  recommendation_percent: Type.Integer(),
  ratings_source: Type.Union([Type.Literal("seeded"), Type.Literal("patients")], {
    description:
      "Where reviews_count, rating and recommendation_percent come from: seeded demo figures, or patients' own ratings after their visits (never mixed).",
  }),
  patients_count: Type.Integer(),
  clinic_name: Nullable(Type.String()),
  clinic_address: Nullable(Type.String()),
  languages: Type.Array(Type.String()),
  time_zone: Type.String(),
  gender: Nullable(Type.String()),
  latitude: Nullable(Type.Number()),
  longitude: Nullable(Type.Number()),
  next_available_date: Nullable(Type.String({ format: "date" })),
});

const Profile = Type.Object({
  id: Type.Integer(),
  user_id: Nullable(Type.Integer()),
  name: Type.String(),
  photo_url: Nullable(Type.String()),
  gender: Nullable(Type.String()),
  registration_number: Nullable(Type.String()),
  experience_years: Type.Integer(),
  clinic_name: Nullable(Type.String()),
  clinic_address: Nullable(Type.String()),
  city: Type.String(),
  latitude: Nullable(Type.Number()),
  longitude: Nullable(Type.Number()),
  languages: Type.Array(Type.String()),
  fee: Type.Number(),
  fee_minor: Type.Integer(),
  currency: Type.String(),
  summary: Nullable(Type.String()),
  time_zone: Type.String(),
  phone: Nullable(Type.String()),
  auto_accept: Type.Boolean(),
  modes: Type.Array(Mode),
  verification_status: Type.String(),
  verification_note: Nullable(Type.String()),
  verified_at: Nullable(Type.String()),
  available_days: Type.Array(Day),
  reviews_count: Type.Integer(),
  recommendation_percent: Type.Integer(),
  patients_count: Type.Integer(),
  wait_time: Type.Integer(),
  rating: Type.Number(),
  specialties: Type.Array(
    Type.Object({ id: Type.Integer(), name: Type.String(), slug: Type.String(), primary: Type.Boolean() }),
  ),
  qualifications: Type.Array(
    Type.Object({ degree: Type.String(), institute: Type.String(), year: Nullable(Type.Integer()) }),
  ),
});

const ProfileUpdate = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    gender: Type.Optional(Nullable(Type.String({ maxLength: 30 }))),
    registration_number: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
    experience_years: Type.Optional(Type.Integer({ minimum: 0, maximum: 80 })),
    clinic_name: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    clinic_address: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    city: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    latitude: Type.Optional(Nullable(Type.Number({ minimum: -90, maximum: 90 }))),
    longitude: Type.Optional(Nullable(Type.Number({ minimum: -180, maximum: 180 }))),
    languages: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 50 }), { maxItems: 20 })),
    fee: Type.Optional(Type.Number({ minimum: 0, maximum: 10_000_000 })),
    currency: Type.Optional(Type.String({ pattern: "^[A-Za-z]{3}$" })),
    summary: Type.Optional(Nullable(Type.String({ maxLength: 4000 }))),
    time_zone: Type.Optional(Type.String({ minLength: 1, maxLength: 64, examples: ["Asia/Kolkata"] })),
    phone: Type.Optional(Nullable(Type.String({ pattern: "^\\+?[0-9 ()-]{6,20}$" }))),
    auto_accept: Type.Optional(Type.Boolean()),
    modes: Type.Optional(Type.Array(Mode, { minItems: 1, maxItems: 4 })),
    specialties: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 100, description: "A specialty's name or slug." }),
            primary: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        { minItems: 1, maxItems: 10 },
      ),
    ),
    qualifications: Type.Optional(
      Type.Array(
        Type.Object(
          {
            degree: Type.String({ minLength: 1, maxLength: 100 }),
            institute: Type.String({ minLength: 1, maxLength: 200 }),
            year: Type.Optional(Nullable(Type.Integer({ minimum: 1940, maximum: 2100 }))),
          },
          { additionalProperties: false },
        ),
        { maxItems: 20 },
      ),
    ),
  },
  { additionalProperties: false },
);

const DoctorIdQuery = Type.Object({
  doctor_id: Type.Optional(Id),
});

export const doctorRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { doctors } = app.services;
  await app.register(multipart, { limits: { fileSize: PHOTO_MAX_BYTES, files: 1, fields: 5, parts: 6 } });

  // Discovery (public) ----------------------------------------------------------------------------------

  app.get(
    "/api/top/suggestion.json",
    {
      schema: {
        tags: ["discovery"],
        operationId: "suggest",
        summary:
          "Suggestions as the user types: specialties, symptoms and doctors (prefix and typo tolerant)",
        querystring: Type.Object({
          q: Type.Optional(described(ShortText, "What the user has typed so far.")),
          city: Type.Optional(described(ShortText, "Only doctors in this city.")),
        }),
        response: {
          200: Type.Object({
            results: Type.Object({
              matches: Type.Array(
                Type.Object({
                  suggestion: Type.String(),
                  original: Type.String(),
                  display_name: Type.Union([
                    Type.Literal("SPECIALITY"),
                    Type.Literal("SYMPTOM"),
                    Type.Literal("DOCTOR"),
                  ]),
                  category: Type.String(),
                  type: Type.Literal("doctor"),
                }),
              ),
            }),
          }),
          ...errors(400),
        },
      },
    },
    async (request) => ({ results: { matches: await doctors.suggest(request.query) } }),
  );

  app.get(
    "/api/search/doctors/",
    {
      schema: {
        tags: ["discovery"],
        operationId: "searchDoctors",
        summary:
          "Search verified doctors by city, text (specialty, name, degree, symptom), day or date, place, fee",
        querystring: Type.Object({
          city: Type.Optional(described(ShortText, "Only doctors in this city (typo tolerant).")),
          q: Type.Optional(
            described(ShortText, "Free text: a specialty, a symptom, a doctor's name or a degree."),
          ),
          day: Type.Optional(
            Type.String({
              maxLength: 10,
              examples: ["MONDAY"],
              description: "Only doctors who work on this weekday (MONDAY … SUNDAY). Not with `date`.",
            }),
          ),
          date: Type.Optional(
            described(
              IsoDate,
              "Only doctors with a free slot on this date (today or later). Not with `day`.",
            ),
          ),
          lat: Type.Optional(
            Type.Number({ minimum: -90, maximum: 90, description: "Latitude of the point to search near." }),
          ),
          lng: Type.Optional(
            Type.Number({
              minimum: -180,
              maximum: 180,
              description: "Longitude of the point to search near.",
            }),
          ),
          radius_km: Type.Optional(
            Type.Number({
              exclusiveMinimum: 0,
              maximum: 1000,
              description: "Only doctors within this distance of lat/lng (needs both).",
            }),
          ),
          fee_min: Type.Optional(
            Type.Number({
              minimum: 0,
              maximum: 100_000_000,
              description: "Lowest fee, in the currency's major unit.",
            }),
          ),
          fee_max: Type.Optional(
            Type.Number({
              minimum: 0,
              maximum: 100_000_000,
              description: "Highest fee, in the currency's major unit.",
            }),
          ),
          mode: Type.Optional(described(Mode, "Only doctors who consult this way.")),
          sort: Type.Optional(
            Type.Union(
              [
                Type.Literal("relevance"),
                Type.Literal("experience"),
                Type.Literal("fee"),
                Type.Literal("rating"),
                Type.Literal("wait_time"),
                Type.Literal("distance"),
              ],
              { description: "The order of results (default: relevance; distance needs lat/lng)." },
            ),
          ),
          page: Page,
          per_page: Type.Integer({ minimum: 1, maximum: 50, default: 20 }),
        }),
        response: {
          200: Type.Object({
            doctors: Type.Array(DoctorListItem),
            page: Type.Integer(),
            per_page: Type.Integer(),
            total: Type.Integer(),
          }),
          ...errors(400),
        },
      },
    },
    async (request) => doctors.search(request.query),
  );

  app.get(
    "/api/view/doctor/",
    {
      schema: {
        tags: ["discovery"],
        operationId: "viewDoctor",
        summary: "A verified doctor's public profile",
        querystring: Type.Object({ id: described(Id, "The doctor's id.") }),
        response: { 200: Type.Object({ doctor: DoctorView }), ...errors(400, 404) },
      },
    },
    // Postgres builds the page's JSON (DoctorView; the schema above documents it and the tests hold it to
    // it): sent as text, not parsed and re-serialized (the type provider only knows the object form).
    async (request, reply) => {
      const body = `{"doctor":${await doctors.viewJson(request.query.id)}}`;
      return reply.type("application/json; charset=utf-8").send(body as never);
    },
  );

  app.get(
    "/api/doctors/popular/",
    {
      schema: {
        tags: ["discovery"],
        operationId: "listPopularDoctors",
        summary: "Popular verified doctors (most patients, best rated), optionally in one city",
        querystring: Type.Object({
          city: Type.Optional(described(ShortText, "Only doctors in this city.")),
          limit: Type.Integer({
            minimum: 1,
            maximum: 50,
            default: 10,
            description: "How many doctors to return.",
          }),
        }),
        response: { 200: Type.Object({ doctors: Type.Array(DoctorListItem) }), ...errors(400) },
      },
    },
    async (request) => ({ doctors: await doctors.popular(request.query) }),
  );

  app.get(
    "/api/specialties",
    {
      schema: {
        tags: ["discovery"],
        operationId: "listSpecialties",
        summary: "Every specialty with the conditions it treats",
        response: {
          200: Type.Object({
            specialties: Type.Array(
              Type.Object({
                id: Type.Integer(),
                name: Type.String(),
                slug: Type.String(),
                conditions: Type.Array(Type.String()),
              }),
            ),
          }),
        },
      },
    },
    async () => ({ specialties: await doctors.listSpecialties() }),
  );

  app.get(
    "/api/doctors/:id/photo",
    {
      schema: {
        tags: ["discovery"],
        operationId: "getDoctorPhoto",
        summary: "A doctor's profile photo (PNG or JPEG)",
        params: Type.Object({ id: Id }),
        produces: ["image/png", "image/jpeg"],
        response: {
          200: Type.Unsafe<Buffer>({ type: "string", format: "binary" }),
          ...errors(400, 404),
        },
      },
    },
    async (request, reply) => {
      const photo = await doctors.getPhoto(request.params.id);
      return reply
        .header("content-type", photo.contentType)
        .header("cache-control", "public, max-age=300")
        .header("last-modified", photo.updatedAt.toUTCString())
        .send(photo.bytes);
    },
  );

  // The doctor's own profile --------------------------------------------------------------------------

  app.get(
    "/api/doctor/profile/",
    {
      preHandler: app.requireRole("doctor", "nurse", "admin"),
      schema: {
        tags: ["doctors"],
        operationId: "getDoctorProfile",
        summary: "A doctor's own profile (an admin or assigned nurse passes doctor_id)",
        security: bearer,
        querystring: DoctorIdQuery,
        response: { 200: Type.Object({ doctor: Profile }), ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => ({ doctor: await doctors.getProfile(actorOf(request), request.query.doctor_id) }),
  );

  app.put(
    "/api/doctor/profile/",
    {
      preHandler: app.requireRole("doctor", "admin"),
      schema: {
        tags: ["doctors"],
        operationId: "updateDoctorProfile",
        summary: "Edit a doctor's profile, specialties and qualifications (lists are replaced when given)",
        security: bearer,
        querystring: DoctorIdQuery,
        body: ProfileUpdate,
        response: { 200: Type.Object({ doctor: Profile }), ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request) => ({
      doctor: await doctors.updateProfile(actorOf(request), request.query.doctor_id, request.body),
    }),
  );

  app.post(
    "/api/doctor/profile/photo",
    {
      preHandler: app.requireRole("doctor", "admin"),
      schema: {
        tags: ["doctors"],
        operationId: "uploadDoctorPhoto",
        summary: "Upload a profile photo (multipart, one PNG or JPEG file, at most 2 MB)",
        security: bearer,
        consumes: ["multipart/form-data"],
        querystring: DoctorIdQuery,
        response: {
          200: Type.Object({ photo_url: Type.String(), content_type: Type.String(), bytes: Type.Integer() }),
          ...errors(400, 401, 403, 404, 413),
        },
      },
    },
    async (request) => {
      const { file } = await readUpload(request, "photo");
      return doctors.setPhoto(actorOf(request), request.query.doctor_id, file.bytes);
    },
  );

  // Verification (admin) -------------------------------------------------------------------------------

  const admin = app.requireRole("admin");

  app.get(
    "/api/admin/doctors/",
    {
      preHandler: admin,
      schema: {
        tags: ["admin"],
        operationId: "listDoctorsForVerification",
        summary: "Doctors by verification status, oldest first (default: pending)",
        security: bearer,
        querystring: Type.Object({
          status: Type.Optional(
            Type.Union([Type.Literal("pending"), Type.Literal("verified"), Type.Literal("rejected")], {
              description: "The verification status to list (default: pending).",
            }),
          ),
          page: Page,
          per_page: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
        }),
        response: {
          200: Type.Object({
            doctors: Type.Array(
              Type.Object({
                id: Type.Integer(),
                name: Type.String(),
                email: Nullable(Type.String()),
                registration_number: Nullable(Type.String()),
                city: Type.String(),
                specialties: Type.Array(Type.String()),
                degrees: Type.Array(Type.String()),
                verification_status: Type.String(),
                verification_note: Nullable(Type.String()),
                created_at: Type.String(),
              }),
            ),
            page: Type.Integer(),
            per_page: Type.Integer(),
            total: Type.Integer(),
          }),
          ...errors(400, 401, 403),
        },
      },
    },
    async (request) => doctors.listForReview(actorOf(request), request.query),
  );

  app.post(
    "/api/admin/doctors/:id/verify",
    {
      preHandler: admin,
      schema: {
        tags: ["admin"],
        operationId: "verifyDoctor",
        summary: "Verify (or reject) a doctor; only verified doctors appear in discovery",
        security: bearer,
        params: Type.Object({ id: Id }),
        body: Type.Object(
          {
            status: Type.Optional(Type.Union([Type.Literal("verified"), Type.Literal("rejected")])),
            note: Type.Optional(Type.String({ maxLength: 1000 })),
          },
          { additionalProperties: false, description: "Send {} to verify." },
        ),
        response: {
          200: Type.Object({
            doctor: Type.Object({
              id: Type.Integer(),
              verification_status: Type.String(),
              verification_note: Nullable(Type.String()),
              verified_at: Nullable(Type.String()),
            }),
          }),
          ...errors(400, 401, 403, 404, 422),
        },
      },
    },
    async (request) => ({
      doctor: await doctors.verify(actorOf(request), request.params.id, request.body),
    }),
  );
};
