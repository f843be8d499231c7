import { loadConfig } from "../../config/index.js";
import { createDatabase } from "../client.js";
import { seedCatalog } from "../seed/catalog.js";
import { hasDemoData, seedDemoData } from "../seed/index.js";

/** `npm run db:seed`: migrates, then seeds the demo data once (SEED_DOCTOR_COUNT doctors). */
const config = loadConfig();
const database = await createDatabase(config.database);
try {
  await database.migrate();
  if (await hasDemoData(database)) {
    const catalog = await seedCatalog(database.db);
    console.log(
      `demo data already present; catalog synced (${catalog.medicines} medicines, ${catalog.labTests} lab tests)`,
    );
  } else {
    const started = Date.now();
    const result = await seedDemoData(database, { doctorCount: config.seedDoctorCount, log: console.log });
    console.log(
      `seeded ${result.doctors} doctors, ${result.specialties} specialties, ${result.cities} cities in ${Date.now() - started} ms`,
    );
  }
} finally {
  await database.close();
}
