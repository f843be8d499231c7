import { loadDatabaseConfig } from "../../config/index.js";
import { createDatabase } from "../client.js";

/**
 * `npm run db:migrate` (or `node dist/db/scripts/migrate.js`, the deployment's migration Job): applies every
 * migration in db/migrations to DATABASE_URL (else the embedded database), under the migrations' advisory lock.
 */
const database = await createDatabase(loadDatabaseConfig());
try {
  const started = Date.now();
  await database.migrate();
  console.log(`migrations applied (${database.kind}) in ${Date.now() - started} ms`);
} finally {
  await database.close();
}
