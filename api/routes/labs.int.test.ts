import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labResults, medicalRecords, notificationsOutbox, nurseAssignments } from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../../test/app.js";
import { signInAs, type Session } from "../../test/factories.js";
import { samplePdf, ZIP_BYTES } from "../../test/multipart.js";
import { careTeam, doctor, patient, payThroughSandbox, prescribe, withCatalog } from "../../test/orders.js";

let t: TestApp;
let lena: Session & { patientId: number };
let ravi: Session & { patientId: number };
let drRao: Session & { doctorId: number };
let drOutside: Session & { doctorId: number };
let lab: Session;
let nurse: Session;

// TEST_NOW is Monday 2030-01-07; Lena wants Saturday.
const SATURDAY = "2030-01-12";

function post(s: Session | undefined, url: string, payload: object) {
  return t.app.inject({ method: "POST", url, headers: s?.headers ?? {}, payload });
}
function get(s: Session | undefined, url: string) {
  return t.app.inject({ method: "GET", url, headers: s?.headers ?? {} });
}
function book(s: Session, fields: Record<string, unknown>) {
  return post(s, "/api/book/labtest/", { appointment_date: SATURDAY, ...fields });
}

/** A CBC booked through Lena's prescription (ordering doctor: Dr Rao), sample collected by the lab. */
async function collectedCbc(): Promise<number> {
  const rx = await prescribe(t, {
    patientId: lena.patientId,
    doctorId: drRao.doctorId,
    createdByUserId: drRao.userId,
    labTests: [{ name: "Complete Blood Count", code: "CBC" }],
  });
  const res = await book(lena, {
    test_name: "blood count",
    collection: "home",
    prescription_lab_test_id: rx.labTestIds[0],
  });
  expect(res.statusCode).toBe(201);
  const id: number = res.json().lab_test_booking.booking_id;
  await payThroughSandbox(t, res.json().payment);
  const collected = await post(lab, `/api/lab/bookings/${id}/status`, { status: "sample_collected" });
  expect(collected.statusCode).toBe(200);
  return id;
}

function outboxFor(userId: number, template: string) {
  return t.database.db
    .select()
    .from(notificationsOutbox)
    .where(and(eq(notificationsOutbox.userId, userId), eq(notificationsOutbox.template, template)));
}

beforeAll(async () => {
  t = await buildTestApp();
  await withCatalog(t);
  lena = await patient(t, "Lena Schmidt");
  ravi = await patient(t, "Ravi Kumar");
  drRao = await doctor(t, "Dr Asha Rao");
  drOutside = await doctor(t, "Dr Outside");
  lab = await signInAs(t, "lab");
  nurse = await signInAs(t, "nurse");
  await careTeam(t, drRao.doctorId, lena.patientId);
  await careTeam(t, drOutside.doctorId, ravi.patientId);
  await t.database.db
    .insert(nurseAssignments)
    .values({ nurseUserId: nurse.userId, doctorId: drRao.doctorId });
  const profile = await t.app.inject({
    method: "PUT",
    url: "/api/patient/profile/",
    headers: lena.headers,
    payload: { sex: "female", address: "4 Lake View, Pune", time_zone: "Asia/Kolkata" },
  });
  expect(profile.statusCode).toBe(200);
});
afterAll(async () => {
  await t.close();
});

describe("the lab test catalog", () => {
  it("finds the complete blood count from everyday words and from a misspelling", async () => {
    const words = await get(undefined, "/api/lab/tests/?q=blood%20count");
    expect(words.statusCode).toBe(200);
    expect(words.json().tests[0]).toMatchObject({
      code: "CBC",
      name: "Complete Blood Count",
      home_collection: true,
    });
    const typo = (await get(undefined, "/api/lab/tests/?q=hemogram")).json();
    expect(typo.tests[0].code).toBe("CBC");
    const lipid = (await get(undefined, "/api/lab/tests/?q=lipd%20profile")).json();
    expect(lipid.tests[0].name).toMatch(/lipid/i);
  });

  it("lists at least 50 tests with preparation and price", async () => {
    const all = (await get(undefined, "/api/lab/tests/")).json();
    expect(all.tests.length).toBeGreaterThanOrEqual(50);
    expect(all.tests[0]).toHaveProperty("preparation");
    expect(typeof all.tests[0].price).toBe("number");
  });
});

describe("booking a lab test", () => {
  it("books a blood count at home on Saturday with the preparation and price (Lena's journey)", async () => {
    const res = await book(lena, { test_name: "blood count", collection: "home" });
    expect(res.statusCode).toBe(201);
    expect(res.json().lab_test_booking).toMatchObject({
      patient_id: lena.patientId,
      test_name: "Complete Blood Count",
      appointment_date: SATURDAY,
      status: "scheduled",
      collection: "home",
      address: "4 Lake View, Pune",
      price: 350,
      currency: "INR",
      payment_status: "unpaid",
      ordering_doctor_id: null,
    });
    expect(res.json().lab_test_booking.preparation).toMatch(/no special preparation/i);
    expect(await outboxFor(lena.userId, "lab_booking.scheduled")).not.toHaveLength(0);
  });

  it("refuses an unknown test with suggestions, a past date, and home collection without an address or for a lab-only test", async () => {
    const unknown = await book(lena, { test_name: "blod cownt thing" });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().error.code).toBe("UNKNOWN_LAB_TEST");
    expect(Array.isArray(unknown.json().error.details.suggestions)).toBe(true);

    const past = await book(lena, { test_name: "CBC", appointment_date: "2030-01-06" });
    expect(past.statusCode).toBe(422);
    expect(past.json().error.code).toBe("DATE_IN_PAST");

    const noAddress = await book(ravi, { test_name: "CBC", collection: "home" });
    expect(noAddress.statusCode).toBe(422);
    expect(noAddress.json().error.code).toBe("ADDRESS_REQUIRED");

    const labOnly = await book(lena, { test_name: "OGTT", collection: "home" });
    expect(labOnly.statusCode).toBe(422);
    expect(labOnly.json().error.code).toBe("HOME_COLLECTION_UNAVAILABLE");
  });

  it("lets a care-team doctor order a test for the patient, and nobody else", async () => {
    const ordered = await book(drRao, { patient_id: lena.patientId, test_name: "Lipid Profile" });
    expect(ordered.statusCode).toBe(201);
    expect(ordered.json().lab_test_booking.ordering_doctor_id).toBe(drRao.doctorId);

    const outside = await book(drOutside, { patient_id: lena.patientId, test_name: "Lipid Profile" });
    expect(outside.statusCode).toBe(404);
    const otherPatient = await book(ravi, { patient_id: lena.patientId, test_name: "Lipid Profile" });
    expect(otherPatient.statusCode).toBe(404);
    const byLab = await book(lab, { patient_id: lena.patientId, test_name: "Lipid Profile" });
    expect(byLab.statusCode).toBe(403);
  });

  it("links a booking to the prescription's lab test once", async () => {
    const rx = await prescribe(t, {
      patientId: lena.patientId,
      doctorId: drRao.doctorId,
      createdByUserId: drRao.userId,
      labTests: [{ name: "HbA1c", code: "HBA1C" }],
    });
    const first = await book(lena, { test_name: "HbA1c", prescription_lab_test_id: rx.labTestIds[0] });
    expect(first.statusCode).toBe(201);
    expect(first.json().lab_test_booking).toMatchObject({
      prescription_lab_test_id: rx.labTestIds[0],
      ordering_doctor_id: drRao.doctorId,
    });
    const twice = await book(lena, { test_name: "HbA1c", prescription_lab_test_id: rx.labTestIds[0] });
    expect(twice.statusCode).toBe(409);
    const notHers = await book(ravi, { test_name: "HbA1c", prescription_lab_test_id: rx.labTestIds[0] });
    expect(notHers.statusCode).toBe(404);
  });
});

describe("results", () => {
  it("stores flagged results and writes the summary into the clinical record (the contract's test_results)", async () => {
    const id = await collectedCbc();
    const res = await post(lab, "/api/lab/results/", {
      booking_id: id,
      results: [
        { name: "Hemoglobin", value: 9.1, unit: "g/dL", reference_range: "12-15.5" },
        { name: "Total leucocyte count", value: "7.2", unit: "10^3/µL", reference_range: "4-11" },
        { name: "Platelet count", value: 250, unit: "10^3/µL", reference_range: "150-410", flag: "normal" },
      ],
    });
    expect(res.statusCode).toBe(201);
    const booking = res.json().booking;
    expect(booking).toMatchObject({ status: "resulted", result_summary: "Abnormal (Low Hemoglobin)" });
    expect(booking.results.find((r: { name: string }) => r.name === "Hemoglobin")).toMatchObject({
      flag: "low",
      analyte_code: "HGB",
    });

    const clinical = (await get(lena, "/api/patient/clinical/records/")).json();
    const record = clinical.clinical_records.find(
      (r: { record_id: number }) => r.record_id === booking.record_id,
    );
    expect(record.description).toBe("Lab results: Complete Blood Count");
    expect(record.test_results).toEqual({ "Complete Blood Count": "Abnormal (Low Hemoglobin)" });

    const mine = (await get(lena, "/api/patient/lab/results/")).json();
    expect(mine.lab_results.find((r: { booking_id: number }) => r.booking_id === id)).toMatchObject({
      summary: "Abnormal (Low Hemoglobin)",
      test_name: "Complete Blood Count",
    });
    expect(await outboxFor(lena.userId, "lab.results_ready")).not.toHaveLength(0);
    const toDoctor = await outboxFor(drRao.userId, "lab.abnormal_result");
    expect(toDoctor.some((n) => n.data.booking_id === id)).toBe(true);
  });

  it("writes Normal when every value is within range and tells no doctor", async () => {
    const id = await collectedCbc();
    const res = await post(lab, "/api/lab/results/", {
      booking_id: id,
      results: [{ name: "HGB", value: 13.2, unit: "g/dL" }],
    });
    expect(res.statusCode).toBe(201);
    const [record] = await t.database.db
      .select()
      .from(medicalRecords)
      .where(eq(medicalRecords.id, res.json().booking.record_id));
    expect(record).toMatchObject({
      kind: "clinical",
      authorUserId: lab.userId,
      testResults: { "Complete Blood Count": "Normal" },
    });
    const toDoctor = [
      ...(await outboxFor(drRao.userId, "lab.abnormal_result")),
      ...(await outboxFor(drRao.userId, "lab.critical_value")),
    ];
    expect(toDoctor.some((n) => n.data.booking_id === id)).toBe(false);
  });

  it("sends a critical value to the ordering doctor at once, and keeps an explicit critical flag", async () => {
    const id = await collectedCbc();
    const res = await post(lab, "/api/lab/results/", {
      booking_id: id,
      results: [
        { name: "Hemoglobin", value: 6.2, unit: "g/dL" },
        { name: "Platelet count", value: 250, flag: "critical" },
      ],
    });
    expect(res.statusCode).toBe(201);
    const flags = Object.fromEntries(
      res.json().booking.results.map((r: { name: string; flag: string }) => [r.name, r.flag]),
    );
    expect(flags).toEqual({ Hemoglobin: "critical", "Platelet count": "critical" });
    expect(res.json().booking.result_summary).toMatch(/^Abnormal \(Critically low Hemoglobin/);
    const critical = (await outboxFor(drRao.userId, "lab.critical_value")).filter(
      (n) => n.data.booking_id === id,
    );
    expect(critical).toHaveLength(1);
    expect(critical[0]!.channel).toBeNull();
  });

  it("refuses a second report for the same booking with 409 and keeps the first", async () => {
    const id = await collectedCbc();
    const first = await post(lab, "/api/lab/results/", {
      booking_id: id,
      results: [{ name: "HGB", value: 13 }],
    });
    expect(first.statusCode).toBe(201);
    const second = await post(lab, "/api/lab/results/", {
      booking_id: id,
      results: [{ name: "HGB", value: 5 }],
    });
    expect(second.statusCode).toBe(409);
    expect(second.json().error.code).toBe("RESULTS_ALREADY_POSTED");
    const rows = await t.database.db.select().from(labResults).where(eq(labResults.bookingId, id));
    expect(rows.map((r) => r.value)).toEqual(["13"]);
  });

  it("keeps the lab's report as an encrypted document on the clinical record, readable by the patient", async () => {
    const id = await collectedCbc();
    const pdf = samplePdf("LAB-REPORT-CBC");
    const wrongType = await post(lab, "/api/lab/results/", {
      booking_id: id,
      results: [{ name: "HGB", value: 13 }],
      document: { content_base64: ZIP_BYTES.toString("base64"), filename: "report.zip" },
    });
    expect(wrongType.statusCode).toBe(422);
    expect((await get(lena, `/api/lab/bookings/${id}/`)).json().booking.status).toBe("sample_collected");

    const res = await post(lab, "/api/lab/results/", {
      booking_id: id,
      results: [{ name: "HGB", value: 13 }],
      document: { content_base64: pdf.toString("base64"), filename: "cbc report.pdf" },
    });
    expect(res.statusCode).toBe(201);
    const recordId: number = res.json().booking.record_id;
    const docs = (await get(lena, "/api/patient/documents/")).json().documents;
    const doc = docs.find((d: { record_id: number | null }) => d.record_id === recordId);
    expect(doc).toMatchObject({
      content_type: "application/pdf",
      filename: "cbc report.pdf",
      title: "Lab report: Complete Blood Count",
    });
    const download = await get(lena, `/api/patient/documents/${doc.id}/download`);
    expect(download.statusCode).toBe(200);
    expect(download.rawPayload.equals(pdf)).toBe(true);
  });

  it("refuses results before the sample is collected, and results from anyone but the lab", async () => {
    const res = await book(lena, { test_name: "CBC" });
    const id: number = res.json().lab_test_booking.booking_id;
    const early = await post(lab, "/api/lab/results/", {
      booking_id: id,
      results: [{ name: "HGB", value: 13 }],
    });
    expect(early.statusCode).toBe(422);
    expect(early.json().error.code).toBe("INVALID_TRANSITION");
    const byDoctor = await post(drRao, "/api/lab/results/", {
      booking_id: id,
      results: [{ name: "HGB", value: 13 }],
    });
    expect(byDoctor.statusCode).toBe(403);
  });

  it("lets the patient cancel a scheduled booking but not one whose sample is taken", async () => {
    const res = await book(lena, { test_name: "CBC" });
    const id: number = res.json().lab_test_booking.booking_id;
    const cancelled = await post(lena, `/api/lab/bookings/${id}/cancel`, {});
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json().booking.status).toBe("cancelled");
    const taken = await collectedCbc();
    const late = await post(lena, `/api/lab/bookings/${taken}/cancel`, {});
    expect(late.statusCode).toBe(422);
  });
});

describe("who can see bookings and results", () => {
  it("answers 404 to another patient and a doctor outside the care team; the care team, the ordering doctor and the lab see them", async () => {
    const id = await collectedCbc();
    await post(lab, "/api/lab/results/", { booking_id: id, results: [{ name: "HGB", value: 13 }] });

    for (const outsider of [ravi, drOutside]) {
      expect((await get(outsider, `/api/lab/bookings/${id}/`)).statusCode).toBe(404);
      expect((await get(outsider, `/api/patient/lab/results/?patient_id=${lena.patientId}`)).statusCode).toBe(
        404,
      );
      expect(
        (await get(outsider, `/api/patient/lab/bookings/?patient_id=${lena.patientId}`)).statusCode,
      ).toBe(404);
      expect((await post(outsider, `/api/lab/bookings/${id}/cancel`, {})).statusCode).toBe(404);
    }
    expect((await get(lena, `/api/lab/bookings/${id}/`)).statusCode).toBe(200);
    expect((await get(drRao, `/api/lab/bookings/${id}/`)).statusCode).toBe(200);
    expect((await get(nurse, `/api/patient/lab/results/?patient_id=${lena.patientId}`)).statusCode).toBe(200);
    expect((await get(lab, `/api/lab/bookings/${id}/`)).statusCode).toBe(200);
    const queue = (await get(lab, "/api/lab/bookings/?status=resulted")).json();
    expect(queue.bookings.map((b: { booking_id: number }) => b.booking_id)).toContain(id);
    expect((await get(lena, "/api/lab/bookings/")).statusCode).toBe(403);
  });
});
