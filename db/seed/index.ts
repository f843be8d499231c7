import { hash } from "@node-rs/argon2";
import { eq, inArray, sql } from "drizzle-orm";
import { queryRows, type Database, type DbOrTx } from "../client.js";
import {
  appointments,
  doctors,
  nurseAssignments,
  patients,
  prescriptionItems,
  prescriptions,
  specialties,
  users,
} from "../schema/index.js";
import {
  CITIES,
  CLINIC_KINDS,
  CLINIC_WORDS,
  FIRST_NAMES,
  INSTITUTES,
  LAST_NAMES,
  SPECIALTIES,
  SPECIALTY_WEIGHTS,
  STREETS,
  type CitySeed,
  type SpecialtySeed,
} from "./data.js";

/** Second specialties that go together in practice, by primary specialty slug. */
const RELATED_SPECIALTIES: Record<string, readonly string[]> = {
  "general-physician": ["diabetologist", "geriatrician", "infectious-disease-specialist"],
  cardiologist: ["general-physician"],
  dermatologist: ["trichologist", "allergist"],
  trichologist: ["dermatologist"],
  pediatrician: ["allergist", "general-physician"],
  gynecologist: ["sexologist"],
  orthopedist: ["physiotherapist", "rheumatologist"],
  "ent-specialist": ["audiologist", "allergist"],
  psychiatrist: ["psychologist", "sexologist"],
  psychologist: ["psychiatrist"],
  neurologist: ["neurosurgeon"],
  neurosurgeon: ["neurologist"],
  endocrinologist: ["diabetologist"],
  diabetologist: ["endocrinologist", "general-physician"],
  nephrologist: ["urologist"],
  urologist: ["nephrologist", "sexologist"],
  oncologist: ["hematologist"],
  hematologist: ["oncologist"],
  "general-surgeon": ["plastic-surgeon"],
  "plastic-surgeon": ["general-surgeon"],
  dietitian: ["diabetologist"],
  geriatrician: ["general-physician"],
  pulmonologist: ["allergist"],
};

export interface SeedOptions {
  /** "Now" for the demo history's dates (the visit two weeks ago, the prescription's validity); default: the time. */
  now?: Date | undefined;
  doctorCount: number;
  /** Same seed → same data. */
  seed?: number;
  log?: (message: string) => void;
}

export interface SeedResult {
  doctors: number;
  specialties: number;
  cities: number;
}

/** The demo accounts (docs/demo-accounts.md). One password for all. */
export const DEMO_PASSWORD = "healthlink-demo";
export const DEMO_ACCOUNTS = {
  admin: { email: "admin@healthlink.demo", name: "Sam Admin", role: "admin" },
  patient: { email: "patient@healthlink.demo", name: "Asha Verma", role: "patient" },
  doctor: { email: "doctor@healthlink.demo", name: "Dr. Meera Kapoor", role: "doctor" },
  nurse: { email: "nurse@healthlink.demo", name: "Nurse Ritu Singh", role: "nurse" },
  pharmacist: { email: "pharmacist@healthlink.demo", name: "Pharmacist Kabir Das", role: "pharmacist" },
  lab: { email: "lab@healthlink.demo", name: "Lab Priya Nair", role: "lab" },
} as const;

/**
 * Doctor accounts for seeded doctors in the other cities the docs name (docs/demo-accounts.md): the first
 * seeded doctor of each city signs in with this email. Every other seeded doctor has no account and
 * auto-accepts bookings, so a demo booking with any doctor completes.
 */
export const DEMO_CITY_DOCTORS = [
  { city: "Vikas Puri", email: "doctor.vikaspuri@healthlink.demo" },
  { city: "Mumbai", email: "doctor.mumbai@healthlink.demo" },
  { city: "Wah", email: "doctor.wah@healthlink.demo" },
  { city: "Lahore", email: "doctor.lahore@healthlink.demo" },
  { city: "Karachi", email: "doctor.karachi@healthlink.demo" },
] as const;

const BATCH = 1000;
/** Fixed instants keep seeded rows identical between runs. */
const BASE_TIME = Date.UTC(2024, 0, 1);
const CURRENT_YEAR = 2025;

/** mulberry32: a small, fast, seedable PRNG. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!,
    weighted: <T>(list: readonly T[], weights: readonly number[]): T => {
      const total = weights.reduce((s, w) => s + w, 0);
      let r = next() * total;
      for (let i = 0; i < list.length; i++) {
        r -= weights[i] ?? 0;
        if (r < 0) return list[i]!;
      }
      return list[list.length - 1]!;
    },
  };
}
type Rng = ReturnType<typeof prng>;

interface Window {
  isoDay: number;
  start: string;
  end: string;
  slotMinutes: number;
}

/** A few realistic weekly patterns, in the doctor's own time zone. */
function weeklySchedule(rng: Rng): Window[] {
  const days = (list: number[], start: string, end: string, slotMinutes: number) =>
    list.map((isoDay) => ({ isoDay, start, end, slotMinutes }));
  const slot = rng.pick([15, 15, 20, 30]);
  let windows: Window[];
  switch (rng.int(0, 4)) {
    case 0: // split shift, Monday–Saturday
      windows = [
        ...days([1, 2, 3, 4, 5, 6], "10:00", "14:00", slot),
        ...days([1, 2, 3, 4, 5, 6], "17:00", "20:00", slot),
      ];
      break;
    case 1: // office hours, Monday–Friday
      windows = days([1, 2, 3, 4, 5], "09:00", "17:00", slot);
      break;
    case 2: // evenings, plus Saturday morning
      windows = [...days([1, 3, 5], "16:00", "21:00", slot), ...days([6], "10:00", "13:00", slot)];
      break;
    case 3: // Tuesday–Sunday
      windows = days([2, 3, 4, 5, 6, 7], "11:00", "19:00", slot);
      break;
    default: // mornings, Monday–Saturday
      windows = days([1, 2, 3, 4, 5, 6], "08:30", "13:30", slot);
  }
  // Some doctors take one extra weekday off.
  if (rng.next() < 0.3) {
    const off = rng.int(1, 5);
    const kept = windows.filter((w) => w.isoDay !== off);
    if (kept.length > 0) windows = kept;
  }
  return windows;
}

function maskOf(windows: Window[]): number {
  return windows.reduce((m, w) => m | (1 << (w.isoDay - 1)), 0);
}

function roundTo(value: number, step: number): number {
  return Math.max(step, Math.round(value / step) * step);
}

interface DoctorSeed {
  row: typeof doctors.$inferInsert;
  specialtySlugs: string[];
  qualifications: { degree: string; institute: string; year: number }[];
  windows: Window[];
}

function generateDoctor(rng: Rng, i: number): DoctorSeed {
  // The first doctors cover every city and every specialty once; the rest follow realistic weights.
  const city: CitySeed =
    CITIES[i] ??
    rng.weighted(
      CITIES,
      CITIES.map((c) => c.weight),
    );
  const primary: SpecialtySeed = SPECIALTIES[i] ?? rng.weighted(SPECIALTIES, SPECIALTY_WEIGHTS);
  const specialtySlugs = [primary.slug];
  if (rng.next() < 0.12) {
    // A second specialty a doctor of this kind plausibly also practises (never a dentist-nephrologist).
    const related = RELATED_SPECIALTIES[primary.slug];
    if (related) specialtySlugs.push(rng.pick(related));
  }
  const region = city.country === "PK" ? "pk" : "south";
  const female = rng.next() < 0.45;
  const first = rng.pick(female ? FIRST_NAMES[region].female : FIRST_NAMES[region].male);
  const last = rng.pick(LAST_NAMES[region]);
  const name = `Dr. ${first} ${last}`;
  const experienceYears = rng.int(1, 38);

  const path = rng.pick(primary.degrees);
  let year = CURRENT_YEAR - experienceYears;
  const qualifications = [...path]
    .reverse()
    .map((degree) => {
      const q = { degree, institute: rng.pick(INSTITUTES[city.country]), year };
      year -= rng.int(2, 4);
      return q;
    })
    .reverse();

  const specialistFactor = 1 + (path.length - 1) * 0.35;
  const rawFee = (city.fee[0] + rng.next() * (city.fee[1] - city.fee[0])) * specialistFactor;
  const fee = roundTo(Math.min(rawFee, city.fee[1] * 1.6), city.currency === "AED" ? 10 : 50);

  const rating = Math.round((3.4 + rng.next() * 1.6) * 10) / 10;
  const reviewsCount = Math.floor(rng.next() ** 2 * 900);
  const patientsCount = reviewsCount * 3 + rng.int(0, 600);
  const recommendationPercent = Math.min(
    100,
    Math.max(50, Math.round(55 + (rating - 3.4) * 28 + rng.int(-4, 4))),
  );
  const windows = weeklySchedule(rng);
  const languages = [...new Set(["English", city.languages[1] ?? "English", rng.pick(city.languages)])];
  const clinicName = `${rng.pick(CLINIC_WORDS)} ${CLINIC_KINDS[primary.slug] ?? `${primary.name} Clinic`}`;
  const clinicAddress = `${rng.int(1, 250)}, ${rng.pick(STREETS)}, ${city.name}`;
  const latitude = Math.round((city.lat + (rng.next() - 0.5) * 0.14) * 1e6) / 1e6;
  const longitude = Math.round((city.lng + (rng.next() - 0.5) * 0.14) * 1e6) / 1e6;
  const secondaryNames = specialtySlugs
    .slice(1)
    .map((s) => SPECIALTIES.find((x) => x.slug === s)!.name)
    .sort();
  const createdAt = new Date(BASE_TIME + i * 60_000);

  return {
    row: {
      name,
      gender: female ? "female" : "male",
      registrationNumber: `${city.country}-${primary.slug.slice(0, 3).toUpperCase()}-${String(100000 + i)}`,
      experienceYears,
      clinicName,
      clinicAddress,
      city: city.name,
      latitude,
      longitude,
      languages,
      feeMinor: fee * 100,
      currency: city.currency,
      summary: `${name} is a ${primary.name} in ${city.name} with ${experienceYears} years of experience. ${primary.description}`,
      timeZone: city.timeZone,
      verificationStatus: "verified",
      verifiedAt: createdAt,
      // Seeded doctors have no account to accept requests with: they auto-accept (the draw is kept so
      // the rest of the generated data stays the same). Those given an account accept by hand.
      autoAccept: rng.next() >= 0,
      availableDaysMask: maskOf(windows),
      reviewsCount,
      recommendationPercent,
      patientsCount,
      waitTimeMinutes: rng.pick([5, 10, 10, 15, 15, 20, 30, 45]),
      rating,
      searchText: [name, primary.name, ...secondaryNames, ...qualifications.map((q) => q.degree)]
        .join(" ")
        .toLowerCase(),
      createdAt,
      updatedAt: createdAt,
    },
    specialtySlugs,
    qualifications,
    windows,
  };
}

/** The demo doctor: a verified Dentist in Delhi, in Vikas Puri. */
function demoDoctor(base: DoctorSeed, userId: number): DoctorSeed {
  const name = DEMO_ACCOUNTS.doctor.name;
  const qualifications = [
    { degree: "BDS", institute: "Maulana Azad Institute of Dental Sciences, Delhi", year: 2010 },
    {
      degree: "MDS - Endodontics",
      institute: "Maulana Azad Institute of Dental Sciences, Delhi",
      year: 2013,
    },
  ];
  const windows: Window[] = [1, 2, 3, 4, 5, 6].flatMap((isoDay) => [
    { isoDay, start: "10:00", end: "13:00", slotMinutes: 30 },
    { isoDay, start: "17:00", end: "20:00", slotMinutes: 30 },
  ]);
  return {
    row: {
      ...base.row,
      userId,
      name,
      gender: "female",
      registrationNumber: "DMC-DEN-2013-0042",
      experienceYears: 12,
      clinicName: "Smile Dental Clinic",
      clinicAddress: "C-2/14, Janakpuri Road, Vikas Puri, New Delhi 110018",
      city: "Delhi",
      latitude: 28.6406,
      longitude: 77.0707,
      languages: ["English", "Hindi", "Punjabi"],
      feeMinor: 50000,
      currency: "INR",
      summary: `${name} is a Dentist in Vikas Puri, Delhi, with 12 years of experience in root canals and painless dentistry.`,
      timeZone: "Asia/Kolkata",
      autoAccept: false,
      availableDaysMask: maskOf(windows),
      rating: 4.8,
      reviewsCount: 312,
      recommendationPercent: 97,
      patientsCount: 1480,
      waitTimeMinutes: 10,
      phone: "+919810000042",
      searchText: `${name} Dentist BDS MDS - Endodontics`.toLowerCase(),
    },
    specialtySlugs: ["dentist"],
    qualifications,
    windows,
  };
}

/**
 * Multi-row insert in batches, each batch ONE statement with ONE parameter (a JSON array expanded by
 * json_populate_recordset): much faster than thousands of bind parameters, above all under PGlite.
 * Rows use the SQL (snake_case) column names. Returns the `returning` columns of every row, in order.
 */
async function bulkInsert<R = never>(
  tx: DbOrTx,
  table: string,
  rows: Record<string, unknown>[],
  returning?: string[],
): Promise<R[]> {
  const out: R[] = [];
  const first = rows[0];
  if (!first) return out;
  const columns = sql.raw(
    Object.keys(first)
      .map((c) => `"${c}"`)
      .join(", "),
  );
  const ret = returning ? sql.raw(` RETURNING ${returning.map((c) => `"${c}"`).join(", ")}`) : sql``;
  for (let i = 0; i < rows.length; i += BATCH) {
    const batch = JSON.stringify(rows.slice(i, i + BATCH));
    const result = await queryRows<R>(
      tx,
      sql`INSERT INTO ${sql.raw(`"${table}"`)} (${columns})
        SELECT ${columns} FROM json_populate_recordset(NULL::${sql.raw(`"${table}"`)}, ${batch}::json) ${ret}`,
    );
    out.push(...result);
  }
  return out;
}

/** A doctor row under its SQL column names, every column present (json_populate_recordset needs one key set). */
function doctorColumns(r: typeof doctors.$inferInsert): Record<string, unknown> {
  return {
    user_id: r.userId ?? null,
    name: r.name,
    gender: r.gender ?? null,
    registration_number: r.registrationNumber ?? null,
    experience_years: r.experienceYears,
    clinic_name: r.clinicName ?? null,
    clinic_address: r.clinicAddress ?? null,
    city: r.city,
    latitude: r.latitude ?? null,
    longitude: r.longitude ?? null,
    languages: r.languages,
    fee_minor: r.feeMinor,
    currency: r.currency,
    summary: r.summary ?? null,
    time_zone: r.timeZone,
    phone: r.phone ?? null,
    verification_status: r.verificationStatus,
    verified_at: r.verifiedAt?.toISOString() ?? null,
    auto_accept: r.autoAccept,
    available_days_mask: r.availableDaysMask,
    reviews_count: r.reviewsCount,
    recommendation_percent: r.recommendationPercent,
    patients_count: r.patientsCount,
    wait_time_minutes: r.waitTimeMinutes,
    rating: r.rating,
    search_text: r.searchText,
    created_at: r.createdAt?.toISOString(),
    updated_at: r.updatedAt?.toISOString(),
  };
}

/** True when the database already holds demo data (so an embedded restart does not seed twice). */
export async function hasDemoData(database: Database): Promise<boolean> {
  const rows = await database.db
    .select({ id: users.id })
    .from(users)
    .where(eq(users.email, DEMO_ACCOUNTS.admin.email))
    .limit(1);
  return rows.length > 0;
}

async function upsertUsers(tx: DbOrTx, passwordHash: string, cityDoctorNames: Map<string, string>) {
  const list: {
    role: "admin" | "patient" | "doctor" | "nurse" | "pharmacist" | "lab";
    name: string;
    email: string;
  }[] = [
    ...Object.values(DEMO_ACCOUNTS),
    ...[...cityDoctorNames].map(([email, name]) => ({ role: "doctor" as const, name, email })),
  ];
  await tx
    .insert(users)
    .values(list.map((a) => ({ role: a.role, name: a.name, email: a.email, passwordHash })))
    .onConflictDoNothing({ target: users.email });
  const rows = await tx
    .select({ id: users.id, email: users.email })
    .from(users)
    .where(
      inArray(
        users.email,
        list.map((a) => a.email),
      ),
    );
  const id = (email: string) => rows.find((r) => r.email === email)!.id;
  return {
    admin: id(DEMO_ACCOUNTS.admin.email),
    patient: id(DEMO_ACCOUNTS.patient.email),
    doctor: id(DEMO_ACCOUNTS.doctor.email),
    nurse: id(DEMO_ACCOUNTS.nurse.email),
    cityDoctors: new Map([...cityDoctorNames.keys()].map((email) => [email, id(email)])),
  };
}

/** Demo data: specialties, cities, verified doctors with schedules, demo accounts. Deterministic. */
export async function seedDemoData(database: Database, opts: SeedOptions): Promise<SeedResult> {
  const log = opts.log ?? (() => undefined);
  const started = Date.now();
  const rng = prng(opts.seed ?? 20240101);
  const count = Math.max(1, Math.floor(opts.doctorCount));
  const passwordHash = await hash(DEMO_PASSWORD);

  const generated: DoctorSeed[] = [];
  for (let i = 0; i < count; i++) generated.push(generateDoctor(rng, i));
  // The first seeded doctor of each named city gets an account (and accepts requests by hand).
  const cityDoctors = new Map<string, DoctorSeed>();
  for (const { city, email } of DEMO_CITY_DOCTORS) {
    const d = generated.find((g, i) => i > 0 && g.row.city === city);
    if (d) cityDoctors.set(email, d);
  }

  await database.db.transaction(async (tx) => {
    await tx
      .insert(specialties)
      .values(
        SPECIALTIES.map((s) => ({
          name: s.name,
          slug: s.slug,
          conditions: s.conditions,
          description: s.description,
        })),
      )
      .onConflictDoNothing({ target: specialties.slug });
    const specRows = await tx.select({ id: specialties.id, slug: specialties.slug }).from(specialties);
    const specialtyId = new Map(specRows.map((s) => [s.slug, s.id]));

    const account = await upsertUsers(
      tx,
      passwordHash,
      new Map([...cityDoctors].map(([email, d]) => [email, d.row.name])),
    );
    const linked = new Set(
      (
        await tx
          .select({ userId: doctors.userId })
          .from(doctors)
          .where(inArray(doctors.userId, [...account.cityDoctors.values()]))
      ).map((r) => r.userId),
    );
    for (const [email, d] of cityDoctors) {
      const userId = account.cityDoctors.get(email)!;
      if (linked.has(userId)) continue;
      d.row = { ...d.row, userId, autoAccept: false };
    }
    const [existingPatient] = await tx
      .select({ id: patients.id })
      .from(patients)
      .where(eq(patients.userId, account.patient));
    if (!existingPatient) {
      await tx.insert(patients).values({
        userId: account.patient,
        name: DEMO_ACCOUNTS.patient.name,
        email: DEMO_ACCOUNTS.patient.email,
        phone: "+919810000001",
        city: "Delhi",
        address: "Vikas Puri, New Delhi",
        timeZone: "Asia/Kolkata",
        dateOfBirth: "1990-04-12",
        sex: "female",
      });
    }
    const [existingDoctor] = await tx
      .select({ id: doctors.id })
      .from(doctors)
      .where(eq(doctors.userId, account.doctor));
    if (!existingDoctor) generated[0] = demoDoctor(generated[0]!, account.doctor);
    else generated.shift();

    const inserted = await bulkInsert<{ id: number; registration_number: string }>(
      tx,
      "doctors",
      generated.map((d) => doctorColumns(d.row)),
      ["id", "registration_number"],
    );
    const byReg = new Map(inserted.map((r) => [r.registration_number, r.id]));
    const ids = generated.map((d) => byReg.get(d.row.registrationNumber!)!);
    log(`seed: ${ids.length} doctors inserted at ${Date.now() - started} ms`);

    const links = generated.flatMap((d, i) =>
      d.specialtySlugs.map((slug, j) => ({
        doctor_id: ids[i]!,
        specialty_id: specialtyId.get(slug)!,
        is_primary: j === 0,
      })),
    );
    await bulkInsert(tx, "doctor_specialties", links);
    const quals = generated.flatMap((d, i) =>
      d.qualifications.map((q) => ({
        doctor_id: ids[i]!,
        degree: q.degree,
        institute: q.institute,
        year: q.year,
      })),
    );
    await bulkInsert(tx, "doctor_qualifications", quals);
    const windows = generated.flatMap((d, i) =>
      d.windows.map((w) => ({
        doctor_id: ids[i]!,
        iso_day: w.isoDay,
        start_time: w.start,
        end_time: w.end,
        slot_minutes: w.slotMinutes,
      })),
    );
    await bulkInsert(tx, "doctor_availability", windows);

    const [demo] = await tx
      .select({ id: doctors.id })
      .from(doctors)
      .where(eq(doctors.userId, account.doctor));
    if (demo) {
      await tx
        .insert(nurseAssignments)
        .values({ nurseUserId: account.nurse, doctorId: demo.id, createdAt: new Date(BASE_TIME) })
        .onConflictDoNothing();
      await seedDemoHistory(tx, demo.id, account.patient, account.doctor, opts.now ?? new Date());
    }
  });
  log(`seed: done in ${Date.now() - started} ms`);
  return { doctors: generated.length, specialties: SPECIALTIES.length, cities: CITIES.length };
}

/**
 * Asha's history with Dr. Meera Kapoor, so the medicine journeys complete in the demo: a past visit (the doctor
 * is on her care team) and an active prescription — Metformin with refills left (reorder), Amoxicillin with none
 * (ask the doctor to renew). Dates follow the clock of the first start; the prescription is valid for a year.
 */
async function seedDemoHistory(
  tx: DbOrTx,
  doctorId: number,
  patientUserId: number,
  doctorUserId: number,
  at: Date,
): Promise<void> {
  const [asha] = await tx
    .select({ id: patients.id })
    .from(patients)
    .where(eq(patients.userId, patientUserId));
  if (!asha) return;
  const now = at.getTime();
  const day = 86_400_000;
  const visit = new Date(Math.floor((now - 14 * day) / day) * day + 5 * 3_600_000); // two weeks ago, 10:30 IST
  await tx.insert(appointments).values({
    doctorId,
    patientId: asha.id,
    startsAt: visit,
    endsAt: new Date(visit.getTime() + 30 * 60_000),
    status: "completed",
    patientName: DEMO_ACCOUNTS.patient.name,
  });
  const isoDate = (t: number) => new Date(t).toISOString().slice(0, 10);
  const [rx] = await tx
    .insert(prescriptions)
    .values({
      patientId: asha.id,
      doctorId,
      issuedAt: visit,
      validUntil: isoDate(now + 365 * day),
      notes: "Type 2 diabetes, newly diagnosed; throat infection.",
      createdByUserId: doctorUserId,
    })
    .returning({ id: prescriptions.id });
  const common = { prescriptionId: rx!.id, dose: "1 tablet", startDate: isoDate(visit.getTime()) };
  await tx.insert(prescriptionItems).values([
    {
      ...common,
      medicineName: "Metformin 500 mg",
      generics: ["metformin"],
      strength: "500 mg",
      frequency: "twice daily",
      timesPerDay: 2,
      durationDays: 30,
      quantity: 60,
      refills: 2,
      fillsRemaining: 2,
      instructions: "After meals.",
    },
    {
      ...common,
      medicineName: "Amoxicillin 500 mg",
      generics: ["amoxicillin"],
      strength: "500 mg",
      frequency: "three times daily",
      timesPerDay: 3,
      durationDays: 5,
      quantity: 15,
      refills: 0,
      fillsRemaining: 0,
      instructions: "Finish the course.",
    },
  ]);
}
