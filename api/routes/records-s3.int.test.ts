import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { documents } from "../../db/schema/index.js";
import { createStorage } from "../../infra/storage/index.js";
import { buildTestApp, testConfig, type TestApp } from "../../test/app.js";
import { signUp, type Session } from "../../test/factories.js";
import { startFakeS3, type FakeS3 } from "../../test/fakes/s3.js";
import { multipart, samplePdf } from "../../test/multipart.js";

let s3: FakeS3;
let t: TestApp;
let patient: Session;

beforeAll(async () => {
  s3 = await startFakeS3();
  const env = {
    STORAGE_DRIVER: "s3",
    S3_BUCKET: "hl-docs",
    S3_ENDPOINT: s3.endpoint,
    S3_FORCE_PATH_STYLE: "true",
    S3_ACCESS_KEY_ID: "test-access-key",
    S3_SECRET_ACCESS_KEY: "test-secret-key",
  };
  const storage = await createStorage(testConfig(env));
  expect(storage.kind).toBe("s3");
  t = await buildTestApp({ env, storage });
  patient = await signUp(t, "patient");
});
afterAll(async () => {
  await t.close();
  await s3.close();
});

async function uploadPdf(data: Buffer) {
  const body = multipart({}, { filename: "lab.pdf", contentType: "application/pdf", data });
  return t.app.inject({
    method: "POST",
    url: "/api/patient/documents/",
    headers: { ...patient.headers, ...body.headers },
    payload: body.payload,
  });
}

describe("documents on S3", () => {
  it("sends only ciphertext to the bucket, on path-style URLs, and downloads the original bytes", async () => {
    const marker = "S3-PLAINTEXT-MARKER";
    // Larger than the JSON body limit (1 MiB), smaller than the document limit.
    const pdf = Buffer.concat([samplePdf(marker), Buffer.alloc(1_500_000, 0x41), Buffer.from(marker)]);
    const res = await uploadPdf(pdf);
    expect(res.statusCode).toBe(201);
    const id = res.json().document.id;
    const [row] = await t.database.db.select().from(documents).where(eq(documents.id, id));

    const puts = s3.requests.filter((r) => r.method === "PUT");
    expect(puts).toHaveLength(1);
    expect(puts[0]).toMatchObject({ bucket: "hl-docs", key: row!.storageKey });
    const sent = puts[0]!.body;
    expect(sent.length).toBe(pdf.length + 29);
    expect(sent.equals(pdf)).toBe(false);
    expect(sent.includes(Buffer.from(marker))).toBe(false);
    expect(sent.includes(Buffer.from("%PDF"))).toBe(false);
    expect(s3.objects.get(`hl-docs/${row!.storageKey}`)?.equals(sent)).toBe(true);

    const download = await t.app.inject({
      method: "GET",
      url: `/api/patient/documents/${id}/download`,
      headers: patient.headers,
    });
    expect(download.statusCode).toBe(200);
    expect(download.headers["content-disposition"]).toBe('attachment; filename="lab.pdf"');
    expect(download.rawPayload.equals(pdf)).toBe(true);
    expect(s3.requests.at(-1)).toMatchObject({ method: "GET", bucket: "hl-docs", key: row!.storageKey });
  });

  it("answers 503 when the object is missing from the bucket", async () => {
    const id = (await uploadPdf(samplePdf())).json().document.id;
    const [row] = await t.database.db.select().from(documents).where(eq(documents.id, id));
    s3.objects.delete(`hl-docs/${row!.storageKey}`);
    const res = await t.app.inject({
      method: "GET",
      url: `/api/patient/documents/${id}/download`,
      headers: patient.headers,
    });
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe("DOCUMENT_UNAVAILABLE");
  });
});
