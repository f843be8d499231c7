/** Times each benchmark search's SQL alone (EXPLAIN ANALYZE), to find the slow shapes. */
import pg from "pg";
import { migrationsHash } from "../db/client.js";
import { searchMemory } from "./lib.js";
import { buildSearchQuery, doctorMatchesOf, renderQuery } from "../domain/doctors/repository.js";
import { searchParamsOf, type SearchInput } from "../domain/doctors/service.js";
import { databaseUrl } from "../test/env.js";

const inputs: SearchInput[] = JSON.parse(process.argv[2] ?? "[]") as SearchInput[];
const client = new pg.Client({
  connectionString: databaseUrl(process.env.BENCH_DATABASE ?? `hl_bench_${migrationsHash()}`),
});
await client.connect();
const { catalog, directory } = await searchMemory(client);
for (const input of inputs) {
  const params = searchParamsOf(input, new Date());
  const q = renderQuery(buildSearchQuery(params, doctorMatchesOf(params, catalog, directory)));
  const times: number[] = [];
  let plan = "";
  for (let i = 0; i < 5; i++) {
    const r = await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${q.text}`, q.values);
    const j = (r.rows[0] as { "QUERY PLAN": [{ "Execution Time": number; "Planning Time": number }] })[
      "QUERY PLAN"
    ][0];
    times.push(j["Execution Time"] + j["Planning Time"]);
    if (process.env.PLAN && i === 4) plan = JSON.stringify(j).slice(0, 3000);
  }
  times.sort((a, b) => a - b);
  console.log(`${times[2]!.toFixed(2).padStart(8)} ms  ${JSON.stringify(input)}`);
  if (plan) console.log(plan);
}
await client.end();
