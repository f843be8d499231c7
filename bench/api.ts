/**
 * API benchmark (npm run bench), against 10,000 seeded doctors, all in one run (so the ratios hold on a
 * busy machine even when the absolute numbers do not):
 *   - `/readyz` (one Postgres and one Redis round trip): the yardstick of what one request costs here;
 *   - doctor search with the result cache off and on; target: uncached ≥ 0.25 × readyz throughput with
 *     p99 ≤ 100 ms, cached p99 ≤ 50 ms;
 *   - doctor view (GET by id) with the cache off, against the same SQL through a bare `pg` pool behind a bare
 *     HTTP server (bench/raw-server.ts, named statements like the app's); target ≥ 0.8 × the bare SQL.
 * After a warm-up (every path once, then one second of load), the scenarios take turns, BENCH_ROUND_SECONDS
 * (default 2) each, for BENCH_ROUNDS (default 8) rounds, so that a burst from a neighbour on the shared
 * machine does not land on one side of a ratio only; throughput is the mean of the rounds, p50/p99 their
 * median. The measured part takes about a minute and a half. Everything listens on 127.0.0.1.
 *
 * Env: BENCH_DATABASE (default named by the migrations' hash), BENCH_ROUNDS, BENCH_ROUND_SECONDS,
 * BENCH_CONNECTIONS (default 32), BENCH_PORT (the first of three ports, default 3941), TEST_DATABASE_URL,
 * TEST_REDIS_URL.
 */
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import pg from "pg";
import {
  buildSearchQuery,
  buildViewQuery,
  doctorMatchesOf,
  renderQuery,
} from "../domain/doctors/repository.js";
import { searchParamsOf, type SearchInput } from "../domain/doctors/service.js";
import { TEST_REDIS_URL } from "../test/env.js";
import {
  BENCH_DOCTORS as DOCTORS,
  fmt,
  load,
  prepareBenchDatabase,
  searchMemory,
  startProcess,
  stopProcess,
  type Figures,
} from "./lib.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
const ROUND_SECONDS = Number(process.env.BENCH_ROUND_SECONDS ?? 2);
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
    `HealthLink API benchmark: ${os.cpus().length} cores, ${CONNECTIONS} connections, ` +
      `${ROUNDS} rounds of ${ROUND_SECONDS} s per scenario (p50/p99: median of the rounds)\n`,
  );
  const url = await prepareBenchDatabase();

  // The exact SQL the app runs for each path, built by the app's own code (the text matched against the same
  // catalog of specialties and directory of doctors, in memory, as the app does).
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { catalog, directory } = await searchMemory(client);
  await client.end();
  const searchPaths = searchInputs().map(toPath);
  const viewIds = Array.from({ length: 200 }, (_, i) => 1 + ((i * 7919) % DOCTORS));
  const viewPaths = viewIds.map((id) => `/api/view/doctor/?id=${id}`);
  const queries: Record<string, { text: string; values: unknown[] }> = {};
  searchInputs().forEach((input, i) => {
    const params = searchParamsOf(input, new Date());
    queries[searchPaths[i]!] = renderQuery(
      buildSearchQuery(params, doctorMatchesOf(params, catalog, directory)),
    );
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
    // An API process as deployed (deploy/: the API tier runs ROLE=api, workers run apart): the figures are what
    // one API replica serves, without the embedded start's workers sharing its CPU and pool.
    ROLE: "api",
    SEED_DEMO_DATA: "false",
    DATABASE_POOL_SIZE: "20",
    SEARCH_CACHE_TTL_SECONDS: String(cacheTtl),
    // One load generator is one client address: its per-address limit stays on, above what the run sends.
    RATE_LIMIT_SEARCH_PER_MINUTE: "10000000",
  });

  // The machine is shared: rather than one long run per scenario (where a neighbour's burst lands on one
  // side of a ratio), the scenarios take turns, ROUND_SECONDS each, for ROUNDS rounds.
  type Scenario = { name: string; base: string; paths: string[]; rounds: Figures[] };
  const scenarios: Scenario[] = [];
  const scenario = (name: string, base: string, paths: string[]) =>
    scenarios.push({ name, base, paths, rounds: [] });
  const portBase = Number(process.env.BENCH_PORT ?? 3941);
  const ports = { raw: portBase, on: portBase + 1, off: portBase + 2 };
  const at = (port: number) => `http://127.0.0.1:${port}`;
  scenario("readyz", at(ports.off), ["/readyz"]);
  scenario("search, cache off", at(ports.off), searchPaths);
  scenario("view, cache off", at(ports.off), viewPaths);
  scenario("view, bare SQL", at(ports.raw), viewPaths);
  scenario("search, bare SQL", at(ports.raw), searchPaths);
  scenario("search, cache on (60 s)", at(ports.on), searchPaths);

  await redis.incr("hl:search:version"); // start cold
  const t0 = Date.now();
  // One after the other (three at once starve each other on two cores); stopped whatever happens.
  const started: ChildProcess[] = [];
  const start = async (entry: string, env: Record<string, string>, port: number, ready: string) =>
    started.push(await startProcess(entry, env, at(port), ready));
  try {
    await start(
      "bench/raw-server.ts",
      { DATABASE_URL: url, PORT: String(ports.raw), QUERIES_FILE: queriesFile, DATABASE_POOL_SIZE: "20" },
      ports.raw,
      "/ready",
    );
    await start("api/server.ts", appEnv(0, ports.off), ports.off, "/readyz");
    await start("api/server.ts", appEnv(60, ports.on), ports.on, "/readyz");
  } catch (err) {
    await Promise.all(started.map(stopProcess));
    await redis.quit();
    throw err;
  }
  console.log(`servers up after ${((Date.now() - t0) / 1000).toFixed(0)} s; warming up`);
  try {
    for (const s of scenarios) {
      // Warm-up: every path once (each query's first run, what is kept on rows), then a second of load (JIT).
      await load(s.base, s.paths, {
        connections: Math.min(CONNECTIONS, s.paths.length),
        amount: s.paths.length,
      });
      await load(s.base, s.paths, { connections: CONNECTIONS, seconds: 1 });
    }
    console.log(`warm after ${((Date.now() - t0) / 1000).toFixed(0)} s; measuring`);
    for (let round = 0; round < ROUNDS; round++) {
      for (const s of scenarios)
        s.rounds.push(await load(s.base, s.paths, { connections: CONNECTIONS, seconds: ROUND_SECONDS }));
    }
  } finally {
    await Promise.all(started.map(stopProcess));
    await redis.quit();
  }

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const figures = new Map<string, Figures>();
  for (const s of scenarios) {
    const f: Figures = {
      rps: s.rounds.reduce((n, x) => n + x.rps, 0) / s.rounds.length,
      p50: median(s.rounds.map((x) => x.p50)),
      p99: median(s.rounds.map((x) => x.p99)),
      errors: s.rounds.reduce((n, x) => n + x.errors, 0),
      non2xx: s.rounds.reduce((n, x) => n + x.non2xx, 0),
    };
    figures.set(s.name, f);
    console.log(
      `  ${s.name.padEnd(26)}${fmt(f.rps, 0)} req/s  p50 ${fmt(f.p50)} ms  p99 ${fmt(f.p99)} ms` +
        `  (worst round p99 ${Math.max(...s.rounds.map((x) => x.p99))} ms)  errors ${f.errors + f.non2xx}`,
    );
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
