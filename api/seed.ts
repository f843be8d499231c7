import { loadConfig } from "../config/index.js";
import { createDatabase } from "../db/client.js";
import { hasDemoData, seedDemoData } from "../db/seed/index.js";
import { seedCatalog } from "../domain/orders/catalog/seed.js";
import { lockDataDir } from "../infra/data-dir-lock.js";

/**
 * `npm run db:seed`: migrates, seeds the demo data once (SEED_DOCTOR_COUNT doctors) and syncs the medicine
 * and lab-test catalogs. Here rather than under db/ because the catalogs belong to the domain
 * (domain/orders/catalog) and db/ imports nothing from it.
 */
const config = loadConfig();
// Not while `npm start` has the embedded database open (DataDirLockedError says so).
const lock = config.database.kind === "pglite" ? lockDataDir(config.dataDir) : undefined;
const database = await createDatabase(config.database);
try {
  await database.migrate();
  if (await hasDemoData(database)) {
    console.log("demo data already present");
  } else {
    const started = Date.now();
    const result = await seedDemoData(database, { doctorCount: config.seedDoctorCount, log: console.log });
    console.log(
      `seeded ${result.doctors} doctors, ${result.specialties} specialties, ${result.cities} cities in ${Date.now() - started} ms`,
    );
  }
  const catalog = await seedCatalog(database.db);
  console.log(`catalog synced (${catalog.medicines} medicines, ${catalog.labTests} lab tests)`);
} finally {
  await database.close();
  lock?.release();
}
