import type { DbOrTx } from "../../db/client.js";
import { createHash } from "node:crypto";
import { fileTypeFromBuffer } from "file-type";
import { DateTime } from "luxon";
import type { ServiceContext } from "../context.js";
import { enqueueNotification } from "../notifications/outbox.js";
import type { Actor } from "../shared/actor.js";
import { forbidden, invalid, notFound, unprocessable } from "../shared/errors.js";
import { toMajor, toMinor } from "../shared/money.js";
import { requirePhone } from "../shared/phone.js";
import { createGeocoder, type Geocoder, type Place } from "./places/index.js";
import {
  addDays,
  assertTimeZone,
  ISO_DAYS,
  isIsoDate,
  isoDayOf,
  todayIn,
  type DayName,
} from "../shared/time.js";
import type { DoctorDirectory } from "./directory.js";
import { SpecialtyCatalog } from "./matching.js";
import {
  doctorMatchesOf,
  DoctorsRepository,
  type DoctorViewRow,
  type PopularRow,
  type ProfilePatch,
  type SearchQueryParams,
  type SearchRow,
  type SearchSort,
  type VerificationStatus,
  VISIT_MODES,
  type VisitMode,
} from "./repository.js";

/** The key every change to discoverable data bumps; cache keys embed its value (O(1) invalidation). */
export const SEARCH_VERSION_KEY = "search:version";
const SEARCH_VERSION_TTL_SECONDS = 30 * 86400;
export const PHOTO_MAX_BYTES = 2 * 1024 * 1024;
const PHOTO_TYPES = new Set(["image/png", "image/jpeg"]);
const DEFAULT_RADIUS_KM = 10;

export interface SearchInput {
  city?: string | undefined;
  q?: string | undefined;
  day?: string | undefined;
  date?: string | undefined;
  lat?: number | undefined;
  lng?: number | undefined;
  radius_km?: number | undefined;
  fee_min?: number | undefined;
  fee_max?: number | undefined;
  /** Only doctors who offer this mode (in_person, video, audio, chat). */
  mode?: string | undefined;
  sort?: SearchSort | undefined;
  page?: number | undefined;
  per_page?: number | undefined;
}

/** A doctor as listed by search and popular (the API contract's field names). */
export interface DoctorListItem {
  id: number;
  profile_photo_url: string | null;
  doctor_name: string;
  specialization: string;
  experience_years: number;
  city: string;
  available_days: DayName[];
  /** In the currency's major unit (the API's number). */
  consultation_fees: number;
  /** The same fee in minor units: what the chat formats (domain/shared/money.ts). */
  consultation_fees_minor: number;
  currency: string;
  wait_time: number;
  reviews_count: number;
  rating: number;
  distance_km?: number;
  /** How the doctor consults: in_person, video, audio, chat. */
  modes: VisitMode[];
}

export interface SearchResult {
  doctors: DoctorListItem[];
  page: number;
  per_page: number;
  total: number;
}

export interface Suggestion {
  suggestion: string;
  original: string;
  display_name: "SPECIALITY" | "SYMPTOM" | "DOCTOR";
  category: string;
  type: "doctor";
}

export interface DoctorView extends DoctorListItem {
  specialties: string[];
  qualifications: { degree: string; institute: string; year: number | null }[];
  available_timings: { day: DayName; start: string; end: string }[];
  summary: string | null;
  recommendation_percent: number;
  /** Where reviews_count, rating and recommendation_percent come from: seeded demo figures, or patients' ratings. */
  ratings_source: "seeded" | "patients";
  patients_count: number;
  clinic_name: string | null;
  clinic_address: string | null;
  languages: string[];
  time_zone: string;
  gender: string | null;
  latitude: number | null;
  longitude: number | null;
  /** The first date with a free slot, in the doctor's zone (not cached: bookings change it). */
  next_available_date: string | null;
}

/** What discovery needs from scheduling, without depending on it (scheduling depends on doctors). */
export interface AvailabilityLookup {
  nextAvailableDate(doctorId: number): Promise<string | null>;
}

export interface ProfileUpdate {
  name?: string | undefined;
  gender?: string | null | undefined;
  registration_number?: string | null | undefined;
  experience_years?: number | undefined;
  clinic_name?: string | null | undefined;
  clinic_address?: string | null | undefined;
  city?: string | undefined;
  latitude?: number | null | undefined;
  longitude?: number | null | undefined;
  languages?: string[] | undefined;
  fee?: number | undefined;
  currency?: string | undefined;
  summary?: string | null | undefined;
  time_zone?: string | undefined;
  phone?: string | null | undefined;
  auto_accept?: boolean | undefined;
  modes?: string[] | undefined;
  specialties?: { name: string; primary?: boolean | undefined }[] | undefined;
  qualifications?: { degree: string; institute: string; year?: number | null | undefined }[] | undefined;
}

export interface Bookable {
  id: number;
  name: string;
  timeZone: string;
  feeMinor: number;
  currency: string;
  autoAccept: boolean;
  modes: VisitMode[];
  verified: boolean;
  userId: number | null;
  /** Scheduling's last answer for the next free date, valid while nextFreeUntil is ahead (null: unknown). */
  nextFreeDate: string | null;
  nextFreeUntil: Date | null;
}

function daysOf(mask: number): DayName[] {
  return ISO_DAYS.filter((_, i) => (mask & (1 << i)) !== 0);
}

function listItem(
  r: Omit<SearchRow, "total" | "specialty_count" | "directory_version" | "score" | "distance_km" | "id"> & {
    id: number | null;
  },
) {
  return {
    id: r.id!,
    profile_photo_url: r.photo_url,
    doctor_name: r.name,
    specialization: r.specialization ?? "",
    experience_years: r.experience_years,
    city: r.city,
    available_days: daysOf(r.available_days_mask),
    consultation_fees: toMajor(r.fee_minor, r.currency),
    consultation_fees_minor: r.fee_minor,
    currency: r.currency,
    wait_time: r.wait_time_minutes,
    reviews_count: r.reviews_count,
    rating: r.rating,
    modes: r.modes,
  };
}

/** A known mode, or a coded 400. */
export function visitModeOf(raw: string): VisitMode {
  const mode = raw.trim().toLowerCase() as VisitMode;
  if (!VISIT_MODES.includes(mode))
    throw invalid("INVALID_MODE", `mode must be one of ${VISIT_MODES.join(", ")}.`);
  return mode;
}

function blankToNull(v: string | null | undefined): string | null | undefined {
  if (v === undefined || v === null) return v;
  const t = v.trim();
  return t === "" ? null : t;
}

/** Doctor profiles, verification, discovery (search, suggestions, popular). */
/** Validates and normalizes search input. Invalid combinations are coded 400s. Pure: the bench reuses it. */
export function searchParamsOf(input: SearchInput, now: Date): SearchQueryParams {
  const perPage = input.per_page ?? 20;
  const page = input.page ?? 1;
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > 50)
    throw invalid("INVALID_PER_PAGE", "per_page must be between 1 and 50.");
  if (!Number.isInteger(page) || page < 1 || page > 10000)
    throw invalid("INVALID_PAGE", "page must be between 1 and 10000.");
  const q = input.q?.trim().toLowerCase().replace(/\s+/g, " ") || undefined;
  const city = input.city?.trim().toLowerCase() || undefined;

  let isoDay: number | undefined;
  let date: string | undefined;
  if (input.day !== undefined && input.date !== undefined)
    throw invalid("DAY_AND_DATE", "Give day or date, not both.");
  if (input.day !== undefined) {
    const i = ISO_DAYS.indexOf(input.day.trim().toUpperCase() as DayName);
    if (i < 0) throw invalid("INVALID_DAY", "day must be a weekday name such as MONDAY.");
    isoDay = i + 1;
  }
  if (input.date !== undefined) {
    if (!isIsoDate(input.date)) throw invalid("INVALID_DATE", "date must be a real date (YYYY-MM-DD).");
    // Accept "today" anywhere on earth: a date before yesterday (UTC) is in the past everywhere.
    if (input.date < addDays(todayIn("UTC", now), -1)) throw invalid("DATE_IN_PAST", "date is in the past.");
    date = input.date;
    isoDay = isoDayOf(date);
  }

  const hasLat = input.lat !== undefined;
  const hasLng = input.lng !== undefined;
  if (hasLat !== hasLng) throw invalid("LOCATION_INCOMPLETE", "Give both lat and lng.");
  if (input.radius_km !== undefined && !hasLat)
    throw invalid("RADIUS_NEEDS_LOCATION", "radius_km needs lat and lng.");
  const near =
    hasLat && hasLng
      ? { lat: input.lat!, lng: input.lng!, radiusKm: input.radius_km ?? DEFAULT_RADIUS_KM }
      : undefined;
  if (near && (Math.abs(near.lat) > 90 || Math.abs(near.lng) > 180))
    throw invalid("INVALID_LOCATION", "lat must be within ±90 and lng within ±180.");
  if (near && !(near.radiusKm > 0 && near.radiusKm <= 1000))
    throw invalid("INVALID_RADIUS", "radius_km must be above 0 and at most 1000.");

  const sort = input.sort ?? "relevance";
  if (sort === "distance" && !near)
    throw invalid("DISTANCE_NEEDS_LOCATION", "sort=distance needs lat and lng.");
  for (const fee of [input.fee_min, input.fee_max]) {
    if (fee !== undefined && !(Number.isFinite(fee) && fee >= 0))
      throw invalid("INVALID_FEE", "Fees must be zero or more.");
  }
  if (input.fee_min !== undefined && input.fee_max !== undefined && input.fee_min > input.fee_max)
    throw invalid("FEE_RANGE_INVALID", "fee_min is above fee_max.");

  return {
    city,
    q,
    isoDay,
    date,
    near,
    feeMin: input.fee_min,
    feeMax: input.fee_max,
    mode: input.mode !== undefined ? visitModeOf(input.mode) : undefined,
    sort,
    limit: perPage,
    offset: (page - 1) * perPage,
  };
}

export class DoctorsService {
  private readonly repo: DoctorsRepository;
  private readonly inflight = new Map<string, Promise<unknown>>();
  private readonly places: Geocoder;
  /** The specialties, loaded once (reference data); a search that finds a different count reloads them. */
  private catalog: Promise<SpecialtyCatalog> | undefined;
  /** The doctors' search text, cities and specialties (directory.ts); a search that finds a newer version reloads it. */
  private directory: Promise<DoctorDirectory> | undefined;

  constructor(
    readonly ctx: ServiceContext,
    private readonly availability?: AvailabilityLookup,
  ) {
    this.repo = new DoctorsRepository(ctx.db);
    this.places = createGeocoder(ctx.config);
  }

  // Cache ---------------------------------------------------------------------------------------------

  /** Makes every cached search, suggestion, view and popular list stale at once. */
  async invalidateSearchCache(): Promise<void> {
    await this.ctx.cache.incr(SEARCH_VERSION_KEY, SEARCH_VERSION_TTL_SECONDS);
  }

  private async cached<T>(kind: string, params: unknown, load: () => Promise<T>): Promise<T> {
    const ttl = this.ctx.config.search.cacheTtlSeconds;
    if (ttl <= 0) return load();
    const version = (await this.ctx.cache.get(SEARCH_VERSION_KEY)) ?? "0";
    const digest = createHash("sha1").update(JSON.stringify(params)).digest("base64url");
    const key = `search:${version}:${kind}:${digest}`;
    const hit = await this.ctx.cache.get(key);
    if (hit !== undefined) return JSON.parse(hit) as T;
    // Single flight: concurrent misses of one key in this process share one database query.
    const running = this.inflight.get(key);
    if (running) return running as Promise<T>;
    const loading = (async () => {
      const value = await load();
      await this.ctx.cache.set(key, JSON.stringify(value), ttl);
      return value;
    })().finally(() => this.inflight.delete(key));
    this.inflight.set(key, loading);
    return loading;
  }

  // Discovery (public) --------------------------------------------------------------------------------

  async search(input: SearchInput): Promise<SearchResult> {
    const params = this.searchParams(input);
    const page = input.page ?? 1;
    return this.cached("list", params, async () => {
      let [catalog, directory] = await Promise.all([this.specialtyCatalog(), this.doctorDirectory()]);
      let found = await this.repo.search(params, doctorMatchesOf(params, catalog, directory));
      // Text is matched in memory: when the catalog or the directory changed since they were loaded, load
      // them again and search again (once: what a concurrent write changes next is the next search's news).
      const staleCatalog = found.specialtyCount !== catalog.size;
      const staleDirectory = found.directoryVersion !== directory.version;
      if (staleCatalog || staleDirectory) {
        [catalog, directory] = await Promise.all([
          this.specialtyCatalog(staleCatalog),
          this.doctorDirectory(staleDirectory ? found.directoryVersion : undefined),
        ]);
        if (params.q) found = await this.repo.search(params, doctorMatchesOf(params, catalog, directory));
      }
      const { total, rows } = found;
      return {
        doctors: rows.map((r) => {
          const item: DoctorListItem = listItem(r);
          if (params.near && r.distance_km !== null) item.distance_km = Math.round(r.distance_km * 100) / 100;
          return item;
        }),
        page,
        per_page: params.limit,
        total,
      };
    });
  }

  /** The catalog of specialties that scores search text (loaded on first use; `reload` reads it again). */
  private specialtyCatalog(reload = false): Promise<SpecialtyCatalog> {
    if (!this.catalog || reload) {
      const loading = this.repo.listSpecialties().then((rows) => new SpecialtyCatalog(rows));
      loading.catch(() => {
        if (this.catalog === loading) this.catalog = undefined;
      });
      this.catalog = loading;
    }
    return this.catalog;
  }

  /**
   * The in-memory directory of doctors (loaded on first use). Given the version a search saw, it is loaded again
   * unless the one held (or being loaded) already reflects that version or a later one; concurrent searches
   * share one load.
   */
  private doctorDirectory(seen?: string): Promise<DoctorDirectory> {
    const current = this.directory;
    if (current && seen !== undefined) {
      return current.then((d) => (BigInt(d.version) >= BigInt(seen) ? d : this.reloadDirectory(current)));
    }
    return current ?? this.reloadDirectory(undefined);
  }

  private reloadDirectory(replacing: Promise<DoctorDirectory> | undefined): Promise<DoctorDirectory> {
    // Another search already started a newer load: share it.
    if (this.directory !== replacing && this.directory) return this.directory;
    const loading = this.repo.directory();
    loading.catch(() => {
      if (this.directory === loading) this.directory = undefined;
    });
    this.directory = loading;
    return loading;
  }

  /** Validates and normalizes the search input. Invalid combinations are coded 400s. */
  searchParams(input: SearchInput): SearchQueryParams {
    return searchParamsOf(input, this.ctx.clock.now());
  }

  async suggest(input: { q?: string | undefined; city?: string | undefined }): Promise<Suggestion[]> {
    const original = input.q ?? "";
    const q = original.trim().toLowerCase().replace(/\s+/g, " ");
    if (q === "") return [];
    const city = input.city?.trim().toLowerCase() || undefined;
    const rows = await this.cached("suggest", { q, city }, () => this.repo.suggest({ q, city, limit: 5 }));
    return rows.map((r) => ({
      suggestion: r.suggestion,
      original,
      display_name: r.display_name,
      category: r.category ?? "",
      type: "doctor",
    }));
  }

  /** A verified doctor's public page. Unverified or missing: 404. */
  async view(id: number): Promise<DoctorView> {
    const { row, next } = await this.viewRow(id);
    return {
      ...(JSON.parse(row.doc) as Omit<DoctorView, "consultation_fees" | "consultation_fees_minor">),
      consultation_fees: toMajor(row.fee_minor, row.currency),
      consultation_fees_minor: row.fee_minor,
      next_available_date: next,
    };
  }

  /**
   * The public page as JSON text, as the HTTP route sends it: Postgres builds it (buildViewQuery), and only the
   * fee in major units and the next free date are added here, so the hot path neither parses nor re-serializes
   * the page.
   */
  async viewJson(id: number): Promise<string> {
    const { row, next } = await this.viewRow(id);
    // `doc` is one JSON object ("{…}"): the two fields go in front of its first key.
    const fees = toMajor(row.fee_minor, row.currency);
    return `{"consultation_fees":${JSON.stringify(fees)},"next_available_date":${JSON.stringify(next)},${row.doc.slice(1)}`;
  }

  /**
   * The view's row and next free date. Uncached, it is one statement: the next free date comes precomputed on
   * the doctor's row (scheduling keeps it), and is asked of scheduling only when that answer has run out.
   */
  private async viewRow(id: number): Promise<{ row: DoctorViewRow; next: string | null }> {
    if (this.ctx.config.search.cacheTtlSeconds <= 0) {
      const row = await this.repo.view(id);
      if (!row) throw notFound("Doctor");
      const until = row.next_free_until === null ? null : new Date(row.next_free_until);
      const next =
        until !== null && until > this.ctx.clock.now()
          ? row.next_free_date
          : ((await this.availability?.nextAvailableDate(id)) ?? null);
      return { row, next };
    }
    // "view-row": the cached value is the row (JSON text inside); pages cached whole before it used "view".
    const row = await this.cached("view-row", id, async () => (await this.repo.view(id)) ?? null);
    if (!row) throw notFound("Doctor");
    return { row, next: (await this.availability?.nextAvailableDate(id)) ?? null };
  }

  async popular(input: { city?: string | undefined; limit?: number | undefined }): Promise<DoctorListItem[]> {
    const city = input.city?.trim().toLowerCase() || undefined;
    const limit = Math.min(Math.max(input.limit ?? 10, 1), 50);
    return this.cached("popular", { city, limit }, async () => {
      const rows: PopularRow[] = await this.repo.popular(city, limit);
      return rows.map((r) => listItem(r));
    });
  }

  async listSpecialties() {
    return this.repo.listSpecialties();
  }

  /** The cities with verified doctors (cached like searches: a doctor's change bumps the version). */
  async listCities(): Promise<string[]> {
    return this.cached("cities", {}, () => this.repo.listCities());
  }

  /** A typed place ("Vikas Puri") as a point: the bundled gazetteer, or Google's geocoding when configured. */
  async geocode(place: string): Promise<Place | null> {
    const q = place.trim();
    if (q.length < 2 || q.length > 100) return null;
    return this.places.geocode(q);
  }

  // For scheduling -----------------------------------------------------------------------------------

  /** What booking needs to know about a doctor. Missing or unverified: not_found. */
  async getBookable(doctorId: number): Promise<Bookable> {
    const row = await this.find(doctorId);
    if (!row?.verified) throw notFound("Doctor");
    return row;
  }

  /** Keeps scheduling's answer for the doctor's next free date on the doctor's row, until `until`. */
  async storeNextFree(doctorId: number, date: string | null, until: Date): Promise<void> {
    await this.repo.setNextFree(doctorId, date, until);
  }

  /**
   * The doctor's figures from patients' ratings (domain/ratings computes them from its table, in `tx`): they
   * replace the seeded demo figures, which are never mixed in. Cached searches are made stale after the commit
   * by the caller (invalidateSearchCache).
   */
  async setPatientRatings(
    tx: DbOrTx,
    doctorId: number,
    r: { reviewsCount: number; rating: number; recommendationPercent: number },
  ): Promise<void> {
    await this.repo.setPatientRatings(tx, doctorId, { ...r, at: this.ctx.clock.now() });
  }

  /** The doctor's free time changed: the stored next free date no longer holds. */
  async dropNextFree(doctorId: number): Promise<void> {
    await this.repo.setNextFree(doctorId, null, null);
  }

  /** A doctor's scheduling facts whatever their verification status (a doctor sets hours before being verified). */
  async find(doctorId: number): Promise<Bookable | undefined> {
    return this.repo.schedulingInfo(doctorId);
  }

  // Profiles -----------------------------------------------------------------------------------------

  private async profileScope(actor: Actor, requested: number | undefined, write: boolean): Promise<number> {
    if (write && actor.role !== "doctor" && actor.role !== "admin")
      throw forbidden("FORBIDDEN_ROLE", "Only the doctor or an admin may edit a profile.");
    const id = await this.ctx.access.doctorScope(actor, requested);
    return id;
  }

  async getProfile(actor: Actor, requested?: number) {
    const id = await this.profileScope(actor, requested, false);
    return this.profileView(id);
  }

  private async profileView(id: number) {
    const [p, specs, quals] = await Promise.all([
      this.repo.profile(id),
      this.repo.specialtiesOf(id),
      this.repo.qualificationsOf(id),
    ]);
    if (!p) throw notFound("Doctor");
    return {
      id: p.id,
      user_id: p.userId,
      name: p.name,
      photo_url: p.photoUrl,
      gender: p.gender,
      registration_number: p.registrationNumber,
      experience_years: p.experienceYears,
      clinic_name: p.clinicName,
      clinic_address: p.clinicAddress,
      city: p.city,
      latitude: p.latitude,
      longitude: p.longitude,
      languages: p.languages,
      fee: toMajor(p.feeMinor, p.currency),
      fee_minor: p.feeMinor,
      currency: p.currency,
      summary: p.summary,
      time_zone: p.timeZone,
      phone: p.phone,
      auto_accept: p.autoAccept,
      modes: p.modes,
      verification_status: p.verificationStatus,
      verification_note: p.verificationNote,
      verified_at: p.verifiedAt ? p.verifiedAt.toISOString() : null,
      available_days: daysOf(p.availableDaysMask),
      reviews_count: p.reviewsCount,
      recommendation_percent: p.recommendationPercent,
      patients_count: p.patientsCount,
      wait_time: p.waitTimeMinutes,
      rating: p.rating,
      specialties: specs,
      qualifications: quals,
    };
  }

  async updateProfile(actor: Actor, requested: number | undefined, input: ProfileUpdate) {
    const id = await this.profileScope(actor, requested, true);
    const current = await this.repo.profile(id);
    if (!current) throw notFound("Doctor");

    const patch: ProfilePatch = {};
    if (input.name !== undefined) {
      const name = input.name.trim();
      if (name === "") throw invalid("INVALID_NAME", "name must not be blank.");
      patch.name = name;
    }
    if (input.gender !== undefined) patch.gender = blankToNull(input.gender) ?? null;
    if (input.registration_number !== undefined)
      patch.registrationNumber = blankToNull(input.registration_number) ?? null;
    if (input.experience_years !== undefined) patch.experienceYears = input.experience_years;
    if (input.clinic_name !== undefined) patch.clinicName = blankToNull(input.clinic_name) ?? null;
    if (input.clinic_address !== undefined) patch.clinicAddress = blankToNull(input.clinic_address) ?? null;
    if (input.city !== undefined) {
      const city = input.city.trim();
      if (city === "") throw invalid("INVALID_CITY", "city must not be blank.");
      patch.city = city;
    }
    if ((input.latitude === undefined) !== (input.longitude === undefined))
      throw invalid("LOCATION_INCOMPLETE", "Give latitude and longitude together.");
    if (input.latitude !== undefined) {
      if ((input.latitude === null) !== (input.longitude === null))
        throw invalid("LOCATION_INCOMPLETE", "Give latitude and longitude together.");
      patch.latitude = input.latitude;
      patch.longitude = input.longitude ?? null;
    }
    if (input.languages !== undefined)
      patch.languages = [...new Set(input.languages.map((l) => l.trim()).filter((l) => l !== ""))];
    const currency = input.currency?.toUpperCase() ?? current.currency;
    if (input.currency !== undefined) patch.currency = currency;
    if (input.fee !== undefined) {
      try {
        patch.feeMinor = toMinor(input.fee, currency);
      } catch {
        throw invalid("INVALID_FEE", `fee has more decimals than ${currency} allows.`);
      }
      if (patch.feeMinor < 0 || patch.feeMinor > 2_000_000_000)
        throw invalid("INVALID_FEE", "fee is out of range.");
    } else if (input.currency !== undefined && input.currency.toUpperCase() !== current.currency) {
      throw invalid("FEE_REQUIRED", "Give the fee when changing the currency.");
    }
    if (input.summary !== undefined) patch.summary = blankToNull(input.summary) ?? null;
    if (input.time_zone !== undefined) patch.timeZone = assertTimeZone(input.time_zone);
    if (input.phone !== undefined) {
      const phone = blankToNull(input.phone);
      patch.phone = phone ? requirePhone(phone, this.ctx.config.phone.defaultRegion) : null;
      // A new number is not proven: SMS commands stop until it is verified again.
      if (patch.phone !== current.phone) patch.phoneVerifiedAt = null;
    }
    if (input.auto_accept !== undefined) patch.autoAccept = input.auto_accept;
    if (input.modes !== undefined) {
      const modes = [...new Set(input.modes.map(visitModeOf))];
      if (modes.length === 0) throw invalid("MODES_REQUIRED", "Offer at least one mode.");
      patch.modes = modes;
    }

    let specialtyList: { specialtyId: number; isPrimary: boolean }[] | undefined;
    if (input.specialties !== undefined) {
      const wanted = input.specialties;
      const primaries = wanted.filter((s) => s.primary === true).length;
      if (primaries > 1) throw invalid("ONE_PRIMARY_SPECIALTY", "Mark at most one specialty as primary.");
      const found = await this.repo.findSpecialties(wanted.map((s) => s.name));
      const byKey = new Map<string, number>();
      for (const f of found) {
        byKey.set(f.name.toLowerCase(), f.id);
        byKey.set(f.slug, f.id);
      }
      const seen = new Set<number>();
      specialtyList = [];
      wanted.forEach((s, i) => {
        const specialtyId = byKey.get(s.name.trim().toLowerCase());
        if (specialtyId === undefined)
          throw unprocessable("UNKNOWN_SPECIALTY", `"${s.name}" is not a known specialty.`);
        if (seen.has(specialtyId)) return;
        seen.add(specialtyId);
        specialtyList!.push({ specialtyId, isPrimary: primaries === 0 ? i === 0 : s.primary === true });
      });
    }
    let qualificationList: { degree: string; institute: string; year: number | null }[] | undefined;
    if (input.qualifications !== undefined) {
      const thisYear = DateTime.fromJSDate(this.ctx.clock.now(), { zone: "UTC" }).year;
      qualificationList = input.qualifications.map((q) => {
        const degree = q.degree.trim();
        const institute = q.institute.trim();
        if (degree === "" || institute === "")
          throw invalid("INVALID_QUALIFICATION", "degree and institute must not be blank.");
        if (q.year != null && q.year > thisYear)
          throw invalid("INVALID_QUALIFICATION", "A qualification's year cannot be in the future.");
        return { degree, institute, year: q.year ?? null };
      });
    }

    const now = this.ctx.clock.now();
    await this.ctx.db.transaction(async (tx) => {
      await this.repo.updateProfile(tx, id, patch, now);
      if (specialtyList) await this.repo.replaceSpecialties(tx, id, specialtyList);
      if (qualificationList) await this.repo.replaceQualifications(tx, id, qualificationList);
      await this.repo.refreshSearchText(tx, id);
      await this.ctx.audit.record(
        actor,
        { action: "update", resourceType: "doctor_profile", resourceId: id, outcome: "allowed" },
        tx,
      );
    });
    await this.invalidateSearchCache();
    return this.profileView(id);
  }

  /** A PNG or JPEG (sniffed from the bytes, not the declared type), at most 2 MB. */
  async setPhoto(actor: Actor, requested: number | undefined, bytes: Buffer) {
    const id = await this.profileScope(actor, requested, true);
    if (bytes.length === 0) throw invalid("PHOTO_REQUIRED", "Attach a PNG or JPEG file.");
    if (bytes.length > PHOTO_MAX_BYTES) throw invalid("PHOTO_TOO_LARGE", "The photo is larger than 2 MB.");
    const type = await fileTypeFromBuffer(bytes);
    if (!type || !PHOTO_TYPES.has(type.mime))
      throw invalid("UNSUPPORTED_IMAGE_TYPE", "The photo must be a PNG or JPEG image.");
    const now = this.ctx.clock.now();
    await this.ctx.db.transaction(async (tx) => {
      await this.repo.savePhoto(tx, id, type.mime, bytes, now);
      await this.ctx.audit.record(
        actor,
        { action: "update", resourceType: "doctor_photo", resourceId: id, outcome: "allowed" },
        tx,
      );
    });
    await this.invalidateSearchCache();
    return { photo_url: `/api/doctors/${id}/photo`, content_type: type.mime, bytes: bytes.length };
  }

  async getPhoto(doctorId: number) {
    const photo = await this.repo.photo(doctorId);
    if (!photo) throw notFound("Photo");
    return photo;
  }

  // Verification -------------------------------------------------------------------------------------

  async verify(
    actor: Actor,
    doctorId: number,
    input: { status?: "verified" | "rejected" | undefined; note?: string | undefined },
  ) {
    if (actor.role !== "admin") throw forbidden("FORBIDDEN_ROLE", "Only admins verify doctors.");
    const status: VerificationStatus = input.status ?? "verified";
    const note = input.note?.trim() || null;
    const current = await this.repo.profile(doctorId);
    if (!current) throw notFound("Doctor");
    if (status === "verified") {
      const specs = await this.repo.specialtiesOf(doctorId);
      if (current.city.trim() === "" || specs.length === 0)
        throw unprocessable(
          "PROFILE_INCOMPLETE",
          "A doctor needs a city and at least one specialty before being verified.",
        );
    }
    const now = this.ctx.clock.now();
    await this.ctx.db.transaction(async (tx) => {
      await this.repo.setVerification(tx, doctorId, {
        status,
        note,
        by: actor.userId || null,
        at: now,
      });
      await this.ctx.audit.record(
        actor,
        {
          action: status === "verified" ? "verify" : "reject",
          resourceType: "doctor",
          resourceId: doctorId,
          outcome: "allowed",
        },
        tx,
      );
      if (current.userId !== null) {
        await enqueueNotification(tx, {
          userId: current.userId,
          template: `doctor.${status}`,
          data: { doctor_id: doctorId, ...(note ? { note } : {}) },
          idempotencyKey: `doctor.${status}:${doctorId}:${now.getTime()}`,
        });
      }
    });
    await this.invalidateSearchCache();
    return {
      id: doctorId,
      verification_status: status,
      verification_note: note,
      verified_at: status === "verified" ? now.toISOString() : null,
    };
  }

  async listForReview(
    actor: Actor,
    input: {
      status?: VerificationStatus | undefined;
      page?: number | undefined;
      per_page?: number | undefined;
    },
  ) {
    if (actor.role !== "admin") throw forbidden("FORBIDDEN_ROLE", "Only admins review doctors.");
    const page = input.page ?? 1;
    const perPage = input.per_page ?? 50;
    const { rows, total } = await this.repo.listByStatus(
      input.status ?? "pending",
      perPage,
      (page - 1) * perPage,
    );
    return {
      doctors: rows.map((r) => ({
        id: r.id,
        name: r.name,
        email: r.email,
        registration_number: r.registrationNumber,
        city: r.city,
        specialties: r.specialties,
        degrees: r.degrees,
        verification_status: r.verificationStatus,
        verification_note: r.verificationNote,
        created_at: r.createdAt.toISOString(),
      })),
      page,
      per_page: perPage,
      total,
    };
  }
}
