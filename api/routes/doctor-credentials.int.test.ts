import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { auditLog, doctorCredentials, doctors } from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../../test/app.js";
import { signInAs, signUp, verifiedDoctor, type Session } from "../../test/factories.js";
import { multipart, PNG_1X1, samplePdf, ZIP_BYTES } from "../../test/multipart.js";

/** Doctors' credential documents: uploaded by the doctor, read by an admin to verify them. */

let t: TestApp;
let dr: Session;
let other: Session;
let admin: Session;
let patient: Session;

beforeAll(async () => {
  t = await buildTestApp();
  dr = await signUp(t, "doctor", { name: "Dr Pending Rao" });
  other = await signUp(t, "doctor", { name: "Dr Other" });
  admin = await signInAs(t, "admin");
  patient = await signUp(t, "patient");
});
afterAll(async () => {
  await t?.close();
});

function upload(s: Session, fields: Record<string, string>, data: Buffer, filename = "cert.pdf") {
  const body = multipart(fields, { filename, contentType: "application/pdf", data });
  return t.app.inject({
    method: "POST",
    url: "/api/doctor/credentials/",
    headers: { ...s.headers, ...body.headers },
    payload: body.payload,
  });
}
const get = (s: Session, url: string) => t.app.inject({ method: "GET", url, headers: s.headers });

describe("doctor credential documents", () => {
  it("a doctor uploads a PDF and a PNG, lists them; other types and bad fields are refused", async () => {
    const pdf = samplePdf("MCI-REG-12345");
    const up = await upload(dr, { kind: "registration", title: "Medical Council registration" }, pdf);
    expect(up.statusCode).toBe(201);
    expect(up.json().credential).toMatchObject({
      doctor_id: dr.doctorId,
      kind: "registration",
      title: "Medical Council registration",
      filename: "cert.pdf",
      content_type: "application/pdf",
      size_bytes: pdf.length,
    });
    const png = await upload(dr, { kind: "degree", title: "MBBS" }, PNG_1X1, "mbbs.pdf");
    expect(png.statusCode).toBe(201);
    // The type comes from the bytes, not the name.
    expect(png.json().credential).toMatchObject({ content_type: "image/png", filename: "mbbs.png" });

    const zip = await upload(dr, { kind: "other", title: "A zip" }, ZIP_BYTES);
    expect(zip.statusCode).toBe(422);
    expect(zip.json().error.code).toBe("UNSUPPORTED_DOCUMENT_TYPE");
    const badKind = await upload(dr, { kind: "passport", title: "x" }, pdf);
    expect(badKind.statusCode).toBe(400);
    expect(badKind.json().error.code).toBe("INVALID_CREDENTIAL_KIND");
    const noTitle = await upload(dr, { kind: "other", title: "  " }, pdf);
    expect(noTitle.json().error.code).toBe("INVALID_CREDENTIAL_TITLE");
    expect((await upload(patient, { kind: "other", title: "x" }, pdf)).statusCode).toBe(403);

    const list = await get(dr, "/api/doctor/credentials/");
    expect(list.statusCode).toBe(200);
    expect(list.json().credentials.map((c: { title: string }) => c.title)).toEqual([
      "Medical Council registration",
      "MBBS",
    ]);
    expect((await get(other, "/api/doctor/credentials/")).json().credentials).toEqual([]);

    // The bytes are stored encrypted: the storage never holds the PDF's text.
    const [row] = await t.database.db
      .select()
      .from(doctorCredentials)
      .where(eq(doctorCredentials.id, up.json().credential.id));
    const stored = await t.storage.get(row!.storageKey);
    expect(stored).toBeDefined();
    expect(stored!.includes(Buffer.from("MCI-REG-12345"))).toBe(false);
  });

  it("an admin lists and reads a doctor's documents inline, audited; others get 403 or 404", async () => {
    const pdf = samplePdf("DEGREE-CERT");
    const up = await upload(dr, { kind: "degree", title: "MD Medicine" }, pdf);
    const id = up.json().credential.id as number;

    const list = await get(admin, `/api/admin/doctors/${dr.doctorId}/credentials/`);
    expect(list.statusCode).toBe(200);
    expect(list.json().credentials.some((c: { id: number }) => c.id === id)).toBe(true);

    const read = await get(admin, `/api/admin/doctors/${dr.doctorId}/credentials/${id}`);
    expect(read.statusCode).toBe(200);
    expect(read.headers["content-type"]).toBe("application/pdf");
    expect(read.headers["content-disposition"]).toMatch(/^inline; filename="cert\.pdf"$/);
    expect(read.headers["x-content-type-options"]).toBe("nosniff");
    expect(read.rawPayload.equals(pdf)).toBe(true);

    const audits = await t.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.actorUserId, admin.userId), eq(auditLog.resourceType, "doctor_credential")));
    expect(audits.map((a) => [a.action, a.resourceId, a.outcome])).toEqual(
      expect.arrayContaining([
        ["list", `doctor:${dr.doctorId}`, "allowed"],
        ["read", String(id), "allowed"],
      ]),
    );

    // A document of another doctor under this doctor's id, or a missing doctor: 404.
    expect((await get(admin, `/api/admin/doctors/${other.doctorId}/credentials/${id}`)).statusCode).toBe(404);
    expect((await get(admin, `/api/admin/doctors/999999/credentials/`)).statusCode).toBe(404);
    // Doctors (even the owner) and patients are not admins.
    expect((await get(dr, `/api/admin/doctors/${dr.doctorId}/credentials/${id}`)).statusCode).toBe(403);
    expect((await get(other, `/api/admin/doctors/${dr.doctorId}/credentials/`)).statusCode).toBe(403);
    expect((await get(patient, `/api/admin/doctors/${dr.doctorId}/credentials/`)).statusCode).toBe(403);
  });

  it("a doctor deletes their own document until verified; another doctor's is not found", async () => {
    const up = await upload(dr, { kind: "other", title: "Old certificate" }, samplePdf("OLD"));
    const id = up.json().credential.id as number;
    const del = (s: Session, docId: number) =>
      t.app.inject({ method: "DELETE", url: `/api/doctor/credentials/${docId}`, headers: s.headers });

    expect((await del(other, id)).statusCode).toBe(404);
    expect((await del(dr, id)).statusCode).toBe(204);
    expect((await del(dr, id)).statusCode).toBe(404);

    const v = await verifiedDoctor(t, { name: "Dr Verified" });
    const kept = await upload(v, { kind: "registration", title: "Registration" }, samplePdf("REG"));
    expect(kept.statusCode).toBe(201);
    const locked = await del(v, kept.json().credential.id as number);
    expect(locked.statusCode).toBe(409);
    expect(locked.json().error.code).toBe("CREDENTIAL_LOCKED");
    const [d] = await t.database.db.select().from(doctors).where(eq(doctors.id, v.doctorId));
    expect(d!.verificationStatus).toBe("verified");
  });
});
