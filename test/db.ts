import { randomBytes } from "node:crypto";
import pg from "pg";
import { createDatabase, type Database } from "../db/client.js";
import { databaseUrl, TEST_PG_URL } from "./env.js";

export interface TestDatabase {
  url: string;
  name: string;
  database: Database;
  drop(): Promise<void>;
}

async function adminQuery(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/** A fresh database for one test file, cloned from the migrated template. */
export async function createTestDatabase(
  poolSize = 10,
  via: (url: string) => string = (url) => url,
): Promise<TestDatabase> {
  const template = process.env.HL_TEST_TEMPLATE;
  if (!template) throw new Error("HL_TEST_TEMPLATE unset: run through vitest (test/global-setup.ts)");
  const name = `hl_t_${randomBytes(6).toString("hex")}`;
  for (let attempt = 0; ; attempt++) {
    try {
      await adminQuery(`create database "${name}" template "${template}"`);
      break;
    } catch (err) {
      // Two clones at the same instant can collide on the template; try again shortly.
      if (attempt >= 10) throw err;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 300));
    }
  }
  const url = databaseUrl(name);
  const database = await createDatabase({ kind: "pg", url: via(url), poolSize });
  return {
    url,
    name,
    database,
    drop: async () => {
      await database.close();
      await adminQuery(`drop database if exists "${name}" with (force)`);
    },
  };
}
