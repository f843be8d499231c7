import { randomBytes } from "node:crypto";
import { Ajv } from "ajv";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../../db/client.js";
import {
  appointments,
  auditLog,
  doctorAvailabilityExceptions,
  doctors,
  doctorSpecialties,
  specialties,
} from "../../db/schema/index.js";
import { DEMO_ACCOUNTS, DEMO_PASSWORD, seedDemoData } from "../../db/seed/index.js";
import { buildTestApp, type TestApp } from "../../test/app.js";
import { signInAs, signUp, verifiedDoctor, type DoctorSetup, type Session } from "../../test/factories.js";

let t: TestApp;
let patient: Session;
let admin: Session;

beforeAll(async () => {
  t = await buildTestApp();
  await seedDemoData(t.database, { doctorCount: 60, seed: 11 });
  patient = await signUp(t, "patient");
  admin = await signInAs(t, "admin");
});
afterAll(async () => {
  await t.close();
});

/** A city no seeded doctor lives in, so a test sees only its own doctors. */
function newCity(): string {
  return `Testpur ${randomBytes(3).toString("hex")}`;
}

async function doctorIn(city: string, setup: DoctorSetup = {}) {
  return verifiedDoctor(t, { city, specialty: "Dentist", ...setup });
}

async function search(query: Record<string, string | number>) {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
  const res = await t.app.inject({ method: "GET", url: `/api/search/doctors/?${qs.toString()}` });
  return res;
}

async function searchIds(query: Record<string, string | number>): Promise<number[]> {
  const res = await search(query);
  expect(res.statusCode).toBe(200);
  return res.json().doctors.map((d: { id: number }) => d.id);
}

async function suggest(q: string, city?: string) {
  const qs = new URLSearchParams({ q, ...(city ? { city } : {}) });
  const res = await t.app.inject({ method: "GET", url: `/api/top/suggestion.json?${qs.toString()}` });
  expect(res.statusCode).toBe(200);
  return res.json().results.matches as {
    suggestion: string;
    original: string;
    display_name: string;
    category: string;
    type: string;
  }[];
}

describe("doctor search", () => {
  it("ranks a doctor whose main specialty matches above one who also practises it, whatever the rating", async () => {
    const city = newCity();
    const dentist = await doctorIn(city, { name: "Dr Main Dentist" });
    const nephrologist = await doctorIn(city, { name: "Dr Kidney Also Teeth", specialty: "Nephrologist" });
    const [dental] = await t.database.db.select().from(specialties).where(eq(specialties.name, "Dentist"));
    await t.database.db
      .insert(doctorSpecialties)
      .values({ doctorId: nephrologist.doctorId, specialtyId: dental!.id, isPrimary: false });
    await t.database.db.update(doctors).set({ rating: 5 }).where(eq(doctors.id, nephrologist.doctorId));
    await t.database.db.update(doctors).set({ rating: 3.5 }).where(eq(doctors.id, dentist.doctorId));
    await t.services.doctors.invalidateSearchCache();
    expect(await searchIds({ city, q: "dentist" })).toEqual([dentist.doctorId, nephrologist.doctorId]);
  });

  it("finds the verified doctors of a city, case-insensitively, in the contract's shape", async () => {
    const city = newCity();
    const a = await doctorIn(city, { name: "Dr. Kavya Menon", feeMinor: 75050, experienceYears: 7 });
    const b = await doctorIn(city);
    await doctorIn(newCity());
    const res = await search({ city: city.toUpperCase() });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ page: 1, per_page: 20, total: 2 });
    expect(body.doctors.map((d: { id: number }) => d.id).sort()).toEqual([a.doctorId, b.doctorId].sort());
    const kavya = body.doctors.find((d: { id: number }) => d.id === a.doctorId);
    expect(kavya).toEqual({
      id: a.doctorId,
      profile_photo_url: null,
      doctor_name: "Dr. Kavya Menon",
      specialization: "Dentist",
      experience_years: 7,
      city,
      available_days: ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"],
      consultation_fees: 750.5,
      currency: "INR",
      wait_time: 15,
      reviews_count: 0,
      rating: 0,
      modes: ["in_person", "video"],
    });
  });

  it("finds dentists for 'tooth pain', and not the cardiologists of the same city", async () => {
    const city = newCity();
    const dentist = await doctorIn(city);
    await doctorIn(city, { specialty: "Cardiologist" });
    expect(await searchIds({ city, q: "tooth pain" })).toEqual([dentist.doctorId]);
  });

  it("tolerates typos in a specialty: 'dentsit' and 'cardiologst'", async () => {
    const city = newCity();
    const dentist = await doctorIn(city);
    const cardio = await doctorIn(city, { specialty: "Cardiologist" });
    expect(await searchIds({ city, q: "dentsit" })).toEqual([dentist.doctorId]);
    expect(await searchIds({ city, q: "cardiologst" })).toEqual([cardio.doctorId]);
  });

  it("finds a doctor by name across cities", async () => {
    const doc = await doctorIn(newCity(), { name: "Dr. Zubair Xylanderson" });
    expect(await searchIds({ q: "zubair xylanderson" })).toEqual([doc.doctorId]);
    expect(await searchIds({ q: "Xylanderson" })).toEqual([doc.doctorId]);
  });

  it("filters by weekday worked", async () => {
    const city = newCity();
    await doctorIn(city, { weekly: [{ isoDay: 1, start: "09:00", end: "12:00", slotMinutes: 30 }] });
    const tuesday = await doctorIn(city, {
      weekly: [{ isoDay: 2, start: "09:00", end: "12:00", slotMinutes: 30 }],
    });
    expect(await searchIds({ city, day: "TUESDAY" })).toEqual([tuesday.doctorId]);
    expect(await searchIds({ city, day: "sunday" })).toEqual([]);
  });

  it("filters by date: a doctor fully booked or off that date disappears", async () => {
    const city = newCity();
    const weekly = [{ isoDay: 2, start: "09:00", end: "10:00", slotMinutes: 30 }]; // two slots on Tuesdays
    const booked = await doctorIn(city, { weekly });
    const off = await doctorIn(city, { weekly });
    const free = await doctorIn(city, { weekly });
    // Tuesday 2030-01-08 in Asia/Kolkata: 09:00 IST = 03:30 UTC.
    for (const [start, end] of [
      ["2030-01-08T03:30:00Z", "2030-01-08T04:00:00Z"],
      ["2030-01-08T04:00:00Z", "2030-01-08T04:30:00Z"],
    ] as const) {
      await t.database.db.insert(appointments).values({
        doctorId: booked.doctorId,
        patientId: patient.patientId!,
        startsAt: new Date(start),
        endsAt: new Date(end),
        status: "confirmed",
        patientName: "Test Patient",
      });
    }
    await t.database.db
      .insert(doctorAvailabilityExceptions)
      .values({ doctorId: off.doctorId, date: "2030-01-08", reason: "holiday" });
    await t.services.doctors.invalidateSearchCache();

    expect(await searchIds({ city, date: "2030-01-08" })).toEqual([free.doctorId]);
    expect((await searchIds({ city, date: "2030-01-15" })).sort()).toEqual(
      [booked.doctorId, off.doctorId, free.doctorId].sort(),
    );
    expect(await searchIds({ city, date: "2030-01-09" })).toEqual([]); // nobody works Wednesdays

    // A cancelled appointment frees its slot again.
    await t.database.db
      .update(appointments)
      .set({ status: "cancelled" })
      .where(eq(appointments.doctorId, booked.doctorId));
    await t.services.doctors.invalidateSearchCache();
    expect((await searchIds({ city, date: "2030-01-08" })).sort()).toEqual(
      [booked.doctorId, free.doctorId].sort(),
    );
  });

  it("finds doctors near a point within the radius, nearest first, with their distance", async () => {
    const city = newCity();
    // Around Vikas Puri: ~0.5 km, ~4 km and ~30 km away.
    const near = await doctorIn(city, { latitude: 28.6446, longitude: 77.0707 });
    const mid = await doctorIn(city, { latitude: 28.6766, longitude: 77.0707 });
    await doctorIn(city, { latitude: 28.91, longitude: 77.0707 });
    const res = await search({ city, lat: 28.6406, lng: 77.0707, radius_km: 10 });
    expect(res.statusCode).toBe(200);
    const found = res.json().doctors;
    expect(found.map((d: { id: number }) => d.id)).toEqual([near.doctorId, mid.doctorId]);
    expect(found[0].distance_km).toBeCloseTo(0.44, 1);
    expect(found[1].distance_km).toBeCloseTo(4.0, 1);
    expect(
      await searchIds({ city, lat: 28.6406, lng: 77.0707, radius_km: 100, sort: "distance" }),
    ).toHaveLength(3);
  });

  it("filters by a fee range in major units", async () => {
    const city = newCity();
    await doctorIn(city, { feeMinor: 30000 });
    const mid = await doctorIn(city, { feeMinor: 60000 });
    await doctorIn(city, { feeMinor: 90000 });
    const res = await search({ city, fee_min: 400, fee_max: 800 });
    expect(
      res.json().doctors.map((d: { id: number; consultation_fees: number }) => [d.id, d.consultation_fees]),
    ).toEqual([[mid.doctorId, 600]]);
    expect(await searchIds({ city, fee_min: 600 })).toHaveLength(2);
  });

  it("sorts by fee, experience, rating and wait time", async () => {
    const city = newCity();
    const a = await doctorIn(city, { feeMinor: 90000, experienceYears: 3 });
    const b = await doctorIn(city, { feeMinor: 30000, experienceYears: 30 });
    const c = await doctorIn(city, { feeMinor: 60000, experienceYears: 12 });
    await t.database.db
      .update(doctors)
      .set({ rating: 4.9, waitTimeMinutes: 40 })
      .where(eq(doctors.id, c.doctorId));
    await t.database.db
      .update(doctors)
      .set({ rating: 3.1, waitTimeMinutes: 5 })
      .where(eq(doctors.id, a.doctorId));
    await t.services.doctors.invalidateSearchCache();
    expect(await searchIds({ city, sort: "fee" })).toEqual([b.doctorId, c.doctorId, a.doctorId]);
    expect(await searchIds({ city, sort: "experience" })).toEqual([b.doctorId, c.doctorId, a.doctorId]);
    expect(await searchIds({ city, sort: "rating" })).toEqual([c.doctorId, a.doctorId, b.doctorId]);
    expect((await searchIds({ city, sort: "wait_time" }))[0]).toBe(a.doctorId);
  });

  it("pages through results with the same total on every page", async () => {
    const city = newCity();
    const ids = [await doctorIn(city), await doctorIn(city), await doctorIn(city)].map((d) => d.doctorId);
    const pages = [];
    for (const page of [1, 2, 3]) {
      const res = await search({ city, page, per_page: 2, sort: "fee" });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ page, per_page: 2, total: 3 });
      pages.push(res.json().doctors.map((d: { id: number }) => d.id));
    }
    expect(pages[0]).toHaveLength(2);
    expect(pages[2]).toEqual([]);
    expect([...pages[0], ...pages[1]].sort()).toEqual(ids.sort());
  });

  it("refuses invalid combinations with a coded 400", async () => {
    const cases: [Record<string, string | number>, string][] = [
      [{ day: "MONDAY", date: "2030-01-08" }, "DAY_AND_DATE"],
      [{ day: "FUNDAY" }, "INVALID_DAY"],
      [{ date: "2030-02-30" }, "INVALID_DATE"],
      [{ date: "2020-01-01" }, "DATE_IN_PAST"],
      [{ lat: 28.6 }, "LOCATION_INCOMPLETE"],
      [{ radius_km: 5 }, "RADIUS_NEEDS_LOCATION"],
      [{ sort: "distance" }, "DISTANCE_NEEDS_LOCATION"],
      [{ fee_min: 900, fee_max: 100 }, "FEE_RANGE_INVALID"],
      [{ per_page: 51 }, "VALIDATION_ERROR"],
      [{ sort: "cheapest" }, "VALIDATION_ERROR"],
    ];
    for (const [query, code] of cases) {
      const res = await search(query);
      expect(res.statusCode, JSON.stringify(query)).toBe(400);
      expect(res.json().error.code).toBe(code);
    }
  });

  it("serves a popular list, most patients first", async () => {
    const city = newCity();
    const a = await doctorIn(city);
    const b = await doctorIn(city);
    await t.database.db.update(doctors).set({ patientsCount: 900 }).where(eq(doctors.id, b.doctorId));
    await t.database.db.update(doctors).set({ patientsCount: 100 }).where(eq(doctors.id, a.doctorId));
    await t.services.doctors.invalidateSearchCache();
    const res = await t.app.inject({
      method: "GET",
      url: `/api/doctors/popular/?city=${encodeURIComponent(city)}`,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().doctors.map((d: { id: number }) => d.id)).toEqual([b.doctorId, a.doctorId]);
    expect(res.json().doctors[0]).toHaveProperty("consultation_fees");
  });
});

describe("unverified doctors", () => {
  it("never appear in search, suggestions, popular lists or the public view", async () => {
    const s = await signUp(t, "doctor", { name: "Dr. Hidden Pendingson" });
    const city = newCity();
    const [dentist] = await t.database.db.select().from(specialties).where(eq(specialties.slug, "dentist"));
    await t.database.db
      .update(doctors)
      .set({ city, searchText: "dr. hidden pendingson dentist", patientsCount: 1_000_000 })
      .where(eq(doctors.id, s.doctorId!));
    await t.database.db
      .insert(doctorSpecialties)
      .values({ doctorId: s.doctorId!, specialtyId: dentist!.id, isPrimary: true });
    await t.services.doctors.invalidateSearchCache();

    expect(await searchIds({ q: "pendingson" })).toEqual([]);
    expect(await searchIds({ city })).toEqual([]);
    expect((await suggest("Pendingson")).filter((m) => m.display_name === "DOCTOR")).toEqual([]);
    const popular = await t.app.inject({ method: "GET", url: "/api/doctors/popular/" });
    expect(popular.json().doctors.map((d: { id: number }) => d.id)).not.toContain(s.doctorId);
    const view = await t.app.inject({ method: "GET", url: `/api/view/doctor/?id=${s.doctorId}` });
    expect(view.statusCode).toBe(404);
  });
});

describe("suggestions", () => {
  it("suggests a specialty for a prefix, echoing the user's text", async () => {
    const matches = await suggest("Dent");
    expect(matches[0]).toEqual({
      suggestion: "Dentist",
      original: "Dent",
      display_name: "SPECIALITY",
      category: "Dentist",
      type: "doctor",
    });
  });

  it("suggests a specialty despite a typo", async () => {
    const matches = await suggest("cardiologst");
    expect(matches).toContainEqual(
      expect.objectContaining({ suggestion: "Cardiologist", display_name: "SPECIALITY" }),
    );
  });

  it("suggests a symptom with the specialty it leads to", async () => {
    const matches = await suggest("tooth pain");
    expect(matches).toContainEqual({
      suggestion: "tooth pain",
      original: "tooth pain",
      display_name: "SYMPTOM",
      category: "Dentist",
      type: "doctor",
    });
  });

  it("suggests verified doctors by name, with their specialty, optionally in one city", async () => {
    const city = newCity();
    await doctorIn(city, { name: "Dr. Ishaan Varadarajan" });
    const matches = await suggest("varadaraj", city);
    expect(matches).toContainEqual({
      suggestion: "Dr. Ishaan Varadarajan",
      original: "varadaraj",
      display_name: "DOCTOR",
      category: "Dentist",
      type: "doctor",
    });
    expect((await suggest("varadaraj", "Lahore")).filter((m) => m.display_name === "DOCTOR")).toEqual([]);
  });

  it("answers an empty query with no matches", async () => {
    expect(await suggest("")).toEqual([]);
  });
});

describe("doctor view", () => {
  it("shows the profile with qualifications and weekly timings in 12-hour format", async () => {
    const doc = await doctorIn(newCity(), {
      weekly: [
        { isoDay: 1, start: "10:00", end: "13:00", slotMinutes: 30 },
        { isoDay: 1, start: "17:00", end: "20:30", slotMinutes: 30 },
      ],
    });
    const put = await t.app.inject({
      method: "PUT",
      url: "/api/doctor/profile/",
      headers: doc.headers,
      payload: {
        summary: "Painless root canals.",
        clinic_name: "Smile Care",
        clinic_address: "12 Main Road",
        languages: ["English", "Hindi"],
        qualifications: [
          { degree: "BDS", institute: "MAIDS, Delhi", year: 2010 },
          { degree: "MDS - Endodontics", institute: "MAIDS, Delhi", year: 2013 },
        ],
      },
    });
    expect(put.statusCode).toBe(200);
    const res = await t.app.inject({ method: "GET", url: `/api/view/doctor/?id=${doc.doctorId}` });
    expect(res.statusCode).toBe(200);
    const { doctor } = res.json();
    expect(doctor).toMatchObject({
      id: doc.doctorId,
      doctor_name: "Dr Asha Rao",
      specialization: "Dentist",
      available_days: ["MONDAY"],
      consultation_fees: 500,
      summary: "Painless root canals.",
      clinic_name: "Smile Care",
      clinic_address: "12 Main Road",
      languages: ["English", "Hindi"],
      time_zone: "Asia/Kolkata",
      recommendation_percent: 0,
      patients_count: 0,
      qualifications: [
        { degree: "BDS", institute: "MAIDS, Delhi", year: 2010 },
        { degree: "MDS - Endodontics", institute: "MAIDS, Delhi", year: 2013 },
      ],
      available_timings: [
        { day: "MONDAY", start: "10:00 AM", end: "01:00 PM" },
        { day: "MONDAY", start: "05:00 PM", end: "08:30 PM" },
      ],
      // TEST_NOW is Monday 05:30 in Delhi: today's 10:00 AM window is still ahead.
      next_available_date: "2030-01-07",
    });
    // The page is built by Postgres and sent as text: it must still be exactly what the API documents.
    const spec = t.app.swagger() as unknown as {
      paths: Record<string, { get: { responses: { 200: { content: Record<string, { schema: object }> } } } }>;
    };
    const schema = spec.paths["/api/view/doctor/"]!.get.responses[200].content["application/json"]!
      .schema as {
      properties: { doctor: { properties: Record<string, unknown>; required: string[] } };
    };
    const validate = new Ajv({
      strict: false,
      allErrors: true,
      formats: { date: /^\d{4}-\d{2}-\d{2}$/ },
    }).compile(schema);
    expect(validate(res.json()), JSON.stringify(validate.errors)).toBe(true);
    expect(Object.keys(doctor).sort()).toEqual(Object.keys(schema.properties.doctor.properties).sort());
    expect(res.headers["content-type"]).toBe("application/json; charset=utf-8");
  });

  it("answers 404 for a doctor that does not exist", async () => {
    const res = await t.app.inject({ method: "GET", url: "/api/view/doctor/?id=99999999" });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe("NOT_FOUND");
  });
});

describe("doctor profile", () => {
  it("lets a doctor edit their own profile, specialties and qualifications, and search follows at once", async () => {
    const city = newCity();
    const doc = await doctorIn(city);
    expect(await searchIds({ city, q: "Endocrinologist" })).toEqual([]); // now cached
    const res = await t.app.inject({
      method: "PUT",
      url: "/api/doctor/profile/",
      headers: doc.headers,
      payload: {
        name: "Dr. Renamed Person",
        fee: 1250.5,
        phone: "098765 43219",
        time_zone: "Asia/Karachi",
        specialties: [{ name: "Dentist" }, { name: "endocrinologist", primary: true }],
        qualifications: [{ degree: "FRCS", institute: "Royal College", year: 2001 }],
      },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().doctor).toMatchObject({
      id: doc.doctorId,
      name: "Dr. Renamed Person",
      fee: 1250.5,
      fee_minor: 125050,
      // Typed nationally (leading 0), stored in E.164 with DEFAULT_PHONE_REGION.
      phone: "+919876543219",
      time_zone: "Asia/Karachi",
      specialties: [
        expect.objectContaining({ name: "Endocrinologist", primary: true }),
        expect.objectContaining({ name: "Dentist", primary: false }),
      ],
    });
    const [row] = await t.database.db
      .select({ searchText: doctors.searchText })
      .from(doctors)
      .where(eq(doctors.id, doc.doctorId));
    expect(row!.searchText).toBe("dr. renamed person endocrinologist dentist frcs");

    const found = await search({ city, q: "Endocrinologist" });
    expect(found.json().doctors).toEqual([
      expect.objectContaining({
        id: doc.doctorId,
        doctor_name: "Dr. Renamed Person",
        specialization: "Endocrinologist",
      }),
    ]);
    expect(await searchIds({ city, q: "frcs" })).toEqual([doc.doctorId]);

    const audit = await t.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.resourceType, "doctor_profile"), eq(auditLog.resourceId, String(doc.doctorId))));
    expect(audit).toHaveLength(1);
  });

  it("refuses a bad time zone, an unknown specialty and two primaries", async () => {
    const doc = await doctorIn(newCity());
    const cases: [Record<string, unknown>, number, string][] = [
      [{ time_zone: "Mars/Olympus" }, 400, "INVALID_TIMEZONE"],
      [{ specialties: [{ name: "Astrologer" }] }, 422, "UNKNOWN_SPECIALTY"],
      [
        {
          specialties: [
            { name: "Dentist", primary: true },
            { name: "Cardiologist", primary: true },
          ],
        },
        400,
        "ONE_PRIMARY_SPECIALTY",
      ],
      [{ latitude: 28.6 }, 400, "LOCATION_INCOMPLETE"],
      [{ fee: 10.555 }, 400, "INVALID_FEE"],
      [{ phone: "987654" }, 400, "INVALID_PHONE"],
      [{ phone: "9876543210 99" }, 400, "INVALID_PHONE"],
    ];
    for (const [payload, status, code] of cases) {
      const res = await t.app.inject({
        method: "PUT",
        url: "/api/doctor/profile/",
        headers: doc.headers,
        payload,
      });
      expect(res.statusCode, JSON.stringify(payload)).toBe(status);
      expect(res.json().error.code).toBe(code);
    }
  });

  it("does not let a doctor read or edit another doctor's profile, nor a patient any", async () => {
    const mine = await doctorIn(newCity());
    const other = await doctorIn(newCity());
    const edit = await t.app.inject({
      method: "PUT",
      url: `/api/doctor/profile/?doctor_id=${other.doctorId}`,
      headers: mine.headers,
      payload: { name: "Hijacked" },
    });
    expect(edit.statusCode).toBe(404);
    const read = await t.app.inject({
      method: "GET",
      url: `/api/doctor/profile/?doctor_id=${other.doctorId}`,
      headers: mine.headers,
    });
    expect(read.statusCode).toBe(404);
    const byPatient = await t.app.inject({
      method: "PUT",
      url: "/api/doctor/profile/",
      headers: patient.headers,
      payload: { name: "Hijacked" },
    });
    expect(byPatient.statusCode).toBe(403);
    const [row] = await t.database.db
      .select({ name: doctors.name })
      .from(doctors)
      .where(eq(doctors.id, other.doctorId));
    expect(row!.name).toBe("Dr Asha Rao");
  });

  it("lets an admin edit any doctor's profile by doctor_id", async () => {
    const doc = await doctorIn(newCity());
    const res = await t.app.inject({
      method: "PUT",
      url: `/api/doctor/profile/?doctor_id=${doc.doctorId}`,
      headers: admin.headers,
      payload: { experience_years: 21 },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().doctor.experience_years).toBe(21);
  });
});

const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64",
);

function multipartBody(filename: string, contentType: string, bytes: Buffer) {
  const boundary = `----hl${randomBytes(8).toString("hex")}`;
  const payload = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="photo"; filename="${filename}"\r\nContent-Type: ${contentType}\r\n\r\n`,
    ),
    bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload, headers: { "content-type": `multipart/form-data; boundary=${boundary}` } };
}

describe("doctor photo", () => {
  it("stores an uploaded PNG and serves it publicly with its content type", async () => {
    const doc = await doctorIn(newCity());
    const body = multipartBody("me.png", "image/png", PNG);
    const up = await t.app.inject({
      method: "POST",
      url: "/api/doctor/profile/photo",
      headers: { ...doc.headers, ...body.headers },
      payload: body.payload,
    });
    expect(up.statusCode).toBe(200);
    expect(up.json()).toEqual({
      photo_url: `/api/doctors/${doc.doctorId}/photo`,
      content_type: "image/png",
      bytes: PNG.length,
    });

    const got = await t.app.inject({ method: "GET", url: `/api/doctors/${doc.doctorId}/photo` });
    expect(got.statusCode).toBe(200);
    expect(got.headers["content-type"]).toBe("image/png");
    expect(got.rawPayload.equals(PNG)).toBe(true);

    const view = await t.app.inject({ method: "GET", url: `/api/view/doctor/?id=${doc.doctorId}` });
    expect(view.json().doctor.profile_photo_url).toBe(`/api/doctors/${doc.doctorId}/photo`);
  });

  it("refuses a file that is not a PNG or JPEG, whatever it claims to be", async () => {
    const doc = await doctorIn(newCity());
    const body = multipartBody(
      "me.png",
      "image/png",
      Buffer.from("<svg xmlns='http://www.w3.org/2000/svg'/>"),
    );
    const up = await t.app.inject({
      method: "POST",
      url: "/api/doctor/profile/photo",
      headers: { ...doc.headers, ...body.headers },
      payload: body.payload,
    });
    expect(up.statusCode).toBe(400);
    expect(up.json().error.code).toBe("UNSUPPORTED_IMAGE_TYPE");
    const got = await t.app.inject({ method: "GET", url: `/api/doctors/${doc.doctorId}/photo` });
    expect(got.statusCode).toBe(404);
  });

  it("refuses a photo over 2 MB", async () => {
    const doc = await doctorIn(newCity());
    const big = Buffer.concat([PNG, Buffer.alloc(2 * 1024 * 1024 + 1)]);
    const body = multipartBody("big.png", "image/png", big);
    const up = await t.app.inject({
      method: "POST",
      url: "/api/doctor/profile/photo",
      headers: { ...doc.headers, ...body.headers },
      payload: body.payload,
    });
    expect(up.statusCode).toBe(413);
    expect(up.json().error.code).toBe("PAYLOAD_TOO_LARGE");
  });
});

describe("verification", () => {
  it("lets an admin review pending doctors and verify one, who then appears in search", async () => {
    const s = await signUp(t, "doctor", { name: "Dr. Newly Joined" });
    const city = newCity();
    const put = await t.app.inject({
      method: "PUT",
      url: "/api/doctor/profile/",
      headers: s.headers,
      payload: { city, specialties: [{ name: "dentist" }], registration_number: "DMC-12345" },
    });
    expect(put.statusCode).toBe(200);
    expect(await searchIds({ city })).toEqual([]);

    const pending = await t.app.inject({
      method: "GET",
      url: "/api/admin/doctors/?status=pending",
      headers: admin.headers,
    });
    expect(pending.statusCode).toBe(200);
    expect(pending.json().doctors).toContainEqual(
      expect.objectContaining({ id: s.doctorId, registration_number: "DMC-12345", specialties: ["Dentist"] }),
    );

    const ok = await t.app.inject({
      method: "POST",
      url: `/api/admin/doctors/${s.doctorId}/verify`,
      headers: admin.headers,
      payload: { note: "Registration checked" },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().doctor).toMatchObject({ id: s.doctorId, verification_status: "verified" });
    expect(await searchIds({ city })).toEqual([s.doctorId]);
    const audit = await t.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "verify"), eq(auditLog.resourceId, String(s.doctorId))));
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actorUserId).toBe(admin.userId);

    const rejected = await t.app.inject({
      method: "POST",
      url: `/api/admin/doctors/${s.doctorId}/verify`,
      headers: admin.headers,
      payload: { status: "rejected", note: "Licence expired" },
    });
    expect(rejected.statusCode).toBe(200);
    expect(await searchIds({ city })).toEqual([]);
    const view = await t.app.inject({ method: "GET", url: `/api/view/doctor/?id=${s.doctorId}` });
    expect(view.statusCode).toBe(404);
  });

  it("refuses verification by a non-admin with 403, and of an incomplete profile with 422", async () => {
    const s = await signUp(t, "doctor");
    for (const who of [s, patient]) {
      const res = await t.app.inject({
        method: "POST",
        url: `/api/admin/doctors/${s.doctorId}/verify`,
        headers: who.headers,
        payload: {},
      });
      expect(res.statusCode).toBe(403);
    }
    const list = await t.app.inject({ method: "GET", url: "/api/admin/doctors/", headers: s.headers });
    expect(list.statusCode).toBe(403);
    const incomplete = await t.app.inject({
      method: "POST",
      url: `/api/admin/doctors/${s.doctorId}/verify`,
      headers: admin.headers,
      payload: {},
    });
    expect(incomplete.statusCode).toBe(422);
    expect(incomplete.json().error.code).toBe("PROFILE_INCOMPLETE");
  });
});

describe("search cache", () => {
  it("reflects a change made behind the service once the version key is bumped", async () => {
    const city = newCity();
    const doc = await doctorIn(city);
    expect(await searchIds({ city })).toEqual([doc.doctorId]);
    await t.database.db.update(doctors).set({ availableDaysMask: 0 }).where(eq(doctors.id, doc.doctorId));
    // Still the cached answer until someone bumps the version (as scheduling does on availability changes).
    expect(await searchIds({ city, day: "MONDAY" })).toEqual([]);
    expect(await searchIds({ city })).toEqual([doc.doctorId]);
    await t.database.db
      .update(doctors)
      .set({ verificationStatus: "rejected" })
      .where(eq(doctors.id, doc.doctorId));
    expect(await searchIds({ city })).toEqual([doc.doctorId]);
    await t.services.doctors.invalidateSearchCache();
    expect(await searchIds({ city })).toEqual([]);
  });

  it("matches text against doctors written behind the service (another process, plain SQL) at once", async () => {
    const city = newCity();
    const first = await doctorIn(city, { name: "Dr Zorawar Quillfeather" });
    // The first text search loads the doctors' directory into memory.
    expect(await searchIds({ city, q: "quillfeather" })).toEqual([first.doctorId]);
    const second = await doctorIn(city, { name: "Dr Ishaan Quillfeathre" });
    await t.database.db
      .update(doctors)
      .set({ searchText: "dr zorawar quillfeather dentist xylophonist" })
      .where(eq(doctors.id, first.doctorId));
    await t.services.doctors.invalidateSearchCache(); // the result cache only; the directory sees the version
    expect(await searchIds({ city, q: "quillfeather" })).toEqual([first.doctorId, second.doctorId]);
    expect(await searchIds({ city, q: "xylophonist" })).toEqual([first.doctorId]);
    await t.database.db
      .update(doctors)
      .set({ verificationStatus: "rejected" })
      .where(eq(doctors.id, first.doctorId));
    await t.services.doctors.invalidateSearchCache();
    expect(await searchIds({ city, q: "quillfeather" })).toEqual([second.doctorId]);
  });
});

describe("demo accounts", () => {
  it("signs in the demo doctor, a verified Dentist in Vikas Puri, Delhi, with a nurse assigned", async () => {
    const login = await t.app.inject({
      method: "POST",
      url: "/api/auth/login",
      payload: { email: DEMO_ACCOUNTS.doctor.email, password: DEMO_PASSWORD },
    });
    expect(login.statusCode).toBe(200);
    const token = login.json().access_token;
    const profile = await t.app.inject({
      method: "GET",
      url: "/api/doctor/profile/",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(profile.json().doctor).toMatchObject({
      city: "Delhi",
      verification_status: "verified",
      specialties: [expect.objectContaining({ name: "Dentist", primary: true })],
    });
    expect(profile.json().doctor.clinic_address).toContain("Vikas Puri");
    const near = await searchIds({ q: "tooth pain", lat: 28.6406, lng: 77.0707, radius_km: 2 });
    expect(near[0]).toBe(profile.json().doctor.id);

    const nurse = await t.app.inject({
      method: "POST",
      url: "/api/auth/login",
      payload: { email: DEMO_ACCOUNTS.nurse.email, password: DEMO_PASSWORD },
    });
    const nurseProfile = await t.app.inject({
      method: "GET",
      url: `/api/doctor/profile/?doctor_id=${profile.json().doctor.id}`,
      headers: { authorization: `Bearer ${nurse.json().access_token}` },
    });
    expect(nurseProfile.statusCode).toBe(200);
    for (const who of [DEMO_ACCOUNTS.patient, DEMO_ACCOUNTS.admin]) {
      const res = await t.app.inject({
        method: "POST",
        url: "/api/auth/login",
        payload: { email: who.email, password: DEMO_PASSWORD },
      });
      expect(res.json().user.role).toBe(who.role);
    }
    const rows = await queryRows<{ n: number }>(t.database.db, sql`select count(*)::int as n from doctors`);
    expect(rows[0]!.n).toBeGreaterThanOrEqual(60);
  });
});
