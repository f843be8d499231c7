/**
 * Chat consultation lookup benchmark (npx tsx bench/visit-chat-lookup.ts): every turn of a verified patient
 * asks "does this patient have a chat consultation open now?" (VisitsRepository.openChatFor) before the
 * assistant answers. On the benchmark database (10,000 seeded doctors) it adds BENCH_PATIENTS patients with
 * 10 appointments each (a quarter in chat mode, spread over a year; one in ten patients has one open now),
 * then times the lookup for random patients and prints its plan. No assertion: figures only. Seeded doctors
 * have no accounts, so no consultation is found: this times the common case, a turn with none open (the
 * lookup's cost is the same index range either way).
 *
 * Env: BENCH_DATABASE, BENCH_PATIENTS (default 2000), BENCH_LOOKUPS (default 1000), TEST_DATABASE_URL.
 */
import pg from "pg";
import { createDatabase } from "../db/client.js";
import { VisitsRepository } from "../domain/consultations/visits-repository.js";
import { fmt, prepareBenchDatabase } from "./lib.js";

const PATIENTS = Number(process.env.BENCH_PATIENTS ?? 2000);
const LOOKUPS = Number(process.env.BENCH_LOOKUPS ?? 1000);
const NOW = new Date("2030-06-01T10:00:00.000Z");

async function main(): Promise<void> {
  const url = await prepareBenchDatabase();
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const database = await createDatabase({ kind: "pg", url, poolSize: 4 });
  try {
    const tag = `bench-chat-${Date.now()}`;
    const started = Date.now();
    // Patients, and 10 appointments each with seeded doctors: the open one (every 10th patient) at NOW.
    const { rows } = await c.query<{ id: number }>(
      `WITH u AS (
         INSERT INTO users (role, name, email, password_hash)
         SELECT 'patient', 'Bench Patient ' || g, $1 || '-' || g || '@bench.test', 'x'
         FROM generate_series(1, $2::int) g RETURNING id, name)
       INSERT INTO patients (user_id, name) SELECT id, name FROM u RETURNING id`,
      [tag, PATIENTS],
    );
    const ids = rows.map((r) => r.id);
    // Every appointment in a slot of its own (31 minutes apart, over about three years around NOW), so no
    // doctor or patient overlaps; the open ones (k = 0 of every 10th patient) at NOW, each with its own doctor.
    await c.query(
      `INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at, status, mode, patient_name)
       SELECT d.id, p.pid, s.at, s.at + interval '30 minutes', 'confirmed',
              (CASE WHEN k % 4 = 0 THEN 'chat' ELSE 'video' END)::visit_mode, 'Bench'
       FROM (SELECT pid, row_number() OVER () AS n FROM unnest($1::int[]) pid) p
       CROSS JOIN generate_series(0, 9) k
       CROSS JOIN LATERAL (SELECT CASE WHEN k = 0 AND p.n % 10 = 0 THEN $2::timestamptz
                  ELSE $2::timestamptz + ((p.n * 10 + k) - $3::int * 5) * interval '31 minutes' END AS at) s
       CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids FROM doctors) dl
       CROSS JOIN LATERAL (SELECT dl.ids[1 + (CASE WHEN k = 0 THEN p.n - 1 ELSE (p.n - 1) * 10 + k END)
                  % cardinality(dl.ids)] AS id) d`,
      [ids, NOW.toISOString(), PATIENTS],
    );
    await c.query("analyze appointments");
    console.log(`${PATIENTS} patients, ${PATIENTS * 10} appointments added in ${Date.now() - started} ms`);

    const repo = new VisitsRepository(database.db);
    const pick = (i: number) => ids[(i * 7919) % ids.length]!;
    for (let i = 0; i < 50; i++) await repo.openChatFor(pick(i), NOW, 15 * 60_000, 30 * 60_000);
    const ms: number[] = [];
    let open = 0;
    for (let i = 0; i < LOOKUPS; i++) {
      const t0 = performance.now();
      if (await repo.openChatFor(pick(i), NOW, 15 * 60_000, 30 * 60_000)) open++;
      ms.push(performance.now() - t0);
    }
    ms.sort((a, b) => a - b);
    const mean = ms.reduce((s, x) => s + x, 0) / ms.length;
    console.log(
      `openChatFor: ${LOOKUPS} lookups (${open} open), mean ${fmt(mean, 2)} ms, p50 ${fmt(ms[Math.floor(ms.length / 2)]!, 2)} ms, p99 ${fmt(ms[Math.floor(ms.length * 0.99)]!, 2)} ms`,
    );
    const plan = await c.query<{ "QUERY PLAN": string }>(
      `EXPLAIN SELECT a.id FROM appointments a
       JOIN doctors d ON d.id = a.doctor_id LEFT JOIN visits v ON v.appointment_id = a.id
       WHERE a.patient_id = $1 AND a.mode = 'chat' AND a.status = 'confirmed'
         AND a.payment_status IN ('paid', 'not_required')
         AND a.starts_at <= $2::timestamptz + interval '15 minutes'
         AND a.starts_at > $2::timestamptz - interval '1470 minutes'
         AND a.ends_at > $2::timestamptz - interval '30 minutes'
         AND (v.id IS NULL OR v.status = 'open')
       ORDER BY a.starts_at LIMIT 1`,
      [pick(3), NOW.toISOString()],
    );
    console.log(plan.rows.map((r) => r["QUERY PLAN"]).join("\n"));
    // Leave the benchmark database as it was.
    await c.query(`DELETE FROM appointments WHERE patient_id = ANY($1::int[])`, [ids]);
    await c.query(`DELETE FROM users WHERE email LIKE $1`, [`${tag}-%`]);
  } finally {
    await database.close();
    await c.end();
  }
}

await main();
