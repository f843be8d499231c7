/**
 * The baseline for bench/api.ts: a bare node:http server that runs, for each path, exactly the SQL the app
 * runs for it (prepared by the bench from the app's own query builders), through a bare `pg` pool, and
 * answers the rows as JSON. No framework, no validation, no cache, no auth: the floor of what is possible.
 * Like the app (DATABASE_PREPARED_STATEMENTS), it runs each query as a named statement, planned once per
 * connection (RAW_NAMED=false: unnamed, planned on every call).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import pg from "pg";

const named = process.env.RAW_NAMED !== "false";
const queries = new Map<string, { name?: string; text: string; values: unknown[] }>(
  Object.entries(
    JSON.parse(readFileSync(process.env.QUERIES_FILE!, "utf8")) as Record<
      string,
      { text: string; values: unknown[] }
    >,
  ),
);
if (named) {
  for (const q of queries.values())
    q.name = `raw_${createHash("sha1").update(q.text).digest("hex").slice(0, 20)}`;
}
const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.DATABASE_POOL_SIZE ?? 20),
});

const server = http.createServer((req, res) => {
  const q = queries.get(req.url ?? "");
  if (!q) {
    res.writeHead(req.url === "/ready" ? 200 : 404).end("{}");
    return;
  }
  pool.query(q).then(
    (r) => {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(r.rows));
    },
    () => {
      res.writeHead(500).end("{}");
    },
  );
});
server.listen(Number(process.env.PORT), "127.0.0.1");
process.on("SIGTERM", () => {
  server.close();
  void pool.end().then(() => process.exit(0));
});
