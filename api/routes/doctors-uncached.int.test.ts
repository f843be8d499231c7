import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { doctors } from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../../test/app.js";
import { verifiedDoctor } from "../../test/factories.js";

/**
 * The doctor view with the result cache off, as the API serves it at scale: one statement whose page Postgres
 * builds, and the next free date taken from the doctor's row while it holds (asked of scheduling, and written
 * back, when it has run out).
 */
let t: TestApp;

beforeAll(async () => {
  t = await buildTestApp({ env: { SEARCH_CACHE_TTL_SECONDS: "0" } });
});
afterAll(async () => {
  await t?.close();
});

const view = (id: number) => t.app.inject({ method: "GET", url: `/api/view/doctor/?id=${id}` });

describe("doctor view, cache off", () => {
  it("answers the same page whether the next free date is computed or taken from the row", async () => {
    const dr = await verifiedDoctor(t, {
      name: "Dr Kenji Sato",
      specialty: "Orthodontist",
      weekly: [{ isoDay: 2, start: "09:00", end: "24:00", slotMinutes: 30 }],
      feeMinor: 5000,
      currency: "JPY",
      timeZone: "Asia/Tokyo",
    });
    await t.database.db
      .update(doctors)
      .set({ nextFreeDate: null, nextFreeUntil: null })
      .where(eq(doctors.id, dr.doctorId));

    const first = await view(dr.doctorId);
    expect(first.statusCode).toBe(200);
    expect(first.headers["content-type"]).toBe("application/json; charset=utf-8");
    const page = first.json().doctor;
    expect(page).toMatchObject({
      id: dr.doctorId,
      doctor_name: "Dr Kenji Sato",
      specialization: "Orthodontist",
      specialties: ["Orthodontist"],
      available_days: ["TUESDAY"],
      // Yen have no minor unit: 5000 is ¥5,000.
      consultation_fees: 5000,
      currency: "JPY",
      time_zone: "Asia/Tokyo",
      ratings_source: "seeded",
      // A day that ends at midnight ends at 12:00 AM, not noon.
      available_timings: [{ day: "TUESDAY", start: "09:00 AM", end: "12:00 AM" }],
    });
    expect(page.next_available_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    // The first view asked scheduling and kept the answer on the row; the second reads it from there.
    const [row] = await t.database.db.select().from(doctors).where(eq(doctors.id, dr.doctorId));
    expect(row!.nextFreeUntil).not.toBeNull();
    expect(row!.nextFreeDate).toBe(page.next_available_date);
    const second = await view(dr.doctorId);
    expect(second.json()).toEqual(first.json());
  });

  it("answers 404 for a doctor that is missing or not verified", async () => {
    expect((await view(99_999_999)).statusCode).toBe(404);
    const dr = await verifiedDoctor(t, { name: "Dr Pending" });
    await t.database.db
      .update(doctors)
      .set({ verificationStatus: "pending" })
      .where(eq(doctors.id, dr.doctorId));
    const res = await view(dr.doctorId);
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe("NOT_FOUND");
  });
});
