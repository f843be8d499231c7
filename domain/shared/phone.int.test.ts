import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../../db/client.js";
import { seedDemoData } from "../../db/seed/index.js";
import { createTestDatabase, type TestDatabase } from "../../test/db.js";
import { normalizePhone } from "./phone.js";

let tdb: TestDatabase;

beforeAll(async () => {
  tdb = await createTestDatabase(2);
});
afterAll(async () => {
  await tdb?.drop();
});

describe("the demo seed's phone numbers", () => {
  it("are written in E.164, as normalizePhone gives them, so the chat finds the demo accounts", async () => {
    await seedDemoData(tdb.database, { doctorCount: 20, seed: 7 });
    const rows = await queryRows<{ phone: string }>(
      tdb.database.db,
      sql`select phone from users where phone is not null
          union all select phone from patients where phone is not null
          union all select phone from doctors where phone is not null`,
    );
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const { phone } of rows) expect(normalizePhone(phone)).toBe(phone);
  });
});
