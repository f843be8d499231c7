import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { sql, type ExtractTablesWithRelations, type SQL } from "drizzle-orm";
import { PgDialect, type PgDatabase, type PgQueryResultHKT, type PgTransaction } from "drizzle-orm/pg-core";
import * as schema from "./schema/index.js";

export type Schema = typeof schema;
/** The one database type the repositories see, whichever driver is underneath. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** A repository accepts either the database or an open transaction. */
export type DbOrTx = Db | Tx;

export interface Database {
  readonly db: Db;
  readonly kind: "pg" | "pglite";
  /**
   * Runs the migrations in db/migrations. On a server database, under an advisory lock: replicas starting at
   * once take turns, and the later ones find everything applied.
   */
  migrate(): Promise<void>;
  /** Whether every migration in db/migrations has been applied (readiness). */
  migrated(): Promise<boolean>;
  /** Cheap liveness probe for the health check. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "migrations");

/** A short hash of every migration file: databases built for tests and benchmarks are named by it. */
export function migrationsHash(): string {
  const h = createHash("sha256");
  for (const f of readdirSync(MIGRATIONS_DIR).sort()) {
    if (f.endsWith(".sql")) h.update(f).update(readFileSync(path.join(MIGRATIONS_DIR, f)));
  }
  return h.digest("hex").slice(0, 12);
}

export type DatabaseOptions =
  | { kind: "pg"; url: string; poolSize: number; preparedStatements?: boolean | undefined }
  | { kind: "pglite"; dir: string };

/** What a named statement needs of a `pg` pool. */
interface NamedQueryRunner {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}
/** The pools whose databases run hot reads as named statements (see queryRowsPrepared). */
const preparedPools = new WeakMap<object, NamedQueryRunner>();
const dialect = new PgDialect({ casing: "snake_case" });
const statementNames = new Map<string, string>();

export async function createDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.kind === "pg") {
    const { default: pg } = await import("pg");
    const { drizzle } = await import("drizzle-orm/node-postgres");
    const { migrate } = await import("drizzle-orm/node-postgres/migrator");
    // timestamptz → Date is drizzle's job; keep `date` columns as plain strings.
    pg.types.setTypeParser(1082, (v: string) => v);
    const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize });
    pool.on("error", () => {
      /* an idle client died; the pool replaces it */
    });
    const db = drizzle({ client: pool, schema, casing: "snake_case" });
    if (options.preparedStatements !== false) preparedPools.set(db, pool);
    return {
      db,
      kind: "pg",
      migrate: async () => {
        // The lock is held on a connection of its own, outside the pool: a pool of one must still migrate.
        const lock = new pg.Client({ connectionString: options.url });
        lock.on("error", () => undefined);
        await lock.connect();
        try {
          await lock.query("select pg_advisory_lock($1)", [MIGRATION_LOCK]);
          await migrate(db, { migrationsFolder: MIGRATIONS_DIR });
        } finally {
          await lock.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => undefined);
          await lock.end();
        }
      },
      migrated: () => migrationsApplied(db),
      ping: async () => {
        await pool.query("select 1");
      },
      close: () => pool.end(),
    };
  }
  const { PGlite } = await import("@electric-sql/pglite");
  const { btree_gist } = await import("@electric-sql/pglite/contrib/btree_gist");
  const { btree_gin } = await import("@electric-sql/pglite/contrib/btree_gin");
  const { pg_trgm } = await import("@electric-sql/pglite/contrib/pg_trgm");
  const { drizzle } = await import("drizzle-orm/pglite");
  const { migrate } = await import("drizzle-orm/pglite/migrator");
  if (options.dir !== "memory://") mkdirSync(options.dir, { recursive: true });
  const client = new PGlite(options.dir, { extensions: { btree_gist, btree_gin, pg_trgm } });
  await client.waitReady;
  const db = drizzle({ client, schema, casing: "snake_case" }) as unknown as Db;
  return {
    db,
    kind: "pglite",
    migrate: () => migrate(db as never, { migrationsFolder: MIGRATIONS_DIR }),
    migrated: () => migrationsApplied(db),
    ping: async () => {
      await client.query("select 1");
    },
    close: () => client.close(),
  };
}

/** Any 64-bit key of our own: the advisory lock that serialises migrations across replicas. */
const MIGRATION_LOCK = 727_274_001;

/** The number of migrations shipped (the journal's entries). */
function shippedMigrations(): number {
  const journal = JSON.parse(readFileSync(path.join(MIGRATIONS_DIR, "meta", "_journal.json"), "utf8")) as {
    entries: unknown[];
  };
  return journal.entries.length;
}

/** True when drizzle's migrations table holds as many rows as the journal has entries. */
async function migrationsApplied(db: Db): Promise<boolean> {
  try {
    const rows = await queryRows<{ n: number }>(
      db,
      sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
    );
    return (rows[0]?.n ?? 0) >= shippedMigrations();
  } catch {
    return false;
  }
}

/** The SQLSTATE of a database error, looking through drizzle's wrapping. */
export function pgErrorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 5 && e !== null && typeof e === "object"; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * An error as it may be logged. Drizzle's query errors put the failed SQL and its parameters (which can be
 * patient data) into their message and stack: log the driver's underlying error instead, which has neither.
 */
export function loggableError(err: unknown): {
  name: string;
  code?: string;
  message: string;
  stack?: string;
} {
  let e = err as {
    name?: string;
    message?: string;
    stack?: string;
    code?: unknown;
    cause?: unknown;
    params?: unknown;
  };
  if (e !== null && typeof e === "object" && "params" in e && e.cause) e = e.cause;
  const code = pgErrorCode(e) ?? (typeof e?.code === "string" ? e.code : undefined);
  return {
    name: e?.name ?? "Error",
    ...(code ? { code } : {}),
    message: e?.message ?? String(err),
    ...(e?.stack ? { stack: e.stack } : {}),
  };
}

/** The constraint name of a database error, looking through drizzle's wrapping. */
export function pgConstraint(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 5 && e !== null && typeof e === "object"; i++) {
    const c = (e as { constraint?: unknown }).constraint;
    if (typeof c === "string") return c;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export const PG = {
  uniqueViolation: "23505",
  exclusionViolation: "23P01",
  foreignKeyViolation: "23503",
  checkViolation: "23514",
  serializationFailure: "40001",
} as const;

/** Runs raw SQL and returns its rows, whichever driver is underneath (both return `{ rows }`). */
export async function queryRows<T>(db: DbOrTx, query: SQL): Promise<T[]> {
  const result: unknown = await db.execute(query);
  return (result as { rows: T[] }).rows;
}

/**
 * Like queryRows, as a named (prepared) statement when the database allows it: Postgres parses and plans it
 * once per connection instead of on every call (planning was up to half of a doctor search). The name is
 * derived from the text, so every distinct shape of a query gets its own statement. Transactions, PGlite and
 * databases opened with `preparedStatements: false` (a pooler in transaction mode) run it as usual.
 */
export async function queryRowsPrepared<T>(db: DbOrTx, query: SQL): Promise<T[]> {
  const pool = preparedPools.get(db);
  if (!pool) return queryRows<T>(db, query);
  const { sql: text, params } = dialect.sqlToQuery(query);
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `hl_${createHash("sha1").update(text).digest("hex").slice(0, 20)}`;
    // The shapes are a bounded set (filters × sorts), but stay bounded whatever calls this.
    if (statementNames.size > 5000) statementNames.clear();
    statementNames.set(text, name);
  }
  return (await pool.query({ name, text, values: params })).rows as T[];
}

/** A statement rendered once (its text never changes, only its values), for queryFixed. */
export interface FixedStatement {
  name: string;
  text: string;
  /** How many values it takes. */
  arity: number;
}

/** Renders a hot statement once (built with sample values: only their number matters). */
export function fixedStatement(query: SQL): FixedStatement {
  const { sql: text, params } = dialect.sqlToQuery(query);
  return {
    name: `hl_${createHash("sha1").update(text).digest("hex").slice(0, 20)}`,
    text,
    arity: params.length,
  };
}

/**
 * Like queryRowsPrepared for a statement rendered once (fixedStatement): no SQL object is built or rendered
 * per call (on the doctor view that was a few percent of the process). Where named statements are not used
 * (transactions, PGlite, `preparedStatements: false`), it runs `fallback()` through queryRows.
 */
export async function queryFixed<T>(
  db: DbOrTx,
  statement: FixedStatement,
  values: unknown[],
  fallback: () => SQL,
): Promise<T[]> {
  const pool = preparedPools.get(db);
  if (!pool || values.length !== statement.arity) return queryRows<T>(db, fallback());
  return (await pool.query({ name: statement.name, text: statement.text, values })).rows as T[];
}
