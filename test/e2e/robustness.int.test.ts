import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../app.js";
import { signUp, verifiedDoctor, type Session } from "../factories.js";

/**
 * Property: whatever a client sends — wrong types, missing fields, junk ids, huge numbers, odd strings —
 * no route answers with a 5xx, and every error has the `{error: {code, message}}` shape.
 * The routes come from the generated OpenAPI document, so every new route is covered automatically.
 */

type Operation = {
  parameters?: { name: string; in: string }[];
  requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> };
};
type Spec = { paths: Record<string, Record<string, Operation>> };

let t: TestApp;
let patient: Session;
let doctor: Session;
let spec: Spec;

beforeAll(async () => {
  t = await buildTestApp();
  patient = await signUp(t, "patient");
  doctor = await verifiedDoctor(t);
  spec = t.app.swagger() as unknown as Spec;
});
afterAll(async () => {
  await t.close();
});

const junk = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(
    "",
    " ",
    "0",
    "-1",
    "2147483648",
    "99999999999999999999",
    "1e309",
    "NaN",
    "../../etc/passwd",
    "'; drop table users; --",
    "2026-02-30",
    "25:99 PM",
    "\u0000",
    "💉",
  ),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);
const scalar = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.integer().map(String),
  fc.constantFrom("", "-1", "0", "abc", "99999999999", "2030-01-08", "10:30 AM"),
);

function fuzzSeed(): { seed?: number } {
  const given = process.env.FUZZ_SEED;
  if (given === "random") return {};
  return { seed: given ? Number(given) : 20261122 };
}

function asText(v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return v === null || v === undefined ? "" : JSON.stringify(v);
}

describe("every route under random input", () => {
  it("refuses numbers too large to represent instead of passing Infinity on", async () => {
    for (const url of [
      "/api/medicines/?q=x&page=1e309",
      "/api/search/doctors/?page=1e309",
      "/api/view/doctor/?id=1e309",
    ]) {
      const res = await t.app.inject({ method: "GET", url });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error.code, url).toBe("VALIDATION_ERROR");
    }
  });

  it("never answers 5xx, and errors always carry a code and a message", async () => {
    const operations: { method: string; path: string; op: Operation }[] = [];
    for (const [path, methods] of Object.entries(spec.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        if (path.startsWith("/docs")) continue;
        operations.push({ method: method.toUpperCase(), path, op });
      }
    }
    expect(operations.length).toBeGreaterThan(10);

    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: operations.length - 1 }),
        fc.constantFrom<"none" | "patient" | "doctor">("none", "patient", "doctor"),
        fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), scalar, { maxKeys: 4 }),
        fc.array(junk, { minLength: 6, maxLength: 6 }),
        scalar,
        fc.boolean(),
        async (index, who, extraQuery, values, pathValue, rawBody) => {
          const { method, path, op } = operations[index]!;
          const url = path.replace(/\{[^}]+\}/g, () => encodeURIComponent(pathValue || "1"));
          const query = new URLSearchParams(extraQuery);
          for (const p of op.parameters ?? [])
            if (p.in === "query") query.set(p.name, asText(values[query.size % values.length]));
          const props = Object.keys(op.requestBody?.content?.["application/json"]?.schema?.properties ?? {});
          const body = Object.fromEntries(props.map((name, i) => [name, values[i % values.length]]));
          const headers: Record<string, string> = {};
          if (who === "patient") headers.authorization = patient.headers.authorization;
          if (who === "doctor") headers.authorization = doctor.headers.authorization;
          const res = await t.app.inject({
            method: method as "GET",
            url: `${url}?${query.toString()}`,
            headers:
              method === "GET" || method === "DELETE"
                ? headers
                : { ...headers, "content-type": "application/json" },
            ...(method === "GET" || method === "DELETE"
              ? {}
              : { payload: rawBody ? JSON.stringify(values[0]) : JSON.stringify(body) }),
          });
          if (res.statusCode >= 500) throw new Error(`${method} ${url} → ${res.statusCode}: ${res.body}`);
          if (res.statusCode >= 400) {
            const err = res.json().error;
            expect(typeof err?.code).toBe("string");
            expect(typeof err?.message).toBe("string");
            expect(res.body).not.toMatch(/at .+\.(ts|js):\d+/);
          }
        },
      ),
      // A fixed seed keeps CI reproducible; FUZZ_SEED=<n> (or "random") explores other inputs.
      { numRuns: 1000, ...fuzzSeed() },
    );
  });
});
