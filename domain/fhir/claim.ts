import type { Claim, Money } from "@medplum/fhirtypes";
import type { ClaimView } from "../insurance/service.js";
import { toMajor } from "../shared/money.js";

const HL7 = "http://terminology.hl7.org/CodeSystem";
/** Our service codes (catalog codes, consultation kinds): a URN, nothing to resolve. */
export const SERVICE_SYSTEM = "urn:healthlink:service";
export const MEMBER_SYSTEM = "urn:healthlink:insurance-member";
export const CLAIM_SYSTEM = "urn:healthlink:claim";
const ICD10 = "http://hl7.org/fhir/sid/icd-10";

/**
 * An insurance claim as a FHIR R4 `Claim` (a view of our `claims` row; the payer's decision would be a
 * `ClaimResponse`, not emitted yet). Coverage is named by the member id (we keep no Coverage resource);
 * the provider is the treating doctor, or the platform for self-booked orders and tests.
 */
export function claimResource(c: ClaimView): Claim {
  // Our currencies are ISO 4217 codes (domain/shared/money.ts), the value set FHIR's Money binds to.
  const money = (minor: number): Money => ({
    value: toMajor(minor, c.currency),
    currency: c.currency as Money["currency"],
  });
  const share =
    c.service_codes.length > 0 ? Math.floor(c.billed_minor / c.service_codes.length) : c.billed_minor;
  return {
    resourceType: "Claim",
    id: String(c.id),
    meta: { lastUpdated: c.paid_at ?? c.decided_at ?? c.submitted_at },
    identifier: [{ system: CLAIM_SYSTEM, value: String(c.id) }],
    status: "active",
    type: {
      coding: [
        {
          system: `${HL7}/claim-type`,
          code: c.item_kind === "pharmacy_order" ? "pharmacy" : "professional",
        },
      ],
    },
    use: "claim",
    patient: { reference: `Patient/${c.patient_id}` },
    created: c.submitted_at,
    provider: c.doctor_id !== null ? { reference: `Practitioner/${c.doctor_id}` } : { display: "HealthLink" },
    priority: { coding: [{ system: `${HL7}/processpriority`, code: "normal" }] },
    insurer: { display: c.payer },
    insurance: [
      {
        sequence: 1,
        focal: true,
        coverage: { identifier: { system: MEMBER_SYSTEM, value: c.member_id }, display: c.payer },
      },
    ],
    ...(c.diagnosis_codes.length > 0
      ? {
          diagnosis: c.diagnosis_codes.map((code, i) => ({
            sequence: i + 1,
            diagnosisCodeableConcept: { coding: [{ system: ICD10, code }] },
          })),
        }
      : {}),
    item: c.service_codes.map((code, i) => {
      // The billed amount split over the codes; the last one takes the remainder.
      const minor =
        i === c.service_codes.length - 1 ? c.billed_minor - share * (c.service_codes.length - 1) : share;
      return {
        sequence: i + 1,
        ...(c.diagnosis_codes.length > 0
          ? { diagnosisSequence: c.diagnosis_codes.map((_, j) => j + 1) }
          : {}),
        productOrService: { coding: [{ system: SERVICE_SYSTEM, code }] },
        unitPrice: money(minor),
        net: money(minor),
      };
    }),
    total: money(c.billed_minor),
  };
}
