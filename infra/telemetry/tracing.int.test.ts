import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/db.js";
import { TEST_REDIS_URL } from "../../test/env.js";
import { startFakeOtlp, type FakeOtlp, type ReceivedSpan } from "../../test/fakes/otlp.js";

/**
 * Tracing end to end: the server as `npm start` runs it (the preload first, then the app, ROLE=all) against the
 * test database and Redis, exporting to a local OTLP/HTTP receiver. The preload must run before the app's
 * modules load, so the server is a child process.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const TOKEN = randomBytes(24).toString("hex");
const SPAN_KIND = { server: 2, client: 3, producer: 4, consumer: 5 };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("tracing through the preload (OTEL_EXPORTER_OTLP_ENDPOINT set)", () => {
  let otlp: FakeOtlp;
  let db: TestDatabase;
  let child: ChildProcess;
  let base: string;
  let dataDir: string;
  const lines: string[] = [];

  beforeAll(async () => {
    otlp = await startFakeOtlp();
    db = await createTestDatabase(2);
    dataDir = mkdtempSync(path.join(os.tmpdir(), "hl-otel-"));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // A Redis database of its own: this server's queues use the default prefix.
    const redis = new URL(TEST_REDIS_URL);
    redis.pathname = "/9";
    child = spawn(
      process.execPath,
      ["--import", "tsx", "--import", "./infra/telemetry/register.ts", "api/server.ts"],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          NODE_ENV: "test",
          ROLE: "all",
          HOST: "127.0.0.1",
          PORT: String(port),
          LOG_LEVEL: "info",
          DATA_DIR: dataDir,
          DATABASE_URL: db.url,
          DATABASE_POOL_SIZE: "4",
          REDIS_URL: redis.toString(),
          JWT_SECRET: randomBytes(32).toString("hex"),
          STORAGE_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
          PUBLIC_BASE_URL: base,
          METRICS_TOKEN: TOKEN,
          OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
          OTEL_BSP_SCHEDULE_DELAY: "100",
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let partial = "";
    const collect = (b: Buffer) => {
      partial += b.toString("utf8");
      const parts = partial.split("\n");
      partial = parts.pop() ?? "";
      lines.push(...parts);
    };
    child.stdout!.on("data", collect);
    child.stderr!.on("data", collect);
    await until("the server", async () => {
      if (child.exitCode !== null) throw new Error(`the server exited:\n${lines.join("\n")}`);
      return (await fetch(`${base}/livez`).catch(() => undefined))?.ok ? true : undefined;
    });
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
    await otlp?.close();
    await db?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("traces a request through Redis, its job and the job's queries in one trace; logs carry the trace id", async () => {
    const email = `trace-${randomBytes(4).toString("hex")}@example.com`;
    const res = await fetch(`${base}/api/auth/password/forgot?ref=patient-12345`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email }),
    });
    expect(res.status).toBe(202);

    const server = await until("the request's span", () =>
      otlp.spans.find((s) => s.kind === SPAN_KIND.server && s.name === "POST /api/auth/password/forgot"),
    );
    const inTrace = (pred: (s: ReceivedSpan) => boolean) =>
      otlp.spans.find((s) => s.traceId === server.traceId && pred(s));
    const consumer = await until("the job's span", () =>
      inTrace((s) => s.kind === SPAN_KIND.consumer && s.name === "process auth.password_reset"),
    );
    const producer = inTrace((s) => s.kind === SPAN_KIND.producer);
    expect(producer).toMatchObject({ name: "publish auth.password_reset" });
    // The job continues the request's trace, as the child of the enqueue.
    expect(consumer.parentSpanId).toBe(producer!.spanId);
    await until("the job's queries", () =>
      inTrace((s) => s.attributes["db.system.name"] === "postgresql" && s.parentSpanId !== undefined),
    );
    const redis = inTrace((s) => s.attributes["db.system.name"] === "redis");
    expect(redis).toBeDefined();
    expect(server.service).toBe("healthlink-api");
    expect(server.attributes["http.route"]).toBe("/api/auth/password/forgot");

    // No query string, no address in any span of the trace.
    const attrs = JSON.stringify(otlp.spans.filter((s) => s.traceId === server.traceId));
    expect(attrs).not.toContain("patient-12345");
    expect(attrs).not.toContain(email);
    // pg: the statement, never its values.
    for (const s of otlp.spans.filter((x) => x.attributes["db.system.name"] === "postgresql"))
      expect(
        Object.keys(s.attributes).some((k) => k.includes("parameter") || k === "db.postgresql.values"),
      ).toBe(false);

    const logged = lines
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { msg?: string; trace_id?: string; span_id?: string });
    expect(logged.some((l) => l.msg === "request completed" && l.trace_id === server.traceId)).toBe(true);
  }, 90_000);

  it("serves /metrics behind the token, with the queues' depth", async () => {
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    expect((await fetch(`${base}/metrics`, { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
    const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toMatch(/healthlink_queue_jobs\{queue="auth.password_reset",state="waiting"\} \d+/);
    expect(body).toMatch(
      /healthlink_job_duration_seconds_count\{queue="auth.password_reset",outcome="completed"\} [1-9]/,
    );
  });
});
