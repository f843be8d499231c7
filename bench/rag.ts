import { performance } from "node:perf_hooks";
import { sql } from "drizzle-orm";
import pg from "pg";
import { createDatabase, migrationsHash, queryRows } from "../db/client.js";
import type { ServiceContext } from "../domain/context.js";
import { normalize, toBytes } from "../domain/rag/retrieval.js";
import { RagService } from "../domain/rag/service.js";
import { VectorCache } from "../domain/rag/vector-cache.js";
import { databaseUrl, TEST_PG_URL } from "../test/env.js";
import { fmt } from "./lib.js";

/**
 * `npm run bench:rag`: retrieval over one patient's history when the index is large. 100 patients × 5,000
 * chunks = 500,000 rows with 256-dimension embeddings in Postgres (the default store), a patient's rows
 * interleaved with everyone else's as they would be after months of writes. Measured in the same run:
 *   - retrieval: RagService.retrieveWith (the full-text ranking of the patient's matching rows through the
 *     (patient_id, tsv) GIN index, beside a read of every embedding of the patient for exact cosine in Node;
 *     reciprocal rank fusion; then the texts of the best six);
 *   - the same with the patient's vectors in memory (RAG_VECTOR_CACHE_MB, the default): one small version read
 *     instead of the vectors, as for every question after the first about a patient whose index did not change;
 *   - bare SQL: `select id, embedding from rag_chunks where patient_id = $1`, the same rows read and nothing
 *     else done — the floor of any exact search done in the application without memory.
 * Target: retrieval ≤ 1.5 × the bare query, p99 ≤ 50 ms. Seeded with generate_series in its own database.
 */
const PATIENTS = 100;
const PER_PATIENT = 5_000;
const DIMS = 256;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
/** Named by the migrations' hash, so a schema change gets a fresh, freshly seeded database. */
const DB = process.env.BENCH_DATABASE ?? `hl_bench_rag_${migrationsHash()}`;

function randomUnit(): Float32Array {
  const v = new Float32Array(DIMS);
  for (let i = 0; i < DIMS; i++) v[i] = Math.random() * 2 - 1;
  return normalize(v);
}

async function prepare(url: string): Promise<void> {
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  const exists = (await admin.query("select 1 from pg_database where datname = $1", [DB])).rowCount === 1;
  if (exists) {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const n = await c
      .query<{ n: string }>("select count(*) as n from rag_chunks")
      .catch(() => ({ rows: [{ n: "0" }] }));
    await c.end();
    if (Number(n.rows[0]?.n) === PATIENTS * PER_PATIENT) {
      await admin.end();
      console.log(`using the seeded database ${DB}`);
      return;
    }
  }
  await admin.query(`drop database if exists "${DB}" with (force)`);
  await admin.query(`create database "${DB}"`);
  await admin.end();
  const database = await createDatabase({ kind: "pg", url, poolSize: 2 });
  await database.migrate();
  await database.close();

  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const started = performance.now();
  await c.query(`insert into users (role, name, email, password_hash)
                 select 'patient', 'Bench ' || g, 'bench' || g || '@example.test', 'x' from generate_series(1, ${PATIENTS}) g`);
  await c.query(`insert into patients (user_id, name) select id, name from users order by id`);
  // 1,000 distinct unit vectors (little-endian float32, as stored), reused round-robin.
  await c.query("create temporary table bench_vectors (n int primary key, v bytea not null)");
  for (let n = 0; n < 1000; n += 100) {
    const values: string[] = [];
    const params: unknown[] = [];
    for (let i = n; i < n + 100; i++) {
      params.push(i, toBytes(randomUnit()));
      values.push(`($${params.length - 1}, $${params.length})`);
    }
    await c.query(`insert into bench_vectors (n, v) values ${values.join(",")}`, params);
  }
  const words = [
    "blood pressure reviewed",
    "cholesterol LDL raised",
    "vitamin D low",
    "HbA1c stable",
    "thyroid TSH normal",
    "knee pain physiotherapy",
    "asthma inhaler technique",
    "migraine with aura",
    "iron tablets started",
    "follow up in three months",
    "allergy to penicillin",
    "sleep apnoea screening",
    "weight loss advised",
    "ECG sinus rhythm",
    "kidney function eGFR",
    "liver enzymes ALT",
    "cough for two weeks",
    "fever resolved",
    "skin rash eczema",
    "back pain imaging",
  ];
  const arr = `array[${words.map((w) => `'${w}'`).join(",")}]`;
  await c.query(`insert into rag_chunks (id, patient_id, source_type, source_id, source_date, title, body,
                   content_hash, embedding, embedding_model)
                 select 'record:' || g || '#0',
                        (select min(id) from patients) + (g % ${PATIENTS}),
                        'record', g::text, '2029-11-20',
                        'Clinical record: ' || (${arr})[1 + g % 20],
                        'Visit ' || g || ': ' || (${arr})[1 + (g / 7) % 20] || '; ' || (${arr})[1 + (g / 13) % 20] ||
                          '. Plan discussed with the patient; ' || (${arr})[1 + (g / 17) % 20] || '.',
                        md5(g::text), v.v, 'bench'
                   from generate_series(0, ${PATIENTS * PER_PATIENT - 1}) g
                   join bench_vectors v on v.n = g % 1000`);
  await c.query("vacuum analyze rag_chunks");
  await c.end();
  console.log(
    `seeded ${PATIENTS * PER_PATIENT} chunks in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const url = databaseUrl(DB);
await prepare(url);
const database = await createDatabase({ kind: "pg", url, poolSize: 2 });
try {
  const [{ id: patientId } = { id: 0 }] = await queryRows<{ id: number }>(
    database.db,
    sql`select min(id) + 42 as id from patients`,
  );
  const service = (vectorCache: VectorCache | undefined) =>
    new RagService(
      { db: database.db } as unknown as ServiceContext,
      {} as never,
      // Every vector counts (random vectors are near-orthogonal): the whole ranking is computed.
      {
        embedder: undefined,
        vectorStore: undefined,
        model: undefined,
        minSimilarity: -1,
        topK: 6,
        vectorCache,
      },
    );
  const rag = service(undefined);
  const cached = service(new VectorCache(64 * 1024 * 1024));
  const question = "What did the doctor say about my cholesterol last time?";
  const retrieval: number[] = [];
  const warm: number[] = [];
  const bare: number[] = [];
  let found = 0;
  for (let i = 0; i < ROUNDS + 20; i++) {
    const vector = randomUnit();
    let t0 = performance.now();
    const chunks = await rag.retrieveWith(patientId, question, vector);
    const r = performance.now() - t0;
    t0 = performance.now();
    const rows = await queryRows<{ id: string; embedding: Buffer }>(
      database.db,
      sql`select id, embedding from rag_chunks where patient_id = ${patientId}`,
    );
    const b = performance.now() - t0;
    t0 = performance.now();
    const again = await cached.retrieveWith(patientId, question, vector);
    const w = performance.now() - t0;
    if (again.map((c) => c.id).join() !== chunks.map((c) => c.id).join())
      throw new Error("retrieval from memory differs from retrieval from Postgres");
    if (i >= 20) {
      retrieval.push(r);
      warm.push(w);
      bare.push(b);
      found = chunks.length;
      if (rows.length !== PER_PATIENT) throw new Error(`expected ${PER_PATIENT} rows, got ${rows.length}`);
    }
  }
  retrieval.sort((a, b) => a - b);
  warm.sort((a, b) => a - b);
  bare.sort((a, b) => a - b);
  const row = (name: string, xs: number[]) =>
    console.log(`${name.padEnd(30)} p50 ${fmt(pct(xs, 50))} ms   p99 ${fmt(pct(xs, 99))} ms`);
  console.log(
    `\none patient: ${PER_PATIENT} chunks among ${PATIENTS * PER_PATIENT} (${DIMS}-dim), ${ROUNDS} rounds, ${found} returned`,
  );
  row("retrieval, vectors read", retrieval);
  row("retrieval, vectors in memory", warm);
  row("bare SQL", bare);
  for (const [name, xs] of [
    ["vectors read", retrieval],
    ["in memory", warm],
  ] as const)
    console.log(
      `ratio (${name}) p50 ${fmt(pct(xs, 50) / pct(bare, 50), 2)}×   p99 ${fmt(pct(xs, 99) / pct(bare, 99), 2)}×` +
        `   (target ≤ 1.5×, p99 ≤ 50 ms)`,
    );
} finally {
  await database.close();
}
