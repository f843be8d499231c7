import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../../db/client.js";
import {
  appointments,
  auditLog,
  documents,
  medicalRecords,
  nurseAssignments,
} from "../../db/schema/index.js";
import { RecordsService } from "../../domain/records/service.js";
import type { DocumentStorage } from "../../domain/records/storage.js";
import { buildTestApp, type TestApp } from "../../test/app.js";
import { signInAs, signUp, type Session } from "../../test/factories.js";
import { multipart, PNG_1X1, samplePdf, ZIP_BYTES } from "../../test/multipart.js";

const MAX_BYTES = 64 * 1024;

let t: TestApp;
let asha: Session & { patientId: number };
let ravi: Session & { patientId: number };
let drRao: Session & { doctorId: number };
let drMehta: Session & { doctorId: number };
let drOutside: Session & { doctorId: number };
let nurse: Session;

let slot = 0;
/** Puts a doctor on a patient's care team: an appointment between them (a past, completed one). */
async function careTeam(doctorId: number, patientId: number): Promise<number> {
  slot += 1;
  const startsAt = new Date(Date.UTC(2029, 11, 1, 9) + slot * 3_600_000);
  const [row] = await t.database.db
    .insert(appointments)
    .values({
      doctorId,
      patientId,
      startsAt,
      endsAt: new Date(startsAt.getTime() + 30 * 60_000),
      status: "completed",
      patientName: "Test Patient",
    })
    .returning({ id: appointments.id });
  return row!.id;
}

async function asPatient(role: "patient"): Promise<Session & { patientId: number }> {
  const s = await signUp(t, role);
  return { ...s, patientId: s.patientId! };
}
async function asDoctor(): Promise<Session & { doctorId: number }> {
  const s = await signUp(t, "doctor", { name: "Dr Test" });
  return { ...s, doctorId: s.doctorId! };
}

type Method = "GET" | "POST" | "PUT" | "DELETE";
function call(s: Session, method: Method, url: string, payload?: object) {
  return t.app.inject({ method, url, headers: s.headers, ...(payload ? { payload } : {}) });
}

function upload(s: Session, fields: Record<string, string | number>, file: Parameters<typeof multipart>[1]) {
  const body = multipart(fields, file);
  return t.app.inject({
    method: "POST",
    url: "/api/patient/documents/",
    headers: { ...s.headers, ...body.headers },
    payload: body.payload,
  });
}

async function filesOnDisk(): Promise<string[]> {
  try {
    const entries = await readdir(t.config.storage.dir, { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
  } catch {
    return [];
  }
}

beforeAll(async () => {
  t = await buildTestApp({ env: { DOCUMENT_MAX_BYTES: String(MAX_BYTES) } });
  asha = await asPatient("patient");
  ravi = await asPatient("patient");
  drRao = await asDoctor();
  drMehta = await asDoctor();
  drOutside = await asDoctor();
  nurse = await signInAs(t, "nurse");
  await careTeam(drRao.doctorId, asha.patientId);
  await careTeam(drMehta.doctorId, asha.patientId);
  await careTeam(drOutside.doctorId, ravi.patientId);
  await t.database.db
    .insert(nurseAssignments)
    .values({ nurseUserId: nurse.userId, doctorId: drRao.doctorId });
});
afterAll(async () => {
  await t.close();
});

describe("patient profile", () => {
  it("lets a patient read and edit their demographics, emergency contact and insurance", async () => {
    const before = await call(asha, "GET", "/api/patient/profile/");
    expect(before.statusCode).toBe(200);
    expect(before.json().profile).toMatchObject({ patient_id: asha.patientId, time_zone: "UTC" });
    expect(before.headers["cache-control"]).toBe("no-store");

    const res = await call(asha, "PUT", "/api/patient/profile/", {
      name: "Asha Verma",
      date_of_birth: "1990-04-12",
      sex: "female",
      phone: "+91 98100 00000",
      address: "12 Ring Road",
      city: "Delhi",
      blood_group: "B+",
      time_zone: "Asia/Kolkata",
      emergency_contact: { name: "Vikram Verma", phone: "+91 98100 11111", relation: "brother" },
      insurance: { provider: "Star Health", policy_number: "SH-1", valid_until: "2031-03-31" },
    });
    expect(res.statusCode).toBe(200);
    const got = (await call(asha, "GET", `/api/patient/profile/?patient_id=${asha.patientId}`)).json();
    expect(got.profile).toMatchObject({
      name: "Asha Verma",
      date_of_birth: "1990-04-12",
      blood_group: "B+",
      city: "Delhi",
      time_zone: "Asia/Kolkata",
      emergency_contact: { name: "Vikram Verma", relation: "brother", phone: "+919810011111" },
      insurance: { provider: "Star Health", policy_number: "SH-1" },
    });
    // Phones are stored in E.164 (domain/shared/phone.ts), whatever the spacing they were typed with.
    expect(got.profile.phone).toBe("+919810000000");
    expect(got.history).toEqual({ allergies: [], conditions: [], surgeries: [], family_history: [] });
  });

  it("refuses an unknown time zone, a future birth date and a bad blood group", async () => {
    const tz = await call(asha, "PUT", "/api/patient/profile/", { time_zone: "Mars/Olympus" });
    expect(tz.statusCode).toBe(400);
    expect(tz.json().error.code).toBe("INVALID_TIMEZONE");
    const dob = await call(asha, "PUT", "/api/patient/profile/", { date_of_birth: "2031-01-01" });
    expect(dob.statusCode).toBe(422);
    expect(dob.json().error.code).toBe("DATE_IN_FUTURE");
    const blood = await call(asha, "PUT", "/api/patient/profile/", { blood_group: "C+" });
    expect(blood.statusCode).toBe(400);
  });

  it("lets a care-team doctor read the profile but not edit it", async () => {
    const read = await call(drRao, "GET", `/api/patient/profile/?patient_id=${asha.patientId}`);
    expect(read.statusCode).toBe(200);
    expect(read.json().profile.patient_id).toBe(asha.patientId);
    const edit = await call(drRao, "PUT", "/api/patient/profile/", {
      patient_id: asha.patientId,
      city: "Pune",
    });
    expect(edit.statusCode).toBe(403);
    expect(edit.json().error.code).toBe("PROFILE_READ_ONLY");
  });
});

describe("patient history", () => {
  it("keeps allergies, conditions, surgeries and family history, grouped on the profile", async () => {
    const items = [
      { kind: "allergy", name: "Penicillin", severity: "severe", reaction: "Hives" },
      { kind: "condition", name: "Asthma", status: "active", onset_date: "2005-06-01" },
      { kind: "surgery", name: "Appendectomy", onset_date: "2012-02-10" },
      { kind: "family_history", name: "Type 2 diabetes", relative: "mother" },
    ];
    for (const item of items) {
      const res = await call(asha, "POST", "/api/patient/history/", item);
      expect(res.statusCode).toBe(201);
      expect(res.json().item).toMatchObject({ ...item, recorded_by: "patient", patient_id: asha.patientId });
    }
    const { history } = (await call(asha, "GET", "/api/patient/profile/")).json();
    expect(history.allergies).toMatchObject([{ name: "Penicillin", severity: "severe", reaction: "Hives" }]);
    expect(history.conditions).toMatchObject([{ name: "Asthma", status: "active" }]);
    expect(history.surgeries).toMatchObject([{ name: "Appendectomy" }]);
    expect(history.family_history).toMatchObject([{ name: "Type 2 diabetes", relative: "mother" }]);
    const list = (await call(drRao, "GET", `/api/patient/history/?patient_id=${asha.patientId}`)).json();
    expect(list.history).toHaveLength(4);
  });

  it("refuses fields that do not belong to the kind", async () => {
    const res = await call(asha, "POST", "/api/patient/history/", {
      kind: "surgery",
      name: "Tonsillectomy",
      severity: "mild",
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe("INVALID_HISTORY_FIELD");
  });

  it("lets a care-team doctor add allergies and conditions, recorded as theirs, but nothing else", async () => {
    const allergy = await call(drRao, "POST", "/api/patient/history/", {
      patient_id: asha.patientId,
      kind: "allergy",
      name: "Sulfa drugs",
      severity: "moderate",
      reaction: "Rash",
    });
    expect(allergy.statusCode).toBe(201);
    expect(allergy.json().item).toMatchObject({ recorded_by: "doctor", recorded_by_user_id: drRao.userId });
    const surgery = await call(drRao, "POST", "/api/patient/history/", {
      patient_id: asha.patientId,
      kind: "surgery",
      name: "Knee",
    });
    expect(surgery.statusCode).toBe(403);
    expect(surgery.json().error.code).toBe("HISTORY_READ_ONLY");

    const id = allergy.json().item.id;
    const patientEdit = await call(asha, "PUT", `/api/patient/history/${id}/`, { severity: "mild" });
    expect(patientEdit.statusCode).toBe(403);
    const patientDelete = await call(asha, "DELETE", `/api/patient/history/${id}/`);
    expect(patientDelete.statusCode).toBe(403);
    const doctorEdit = await call(drRao, "PUT", `/api/patient/history/${id}/`, { severity: "severe" });
    expect(doctorEdit.statusCode).toBe(200);
    expect(doctorEdit.json().item.severity).toBe("severe");
  });

  it("lets a patient change and remove their own items", async () => {
    const created = await call(asha, "POST", "/api/patient/history/", {
      kind: "condition",
      name: "Migraine",
      status: "active",
    });
    const id = created.json().item.id;
    const updated = await call(asha, "PUT", `/api/patient/history/${id}/`, { status: "resolved" });
    expect(updated.statusCode).toBe(200);
    expect(updated.json().item).toMatchObject({ name: "Migraine", status: "resolved" });
    expect((await call(asha, "DELETE", `/api/patient/history/${id}/`)).statusCode).toBe(204);
    expect((await call(asha, "DELETE", `/api/patient/history/${id}/`)).statusCode).toBe(404);
    const { history } = (await call(asha, "GET", "/api/patient/history/")).json();
    expect(history.map((h: { id: number }) => h.id)).not.toContain(id);
  });
});

describe("self-reported records", () => {
  it("creates, lists newest first, updates and soft-deletes a patient's own records", async () => {
    const older = await call(asha, "POST", "/api/patient/records/", {
      date: "2029-03-01",
      description: "Fever for two days",
      prescription: "Paracetamol",
    });
    expect(older.statusCode).toBe(201);
    expect(older.json().record).toMatchObject({
      date: "2029-03-01",
      description: "Fever for two days",
      prescription: "Paracetamol",
      kind: "self_reported",
      author: "patient",
    });
    const newer = await call(asha, "POST", "/api/patient/records/", {
      date: "2029-11-20",
      description: "Back pain",
    });
    expect(newer.json().record.prescription).toBeNull();

    const list = (await call(asha, "GET", "/api/patient/records/")).json().records;
    const ids = list.map((r: { record_id: number }) => r.record_id);
    expect(ids.indexOf(newer.json().record.record_id)).toBeLessThan(
      ids.indexOf(older.json().record.record_id),
    );
    const dates = list.map((r: { date: string }) => r.date);
    expect([...dates].sort().reverse()).toEqual(dates);

    const id = older.json().record.record_id;
    const updated = await call(asha, "PUT", `/api/patient/records/${id}/`, {
      description: "Fever for three days",
    });
    expect(updated.statusCode).toBe(200);
    expect(updated.json().record).toMatchObject({
      description: "Fever for three days",
      prescription: "Paracetamol",
    });

    expect((await call(asha, "DELETE", `/api/patient/records/${id}/`)).statusCode).toBe(204);
    const after = (await call(asha, "GET", "/api/patient/records/")).json().records;
    expect(after.map((r: { record_id: number }) => r.record_id)).not.toContain(id);
    expect((await call(asha, "PUT", `/api/patient/records/${id}/`, { description: "x" })).statusCode).toBe(
      404,
    );
    const [row] = await t.database.db.select().from(medicalRecords).where(eq(medicalRecords.id, id));
    expect(row?.deletedAt).toBeInstanceOf(Date);
  });

  it("refuses a record dated in the future or an impossible date", async () => {
    const future = await call(asha, "POST", "/api/patient/records/", {
      date: "2030-02-01",
      description: "x",
    });
    expect(future.statusCode).toBe(422);
    const impossible = await call(asha, "POST", "/api/patient/records/", {
      date: "2029-02-30",
      description: "x",
    });
    expect(impossible.statusCode).toBe(400);
    expect(impossible.json().error.code).toBe("INVALID_DATE");
  });

  it("does not let a doctor write a self-reported record", async () => {
    const res = await call(drRao, "POST", "/api/patient/records/", {
      patient_id: asha.patientId,
      date: "2029-01-01",
      description: "x",
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe("SELF_REPORTED_ONLY");
  });
});

describe("clinical records", () => {
  it("shows a doctor's record with test results in the clinical list and in all records", async () => {
    const appointmentId = await careTeam(drRao.doctorId, asha.patientId);
    const res = await call(drRao, "POST", "/api/doctor/clinical/records/", {
      patient_id: asha.patientId,
      appointment_id: appointmentId,
      date: "2030-01-06",
      description: "Follow-up for fatigue",
      diagnosis: "Iron deficiency anaemia",
      notes: "Diet advice given",
      prescription: "Ferrous sulfate 200 mg daily",
      test_results: { "Blood Test": "Normal", Haemoglobin: "10.2 g/dL" },
    });
    expect(res.statusCode).toBe(201);
    const id = res.json().record.record_id;

    const clinical = (await call(asha, "GET", "/api/patient/clinical/records/")).json().clinical_records;
    expect(clinical).toHaveLength(1);
    expect(clinical[0]).toMatchObject({
      record_id: id,
      date: "2030-01-06",
      description: "Follow-up for fatigue",
      prescription: "Ferrous sulfate 200 mg daily",
      test_results: { "Blood Test": "Normal", Haemoglobin: "10.2 g/dL" },
      diagnosis: "Iron deficiency anaemia",
      notes: "Diet advice given",
      doctor_name: "Dr Test",
      appointment_id: appointmentId,
    });
    const all = (await call(asha, "GET", "/api/patient/records/")).json().records;
    expect(all[0]).toMatchObject({ record_id: id, kind: "clinical", author: "doctor" });
    expect(all.some((r: { author: string }) => r.author === "patient")).toBe(true);
  });

  it("is read-only for the patient: editing or deleting a doctor's record answers RECORD_READ_ONLY", async () => {
    const res = await call(drRao, "POST", "/api/doctor/clinical/records/", {
      patient_id: asha.patientId,
      date: "2030-01-05",
      description: "Chest X-ray review",
    });
    const id = res.json().record.record_id;
    const edit = await call(asha, "PUT", `/api/patient/records/${id}/`, { description: "nothing happened" });
    expect(edit.statusCode).toBe(403);
    expect(edit.json().error.code).toBe("RECORD_READ_ONLY");
    const del = await call(asha, "DELETE", `/api/patient/records/${id}/`);
    expect(del.statusCode).toBe(403);
    expect(del.json().error.code).toBe("RECORD_READ_ONLY");
    const still = (await call(asha, "GET", "/api/patient/clinical/records/")).json().clinical_records;
    expect(still.find((r: { record_id: number }) => r.record_id === id).description).toBe(
      "Chest X-ray review",
    );
  });

  it("can be changed only by the doctor who wrote it", async () => {
    const res = await call(drRao, "POST", "/api/doctor/clinical/records/", {
      patient_id: asha.patientId,
      date: "2030-01-04",
      description: "Sore throat",
    });
    const id = res.json().record.record_id;
    const other = await call(drMehta, "PUT", `/api/doctor/clinical/records/${id}/`, { diagnosis: "Flu" });
    expect(other.statusCode).toBe(403);
    expect(other.json().error.code).toBe("RECORD_READ_ONLY");
    const own = await call(drRao, "PUT", `/api/doctor/clinical/records/${id}/`, {
      diagnosis: "Pharyngitis",
      test_results: { "Throat swab": "Negative" },
    });
    expect(own.statusCode).toBe(200);
    expect(own.json().record).toMatchObject({
      diagnosis: "Pharyngitis",
      test_results: { "Throat swab": "Negative" },
    });
  });

  it("refuses an appointment that is not between this doctor and this patient", async () => {
    const raviAppointment = await careTeam(drOutside.doctorId, ravi.patientId);
    const res = await call(drRao, "POST", "/api/doctor/clinical/records/", {
      patient_id: asha.patientId,
      appointment_id: raviAppointment,
      date: "2030-01-01",
      description: "x",
    });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe("APPOINTMENT_NOT_FOUND");
  });

  it("is written by doctors only", async () => {
    const res = await call(asha, "POST", "/api/doctor/clinical/records/", {
      patient_id: asha.patientId,
      date: "2030-01-01",
      description: "x",
    });
    expect(res.statusCode).toBe(403);
  });
});

describe("documents", () => {
  it("round-trips a PDF: upload, list, download the same bytes, stored encrypted under a random name", async () => {
    const pdf = samplePdf("ASHA-HBA1C-RESULT");
    const res = await upload(
      asha,
      { title: "HbA1c March" },
      { filename: "../asha verma/HbA1c.pdf", contentType: "application/pdf", data: pdf },
    );
    expect(res.statusCode).toBe(201);
    const doc = res.json().document;
    expect(doc).toMatchObject({
      patient_id: asha.patientId,
      filename: "HbA1c.pdf",
      title: "HbA1c March",
      content_type: "application/pdf",
      size_bytes: pdf.length,
    });

    const list = (await call(asha, "GET", "/api/patient/documents/")).json().documents;
    expect(list.map((d: { id: number }) => d.id)).toContain(doc.id);

    const download = await call(asha, "GET", `/api/patient/documents/${doc.id}/download`);
    expect(download.statusCode).toBe(200);
    expect(download.headers["content-type"]).toBe("application/pdf");
    expect(download.headers["content-disposition"]).toBe('attachment; filename="HbA1c.pdf"');
    expect(download.rawPayload.equals(pdf)).toBe(true);

    const [row] = await t.database.db.select().from(documents).where(eq(documents.id, doc.id));
    expect(row!.storageKey).toMatch(/^docs\/[0-9a-f]{2}\/[0-9a-f]{32}$/);
    const onDisk = await readFile(path.join(t.config.storage.dir, row!.storageKey));
    expect(onDisk.equals(pdf)).toBe(false);
    expect(onDisk.includes(Buffer.from("ASHA-HBA1C-RESULT"))).toBe(false);
    expect(onDisk.includes(Buffer.from("%PDF"))).toBe(false);
    for (const file of await filesOnDisk()) {
      expect(file).not.toMatch(/asha|hba1c|verma|\.pdf/i);
    }
  });

  it("lets a care-team doctor upload for the patient and an assigned nurse download it", async () => {
    const res = await upload(
      drRao,
      { patient_id: asha.patientId },
      { filename: "scan.png", contentType: "image/png", data: PNG_1X1 },
    );
    expect(res.statusCode).toBe(201);
    const id = res.json().document.id;
    const byNurse = await call(nurse, "GET", `/api/patient/documents/${id}/download`);
    expect(byNurse.statusCode).toBe(200);
    expect(byNurse.headers["content-type"]).toBe("image/png");
    expect(byNurse.rawPayload.equals(PNG_1X1)).toBe(true);
    const byColleague = await call(drMehta, "GET", `/api/patient/documents/${id}/download`);
    expect(byColleague.statusCode).toBe(200);

    const nurseUpload = await upload(
      nurse,
      { patient_id: asha.patientId },
      { filename: "x.png", contentType: "image/png", data: PNG_1X1 },
    );
    expect(nurseUpload.statusCode).toBe(403);
    const patientDelete = await call(asha, "DELETE", `/api/patient/documents/${id}/`);
    expect(patientDelete.statusCode).toBe(403);
    expect(patientDelete.json().error.code).toBe("DOCUMENT_READ_ONLY");
  });

  it("attaches a document to one of the patient's records, never to someone else's", async () => {
    const record = (
      await call(asha, "POST", "/api/patient/records/", { date: "2029-12-01", description: "Lab visit" })
    ).json().record;
    const ok = await upload(
      asha,
      { record_id: record.record_id },
      { filename: "lab.pdf", contentType: "application/pdf", data: samplePdf() },
    );
    expect(ok.statusCode).toBe(201);
    expect(ok.json().document.record_id).toBe(record.record_id);
    const raviRecord = (
      await call(ravi, "POST", "/api/patient/records/", { date: "2029-12-01", description: "Mine" })
    ).json().record;
    const wrong = await upload(
      asha,
      { record_id: raviRecord.record_id },
      { filename: "lab.pdf", contentType: "application/pdf", data: samplePdf() },
    );
    expect(wrong.statusCode).toBe(404);
    expect(wrong.json().error.code).toBe("RECORD_NOT_FOUND");
  });

  it("lets the uploader delete a document: it leaves the list and cannot be downloaded", async () => {
    const id = (
      await upload(asha, {}, { filename: "old.pdf", contentType: "application/pdf", data: samplePdf() })
    ).json().document.id;
    expect((await call(asha, "DELETE", `/api/patient/documents/${id}/`)).statusCode).toBe(204);
    const list = (await call(asha, "GET", "/api/patient/documents/")).json().documents;
    expect(list.map((d: { id: number }) => d.id)).not.toContain(id);
    expect((await call(asha, "GET", `/api/patient/documents/${id}/download`)).statusCode).toBe(404);
  });

  it("answers 413 PAYLOAD_TOO_LARGE past the size limit and stores nothing", async () => {
    const before = await filesOnDisk();
    const big = Buffer.concat([samplePdf(), Buffer.alloc(MAX_BYTES + 1, 0x20)]);
    const res = await upload(asha, {}, { filename: "big.pdf", contentType: "application/pdf", data: big });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe("PAYLOAD_TOO_LARGE");
    expect(await filesOnDisk()).toEqual(before);
  });

  it("decides the type by the bytes: a zip called .pdf is refused, and so is text", async () => {
    const before = await filesOnDisk();
    const zip = await upload(
      asha,
      {},
      { filename: "report.pdf", contentType: "application/pdf", data: ZIP_BYTES },
    );
    expect(zip.statusCode).toBe(422);
    expect(zip.json().error.code).toBe("UNSUPPORTED_DOCUMENT_TYPE");
    const text = await upload(
      asha,
      {},
      { filename: "x.png", contentType: "image/png", data: Buffer.from("just text, honest") },
    );
    expect(text.statusCode).toBe(422);
    expect(await filesOnDisk()).toEqual(before);
  });

  it("requires a file and a multipart body", async () => {
    const noFile = await upload(asha, { title: "nothing" }, undefined);
    expect(noFile.statusCode).toBe(400);
    const json = await call(asha, "POST", "/api/patient/documents/", { file: "x" });
    expect(json.statusCode).toBe(400);
    expect(json.json().error.code).toBe("MULTIPART_REQUIRED");
  });

  it("refuses to serve a document whose stored bytes were tampered with", async () => {
    const id = (
      await upload(asha, {}, { filename: "t.pdf", contentType: "application/pdf", data: samplePdf() })
    ).json().document.id;
    const [row] = await t.database.db.select().from(documents).where(eq(documents.id, id));
    const file = path.join(t.config.storage.dir, row!.storageKey);
    const sealed = await readFile(file);
    sealed[sealed.length - 1] = sealed[sealed.length - 1]! ^ 0xff;
    await writeFile(file, sealed);
    const res = await call(asha, "GET", `/api/patient/documents/${id}/download`);
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe("DOCUMENT_INTEGRITY_FAILED");
  });

  it("removes the stored bytes again when the database row cannot be written", async () => {
    const keys: { put: string[]; deleted: string[] } = { put: [], deleted: [] };
    const spy: DocumentStorage = {
      kind: "memory",
      put: async (key, data) => {
        keys.put.push(key);
        await t.storage.put(key, data);
      },
      get: (key) => t.storage.get(key),
      delete: async (key) => {
        keys.deleted.push(key);
        await t.storage.delete(key);
      },
    };
    const service = new RecordsService(t.services.records.ctx, spy);
    // A patient actor whose user row does not exist: the documents insert fails on its foreign key.
    const ghost = {
      userId: 2_000_000_000,
      role: "patient" as const,
      patientId: asha.patientId,
      channel: "api" as const,
    };
    await expect(service.uploadDocument(ghost, { filename: "a.pdf", bytes: samplePdf() })).rejects.toThrow();
    expect(keys.put).toHaveLength(1);
    expect(keys.deleted).toEqual(keys.put);
    expect(await t.storage.get(keys.put[0]!)).toBeUndefined();
  });
});

describe("who can see a patient's records", () => {
  async function ids() {
    const [rec] = await t.database.db
      .select({ id: medicalRecords.id })
      .from(medicalRecords)
      .where(and(eq(medicalRecords.patientId, asha.patientId), eq(medicalRecords.kind, "self_reported")))
      .limit(1);
    const history = (await call(asha, "GET", "/api/patient/history/")).json().history;
    const ownHistory = history.find((h: { recorded_by: string }) => h.recorded_by === "patient");
    const docs = (await call(asha, "GET", "/api/patient/documents/")).json().documents;
    const ownDoc = docs.find((d: { filename: string }) => d.filename === "HbA1c.pdf");
    const clinical = (await call(asha, "GET", "/api/patient/clinical/records/")).json().clinical_records;
    return {
      recordId: rec!.id,
      historyId: ownHistory.id,
      documentId: ownDoc.id,
      clinicalId: clinical[0].record_id,
    };
  }

  function everyRoute(p: number, r: Awaited<ReturnType<typeof ids>>): [Method, string, object?][] {
    return [
      ["GET", `/api/patient/profile/?patient_id=${p}`],
      ["PUT", "/api/patient/profile/", { patient_id: p, city: "Nowhere" }],
      ["GET", `/api/patient/history/?patient_id=${p}`],
      ["POST", "/api/patient/history/", { patient_id: p, kind: "allergy", name: "Nuts" }],
      ["PUT", `/api/patient/history/${r.historyId}/`, { name: "changed" }],
      ["DELETE", `/api/patient/history/${r.historyId}/`],
      ["GET", `/api/patient/records/?patient_id=${p}`],
      ["POST", "/api/patient/records/", { patient_id: p, date: "2029-01-01", description: "x" }],
      ["PUT", `/api/patient/records/${r.recordId}/`, { description: "changed" }],
      ["DELETE", `/api/patient/records/${r.recordId}/`],
      ["GET", `/api/patient/clinical/records/?patient_id=${p}`],
      ["GET", `/api/patient/documents/?patient_id=${p}`],
      ["GET", `/api/patient/documents/${r.documentId}/download`],
      ["DELETE", `/api/patient/documents/${r.documentId}/`],
    ];
  }

  it("answers 404 on every route to a doctor outside the care team", async () => {
    const r = await ids();
    const routes: [Method, string, object?][] = [
      ...everyRoute(asha.patientId, r),
      [
        "POST",
        "/api/doctor/clinical/records/",
        { patient_id: asha.patientId, date: "2030-01-01", description: "x" },
      ],
      ["PUT", `/api/doctor/clinical/records/${r.clinicalId}/`, { diagnosis: "x" }],
    ];
    for (const [method, url, payload] of routes) {
      const res = await call(drOutside, method, url, payload);
      expect({ method, url, status: res.statusCode }).toEqual({ method, url, status: 404 });
    }
    const up = await upload(
      drOutside,
      { patient_id: asha.patientId },
      { filename: "a.pdf", contentType: "application/pdf", data: samplePdf() },
    );
    expect(up.statusCode).toBe(404);
  });

  it("answers 404 on every route to another patient, and changes nothing", async () => {
    const r = await ids();
    const before = (await call(asha, "GET", "/api/patient/records/")).json().records;
    for (const [method, url, payload] of everyRoute(asha.patientId, r)) {
      const res = await call(ravi, method, url, payload);
      expect({ method, url, status: res.statusCode }).toEqual({ method, url, status: 404 });
    }
    const up = await upload(
      ravi,
      { patient_id: asha.patientId },
      { filename: "a.pdf", contentType: "application/pdf", data: samplePdf() },
    );
    expect(up.statusCode).toBe(404);
    expect((await call(asha, "GET", "/api/patient/records/")).json().records).toEqual(before);
    expect((await call(asha, "GET", `/api/patient/documents/${r.documentId}/download`)).statusCode).toBe(200);
  });

  it("answers 404 for ids that do not exist", async () => {
    expect((await call(asha, "PUT", "/api/patient/records/999999/", { description: "x" })).statusCode).toBe(
      404,
    );
    expect((await call(asha, "GET", "/api/patient/documents/999999/download")).statusCode).toBe(404);
    expect((await call(asha, "DELETE", "/api/patient/history/999999/")).statusCode).toBe(404);
  });
});

describe("audit", () => {
  async function auditRows(actorUserId: number) {
    return queryRows<{ action: string; resource_type: string; patient_id: number | null; outcome: string }>(
      t.database.db,
      sql`select action, resource_type, patient_id, outcome from ${auditLog}
          where actor_user_id = ${actorUserId} order by id`,
    );
  }

  it("records a doctor's read of a patient's records, with ids only", async () => {
    const doctor = await asDoctor();
    await careTeam(doctor.doctorId, asha.patientId);
    expect((await call(doctor, "GET", `/api/patient/records/?patient_id=${asha.patientId}`)).statusCode).toBe(
      200,
    );
    expect(await auditRows(doctor.userId)).toEqual([
      { action: "list", resource_type: "medical_record", patient_id: asha.patientId, outcome: "allowed" },
    ]);
  });

  it("records a refused read as not_found", async () => {
    const doctor = await asDoctor();
    expect((await call(doctor, "GET", `/api/patient/records/?patient_id=${asha.patientId}`)).statusCode).toBe(
      404,
    );
    expect(await auditRows(doctor.userId)).toEqual([
      { action: "list", resource_type: "medical_record", patient_id: asha.patientId, outcome: "not_found" },
    ]);
  });

  it("records writes, downloads and refused writes", async () => {
    const patient = await asPatient("patient");
    const rec = await call(patient, "POST", "/api/patient/records/", {
      date: "2029-01-01",
      description: "x",
    });
    const doc = await upload(
      patient,
      {},
      { filename: "a.pdf", contentType: "application/pdf", data: samplePdf() },
    );
    await call(patient, "GET", `/api/patient/documents/${doc.json().document.id}/download`);
    const clinical = (
      await call(drRao, "POST", "/api/doctor/clinical/records/", {
        patient_id: asha.patientId,
        date: "2030-01-01",
        description: "x",
      })
    ).json().record;
    await call(patient, "PUT", `/api/patient/records/${clinical.record_id}/`, { description: "y" });
    const rows = await auditRows(patient.userId);
    expect(rows).toEqual([
      {
        action: "create",
        resource_type: "medical_record",
        patient_id: patient.patientId,
        outcome: "allowed",
      },
      { action: "create", resource_type: "document", patient_id: patient.patientId, outcome: "allowed" },
      { action: "download", resource_type: "document", patient_id: patient.patientId, outcome: "allowed" },
      { action: "update", resource_type: "medical_record", patient_id: asha.patientId, outcome: "not_found" },
    ]);
    expect(rec.statusCode).toBe(201);
  });
});

describe("API description", () => {
  it("lists the records routes in the OpenAPI document", async () => {
    const res = await t.app.inject({ method: "GET", url: "/docs/json" });
    expect(res.statusCode).toBe(200);
    const paths = Object.keys(res.json().paths);
    for (const p of [
      "/api/patient/profile/",
      "/api/patient/history/{id}/",
      "/api/patient/records/{record_id}/",
      "/api/patient/clinical/records/",
      "/api/doctor/clinical/records/{id}/",
      "/api/patient/documents/{id}/download",
    ]) {
      expect(paths).toContain(p);
    }
  });
});
