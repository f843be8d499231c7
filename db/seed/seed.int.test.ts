import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows, type DbOrTx } from "../client.js";
import { createTestDatabase, type TestDatabase } from "../../test/db.js";
import { DEMO_ACCOUNTS, DEMO_CITY_DOCTORS, hasDemoData, seedDemoData } from "./index.js";

let first: TestDatabase;
let second: TestDatabase;

beforeAll(async () => {
  [first, second] = await Promise.all([createTestDatabase(2), createTestDatabase(2)]);
});
afterAll(async () => {
  await Promise.all([first?.drop(), second?.drop()]);
});

/** Every seeded row of the discovery tables, in a stable order. */
async function snapshot(db: DbOrTx) {
  const tables = {
    specialties: sql`select * from specialties order by id`,
    doctors: sql`select * from doctors order by id`,
    doctor_specialties: sql`select * from doctor_specialties order by doctor_id, specialty_id`,
    doctor_qualifications: sql`select * from doctor_qualifications order by id`,
    doctor_availability: sql`select * from doctor_availability order by id`,
    nurse_assignments: sql`select nurse_user_id, doctor_id, created_at from nurse_assignments order by 1, 2`,
    users: sql`select id, role, name, email from users order by id`,
  };
  const out: Record<string, unknown[]> = {};
  for (const [name, query] of Object.entries(tables)) out[name] = await queryRows(db, query);
  return out;
}

describe("demo seed", () => {
  it("produces identical rows from the same seed in two fresh databases", async () => {
    expect(await hasDemoData(first.database)).toBe(false);
    await Promise.all([
      seedDemoData(first.database, { doctorCount: 200, seed: 42 }),
      seedDemoData(second.database, { doctorCount: 200, seed: 42 }),
    ]);
    const [a, b] = await Promise.all([snapshot(first.database.db), snapshot(second.database.db)]);
    expect(a.doctors).toHaveLength(200);
    expect(a.doctor_availability!.length).toBeGreaterThan(200);
    expect(a).toEqual(b);
    expect(await hasDemoData(first.database)).toBe(true);
  });

  it("covers at least 20 cities (the six named among them) and 30 specialties, all verified", async () => {
    const db = first.database.db;
    const cities = await queryRows<{ city: string; time_zone: string }>(
      db,
      sql`select distinct city, time_zone from doctors`,
    );
    expect(cities.length).toBeGreaterThanOrEqual(20);
    const names = cities.map((c) => c.city);
    for (const city of ["Delhi", "Vikas Puri", "Wah", "Mumbai", "Lahore", "Karachi"])
      expect(names).toContain(city);
    expect(cities).toContainEqual({ city: "Lahore", time_zone: "Asia/Karachi" });
    expect(cities).toContainEqual({ city: "Delhi", time_zone: "Asia/Kolkata" });

    const [counts] = await queryRows<{
      specialties: number;
      used: number;
      unverified: number;
      no_schedule: number;
    }>(
      db,
      sql`select (select count(*)::int from specialties where cardinality(conditions) >= 3) as specialties,
        (select count(distinct specialty_id)::int from doctor_specialties) as used,
        (select count(*)::int from doctors where verification_status <> 'verified') as unverified,
        (select count(*)::int from doctors d where available_days_mask = 0
          or not exists (select 1 from doctor_availability a where a.doctor_id = d.id)) as no_schedule`,
    );
    expect(counts).toEqual({
      specialties: expect.any(Number),
      used: expect.any(Number),
      unverified: 0,
      no_schedule: 0,
    });
    expect(counts!.specialties).toBeGreaterThanOrEqual(30);
    expect(counts!.used).toBeGreaterThanOrEqual(30);
  });

  it("creates the demo accounts once (and the named cities' doctors), the doctor a verified Dentist in Delhi with a nurse", async () => {
    const db = first.database.db;
    const users = await queryRows<{ email: string; role: string }>(
      db,
      sql`select email, role from users where email like '%@healthlink.demo' order by email`,
    );
    expect(users).toEqual(
      [
        ...Object.values(DEMO_ACCOUNTS).map((a) => ({ email: a.email, role: a.role })),
        ...DEMO_CITY_DOCTORS.map((d) => ({ email: d.email, role: "doctor" })),
      ].sort((x, y) => (x.email < y.email ? -1 : x.email > y.email ? 1 : 0)),
    );
    const [doctor] = await queryRows<{ city: string; specialty: string; nurses: number }>(
      db,
      sql`select d.city, s.name as specialty,
          (select count(*)::int from nurse_assignments n where n.doctor_id = d.id) as nurses
        from doctors d join users u on u.id = d.user_id
        join doctor_specialties ds on ds.doctor_id = d.id and ds.is_primary
        join specialties s on s.id = ds.specialty_id
        where u.email = ${DEMO_ACCOUNTS.doctor.email}`,
    );
    expect(doctor).toEqual({ city: "Delhi", specialty: "Dentist", nurses: 1 });
  });
});
