import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../../../db/client.js";
import { createTestDatabase, type TestDatabase } from "../../../test/db.js";
import { seedCatalog } from "./seed.js";

let tdb: TestDatabase;

beforeAll(async () => {
  tdb = await createTestDatabase(2);
});
afterAll(async () => {
  await tdb?.drop();
});

async function snapshot() {
  const db = tdb.database.db;
  return {
    medicines: await queryRows(db, sql`select * from medicines order by code`),
    labTests: await queryRows(db, sql`select * from lab_tests order by code`),
  };
}

describe("the catalog seed", () => {
  it("loads at least 300 medicines and 50 lab tests, and a second run changes nothing", async () => {
    const first = await seedCatalog(tdb.database.db);
    expect(first.medicines).toBeGreaterThanOrEqual(300);
    expect(first.labTests).toBeGreaterThanOrEqual(50);
    const before = await snapshot();
    expect(before.medicines).toHaveLength(first.medicines);
    expect(before.labTests).toHaveLength(first.labTests);
    await seedCatalog(tdb.database.db);
    expect(await snapshot()).toEqual(before);
  });

  it("stores each medicine's canonical generics and a CBC with its analytes", async () => {
    const [combo] = await queryRows<{ generics: string[] }>(
      tdb.database.db,
      sql`select generics from medicines where generic = 'glimepiride + metformin' limit 1`,
    );
    expect(combo!.generics).toEqual(["glimepiride", "metformin"]);
    const [cbc] = await queryRows<{ analytes: { code: string }[] }>(
      tdb.database.db,
      sql`select analytes from lab_tests where code = 'CBC'`,
    );
    expect(cbc!.analytes.map((a) => a.code)).toContain("HGB");
  });

  it("deactivates an entry that left the catalog and brings back a changed price", async () => {
    const db = tdb.database.db;
    await queryRows(
      db,
      sql`insert into medicines (code, generic, name, strength, form, pack_size, pack_unit, price_minor, currency, prescription_only, category)
      values ('med-withdrawn', 'x', 'Withdrawn', '1 mg', 'tablet', 10, 'tablets', 100, 'INR', false, 'test')`,
    );
    await queryRows(
      db,
      sql`update medicines set price_minor = 1 where code = 'med-paracetamol-500-mg-tablet'`,
    );
    await seedCatalog(db);
    const rows = await queryRows<{ code: string; active: boolean; price_minor: number }>(
      db,
      sql`select code, active, price_minor from medicines where code in ('med-withdrawn', 'med-paracetamol-500-mg-tablet') order by code`,
    );
    expect(rows).toEqual([
      { code: "med-paracetamol-500-mg-tablet", active: true, price_minor: 2000 },
      { code: "med-withdrawn", active: false, price_minor: 100 },
    ]);
  });
});
