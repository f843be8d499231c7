import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../../test/app.js";
import { multipart } from "../../test/multipart.js";

/** The visit page's upload, authorised by the link token in the form: bad input is a clear 4xx, never a 500. */

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => {
  await t.close();
});

const webm = {
  filename: "visit.webm",
  contentType: "audio/webm",
  data: Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 1, 2]),
};

function post(fields: Record<string, string>, file = webm) {
  const body = multipart(fields, file);
  return t.app.inject({
    method: "POST",
    url: "/api/visit/audio",
    headers: body.headers,
    payload: body.payload,
  });
}

describe("POST /api/visit/audio", () => {
  it("needs multipart with a token and a visit id, and a link that exists", async () => {
    const json = await t.app.inject({ method: "POST", url: "/api/visit/audio", payload: { token: "x" } });
    expect(json.statusCode).toBe(400);
    expect(json.json().error.code).toBe("MULTIPART_REQUIRED");
    const missing = await post({ visit_id: "1" });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.code).toBe("VALIDATION_ERROR");
    const badId = await post({ token: "a".repeat(43), visit_id: "one" });
    expect(badId.statusCode).toBe(400);
    const unknown = await post({ token: "a".repeat(43), visit_id: "1", started_at: "2030-01-07T10:00:00Z" });
    expect(unknown.statusCode).toBe(404);
  });
});
