import type {
  AllergyIntolerance,
  Bundle,
  BundleEntry,
  CodeableConcept,
  Condition,
  DocumentReference,
  MedicationRequest,
  MedicationStatement,
  Observation,
  Resource,
} from "@medplum/fhirtypes";
import type { ImportItem, ImportedItem } from "../records/service.js";
import { invalid, unprocessable } from "../shared/errors.js";
import { compartmentId } from "./resources.js";
import { r4Errors } from "./validate.js";

/**
 * Import of a transaction Bundle from another EHR into one patient's history (POST /fhir/R4): checked whole
 * before anything is written (the R4 definitions, then our rules: supported types only, every entry about the
 * same patient, each entry a POST of its type), then mapped to the records module's import items.
 */

export const IMPORT_TYPES = [
  "AllergyIntolerance",
  "Condition",
  "MedicationStatement",
  "MedicationRequest",
  "Observation",
  "DocumentReference",
] as const;
type ImportType = (typeof IMPORT_TYPES)[number];
const MAX_ENTRIES = 500;

export interface ParsedImport {
  patientId: number;
  items: ImportItem[];
  types: ImportType[];
}

const isImportType = (t: string): t is ImportType => (IMPORT_TYPES as readonly string[]).includes(t);

/** The Bundle checked and mapped, or a coded error naming the entry at fault. */
export function parseTransaction(body: unknown, today: string): ParsedImport {
  if (typeof body !== "object" || body === null || (body as Resource).resourceType !== "Bundle")
    throw invalid("FHIR_INVALID_BUNDLE", "POST /fhir/R4 takes a Bundle of type transaction.");
  const bundle = body as Bundle;
  if (bundle.type !== "transaction")
    throw invalid("FHIR_INVALID_BUNDLE", "Only Bundles of type transaction are accepted.");
  const entries = bundle.entry ?? [];
  if (entries.length === 0) throw invalid("FHIR_INVALID_BUNDLE", "The Bundle has no entries.");
  if (entries.length > MAX_ENTRIES)
    throw invalid("FHIR_INVALID_BUNDLE", `At most ${MAX_ENTRIES} entries per Bundle.`);
  const errors = r4Errors(bundle);
  if (errors.length > 0) throw invalid("FHIR_INVALID_RESOURCE", describe(errors));

  const patients = new Set<string>();
  const types: ImportType[] = [];
  const items = entries.map((e, i) => {
    const where = `Entry ${i + 1}`;
    const r = e.resource;
    if (!r) throw invalid("FHIR_INVALID_BUNDLE", `${where} has no resource.`);
    if (!isImportType(r.resourceType))
      throw unprocessable(
        "FHIR_UNSUPPORTED_ENTRY",
        `${where}: ${r.resourceType} cannot be imported (only ${IMPORT_TYPES.join(", ")}).`,
      );
    checkRequest(e, r.resourceType, where);
    const subject = subjectOf(r);
    if (subject === undefined)
      throw unprocessable("FHIR_PATIENT_REQUIRED_IN_ENTRY", `${where}: the resource names no Patient.`);
    patients.add(subject);
    types.push(r.resourceType);
    return toItem(r, today, where);
  });
  if (patients.size !== 1)
    throw unprocessable("FHIR_MIXED_PATIENTS", "Every entry must be about the same patient.");
  const ref = [...patients][0]!;
  const m = /^Patient\/([1-9]\d{0,9})$/.exec(ref);
  if (!m) throw unprocessable("FHIR_UNKNOWN_PATIENT", `${ref} is not one of our patients (Patient/{id}).`);
  return { patientId: Number(m[1]), items, types };
}

/** The transaction-response: one 201 per entry, with where to read what became a FHIR resource here. */
export function transactionResponse(
  patientId: number,
  parsed: ParsedImport,
  written: ImportedItem[],
  now: string,
): Bundle {
  return {
    resourceType: "Bundle",
    type: "transaction-response",
    entry: written.map((w, i) => {
      const type = parsed.types[i]!;
      const location =
        w.type === "history"
          ? `${type}/${compartmentId(patientId, w.id)}`
          : w.type === "document"
            ? `DocumentReference/${compartmentId(patientId, w.id)}`
            : undefined;
      return { response: { status: "201 Created", ...(location ? { location } : {}), lastModified: now } };
    }),
  };
}

function describe(issues: { expression?: string[]; diagnostics?: string; details?: { text?: string } }[]) {
  return issues
    .slice(0, 5)
    .map((i) => `${i.expression?.join(", ") ?? "Bundle"}: ${i.details?.text ?? i.diagnostics ?? "invalid"}`)
    .join("; ");
}

function checkRequest(e: BundleEntry, type: string, where: string): void {
  const method = e.request?.method;
  const url = e.request?.url?.replace(/^\//, "");
  if (method !== "POST" || url !== type)
    throw unprocessable("FHIR_UNSUPPORTED_ENTRY", `${where}: only "POST ${type}" (a create) is accepted.`);
}

function subjectOf(r: Resource): string | undefined {
  if (r.resourceType === "AllergyIntolerance") return r.patient.reference;
  if ("subject" in r && r.subject && typeof r.subject === "object" && "reference" in r.subject)
    return r.subject.reference;
  return undefined;
}

function text(c: CodeableConcept | undefined): string | undefined {
  return (
    c?.text ??
    c?.coding?.find((x) => x.display)?.display ??
    c?.coding?.find((x) => x.code)?.code
  )?.trim();
}

const dateOf = (v: string | undefined) => (v && /^\d{4}-\d{2}-\d{2}/.test(v) ? v.slice(0, 10) : undefined);

function named(value: string | undefined, where: string, what: string): string {
  if (!value) throw unprocessable("FHIR_UNNAMED_ENTRY", `${where}: the ${what} has no code text or display.`);
  return value.slice(0, 200);
}

function toItem(r: Resource, today: string, where: string): ImportItem {
  switch (r.resourceType as ImportType) {
    case "AllergyIntolerance": {
      const a = r as AllergyIntolerance;
      const reaction = a.reaction?.[0];
      return {
        type: "history",
        kind: "allergy",
        name: named(text(a.code), where, "allergy"),
        severity: reaction?.severity ?? null,
        reaction: text(reaction?.manifestation?.[0]) ?? null,
        onset_date: dateOf(a.onsetDateTime) ?? null,
        detail: a.note?.map((n) => n.text).join("\n") || null,
      };
    }
    case "Condition": {
      const c = r as Condition;
      const clinical = c.clinicalStatus?.coding?.[0]?.code;
      return {
        type: "history",
        kind: "condition",
        name: named(text(c.code), where, "condition"),
        status:
          clinical === undefined
            ? null
            : ["inactive", "remission", "resolved"].includes(clinical)
              ? "resolved"
              : "active",
        onset_date: dateOf(c.onsetDateTime) ?? null,
        detail: c.note?.map((n) => n.text).join("\n") || null,
      };
    }
    case "MedicationStatement":
    case "MedicationRequest": {
      const m = r as MedicationStatement | MedicationRequest;
      const name = named(
        text(m.medicationCodeableConcept) ?? m.medicationReference?.display,
        where,
        "medication",
      );
      const dosage =
        m.resourceType === "MedicationStatement"
          ? m.dosage?.map((d) => d.text).filter(Boolean)
          : m.dosageInstruction?.map((d) => d.text).filter(Boolean);
      const when =
        m.resourceType === "MedicationStatement"
          ? (dateOf(m.effectiveDateTime) ?? dateOf(m.effectivePeriod?.start) ?? dateOf(m.dateAsserted))
          : dateOf(m.authoredOn);
      return {
        type: "record",
        date: when ?? today,
        description: `Medication (imported): ${name}`,
        prescription: [name, ...(dosage ?? [])].join(", "),
      };
    }
    case "Observation": {
      const o = r as Observation;
      const name = named(text(o.code), where, "observation");
      const q = o.valueQuantity;
      const value =
        q?.value !== undefined
          ? `${q.value}${q.unit ? ` ${q.unit}` : ""}`
          : (o.valueString ??
            text(o.valueCodeableConcept) ??
            (o.valueBoolean !== undefined ? String(o.valueBoolean) : undefined));
      if (value === undefined)
        throw unprocessable("FHIR_UNNAMED_ENTRY", `${where}: the observation has no value we can keep.`);
      return {
        type: "record",
        date: dateOf(o.effectiveDateTime) ?? dateOf(o.effectivePeriod?.start) ?? dateOf(o.issued) ?? today,
        description: `Observation (imported): ${name}`,
        test_results: { [name]: value },
      };
    }
    case "DocumentReference": {
      const d = r as DocumentReference;
      const attachment = d.content[0]?.attachment;
      if (!attachment?.data)
        throw unprocessable(
          "FHIR_DOCUMENT_DATA_REQUIRED",
          `${where}: a DocumentReference is imported from its attachment's data (base64).`,
        );
      return {
        type: "document",
        title: (d.description ?? attachment.title)?.slice(0, 200),
        filename: attachment.title,
        bytes: Buffer.from(attachment.data, "base64"),
      };
    }
  }
}
