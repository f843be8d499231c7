import pg from "pg";
import { createDatabase, migrationsHash } from "../db/client.js";
import { databaseUrl, TEST_PG_URL } from "./env.js";

/** The name of the migrated template database: it changes whenever a migration does. */
export function templateName(): string {
  return `hl_tpl_${migrationsHash()}`;
}

/** Creates (once, under an advisory lock) a database with every migration applied; test files clone it. */
export default async function setup(): Promise<void> {
  const name = templateName();
  process.env.HL_TEST_TEMPLATE = name;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  try {
    await admin.query("select pg_advisory_lock(727274)");
    const exists = await admin.query("select 1 from pg_database where datname = $1", [name]);
    if (exists.rowCount === 0) {
      await admin.query(`create database "${name}_building"`).catch(async () => {
        await admin.query(`drop database if exists "${name}_building" with (force)`);
        await admin.query(`create database "${name}_building"`);
      });
      const database = await createDatabase({
        kind: "pg",
        url: databaseUrl(`${name}_building`),
        poolSize: 1,
      });
      await database.migrate();
      await database.close();
      await admin.query(`alter database "${name}_building" rename to "${name}"`);
    }
  } finally {
    await admin.query("select pg_advisory_unlock(727274)").catch(() => undefined);
    await admin.end();
  }
}
