/**
 * Visit join benchmark (npm run bench:visit-join): POST /api/appointments/{id}/visit/join over HTTP, 50 at a
 * time, against the real app (real Postgres and Redis, a fresh database): 50 patients, each with a video
 * appointment that is open now. First the 50 first joins at once (each creates its visit and room), then
 * REQUESTS more joins (50 in flight) that find their visit. Once with WebRTC (signalling token), once with
 * Twilio Video against the local fake REST server (room created over HTTP, AccessToken signed per join).
 * Prints requests per second and p50/p99 latency for each.
 */
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { buildTestApp, type TestApp } from "../test/app.js";
import prepareTemplate from "../test/global-setup.js";
import { signUp, verifiedDoctor, type Session } from "../test/factories.js";
import { startFakeTwilioVideo } from "../test/fakes/twilio-video.js";

const CONCURRENCY = 50;
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function setup(
  t: TestApp,
): Promise<{ base: string; joins: { id: number; headers: Session["headers"] }[] }> {
  await t.app.listen({ port: 0, host: "127.0.0.1" });
  const base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  const joins: { id: number; headers: Session["headers"] }[] = [];
  let startsAt = "";
  for (let i = 0; i < CONCURRENCY; i++) {
    const doctor = await verifiedDoctor(t, { name: `Dr Bench ${i}`, autoAccept: true, feeMinor: 0 });
    const patient = await signUp(t, "patient");
    const res = await t.app.inject({
      method: "POST",
      url: "/api/book/appointment/",
      headers: patient.headers,
      payload: {
        doctor_id: doctor.doctorId,
        appointment_date: "2030-01-08",
        appointment_time: "10:00 AM",
        mode: "video",
      },
    });
    if (res.statusCode !== 201) throw new Error(`booking failed: ${res.body}`);
    const a = res.json<{ appointment: { id: number; starts_at: string } }>().appointment;
    startsAt = a.starts_at;
    joins.push({ id: a.id, headers: patient.headers });
  }
  t.clock.set(new Date(Date.parse(startsAt) - 5 * 60_000));
  return { base, joins };
}

async function run(
  base: string,
  joins: { id: number; headers: Session["headers"] }[],
  total: number,
): Promise<{ rps: number; p50: number; p99: number; failed: number }> {
  const latencies: number[] = [];
  let failed = 0;
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < total) {
      const j = joins[next++ % joins.length]!;
      const t0 = performance.now();
      const res = await fetch(`${base}/api/appointments/${j.id}/visit/join`, {
        method: "POST",
        headers: j.headers,
      });
      await res.arrayBuffer();
      latencies.push(performance.now() - t0);
      if (res.status !== 200) failed++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { rps: total / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), failed };
}

function print(label: string, f: { rps: number; p50: number; p99: number; failed: number }): void {
  console.log(
    `${label.padEnd(34)} ${f.rps.toFixed(0).padStart(6)} req/s   p50 ${f.p50.toFixed(1).padStart(6)} ms   p99 ${f.p99.toFixed(1).padStart(6)} ms   non-200 ${f.failed}`,
  );
}

async function bench(label: string, env: Record<string, string>): Promise<void> {
  const t = await buildTestApp({ env });
  try {
    const { base, joins } = await setup(t);
    print(`${label}: 50 first joins at once`, await run(base, joins, CONCURRENCY));
    print(`${label}: ${REQUESTS} joins, 50 in flight`, await run(base, joins, REQUESTS));
  } finally {
    await t.close();
  }
}

async function main(): Promise<void> {
  // The migrated template database the test helpers clone (as vitest's global setup makes it).
  await prepareTemplate();
  await bench("webrtc", {});
  const keySid = `SK${randomBytes(16).toString("hex")}`;
  const keySecret = randomBytes(16).toString("hex");
  const fake = await startFakeTwilioVideo(keySid, keySecret);
  try {
    await bench("twilio", {
      TWILIO_ACCOUNT_SID: `AC${randomBytes(16).toString("hex")}`,
      TWILIO_AUTH_TOKEN: randomBytes(16).toString("hex"),
      TWILIO_API_KEY_SID: keySid,
      TWILIO_API_KEY_SECRET: keySecret,
      TWILIO_VIDEO_API_BASE_URL: fake.url,
    });
  } finally {
    await fake.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
