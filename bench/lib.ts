import { spawn, type ChildProcess } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import autocannon from "autocannon";
import pg from "pg";
import { createDatabase, migrationsHash } from "../db/client.js";
import type { DirectoryDoctor } from "../domain/doctors/directory.js";
import { SpecialtyCatalog, type CatalogSpecialty } from "../domain/doctors/matching.js";
import { buildDirectoryQuery, directoryOf, renderQuery } from "../domain/doctors/repository.js";
import { seedDemoData } from "../db/seed/index.js";
import { databaseUrl, TEST_PG_URL } from "../test/env.js";

export const BENCH_DOCTORS = 10_000;
/** Named by the migrations' hash, so a schema change gets a fresh, freshly seeded database. */
const DB = process.env.BENCH_DATABASE ?? `hl_bench_${migrationsHash()}`;
const DOCTORS = BENCH_DOCTORS;

/** The benchmark database with 10,000 seeded doctors, created (once per schema) on the test server. */
export async function prepareBenchDatabase(): Promise<string> {
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  const url = databaseUrl(DB);
  try {
    const exists = (await admin.query("select 1 from pg_database where datname = $1", [DB])).rowCount === 1;
    let count = 0;
    if (exists) {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      const result = await c
        .query<{ count: string }>("select count(*) from doctors")
        .catch(() => ({ rows: [{ count: "0" }] }));
      count = Number(result.rows[0]?.count ?? 0);
      await c.end();
    }
    if (count < DOCTORS) {
      await admin.query(`drop database if exists "${DB}" with (force)`);
      await admin.query(`create database "${DB}"`);
      const database = await createDatabase({ kind: "pg", url, poolSize: 4 });
      await database.migrate();
      const started = Date.now();
      await seedDemoData(database, { doctorCount: DOCTORS });
      console.log(`seeded ${DOCTORS} doctors in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      await database.close();
    }
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query("vacuum analyze"); // what autovacuum does to a table that has settled
    await c.end();
  } finally {
    await admin.end();
  }
  return url;
}

export interface Figures {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

/** Runs autocannon against a rotating list of paths; returns throughput and latency percentiles. */
export async function load(
  baseUrl: string,
  paths: string[],
  opts: { connections: number; seconds: number } | { connections: number; amount: number },
): Promise<Figures> {
  let i = 0;
  const result = await autocannon({
    url: baseUrl,
    connections: opts.connections,
    ...("amount" in opts ? { amount: opts.amount } : { duration: opts.seconds }),
    requests: [
      {
        setupRequest: (req) => {
          const path = paths[i++ % paths.length]!;
          return { ...req, path };
        },
      },
    ],
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/** Starts a TypeScript entry point as a child process and waits until it answers on `readyPath`. */
export async function startProcess(
  entry: string,
  env: Record<string, string>,
  baseUrl: string,
  readyPath: string,
): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", entry], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  // Up to three minutes: a start on a busy shared machine is slow.
  for (let i = 0; i < 1800; i++) {
    if (child.exitCode !== null) throw new Error(`${entry} exited with ${child.exitCode}`);
    try {
      const res = await fetch(baseUrl + readyPath);
      if (res.ok) return child;
    } catch {
      /* not up yet */
    }
    await sleep(100);
  }
  child.kill("SIGTERM");
  throw new Error(`${entry} did not become ready`);
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await Promise.race([exited, sleep(10_000)]);
  if (child.exitCode === null) child.kill("SIGKILL");
}

export function fmt(n: number, digits = 1): string {
  return n.toFixed(digits).padStart(9);
}

/** What the app holds in memory to match search text (the catalog of specialties, the doctors' directory). */
export async function searchMemory(client: pg.Client) {
  const catalog = new SpecialtyCatalog(
    (await client.query<CatalogSpecialty>("select id, name, slug, conditions from specialties")).rows,
  );
  const q = renderQuery(buildDirectoryQuery());
  const directory = directoryOf(
    (await client.query<DirectoryDoctor & { version: string }>(q.text, q.values)).rows,
  );
  return { catalog, directory };
}
