import { count, desc, eq, sql, type SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import {
  fixedStatement,
  queryFixed,
  queryRows,
  queryRowsPrepared,
  type Db,
  type DbOrTx,
} from "../../db/client.js";
import {
  doctorPhotos,
  doctorQualifications,
  doctors,
  doctorSpecialties,
  specialties,
  users,
  type VisitMode,
} from "../../db/schema/index.js";
import { ISO_DAYS } from "../shared/time.js";
import { DoctorDirectory, type DirectoryDoctor, type DoctorMatches } from "./directory.js";
import { CONDITION_SIMILARITY, NAME_SIMILARITY, WORD_SIMILARITY, type SpecialtyCatalog } from "./matching.js";

export type VerificationStatus = "pending" | "verified" | "rejected";
/** How a doctor consults (an appointment takes one of them). */
export type { VisitMode };
export const VISIT_MODES: readonly VisitMode[] = ["in_person", "video", "audio", "chat"];

export type SearchSort = "relevance" | "experience" | "fee" | "rating" | "wait_time" | "distance";

/** Normalized search parameters: what the service hands to SQL (and the bench reuses). */
export interface SearchQueryParams {
  /** Lower-cased city name. */
  city?: string | undefined;
  /** Lower-cased, trimmed free text. */
  q?: string | undefined;
  /** ISO weekday (1 = Monday) the doctor must work. */
  isoDay?: number | undefined;
  /** YYYY-MM-DD: the doctor must have at least one free slot that date (isoDay must be its weekday). */
  date?: string | undefined;
  near?: { lat: number; lng: number; radiusKm: number } | undefined;
  /** Major units of the doctor's currency. */
  feeMin?: number | undefined;
  feeMax?: number | undefined;
  /** The doctor must offer this mode. */
  mode?: VisitMode | undefined;
  sort: SearchSort;
  limit: number;
  offset: number;
}

/** One row of a search page (snake_case, as SQL returns it). `id` is null only when the page is empty. */
export interface SearchRow {
  total: number;
  /** How many specialties the catalog holds (the same in every row). */
  specialty_count: number;
  /** doctor_directory_version now (the same in every row): the in-memory directory that matched is current. */
  directory_version: string;
  id: number | null;
  name: string;
  photo_url: string | null;
  experience_years: number;
  city: string;
  available_days_mask: number;
  fee_minor: number;
  currency: string;
  wait_time_minutes: number;
  reviews_count: number;
  rating: number;
  patients_count: number;
  modes: VisitMode[];
  score: number;
  distance_km: number | null;
  specialization: string | null;
}

/** Currencies whose major unit has no minor subdivision (fee filters compare in major units). */
const ZERO_DECIMAL_SQL = sql.raw(`('JPY','KRW','VND','CLP','ISK','UGX')`);

function likeEscape(value: string): string {
  return value.replace(/[\\%_]/g, "\\$&");
}

function haversineKm(lat: number, lng: number): SQL {
  return sql`(12742.0 * asin(sqrt(
    power(sin(radians(d.latitude - ${lat}::float8) / 2), 2) +
    cos(radians(${lat}::float8)) * cos(radians(d.latitude)) * power(sin(radians(d.longitude - ${lng}::float8) / 2), 2)
  )))`;
}

/** ORDER BY for a sort, over the columns of the filtered set (alias `t`). A fixed whitelist: safe as raw SQL. */
function orderBy(params: SearchQueryParams, alias: string): SQL {
  const t = alias;
  let order: string;
  switch (params.sort) {
    case "relevance":
      order = params.q
        ? `${t}.score DESC, ${t}.rating DESC, ${t}.reviews_count DESC, ${t}.id`
        : params.near
          ? `${t}.distance_km, ${t}.id`
          : `${t}.rating DESC, ${t}.reviews_count DESC, ${t}.id`;
      break;
    case "experience":
      order = `${t}.experience_years DESC, ${t}.rating DESC, ${t}.id`;
      break;
    case "fee":
      order = `${t}.fee_minor, ${t}.rating DESC, ${t}.id`;
      break;
    case "rating":
      order = `${t}.rating DESC, ${t}.reviews_count DESC, ${t}.id`;
      break;
    case "wait_time":
      order = `${t}.wait_time_minutes, ${t}.rating DESC, ${t}.id`;
      break;
    case "distance":
      order = `${t}.distance_km, ${t}.id`;
      break;
  }
  return sql.raw(order);
}

/** Specialties scored against the free text: by name (prefix, typo) and by the conditions they treat. */
function specialtyMatch(q: string): SQL {
  const prefix = `${likeEscape(q)}%`;
  const contains = `%${likeEscape(q)}%`;
  return sql`SELECT s.id, s.name,
      GREATEST(
        CASE WHEN lower(s.name) LIKE ${prefix}::text OR s.slug LIKE ${prefix}::text THEN 1.0 ELSE 0 END,
        similarity(lower(s.name), ${q}::text),
        CASE WHEN word_similarity(${q}::text, lower(s.name)) >= ${WORD_SIMILARITY}::float8
          THEN word_similarity(${q}::text, lower(s.name)) ELSE 0 END
      ) AS name_score,
      COALESCE((SELECT max(CASE WHEN lower(c) LIKE ${contains}::text THEN 0.9 ELSE similarity(lower(c), ${q}::text) END)
                FROM unnest(s.conditions) AS c), 0) AS condition_score
    FROM specialties s`;
}

/** The specialties a search's text matches (from the catalog, in memory), with their scores. */
export type SpecialtyHits = readonly { id: number; score: number }[];

/** The specialties to search for the params' text (none without text). */
export function specialtyHitsOf(p: SearchQueryParams, catalog: SpecialtyCatalog): SpecialtyHits {
  return p.q ? catalog.searchMatches(p.q) : [];
}

/** The doctors the params' text matches (none to look for without text), from the catalog and the directory. */
export function doctorMatchesOf(
  p: SearchQueryParams,
  catalog: SpecialtyCatalog,
  directory: DoctorDirectory,
): DoctorMatches | undefined {
  return p.q ? directory.matches(p.q, p.city, specialtyHitsOf(p, catalog)) : undefined;
}

/**
 * The whole search as ONE statement: filters, total and one page, with the primary specialty of each row.
 * Always returns at least one row (with `id` null when the page is empty) so the total is known, the number of
 * specialties (`specialty_count`) and the directory's version (`directory_version`), so the in-memory catalog
 * and directory that matched the text know they are current. The doctors the text matches come scored from
 * memory (doctorMatchesOf): only their ids and scores are parameters, and the statement's shape depends on
 * which filters are given, not on their values.
 */
export function buildSearchQuery(p: SearchQueryParams, matches?: DoctorMatches): SQL {
  const ctes: SQL[] = [];
  const where: SQL[] = [sql`d.verification_status = 'verified'`];
  let from = sql`doctors d`;
  let score = sql`0::float8`;

  if (p.q) {
    // The doctors the text matches, scored in memory (directory.ts): ids and scores are two array parameters.
    const m = matches ?? { ids: [], scores: [] };
    ctes.push(sql`m AS (SELECT * FROM unnest(${`{${m.ids.join(",")}}`}::int[],
      ${`{${m.scores.join(",")}}`}::float8[]) AS m(id, score))`);
    from = sql`m JOIN doctors d ON d.id = m.id`;
    score = sql`m.score`;
  }
  if (p.city) where.push(sql`lower(d.city) = ${p.city}::text`);
  if (p.isoDay !== undefined) {
    where.push(sql`(d.available_days_mask::int & ${1 << (p.isoDay - 1)}::int) <> 0`);
  }
  if (p.feeMin !== undefined) {
    where.push(
      sql`d.fee_minor >= ${p.feeMin}::numeric * (CASE WHEN d.currency IN ${ZERO_DECIMAL_SQL} THEN 1 ELSE 100 END)`,
    );
  }
  if (p.feeMax !== undefined) {
    where.push(
      sql`d.fee_minor <= ${p.feeMax}::numeric * (CASE WHEN d.currency IN ${ZERO_DECIMAL_SQL} THEN 1 ELSE 100 END)`,
    );
  }
  if (p.mode !== undefined) where.push(sql`${p.mode}::text = ANY(d.modes)`);
  let distance = sql`NULL::float8`;
  if (p.near) {
    const { lat, lng, radiusKm } = p.near;
    const dLat = radiusKm / 111.045;
    const cosLat = Math.max(Math.cos((lat * Math.PI) / 180), 0.01);
    const dLng = Math.min(radiusKm / (111.045 * cosLat), 180);
    distance = haversineKm(lat, lng);
    where.push(sql`d.latitude BETWEEN ${lat - dLat}::float8 AND ${lat + dLat}::float8`);
    where.push(sql`d.longitude BETWEEN ${lng - dLng}::float8 AND ${lng + dLng}::float8`);
    where.push(sql`${distance} <= ${radiusKm}::float8`);
  }
  if (p.date !== undefined && p.isoDay !== undefined) {
    // A free slot that date: no whole-day exception, and fewer active appointments that (local) day than slots.
    // Both are computed once for the date (the few doctors who are off or full), then anti-joined.
    ctes.push(sql`off AS MATERIALIZED (
      SELECT e.doctor_id FROM doctor_availability_exceptions e
      WHERE e.date = ${p.date}::date AND e.start_time IS NULL
      UNION
      SELECT ap.doctor_id FROM appointments ap JOIN doctors dd ON dd.id = ap.doctor_id
      WHERE ap.status IN ('pending', 'proposed', 'confirmed')
        AND ap.starts_at >= (${p.date}::date - 1)::timestamp AT TIME ZONE 'UTC'
        AND ap.starts_at < (${p.date}::date + 2)::timestamp AT TIME ZONE 'UTC'
        AND ap.starts_at >= (${p.date}::date)::timestamp AT TIME ZONE dd.time_zone
        AND ap.starts_at < (${p.date}::date + 1)::timestamp AT TIME ZONE dd.time_zone
      GROUP BY ap.doctor_id
      HAVING count(*) >= (
        SELECT COALESCE(sum((extract(epoch FROM (a.end_time - a.start_time)) / 60)::int / a.slot_minutes), 0)
        FROM doctor_availability a WHERE a.doctor_id = ap.doctor_id AND a.iso_day = ${p.isoDay}::int)
    )`);
    where.push(sql`d.id NOT IN (SELECT doctor_id FROM off)`);
  }

  ctes.push(sql`f AS MATERIALIZED (
    SELECT d.id, d.experience_years, d.fee_minor, d.wait_time_minutes, d.reviews_count, d.rating,
      ${score} AS score, ${distance} AS distance_km
    FROM ${from}
    WHERE ${sql.join(where, sql` AND `)}
  )`);
  ctes.push(
    sql`page AS (SELECT * FROM f ORDER BY ${orderBy(p, "f")} LIMIT ${p.limit}::int OFFSET ${p.offset}::int)`,
  );

  return sql`WITH ${sql.join(ctes, sql`, `)}
    SELECT c.total, (SELECT count(*)::int FROM specialties) AS specialty_count,
      (SELECT COALESCE(max(version), 0)::text FROM doctor_directory_version) AS directory_version, p.id, p.score, p.distance_km, p.experience_years, p.fee_minor, p.wait_time_minutes,
      p.reviews_count, p.rating, d.name, d.photo_url, d.city, d.available_days_mask, d.currency, d.patients_count, d.modes,
      (SELECT s.name FROM doctor_specialties ds JOIN specialties s ON s.id = ds.specialty_id
        WHERE ds.doctor_id = p.id ORDER BY ds.is_primary DESC, s.name LIMIT 1) AS specialization
    FROM (SELECT count(*)::int AS total FROM f) c
      LEFT JOIN page p ON true
      LEFT JOIN doctors d ON d.id = p.id
    ORDER BY ${orderBy(p, "p")}`;
}

const dialect = new PgDialect({ casing: "snake_case" });

/** A drizzle SQL object as text and values, for running it through a bare `pg` pool (the bench). */
export function renderQuery(query: SQL): { text: string; values: unknown[] } {
  const q = dialect.sqlToQuery(query);
  return { text: q.sql, values: q.params };
}

export interface SuggestionRow {
  suggestion: string;
  display_name: "SPECIALITY" | "SYMPTOM" | "DOCTOR";
  category: string | null;
}

/** Specialties, symptoms and doctor names for a prefix or a misspelling, in ONE statement. */
export function buildSuggestionQuery(p: { q: string; city?: string | undefined; limit: number }): SQL {
  const contains = `%${likeEscape(p.q)}%`;
  const city = p.city ? sql`AND lower(d.city) = ${p.city}::text` : sql``;
  return sql`WITH sm AS (${specialtyMatch(p.q)})
    (SELECT suggestion, display_name, category FROM (
      SELECT sm.name AS suggestion, 'SPECIALITY' AS display_name, sm.name AS category, sm.name_score AS score, 1 AS grp
      FROM sm WHERE sm.name_score >= ${NAME_SIMILARITY}::float8
      ORDER BY sm.name_score DESC, sm.name LIMIT ${p.limit}::int) a)
    UNION ALL
    (SELECT suggestion, display_name, category FROM (
      SELECT DISTINCT ON (lower(c)) c AS suggestion, 'SYMPTOM' AS display_name, s.name AS category,
        CASE WHEN lower(c) LIKE ${contains}::text THEN 0.9 ELSE similarity(lower(c), ${p.q}::text) END AS score
      FROM specialties s, unnest(s.conditions) AS c
      WHERE lower(c) LIKE ${contains}::text OR similarity(lower(c), ${p.q}::text) >= ${CONDITION_SIMILARITY}::float8
      ORDER BY lower(c), score DESC, s.id) b
     ORDER BY score DESC, suggestion LIMIT ${p.limit}::int)
    UNION ALL
    (SELECT d.name AS suggestion, 'DOCTOR' AS display_name,
      (SELECT s.name FROM doctor_specialties ds JOIN specialties s ON s.id = ds.specialty_id
        WHERE ds.doctor_id = d.id ORDER BY ds.is_primary DESC, s.name LIMIT 1) AS category
     FROM doctors d
     WHERE d.verification_status = 'verified' ${city}
       AND (lower(d.name) LIKE ${contains}::text OR ${p.q}::text <% lower(d.name))
     ORDER BY CASE WHEN lower(d.name) LIKE ${contains}::text THEN 1.0 ELSE word_similarity(${p.q}::text, lower(d.name)) END DESC,
       d.patients_count DESC, d.id
     LIMIT ${p.limit}::int)`;
}

/**
 * A doctor's public page as Postgres builds it: `doc` is the JSON text of every field of the page but the two
 * the service adds (the fee in major units, by the currency's own decimals, and the next free date, which may
 * have to be asked of scheduling). The HTTP route sends that text on without parsing or re-serializing it.
 */
export interface DoctorViewRow {
  doc: string;
  fee_minor: number;
  currency: string;
  /** The precomputed next free date and until when it holds (see doctors.next_free_*). */
  next_free_date: string | null;
  next_free_until: Date | string | null;
}

export interface PopularRow extends Omit<
  SearchRow,
  "total" | "specialty_count" | "directory_version" | "score" | "distance_km" | "id"
> {
  id: number;
}

export interface ProfileRow {
  id: number;
  userId: number | null;
  name: string;
  photoUrl: string | null;
  gender: string | null;
  registrationNumber: string | null;
  experienceYears: number;
  clinicName: string | null;
  clinicAddress: string | null;
  city: string;
  latitude: number | null;
  longitude: number | null;
  languages: string[];
  feeMinor: number;
  currency: string;
  summary: string | null;
  timeZone: string;
  phone: string | null;
  autoAccept: boolean;
  modes: VisitMode[];
  verificationStatus: VerificationStatus;
  verificationNote: string | null;
  verifiedAt: Date | null;
  availableDaysMask: number;
  reviewsCount: number;
  recommendationPercent: number;
  patientsCount: number;
  waitTimeMinutes: number;
  rating: number;
  createdAt: Date;
}

export interface ProfilePatch {
  name?: string;
  gender?: string | null;
  registrationNumber?: string | null;
  experienceYears?: number;
  clinicName?: string | null;
  clinicAddress?: string | null;
  city?: string;
  latitude?: number | null;
  longitude?: number | null;
  languages?: string[];
  feeMinor?: number;
  currency?: string;
  summary?: string | null;
  timeZone?: string;
  phone?: string | null;
  /** Cleared whenever the phone changes: SMS commands run only from a proven number. */
  phoneVerifiedAt?: Date | null;
  autoAccept?: boolean;
  modes?: VisitMode[];
}

export interface SpecialtyRef {
  id: number;
  name: string;
  slug: string;
}

/** The only place discovery touches the database. */
/** A verified doctor's public page in one statement (exported for the benchmark's bare-pg twin). */
/** ISO day names as a Postgres array literal (`days[1]` is Monday): constant text, never a person's input. */
const ISO_DAY_ARRAY = sql.raw(`ARRAY[${ISO_DAYS.map((d) => `'${d}'`).join(", ")}]`);

/**
 * The view's one statement: the public page as JSON text (DoctorViewRow). Field names and formats are the
 * API's (DoctorView): days by name in ISO order, times as "10:00 AM", ratings' source by name. The doctor
 * search's list items keep their mapping in the service (listItem); this is the one row that is sent whole.
 */
export function buildViewQuery(id: number): SQL {
  return sql`SELECT d.fee_minor, d.currency, d.next_free_date, d.next_free_until,
    json_build_object(
      'id', d.id, 'profile_photo_url', d.photo_url, 'doctor_name', d.name,
      'specialization', COALESCE(sp.names ->> 0, ''), 'experience_years', d.experience_years, 'city', d.city,
      'available_days', ARRAY(SELECT x.day FROM unnest(${ISO_DAY_ARRAY}) WITH ORDINALITY AS x(day, i)
        WHERE d.available_days_mask & (1 << (x.i::int - 1)) <> 0 ORDER BY x.i),
      'currency', d.currency, 'wait_time', d.wait_time_minutes,
      'reviews_count', d.reviews_count, 'rating', d.rating, 'modes', d.modes, 'specialties', sp.names,
      'qualifications', (SELECT COALESCE(json_agg(json_build_object('degree', q.degree, 'institute', q.institute,
          'year', q.year) ORDER BY q.year NULLS LAST, q.id), '[]'::json)
        FROM doctor_qualifications q WHERE q.doctor_id = d.id),
      'available_timings', (SELECT COALESCE(json_agg(json_build_object('day', (${ISO_DAY_ARRAY})[a.iso_day],
          'start', to_char(a.start_time, 'HH12:MI AM'), 'end', to_char(a.end_time, 'HH12:MI AM'))
          ORDER BY a.iso_day, a.start_time), '[]'::json)
        FROM doctor_availability a WHERE a.doctor_id = d.id),
      'summary', d.summary, 'recommendation_percent', d.recommendation_percent,
      'ratings_source', CASE WHEN d.ratings_from_patients THEN 'patients' ELSE 'seeded' END,
      'patients_count', d.patients_count, 'clinic_name', d.clinic_name, 'clinic_address', d.clinic_address,
      'languages', d.languages, 'time_zone', d.time_zone, 'gender', d.gender,
      'latitude', d.latitude, 'longitude', d.longitude
    )::text AS doc
    FROM doctors d,
      LATERAL (SELECT COALESCE(json_agg(s.name ORDER BY ds.is_primary DESC, s.name), '[]'::json) AS names
        FROM doctor_specialties ds JOIN specialties s ON s.id = ds.specialty_id WHERE ds.doctor_id = d.id) sp
    WHERE d.id = ${id}::int AND d.verification_status = 'verified'`;
}

/** The directory's rows and its version, in one statement (one snapshot: the version covers the rows). */
export function buildDirectoryQuery(): SQL {
  return sql`SELECT (SELECT COALESCE(max(version), 0)::text FROM doctor_directory_version) AS version,
      d.id, lower(d.city) AS city, d.verification_status = 'verified' AS verified, d.search_text,
      COALESCE(s.specialty_ids, '{}') AS specialty_ids, COALESCE(s.primary_ids, '{}') AS primary_ids
    FROM (SELECT 1) one
      LEFT JOIN doctors d ON true
      LEFT JOIN (SELECT doctor_id, array_agg(specialty_id ORDER BY is_primary DESC, specialty_id) AS specialty_ids,
          COALESCE(array_agg(specialty_id) FILTER (WHERE is_primary), '{}') AS primary_ids
        FROM doctor_specialties GROUP BY doctor_id) s ON s.doctor_id = d.id
    ORDER BY d.id`;
}

/** The directory from buildDirectoryQuery's rows. */
export function directoryOf(rows: readonly (DirectoryDoctor & { version: string })[]): DoctorDirectory {
  return new DoctorDirectory(
    rows.filter((r) => r.id !== null),
    rows[0]?.version ?? "0",
  );
}

/** The view's statement, rendered once: its only value is the doctor's id. */
const VIEW_STATEMENT = fixedStatement(buildViewQuery(0));

export class DoctorsRepository {
  constructor(private readonly db: Db) {}

  async search(
    params: SearchQueryParams,
    matches: DoctorMatches | undefined,
  ): Promise<{ total: number; specialtyCount: number; directoryVersion: string; rows: SearchRow[] }> {
    const rows = await queryRowsPrepared<SearchRow>(this.db, buildSearchQuery(params, matches));
    return {
      total: rows[0]?.total ?? 0,
      specialtyCount: rows[0]?.specialty_count ?? 0,
      directoryVersion: rows[0]?.directory_version ?? "0",
      rows: rows.filter((r) => r.id !== null),
    };
  }

  /** The in-memory directory of every doctor, as of now (one statement). */
  async directory(): Promise<DoctorDirectory> {
    return directoryOf(
      await queryRows<DirectoryDoctor & { version: string }>(this.db, buildDirectoryQuery()),
    );
  }

  suggest(params: { q: string; city?: string | undefined; limit: number }): Promise<SuggestionRow[]> {
    return queryRows<SuggestionRow>(this.db, buildSuggestionQuery(params));
  }

  async view(id: number): Promise<DoctorViewRow | undefined> {
    const [row] = await queryFixed<DoctorViewRow>(this.db, VIEW_STATEMENT, [id], () => buildViewQuery(id));
    return row;
  }

  popular(city: string | undefined, limit: number): Promise<PopularRow[]> {
    const byCity = city ? sql`AND lower(d.city) = ${city}::text` : sql``;
    return queryRows<PopularRow>(
      this.db,
      sql`SELECT d.id, d.name, d.photo_url, d.experience_years, d.city, d.available_days_mask, d.fee_minor,
          d.currency, d.wait_time_minutes, d.reviews_count, d.rating, d.patients_count, d.modes,
          (SELECT s.name FROM doctor_specialties ds JOIN specialties s ON s.id = ds.specialty_id
            WHERE ds.doctor_id = d.id ORDER BY ds.is_primary DESC, s.name LIMIT 1) AS specialization
        FROM doctors d
        WHERE d.verification_status = 'verified' ${byCity}
        ORDER BY d.patients_count DESC, d.rating DESC, d.id
        LIMIT ${limit}::int`,
    );
  }

  // Profiles -----------------------------------------------------------------------------------------

  async profile(id: number, db: DbOrTx = this.db): Promise<ProfileRow | undefined> {
    const [row] = await db
      .select({
        id: doctors.id,
        userId: doctors.userId,
        name: doctors.name,
        photoUrl: doctors.photoUrl,
        gender: doctors.gender,
        registrationNumber: doctors.registrationNumber,
        experienceYears: doctors.experienceYears,
        clinicName: doctors.clinicName,
        clinicAddress: doctors.clinicAddress,
        city: doctors.city,
        latitude: doctors.latitude,
        longitude: doctors.longitude,
        languages: doctors.languages,
        feeMinor: doctors.feeMinor,
        currency: doctors.currency,
        summary: doctors.summary,
        timeZone: doctors.timeZone,
        phone: doctors.phone,
        autoAccept: doctors.autoAccept,
        modes: doctors.modes,
        verificationStatus: doctors.verificationStatus,
        verificationNote: doctors.verificationNote,
        verifiedAt: doctors.verifiedAt,
        availableDaysMask: doctors.availableDaysMask,
        reviewsCount: doctors.reviewsCount,
        recommendationPercent: doctors.recommendationPercent,
        patientsCount: doctors.patientsCount,
        waitTimeMinutes: doctors.waitTimeMinutes,
        rating: doctors.rating,
        createdAt: doctors.createdAt,
      })
      .from(doctors)
      .where(eq(doctors.id, id))
      .limit(1);
    return row;
  }

  async specialtiesOf(doctorId: number, db: DbOrTx = this.db) {
    return db
      .select({
        id: specialties.id,
        name: specialties.name,
        slug: specialties.slug,
        primary: doctorSpecialties.isPrimary,
      })
      .from(doctorSpecialties)
      .innerJoin(specialties, eq(specialties.id, doctorSpecialties.specialtyId))
      .where(eq(doctorSpecialties.doctorId, doctorId))
      .orderBy(desc(doctorSpecialties.isPrimary), specialties.name);
  }

  async qualificationsOf(doctorId: number, db: DbOrTx = this.db) {
    return db
      .select({
        degree: doctorQualifications.degree,
        institute: doctorQualifications.institute,
        year: doctorQualifications.year,
      })
      .from(doctorQualifications)
      .where(eq(doctorQualifications.doctorId, doctorId))
      .orderBy(sql`${doctorQualifications.year} NULLS LAST`, doctorQualifications.id);
  }

  /** Specialties by (case-insensitive) name or slug. */
  async findSpecialties(namesOrSlugs: string[], db: DbOrTx = this.db): Promise<SpecialtyRef[]> {
    const keys = [...new Set(namesOrSlugs.map((n) => n.trim().toLowerCase()))];
    if (keys.length === 0) return [];
    return queryRows<SpecialtyRef>(
      db,
      sql`SELECT id, name, slug FROM specialties
        WHERE lower(name) IN (${sql.join(
          keys.map((k) => sql`${k}::text`),
          sql`, `,
        )}) OR slug IN (${sql.join(
          keys.map((k) => sql`${k}::text`),
          sql`, `,
        )})`,
    );
  }

  /** The cities verified doctors practise in (what a typed request may name). */
  async listCities(): Promise<string[]> {
    const rows = await this.db
      .selectDistinct({ city: doctors.city })
      .from(doctors)
      .where(eq(doctors.verificationStatus, "verified"));
    return rows.map((r) => r.city);
  }

  listSpecialties() {
    return this.db
      .select({
        id: specialties.id,
        name: specialties.name,
        slug: specialties.slug,
        conditions: specialties.conditions,
      })
      .from(specialties)
      .orderBy(specialties.name);
  }

  async updateProfile(tx: DbOrTx, id: number, patch: ProfilePatch, now: Date): Promise<void> {
    // Another time zone moves every slot: the next free date kept on the row no longer holds.
    const nextFree = patch.timeZone !== undefined ? { nextFreeDate: null, nextFreeUntil: null } : {};
    await tx
      .update(doctors)
      .set({ ...patch, ...nextFree, updatedAt: now })
      .where(eq(doctors.id, id));
  }

  async replaceSpecialties(tx: DbOrTx, id: number, list: { specialtyId: number; isPrimary: boolean }[]) {
    await tx.delete(doctorSpecialties).where(eq(doctorSpecialties.doctorId, id));
    if (list.length > 0) {
      await tx.insert(doctorSpecialties).values(list.map((s) => ({ ...s, doctorId: id })));
    }
  }

  async replaceQualifications(
    tx: DbOrTx,
    id: number,
    list: { degree: string; institute: string; year: number | null }[],
  ) {
    await tx.delete(doctorQualifications).where(eq(doctorQualifications.doctorId, id));
    if (list.length > 0) {
      await tx.insert(doctorQualifications).values(list.map((q) => ({ ...q, doctorId: id })));
    }
  }

  /** search_text = lower(name + specialty names (primary first) + degrees). */
  async refreshSearchText(tx: DbOrTx, id: number): Promise<void> {
    await tx.execute(sql`UPDATE doctors d SET search_text = lower(concat_ws(' ', d.name,
        (SELECT string_agg(s.name, ' ' ORDER BY ds.is_primary DESC, s.name)
          FROM doctor_specialties ds JOIN specialties s ON s.id = ds.specialty_id WHERE ds.doctor_id = d.id),
        (SELECT string_agg(q.degree, ' ' ORDER BY q.id) FROM doctor_qualifications q WHERE q.doctor_id = d.id)))
      WHERE d.id = ${id}::int`);
  }

  async savePhoto(tx: DbOrTx, id: number, contentType: string, bytes: Buffer, now: Date): Promise<void> {
    await tx
      .insert(doctorPhotos)
      .values({ doctorId: id, contentType, bytes, updatedAt: now })
      .onConflictDoUpdate({ target: doctorPhotos.doctorId, set: { contentType, bytes, updatedAt: now } });
    await tx
      .update(doctors)
      .set({ photoUrl: `/api/doctors/${id}/photo`, updatedAt: now })
      .where(eq(doctors.id, id));
  }

  async photo(id: number): Promise<{ contentType: string; bytes: Buffer; updatedAt: Date } | undefined> {
    const [row] = await this.db
      .select({
        contentType: doctorPhotos.contentType,
        bytes: doctorPhotos.bytes,
        updatedAt: doctorPhotos.updatedAt,
      })
      .from(doctorPhotos)
      .where(eq(doctorPhotos.doctorId, id))
      .limit(1);
    return row;
  }

  /** Scheduling's answer for the doctor's next free date, and until when it holds. */
  async setNextFree(id: number, date: string | null, until: Date | null): Promise<void> {
    await this.db.update(doctors).set({ nextFreeDate: date, nextFreeUntil: until }).where(eq(doctors.id, id));
  }

  /**
   * Patients' ratings replace the seeded figures (never mixed): the three figures from the answered ratings,
   * and ratings_from_patients set. Called by domain/ratings in the transaction that stored a rating.
   */
  async setPatientRatings(
    tx: DbOrTx,
    id: number,
    r: { reviewsCount: number; rating: number; recommendationPercent: number; at: Date },
  ): Promise<void> {
    await tx
      .update(doctors)
      .set({
        reviewsCount: r.reviewsCount,
        rating: r.rating,
        recommendationPercent: r.recommendationPercent,
        ratingsFromPatients: true,
        updatedAt: r.at,
      })
      .where(eq(doctors.id, id));
  }

  // Verification -------------------------------------------------------------------------------------

  async setVerification(
    tx: DbOrTx,
    id: number,
    v: { status: VerificationStatus; note: string | null; by: number | null; at: Date },
  ): Promise<void> {
    await tx
      .update(doctors)
      .set({
        verificationStatus: v.status,
        verificationNote: v.note,
        verifiedAt: v.status === "verified" ? v.at : null,
        verifiedBy: v.by,
        updatedAt: v.at,
      })
      .where(eq(doctors.id, id));
  }

  async listByStatus(status: VerificationStatus, limit: number, offset: number) {
    const where = eq(doctors.verificationStatus, status);
    const [rows, [total]] = await Promise.all([
      this.db
        .select({
          id: doctors.id,
          name: doctors.name,
          email: users.email,
          registrationNumber: doctors.registrationNumber,
          city: doctors.city,
          verificationStatus: doctors.verificationStatus,
          verificationNote: doctors.verificationNote,
          createdAt: doctors.createdAt,
          specialties: sql<
            string[]
          >`(SELECT COALESCE(array_agg(s.name ORDER BY ds.is_primary DESC, s.name), '{}')
            FROM doctor_specialties ds JOIN specialties s ON s.id = ds.specialty_id WHERE ds.doctor_id = ${doctors.id})`,
          degrees: sql<string[]>`(SELECT COALESCE(array_agg(q.degree ORDER BY q.id), '{}')
            FROM doctor_qualifications q WHERE q.doctor_id = ${doctors.id})`,
        })
        .from(doctors)
        .leftJoin(users, eq(users.id, doctors.userId))
        .where(where)
        .orderBy(doctors.createdAt, doctors.id)
        .limit(limit)
        .offset(offset),
      this.db.select({ n: count() }).from(doctors).where(where),
    ]);
    return { rows, total: total?.n ?? 0 };
  }

  /** What scheduling needs of a doctor, whatever their verification status. */
  async schedulingInfo(id: number) {
    const [row] = await this.db
      .select({
        id: doctors.id,
        name: doctors.name,
        timeZone: doctors.timeZone,
        feeMinor: doctors.feeMinor,
        currency: doctors.currency,
        autoAccept: doctors.autoAccept,
        modes: doctors.modes,
        verified: sql<boolean>`${doctors.verificationStatus} = 'verified'`,
        userId: doctors.userId,
        nextFreeDate: doctors.nextFreeDate,
        nextFreeUntil: doctors.nextFreeUntil,
      })
      .from(doctors)
      .where(eq(doctors.id, id))
      .limit(1);
    return row;
  }
}
