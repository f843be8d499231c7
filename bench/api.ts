/**
 * API benchmark (npm run bench): doctor search and doctor view at 50 connections against 10,000 seeded
 * doctors, and in the same run the same SQL through a bare `pg` pool behind a bare HTTP server.
 * Prints req/s, p50/p99 latency and the ratio app / raw. Targets (2-core machine): search p99 ≤ 50 ms and
 * ≥ 50% of the raw-SQL throughput.
 *
 * Env: BENCH_DATABASE (default hl_bench), BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 50),
 * TEST_DATABASE_URL, TEST_REDIS_URL.
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { buildSearchQuery, buildViewQuery, renderQuery } from "../domain/doctors/repository.js";
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

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);

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

  // The exact SQL the app runs for each path, built by the app's own code.
  const searchPaths = searchInputs().map(toPath);
  const viewIds = Array.from({ length: 200 }, (_, i) => 1 + ((i * 7919) % DOCTORS));
  const viewPaths = viewIds.map((id) => `/api/view/doctor/?id=${id}`);
  const queries: Record<string, { text: string; values: unknown[] }> = {};
  searchInputs().forEach(
    (input, i) =>
      (queries[searchPaths[i]!] = renderQuery(buildSearchQuery(searchParamsOf(input, new Date())))),
  );
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

  const rows: { name: string; app: Figures; raw: Figures }[] = [];
  const raw = await startProcess(
    "bench/raw-server.ts",
    { DATABASE_URL: url, PORT: "3941", QUERIES_FILE: queriesFile, DATABASE_POOL_SIZE: "20" },
    "http://127.0.0.1:3941",
    "/ready",
  );
  try {
    const rawBase = "http://127.0.0.1:3941";
    const run = async (name: string, appBase: string, paths: string[]) => {
      await load(appBase, paths, { connections: CONNECTIONS, seconds: 2 }); // warm-up (JIT, pools)
      const app = await load(appBase, paths, { connections: CONNECTIONS, seconds: SECONDS });
      await load(rawBase, paths, { connections: CONNECTIONS, seconds: 2 });
      const rawFigures = await load(rawBase, paths, { connections: CONNECTIONS, seconds: SECONDS });
      rows.push({ name, app, raw: rawFigures });
    };

    for (const [label, ttl, port] of [
      ["cache on (60 s)", 60, 3942],
      ["cache off", 0, 3943],
    ] as const) {
      await redis.incr("hl:search:version"); // start cold
      const app = await startProcess(
        "api/server.ts",
        appEnv(ttl, port),
        `http://127.0.0.1:${port}`,
        "/api/system/health/check/",
      );
      try {
        await run(`search, ${label}`, `http://127.0.0.1:${port}`, searchPaths);
        await run(`view, ${label}`, `http://127.0.0.1:${port}`, viewPaths);
      } finally {
        await stopProcess(app);
      }
    }
  } finally {
    await stopProcess(raw);
    await redis.quit();
  }

  console.log(
    `\n${"scenario".padEnd(24)}${"app req/s".padStart(10)}${"p50 ms".padStart(9)}${"p99 ms".padStart(9)}` +
      `${"raw req/s".padStart(11)}${"p50 ms".padStart(9)}${"p99 ms".padStart(9)}${"app/raw".padStart(9)}  errors`,
  );
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(24)}${fmt(r.app.rps, 0).padStart(10)}${fmt(r.app.p50)}${fmt(r.app.p99)}` +
        `${fmt(r.raw.rps, 0).padStart(11)}${fmt(r.raw.p50)}${fmt(r.raw.p99)}${fmt(r.app.rps / r.raw.rps, 2)}  ` +
        `${r.app.errors + r.app.non2xx}/${r.raw.errors + r.raw.non2xx}`,
    );
  }
  console.log("\ntargets: search p99 ≤ 50 ms; app throughput ≥ 0.50 × raw");
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
