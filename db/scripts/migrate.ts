import { loadConfig } from "../../config/index.js";
import { createDatabase } from "../client.js";

/** `npm run db:migrate`: applies every migration in db/migrations to the configured database. */
const config = loadConfig();
const database = await createDatabase(config.database);
try {
  const started = Date.now();
  await database.migrate();
  console.log(`migrations applied (${database.kind}) in ${Date.now() - started} ms`);
} finally {
  await database.close();
}
