import { Ajv } from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../test/app.js";

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  example?: unknown;
  schema?: Record<string, unknown>;
}
interface Operation {
  operationId?: string;
  summary?: string;
  security?: unknown[];
  parameters?: Parameter[];
  responses: Record<string, { description?: string; content?: Record<string, { schema?: Schema }> }>;
}
type Schema = Record<string, unknown>;
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

const METHODS = ["get", "put", "post", "delete", "patch"];
/** Operations that answer whatever they are sent (no input, no sign-in): they list no 4xx. */
const CANNOT_FAIL = new Set(["getLiveness", "getReadiness", "getHealthCheck", "listSpecialties"]);

let t: TestApp;
let doc: Document;
let operations: { method: string; path: string; op: Operation }[];

beforeAll(async () => {
  t = await buildTestApp();
  const res = await t.app.inject({ method: "GET", url: "/docs/json" });
  expect(res.statusCode).toBe(200);
  doc = res.json<Document>();
  operations = Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((method) => ({ method, path, op: item[method]! })),
  );
});

afterAll(async () => {
  await t.close();
});

/** Every subschema (with the path to it), walking objects and arrays. */
function* subschemas(schema: unknown, at: string): Generator<[string, Schema]> {
  if (!schema || typeof schema !== "object") return;
  if (Array.isArray(schema)) {
    for (const [i, s] of schema.entries()) yield* subschemas(s, `${at}/${i}`);
    return;
  }
  yield [at, schema as Schema];
  for (const [k, v] of Object.entries(schema))
    if (k !== "example" && k !== "examples") yield* subschemas(v, `${at}/${k}`);
}

describe("the OpenAPI document", () => {
  it("describes the API's operations, not its pages and webhooks", () => {
    expect(operations.length).toBeGreaterThan(100);
    const paths = operations.map((o) => o.path);
    expect(paths).not.toContain("/pay/{token}");
    expect(paths).not.toContain("/webhooks/stripe");
    expect(paths).toContain("/webhooks/delivery");
  });

  it("gives every operation a unique camelCase operationId and a summary", () => {
    const seen = new Map<string, string>();
    for (const { method, path, op } of operations) {
      const where = `${method.toUpperCase()} ${path}`;
      expect(op.operationId, where).toMatch(/^[a-z][a-zA-Z0-9]*$/);
      expect(seen.get(op.operationId!), `${where} repeats ${op.operationId}`).toBeUndefined();
      seen.set(op.operationId!, where);
      expect(op.summary?.trim(), where).toBeTruthy();
    }
  });

  it("describes every parameter, and marks none with a default as required", () => {
    for (const { method, path, op } of operations) {
      for (const p of op.parameters ?? []) {
        const where = `${method.toUpperCase()} ${path} ${p.in} ${p.name}`;
        expect(p.description?.trim(), where).toBeTruthy();
        if (p.schema && "default" in p.schema) expect(p.required ?? false, where).toBe(false);
      }
    }
  });

  it("lists the 4xx answers of every operation that can fail, with the error shape and their codes", () => {
    for (const { method, path, op } of operations) {
      const where = `${method.toUpperCase()} ${path}`;
      const errors = Object.entries(op.responses).filter(([status]) => /^4\d\d$/.test(status));
      if (CANNOT_FAIL.has(op.operationId!)) {
        expect(errors, where).toEqual([]);
        continue;
      }
      expect(errors.length, `${where} lists no 4xx`).toBeGreaterThan(0);
      for (const [status, response] of errors) {
        const schema = response.content?.["application/json"]?.schema as
          { required?: string[]; properties?: { error?: Schema } } | undefined;
        expect(schema?.required, `${where} ${status}`).toEqual(["error"]);
        const error = schema!.properties!.error as {
          required: string[];
          properties: { code: { enum?: string[] }; message: unknown; details?: unknown };
        };
        expect(error.required, `${where} ${status}`).toEqual(["code", "message"]);
        expect(Object.keys(error.properties).sort()).toEqual(["code", "details", "message"]);
        const codes = error.properties.code.enum ?? [];
        expect(codes.length, `${where} ${status} names no code`).toBeGreaterThan(0);
        for (const code of codes) expect(response.description, `${where} ${status}`).toContain(code);
      }
    }
  });

  it("has examples that validate against their own schemas", () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    ajv.addSchema({ components: doc.components }, "doc");
    const compile = (schema: Schema) =>
      ajv.compile(
        JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"doc#/components/')) as Schema,
      );
    let checked = 0;
    const check = (schema: Schema | undefined, example: unknown, where: string) => {
      if (!schema) return;
      const validate = compile(schema);
      expect(
        validate(example),
        `${where}: ${JSON.stringify(example)} ${ajv.errorsText(validate.errors)}`,
      ).toBe(true);
      checked++;
    };
    for (const { method, path, op } of operations) {
      for (const p of op.parameters ?? []) {
        const where = `${method.toUpperCase()} ${path} ${p.name}`;
        if (p.example !== undefined) check(p.schema, p.example, where);
      }
      const all: [string, unknown][] = [
        ...Object.entries(op.responses).map(([s, r]) => [`response ${s}`, r] as [string, unknown]),
        ["requestBody", (op as { requestBody?: unknown }).requestBody],
        ...(op.parameters ?? []).map((p) => [`parameter ${p.name}`, p.schema] as [string, unknown]),
      ];
      for (const [label, root] of all) {
        for (const [at, s] of subschemas(root, `${method.toUpperCase()} ${path} ${label}`)) {
          if (!("type" in s || "$ref" in s || "anyOf" in s || "enum" in s)) continue;
          if (s.example !== undefined) check(s, s.example, at);
          if (Array.isArray(s.examples)) for (const e of s.examples) check(s, e, at);
        }
      }
    }
    for (const [name, s] of Object.entries(doc.components.schemas))
      for (const [at, sub] of subschemas(s, name)) if (sub.example !== undefined) check(sub, sub.example, at);
    expect(checked).toBeGreaterThan(10);
  });

  it("resolves every $ref", () => {
    const text = JSON.stringify(doc);
    for (const [, ref] of text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g))
      expect(doc.components.schemas, ref).toHaveProperty([ref!]);
  });
});

describe("Try it out", () => {
  it("answers every public query with the examples the page pre-fills (day and date are not both filled)", async () => {
    let tried = 0;
    for (const { method, path, op } of operations) {
      if (method !== "get" || op.security || path.includes("{")) continue;
      const params = op.parameters ?? [];
      const example = (p: Parameter) => p.example ?? (p.schema?.examples as unknown[] | undefined)?.[0];
      if (params.some((p) => p.required && example(p) === undefined)) continue;
      const query = new URLSearchParams();
      for (const p of params)
        if (p.in === "query" && example(p) !== undefined) query.set(p.name, String(example(p)));
      const res = await t.app.inject({ method: "GET", url: `${path}?${query.toString()}` });
      expect(res.statusCode, `${path}?${query.toString()}: ${res.body}`).toBeLessThan(400);
      tried++;
    }
    expect(tried).toBeGreaterThan(3);
    const search = operations.find((o) => o.op.operationId === "searchDoctors")!.op.parameters!;
    expect(search.find((p) => p.name === "day")?.example).toBe("MONDAY");
    expect(search.find((p) => p.name === "date")?.example).toBeUndefined();
  });

  it("answers an error whose code the operation's responses list", async () => {
    const res = await t.app.inject({ method: "GET", url: "/api/search/doctors/?day=MONDAY&date=2030-01-08" });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe("DAY_AND_DATE");
    const listed = doc.paths["/api/search/doctors/"]!.get!.responses["400"]!.content!["application/json"]!
      .schema as { properties: { error: { properties: { code: { enum: string[] } } } } };
    expect(listed.properties.error.properties.code.enum).toContain("DAY_AND_DATE");
  });
});
