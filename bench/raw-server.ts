/**
 * The baseline for bench/api.ts: a bare node:http server that runs, for each path, exactly the SQL the app
 * runs for it (prepared by the bench from the app's own query builders), through a bare `pg` pool, and
 * answers the rows as JSON. No framework, no validation, no cache, no auth: the floor of what is possible.
 */
import { readFileSync } from "node:fs";
import http from "node:http";
import pg from "pg";

const queries = new Map<string, { text: string; values: unknown[] }>(
  Object.entries(
    JSON.parse(readFileSync(process.env.QUERIES_FILE!, "utf8")) as Record<
      string,
      { text: string; values: unknown[] }
    >,
  ),
);
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
  pool.query(q.text, q.values).then(
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
