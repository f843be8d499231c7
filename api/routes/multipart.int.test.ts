import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../../test/app.js";
import { signUp, type Session } from "../../test/factories.js";
import { PNG_1X1 } from "../../test/multipart.js";

/** Malformed multipart bodies on every multipart route: a 400 with a code, never a 500, nothing stored. */

let t: TestApp;
let patient: Session;
let doctor: Session;

beforeAll(async () => {
  t = await buildTestApp();
  patient = await signUp(t, "patient");
  doctor = await signUp(t, "doctor", { name: "Dr Multipart" });
});
afterAll(async () => {
  await t.close();
});

const B = "----hlboundary0123456789";
const CRLF = "\r\n";
const filePart = (name: string, filename: string, type: string, data: Buffer | string) =>
  Buffer.concat([
    Buffer.from(
      `--${B}${CRLF}Content-Disposition: form-data; name="${name}"; filename="${filename}"${CRLF}` +
        `Content-Type: ${type}${CRLF}${CRLF}`,
    ),
    Buffer.isBuffer(data) ? data : Buffer.from(data),
    Buffer.from(CRLF),
  ]);
const fieldPart = (name: string, value: string) =>
  Buffer.from(`--${B}${CRLF}Content-Disposition: form-data; name="${name}"${CRLF}${CRLF}${value}${CRLF}`);
const end = Buffer.from(`--${B}--${CRLF}`);

interface Case {
  name: string;
  /** The code when it is certain; otherwise any code (the parser decides which rule the body breaks). */
  code?: string;
  contentType: string;
  body: Buffer | string;
}
const cases = (field: string): Case[] => [
  {
    name: "no boundary",
    code: "MALFORMED_MULTIPART",
    contentType: "multipart/form-data",
    body: Buffer.concat([filePart(field, "a.png", "image/png", PNG_1X1), end]),
  },
  {
    name: "a boundary that is not in the body",
    contentType: "multipart/form-data; boundary=nothere",
    body: Buffer.concat([filePart(field, "a.png", "image/png", PNG_1X1), end]),
  },
  {
    name: "a truncated body",
    contentType: `multipart/form-data; boundary=${B}`,
    body: Buffer.concat([filePart(field, "a.png", "image/png", PNG_1X1)]).subarray(0, 60),
  },
  {
    name: "a part without its closing boundary",
    code: "MALFORMED_MULTIPART",
    contentType: `multipart/form-data; boundary=${B}`,
    body: filePart(field, "a.png", "image/png", PNG_1X1),
  },
  {
    name: "an empty body",
    contentType: `multipart/form-data; boundary=${B}`,
    body: "",
  },
  {
    name: "only the closing boundary",
    code: "FILE_REQUIRED",
    contentType: `multipart/form-data; boundary=${B}`,
    body: end,
  },
  {
    name: "an empty part",
    contentType: `multipart/form-data; boundary=${B}`,
    body: Buffer.concat([Buffer.from(`--${B}${CRLF}${CRLF}${CRLF}`), end]),
  },
  {
    name: "a part without a name",
    contentType: `multipart/form-data; boundary=${B}`,
    body: Buffer.concat([
      Buffer.from(`--${B}${CRLF}Content-Disposition: form-data${CRLF}${CRLF}x${CRLF}`),
      end,
    ]),
  },
  {
    name: "an empty file",
    code: "EMPTY_FILE",
    contentType: `multipart/form-data; boundary=${B}`,
    body: Buffer.concat([filePart(field, "a.png", "image/png", ""), end]),
  },
  {
    name: "a field instead of a file",
    code: "FILE_REQUIRED",
    contentType: `multipart/form-data; boundary=${B}`,
    body: Buffer.concat([fieldPart(field, "not a file"), end]),
  },
  {
    name: "two files",
    code: "TOO_MANY_FILES",
    contentType: `multipart/form-data; boundary=${B}`,
    body: Buffer.concat([
      filePart(field, "a.png", "image/png", PNG_1X1),
      filePart(field, "b.png", "image/png", PNG_1X1),
      end,
    ]),
  },
  {
    name: "a wrong content type (JSON)",
    code: "MULTIPART_REQUIRED",
    contentType: "application/json",
    body: JSON.stringify({ file: "x" }),
  },
  {
    name: "a wrong content type (text)",
    code: "MULTIPART_REQUIRED",
    contentType: "text/plain",
    body: "file=x",
  },
  {
    name: "a wrong content type (form)",
    code: "MULTIPART_REQUIRED",
    contentType: "application/x-www-form-urlencoded",
    body: "file=x",
  },
];

describe.each([
  { route: "/api/patient/documents/", field: "file", who: () => patient },
  { route: "/api/doctor/profile/photo", field: "photo", who: () => doctor },
])("$route", ({ route, field, who }) => {
  it.each(cases(field))("answers 400 with a code to $name", async ({ contentType, body, code }) => {
    const res = await t.app.inject({
      method: "POST",
      url: route,
      headers: { ...who().headers, "content-type": contentType },
      payload: body,
    });
    expect(res.statusCode, res.body).toBe(400);
    const error = res.json<{ error: { code: string; message: string } }>().error;
    expect(error.code).toMatch(code ?? /^[A-Z_]+$/);
    expect(error.message).not.toBe("");
  });
});

describe("after every malformed upload", () => {
  it("stores no document and no photo", async () => {
    const docs = await t.app.inject({
      method: "GET",
      url: "/api/patient/documents/",
      headers: patient.headers,
    });
    expect(docs.json()).toEqual({ documents: [] });
    const photo = await t.app.inject({ method: "GET", url: `/api/doctors/${doctor.doctorId}/photo` });
    expect(photo.statusCode).toBe(404);
  });
});
