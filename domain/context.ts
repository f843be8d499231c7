import type { Config } from "../config/index.js";
import type { Database, Db } from "../db/client.js";
import type { AccessPolicy } from "./accounts/access.js";
import type { AuditTrail } from "./audit/audit.js";
import type { RagChanges } from "./rag/changes.js";
import type { Cache } from "./shared/cache.js";
import type { Clock } from "./shared/clock.js";
import type { Jobs } from "./shared/jobs.js";

/** What every domain service is built from. */
export interface ServiceContext {
  readonly database: Database;
  readonly db: Db;
  readonly cache: Cache;
  readonly clock: Clock;
  readonly jobs: Jobs;
  readonly audit: AuditTrail;
  readonly access: AccessPolicy;
  readonly config: Config;
  /** Tells the records index (domain/rag) about changes to a patient's history, inside the change's transaction. */
  readonly ragChanges: RagChanges;
}
