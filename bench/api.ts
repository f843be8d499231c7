/**
 * API benchmark (npm run bench), against 10,000 seeded doctors, all in one run (so the ratios hold on a
 * busy machine even when the absolute numbers do not):
 *   - `/readyz` (one Postgres and one Redis round trip): the yardstick of what one request costs here;
 *   - doctor search with the result cache off and on; target: uncached ≥ 0.25 × readyz throughput with
 *     p99 ≤ 100 ms, cached p99 ≤ 50 ms;
 *   - doctor view (GET by id) with the cache off, against the same SQL through a bare `pg` pool behind a bare
 *     HTTP server (bench/raw-server.ts, named statements like the app's); target ≥ 0.8 × the bare SQL.
 * Each measured run is BENCH_SECONDS after a one-second warm-up (JIT, pools); the whole bench stays near a
 * minute. Everything listens on 127.0.0.1.
 *
 * Env: BENCH_DATABASE (default named by the migrations' hash), BENCH_SECONDS (default 5), BENCH_CONNECTIONS
 * (default 32), TEST_DATABASE_URL, TEST_REDIS_URL.
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import pg from "pg";
import { SpecialtyCatalog, type CatalogSpecialty } from "../domain/doctors/matching.js";
import {
  buildSearchQuery,
  buildViewQuery,
  renderQuery,
  specialtyHitsOf,
} from "../domain/doctors/repository.js";
import { searchParamsOf, type SearchInput } from "../domain/doctors/service.js";
import { TEST_REDIS_URL } from "../test/env.js";
import {
  BENCH_DOCTORS as DOCTORS,
  fmt,
  load,
  prepareBenchDatabase,
  startProcess,
  stopProcess,
  type Figures,
} from "./lib.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);

function searchInputs(): SearchInput[] {
  const cities = ["Delhi", "Mumbai", "Lahore", "Karachi", "Vikas Puri", "Bengaluru", "Wah", "Chennai"];
  const qs = [
    undefined,
    "dentist",
    "tooth pain",
    "cardiologst",
    "skin rash",
    "pediatrician",
    "fever",
    "Dr Sharma",
  ];
  const inputs: SearchInput[] = [];
  for (const city of cities) for (const q of qs) inputs.push({ city, ...(q ? { q } : {}) });
  inputs.push(
    { city: "Delhi", q: "dentist", day: "MONDAY" },
    { city: "Mumbai", sort: "rating" },
    { q: "gynecologist" },
  );
  inputs.push(
    { lat: 28.6139, lng: 77.209, radius_km: 10, sort: "distance" },
    { city: "Lahore", fee_min: 500, fee_max: 2000 },
  );
  return inputs;
}

function toPath(input: SearchInput): string {
  const qs = new URLSearchParams(Object.entries(input).map(([k, v]) => [k, String(v)]));
  return `/api/search/doctors/?${qs.toString()}`;
}

async function main(): Promise<void> {
  console.log(
    `HealthLink API benchmark: ${os.cpus().length} cores, ${CONNECTIONS} connections, ${SECONDS} s per run\n`,
  );
  const url = await prepareBenchDatabase();

  // The exact SQL the app runs for each path, built by the app's own code (the text scored against the same
  // catalog of specialties, in memory, as the app does).
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const catalog = new SpecialtyCatalog(
    (await client.query<CatalogSpecialty>("select id, name, slug, conditions from specialties")).rows,
  );
  await client.end();
  const searchPaths = searchInputs().map(toPath);
  const viewIds = Array.from({ length: 200 }, (_, i) => 1 + ((i * 7919) % DOCTORS));
  const viewPaths = viewIds.map((id) => `/api/view/doctor/?id=${id}`);
  const queries: Record<string, { text: string; values: unknown[] }> = {};
  searchInputs().forEach((input, i) => {
    const params = searchParamsOf(input, new Date());
    queries[searchPaths[i]!] = renderQuery(buildSearchQuery(params, specialtyHitsOf(params, catalog)));
  });
  viewIds.forEach((id, i) => (queries[viewPaths[i]!] = renderQuery(buildViewQuery(id))));
  const queriesFile = path.join(os.tmpdir(), `hl-bench-queries-${randomBytes(4).toString("hex")}.json`);
  writeFileSync(queriesFile, JSON.stringify(queries));

  const redis = new Redis(TEST_REDIS_URL);
  const appEnv = (cacheTtl: number, port: number) => ({
    DATABASE_URL: url,
    REDIS_URL: TEST_REDIS_URL,
    JWT_SECRET: randomBytes(32).toString("hex"),
    STORAGE_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
    PORT: String(port),
    HOST: "127.0.0.1",
    LOG_LEVEL: "warn",
    NODE_ENV: "production",
    SEED_DEMO_DATA: "false",
    DATABASE_POOL_SIZE: "20",
    SEARCH_CACHE_TTL_SECONDS: String(cacheTtl),
    // One load generator is one client address: its per-address limit stays on, above what the run sends.
    RATE_LIMIT_SEARCH_PER_MINUTE: "10000000",
  });

  const figures = new Map<string, Figures>();
  const measure = async (name: string, base: string, paths: string[]): Promise<Figures> => {
    await load(base, paths, { connections: CONNECTIONS, seconds: 1 }); // warm-up (JIT, pools, statements)
    const f = await load(base, paths, { connections: CONNECTIONS, seconds: SECONDS });
    figures.set(name, f);
    console.log(
      `  ${name.padEnd(26)}${fmt(f.rps, 0)} req/s  p50 ${fmt(f.p50)} ms  p99 ${fmt(f.p99)} ms  errors ${f.errors + f.non2xx}`,
    );
    return f;
  };

  const raw = await startProcess(
    "bench/raw-server.ts",
    { DATABASE_URL: url, PORT: "3941", QUERIES_FILE: queriesFile, DATABASE_POOL_SIZE: "20" },
    "http://127.0.0.1:3941",
    "/ready",
  );
  try {
    const rawBase = "http://127.0.0.1:3941";
    await redis.incr("hl:search:version"); // start cold
    const off = await startProcess("api/server.ts", appEnv(0, 3943), "http://127.0.0.1:3943", "/readyz");
    try {
      const base = "http://127.0.0.1:3943";
      await measure("readyz", base, ["/readyz"]);
      await measure("search, cache off", base, searchPaths);
      await measure("view, cache off", base, viewPaths);
    } finally {
      await stopProcess(off);
    }
    await measure("view, bare SQL", rawBase, viewPaths);
    await measure("search, bare SQL", rawBase, searchPaths);
    const on = await startProcess("api/server.ts", appEnv(60, 3942), "http://127.0.0.1:3942", "/readyz");
    try {
      await measure("search, cache on (60 s)", "http://127.0.0.1:3942", searchPaths);
    } finally {
      await stopProcess(on);
    }
  } finally {
    await stopProcess(raw);
    await redis.quit();
  }

  const get = (name: string) => figures.get(name)!;
  const readyz = get("readyz");
  const search = get("search, cache off");
  const cached = get("search, cache on (60 s)");
  const view = get("view, cache off");
  const bare = get("view, bare SQL");
  const r = (n: number) => n.toFixed(0);
  const searchRatio = search.rps / readyz.rps;
  const viewRatio = view.rps / bare.rps;
  const mark = (ok: boolean) => (ok ? "ok" : "MISSED");
  console.log(
    `\nsearch uncached: ${r(search.rps)} req/s p99 ${search.p99} ms; readyz: ${r(readyz.rps)} req/s; ` +
      `ratio ${searchRatio.toFixed(2)} (target ≥ 0.25, p99 ≤ 100 ms) ${mark(searchRatio >= 0.25 && search.p99 <= 100)}`,
  );
  console.log(
    `search cached: ${r(cached.rps)} req/s p99 ${cached.p99} ms (target p99 ≤ 50 ms) ${mark(cached.p99 <= 50)}`,
  );
  console.log(
    `view uncached: ${r(view.rps)} req/s p99 ${view.p99} ms; bare SQL: ${r(bare.rps)} req/s; ` +
      `ratio ${viewRatio.toFixed(2)} (target ≥ 0.80) ${mark(viewRatio >= 0.8)}`,
  );
  const errors = [...figures.values()].reduce((n, f) => n + f.errors + f.non2xx, 0);
  if (errors > 0) console.log(`errors or non-2xx answers: ${errors} (figures are not valid)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
