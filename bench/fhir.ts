/**
 * `npm run bench:fhir`: `GET /fhir/R4/Patient/{id}/$everything` for a patient with 1,000 resources (400
 * allergies, 300 conditions, 150 past appointments and their 150 encounters), read by their care-team doctor
 * through the whole app (Fastify inject: no network), against real Postgres in a private database. Every read
 * goes through the owning modules' services with their access checks and audit rows, as in production.
 * Prints p50/p99 per call and resources per second. BENCH_ROUNDS (default 50) calls after 3 warm-ups.
 */
import { performance } from "node:perf_hooks";
import type { Bundle } from "@medplum/fhirtypes";
import { appointments, patientHistoryItems } from "../db/schema/index.js";
import { buildTestApp } from "../test/app.js";
import { signUp, verifiedDoctor } from "../test/factories.js";
import prepareTemplate from "../test/global-setup.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 50);
const ALLERGIES = 400;
const CONDITIONS = 300;
const APPOINTMENTS = 150;

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

async function main(): Promise<void> {
  await prepareTemplate();
  const t = await buildTestApp();
  try {
    const patient = await signUp(t, "patient", { name: "Bench Patient" });
    const dr = await verifiedDoctor(t, { name: "Dr Bench" });
    const patientId = patient.patientId!;
    const db = t.database.db;
    await db.insert(patientHistoryItems).values([
      ...Array.from({ length: ALLERGIES }, (_, i) => ({
        patientId,
        kind: "allergy" as const,
        name: `Allergen ${i}`,
        severity: "mild",
        qualifier: "rash",
      })),
      ...Array.from({ length: CONDITIONS }, (_, i) => ({
        patientId,
        kind: "condition" as const,
        name: `Condition ${i}`,
        status: "active",
        onsetDate: "2020-01-01",
      })),
    ]);
    const first = Date.UTC(2028, 0, 1, 9);
    await db.insert(appointments).values(
      Array.from({ length: APPOINTMENTS }, (_, i) => {
        const startsAt = new Date(first + i * 86_400_000);
        return {
          doctorId: dr.doctorId,
          patientId,
          startsAt,
          endsAt: new Date(startsAt.getTime() + 30 * 60_000),
          status: "completed" as const,
          patientName: "Bench Patient",
        };
      }),
    );
    const url = `/fhir/R4/Patient/${patientId}/$everything`;
    const call = async () => {
      const res = await t.app.inject({ method: "GET", url, headers: dr.headers });
      if (res.statusCode !== 200) throw new Error(`${res.statusCode} ${res.body.slice(0, 200)}`);
      return res.json<Bundle>();
    };
    const sample = await call();
    const resources = sample.entry?.length ?? 0;
    console.log(`$everything of one patient: ${resources} resources (${sample.total} total)`);
    for (let i = 0; i < 2; i++) await call();
    const times: number[] = [];
    const started = performance.now();
    for (let i = 0; i < ROUNDS; i++) {
      const t0 = performance.now();
      await call();
      times.push(performance.now() - t0);
    }
    const seconds = (performance.now() - started) / 1000;
    times.sort((a, b) => a - b);
    console.log(
      `${ROUNDS} calls: p50 ${pct(times, 50).toFixed(1)} ms   p99 ${pct(times, 99).toFixed(1)} ms   ` +
        `${((ROUNDS * resources) / seconds).toFixed(0)} resources/s`,
    );
  } finally {
    await t.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
