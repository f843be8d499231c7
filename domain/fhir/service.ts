import type {
  Bundle,
  BundleEntry,
  CapabilityStatement,
  CapabilityStatementRestResource,
  Resource,
} from "@medplum/fhirtypes";
import type { Actor } from "../shared/actor.js";
import { DomainError, invalid, notFound } from "../shared/errors.js";
import type { DoctorsService } from "../doctors/service.js";
import type { LabsService } from "../orders/labs/service.js";
import type { PrescriptionsService } from "../orders/prescriptions/service.js";
import type { RecordsService } from "../records/service.js";
import type { SchedulingService } from "../scheduling/service.js";
import type { AppointmentView } from "../scheduling/views.js";
import {
  SYSTEM,
  allergyResource,
  appointmentResource,
  conditionResource,
  documentReferenceResource,
  labResources,
  medicationRequestResources,
  parseCompartmentId,
  patientResource,
  practitionerResource,
  practitionerRoleResource,
} from "./resources.js";

/** A query string as FHIR reads it: a parameter may repeat (`date=ge2030-01-01&date=le2030-01-31`). */
export type FhirParams = Record<string, string | string[] | undefined>;

interface TypeSpec {
  /** Search parameters besides the common ones (`_count`, `_offset`), with their FHIR types. */
  params: Record<string, "token" | "string" | "date" | "reference">;
  /** How many dash-separated numbers its id has (compartment resources start with the patient's id). */
  idParts: number;
}

const SPECS = {
  Patient: { params: { _id: "token", identifier: "token", name: "string", birthdate: "date" }, idParts: 1 },
  Practitioner: { params: { _id: "token", name: "string", specialty: "token" }, idParts: 1 },
  PractitionerRole: { params: { practitioner: "reference", specialty: "token" }, idParts: 1 },
  AllergyIntolerance: { params: { patient: "reference" }, idParts: 2 },
  Condition: { params: { patient: "reference", subject: "reference" }, idParts: 2 },
  MedicationRequest: { params: { patient: "reference", subject: "reference", status: "token" }, idParts: 3 },
  Observation: {
    params: { patient: "reference", subject: "reference", code: "token", date: "date" },
    idParts: 3,
  },
  DiagnosticReport: { params: { patient: "reference", subject: "reference", date: "date" }, idParts: 2 },
  Appointment: {
    params: { patient: "reference", practitioner: "reference", date: "date", status: "token" },
    idParts: 2,
  },
  DocumentReference: { params: { patient: "reference", subject: "reference" }, idParts: 2 },
} satisfies Record<string, TypeSpec>;

export type FhirType = keyof typeof SPECS;
export const FHIR_TYPES = Object.keys(SPECS) as FhirType[];
export const isFhirType = (t: string): t is FhirType => Object.hasOwn(SPECS, t);

const DEFAULT_COUNT = 50;
const MAX_COUNT = 500;

export interface FhirDeps {
  records: RecordsService;
  prescriptions: PrescriptionsService;
  labs: LabsService;
  scheduling: SchedulingService;
  doctors: DoctorsService;
}

/**
 * A read-mostly FHIR R4 face over the other modules' services: every read goes through them, so their
 * access rules (the patient, their care team; anyone else "not found") and audit rows apply unchanged.
 */
export class FhirService {
  constructor(
    private readonly s: FhirDeps,
    private readonly base: string,
    private readonly now: () => Date,
  ) {}

  capabilityStatement(): CapabilityStatement {
    const resource: CapabilityStatementRestResource[] = FHIR_TYPES.map((type) => ({
      type,
      interaction: [{ code: "read" }, { code: "search-type" }],
      searchParam: [
        ...Object.entries(SPECS[type].params).map(([name, kind]) => ({ name, type: kind })),
        { name: "_count", type: "number" as const },
      ],
      ...(type === "Patient"
        ? {
            operation: [
              {
                name: "everything",
                definition: "http://hl7.org/fhir/OperationDefinition/Patient-everything",
              },
            ],
          }
        : {}),
    }));
    return {
      resourceType: "CapabilityStatement",
      status: "active",
      date: this.now().toISOString(),
      kind: "instance",
      software: { name: "HealthLink" },
      implementation: { description: "HealthLink FHIR R4 API", url: this.base },
      fhirVersion: "4.0.1",
      format: ["application/fhir+json", "json"],
      rest: [
        {
          mode: "server",
          documentation: "Bearer tokens from /api/auth/login; the same rights as the REST API.",
          security: { description: "A patient reads their own compartment; their care team reads theirs." },
          resource,
        },
      ],
    };
  }

  async read(actor: Actor, type: string, id: string): Promise<Resource> {
    const spec = this.spec(type);
    const ids = parseCompartmentId(id, spec.idParts);
    if (!ids) throw notFound(type);
    const patientId = ids[0]!;
    if (type === "Patient")
      return patientResource((await this.s.records.getProfile(actor, patientId)).profile);
    // Doctors are a public directory (the REST API's search shows them to anyone).
    if (type === "Practitioner") return practitionerResource(await this.doctor(patientId));
    if (type === "PractitionerRole") return practitionerRoleResource(await this.doctor(patientId));
    const found = (await this.compartment(actor, patientId, type as FhirType)).find(
      (r) => r.id === ids.join("-"),
    );
    if (!found) throw notFound(type);
    return found;
  }

  async search(actor: Actor, type: string, params: FhirParams): Promise<Bundle> {
    const spec = this.spec(type);
    const { count, offset } = this.checkParams(spec, params);
    const all = await this.matches(actor, type as FhirType, params);
    const page = all.slice(offset, offset + count);
    const query = (o: number) => {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(params))
        for (const one of Array.isArray(v) ? v : v === undefined ? [] : [v])
          if (k !== "_offset") q.append(k, one);
      q.set("_count", String(count));
      if (o > 0) q.set("_offset", String(o));
      return `${this.base}/${type}?${q.toString()}`;
    };
    return {
      resourceType: "Bundle",
      type: "searchset",
      total: all.length,
      link: [
        { relation: "self", url: query(offset) },
        ...(offset + count < all.length ? [{ relation: "next", url: query(offset + count) }] : []),
        ...(offset > 0 ? [{ relation: "previous", url: query(Math.max(0, offset - count)) }] : []),
      ],
      entry: page.map((resource) => this.entry(resource)),
    };
  }

  /** `Patient/{id}/$everything`: the patient and every resource of their compartment we hold. */
  async everything(actor: Actor, patientId: number): Promise<Bundle> {
    const patient = patientResource((await this.s.records.getProfile(actor, patientId)).profile);
    const types: FhirType[] = [
      "AllergyIntolerance",
      "Condition",
      "MedicationRequest",
      "DiagnosticReport",
      "Observation",
      "Appointment",
      "DocumentReference",
    ];
    const parts = await Promise.all(types.map((t) => this.compartment(actor, patientId, t)));
    const resources = [patient, ...parts.flat()];
    return {
      resourceType: "Bundle",
      type: "searchset",
      total: resources.length,
      link: [{ relation: "self", url: `${this.base}/Patient/${patientId}/$everything` }],
      entry: resources.map((resource) => this.entry(resource)),
    };
  }

  // --- searching ---------------------------------------------------------------------------------

  private spec(type: string): TypeSpec {
    if (!isFhirType(type))
      throw invalid("FHIR_UNSUPPORTED_TYPE", `Resource type "${type}" is not supported here.`);
    return SPECS[type];
  }

  private checkParams(spec: TypeSpec, params: FhirParams): { count: number; offset: number } {
    for (const name of Object.keys(params)) {
      if (name === "_count" || name === "_offset" || name === "_format") continue;
      if (!Object.hasOwn(spec.params, name))
        throw invalid("FHIR_UNSUPPORTED_PARAM", `Search parameter "${name}" is not supported.`);
    }
    const number = (name: string, fallback: number, max: number) => {
      const v = one(params[name]);
      if (v === undefined) return fallback;
      if (!/^\d{1,6}$/.test(v)) throw invalid("FHIR_INVALID_PARAM", `${name} must be a whole number.`);
      return Math.min(Number(v), max);
    };
    return { count: number("_count", DEFAULT_COUNT, MAX_COUNT), offset: number("_offset", 0, 1_000_000) };
  }

  private async matches(actor: Actor, type: FhirType, params: FhirParams): Promise<Resource[]> {
    if (type === "Patient") return this.patients(actor, params);
    if (type === "Practitioner" || type === "PractitionerRole") return this.practitioners(type, params);
    if (type === "Appointment") return this.appointments(actor, params);
    const patientId = patientOf(params) ?? actor.patientId;
    if (patientId === undefined)
      throw invalid("FHIR_PATIENT_REQUIRED", `Searching ${type} needs patient=Patient/{id}.`);
    let list = await this.compartment(actor, patientId, type);
    const code = one(params.code);
    if (code !== undefined) list = list.filter((r) => matchesToken(r, code));
    const status = one(params.status);
    if (status !== undefined) list = list.filter((r) => "status" in r && r.status === status);
    return filterDates(list, params.date);
  }

  private async patients(actor: Actor, params: FhirParams): Promise<Resource[]> {
    const wanted = one(params._id) ?? tokenValue(one(params.identifier), SYSTEM.patient);
    const id = wanted !== undefined && /^[1-9]\d{0,9}$/.test(wanted) ? Number(wanted) : undefined;
    if (wanted !== undefined && id === undefined) return [];
    const patientId = id ?? actor.patientId;
    if (patientId === undefined)
      throw invalid(
        "FHIR_PATIENT_REQUIRED",
        "Search Patient by _id or identifier (a care team's patient list is not searchable by name yet).",
      );
    let found: Resource[];
    try {
      found = [patientResource((await this.s.records.getProfile(actor, patientId)).profile)];
    } catch (err) {
      // Someone the caller may not see is simply not a match (and the refusal is audited).
      if (err instanceof DomainError && err.kind === "not_found") return [];
      throw err;
    }
    const name = one(params.name)?.toLowerCase();
    const birthdate = params.birthdate;
    return filterDates(
      found.filter(
        (p) =>
          name === undefined ||
          (p.resourceType === "Patient" && p.name?.[0]?.text?.toLowerCase().includes(name)),
      ),
      birthdate,
      (r) => (r.resourceType === "Patient" ? r.birthDate : undefined),
    );
  }

  private async practitioners(
    type: "Practitioner" | "PractitionerRole",
    params: FhirParams,
  ): Promise<Resource[]> {
    const id = one(params._id) ?? referenceId(one(params.practitioner), "Practitioner");
    if (id !== undefined) {
      if (!/^[1-9]\d{0,9}$/.test(id)) return [];
      try {
        const d = await this.doctor(Number(id));
        return [type === "Practitioner" ? practitionerResource(d) : practitionerRoleResource(d)];
      } catch {
        return [];
      }
    }
    const name = one(params.name);
    const specialty = one(params.specialty);
    if (name === undefined && specialty === undefined)
      throw invalid("FHIR_SEARCH_TOO_BROAD", `Search ${type} by name or specialty.`);
    const result = await this.s.doctors.search({ q: name ?? specialty, per_page: 50 });
    const doctors = await Promise.all(result.doctors.map((d) => this.doctor(d.id)));
    return doctors
      .filter((d) => name === undefined || d.doctor_name.toLowerCase().includes(name.toLowerCase()))
      .filter(
        (d) =>
          specialty === undefined ||
          d.specialties.some((s) => s.toLowerCase().includes(specialty.toLowerCase())),
      )
      .map((d) => (type === "Practitioner" ? practitionerResource(d) : practitionerRoleResource(d)));
  }

  private async appointments(actor: Actor, params: FhirParams): Promise<Resource[]> {
    const patientId = patientOf(params);
    const practitioner = referenceId(one(params.practitioner), "Practitioner");
    let views: AppointmentView[];
    if (patientId !== undefined || (practitioner === undefined && actor.patientId !== undefined)) {
      views = await this.patientAppointments(actor, patientId ?? actor.patientId!);
    } else if (practitioner !== undefined) {
      if (!/^[1-9]\d{0,9}$/.test(practitioner)) return [];
      views = await this.doctorAppointments(actor, Number(practitioner));
    } else {
      throw invalid("FHIR_PATIENT_REQUIRED", "Search Appointment by patient or practitioner.");
    }
    let list = views.map(appointmentResource) as Resource[];
    if (practitioner !== undefined)
      list = list.filter(
        (r) =>
          r.resourceType === "Appointment" &&
          r.participant.some((p) => p.actor?.reference === `Practitioner/${practitioner}`),
      );
    const status = one(params.status);
    if (status !== undefined)
      list = list.filter((r) => r.resourceType === "Appointment" && r.status === status);
    return filterDates(list, params.date);
  }

  // --- the compartment ---------------------------------------------------------------------------

  private async compartment(actor: Actor, patientId: number, type: FhirType): Promise<Resource[]> {
    switch (type) {
      case "AllergyIntolerance":
        return (await this.s.records.listHistory(actor, patientId))
          .filter((h) => h.kind === "allergy")
          .map(allergyResource);
      case "Condition":
        return (await this.s.records.listHistory(actor, patientId))
          .filter((h) => h.kind === "condition")
          .map(conditionResource);
      case "MedicationRequest":
        return (await this.s.prescriptions.list(actor, patientId)).flatMap(medicationRequestResources);
      case "Observation":
        return (await this.s.labs.patientResults(actor, patientId)).lab_results.flatMap(
          (r) => labResources(r).observations,
        );
      case "DiagnosticReport":
        return (await this.s.labs.patientResults(actor, patientId)).lab_results.map(
          (r) => labResources(r).report,
        );
      case "Appointment":
        return (await this.patientAppointments(actor, patientId)).map(appointmentResource);
      case "DocumentReference":
        return (await this.s.records.listDocuments(actor, patientId)).map(documentReferenceResource);
      case "Patient":
        return [patientResource((await this.s.records.getProfile(actor, patientId)).profile)];
      case "Practitioner":
      case "PractitionerRole":
        return [];
    }
  }

  private async patientAppointments(actor: Actor, patientId: number): Promise<AppointmentView[]> {
    const out: AppointmentView[] = [];
    for (const scope of ["past", "upcoming"] as const) {
      for (let page = 1; page <= 20; page++) {
        const p = await this.s.scheduling.listForPatient(actor, { patientId, scope, page, perPage: 100 });
        out.push(...p.appointments);
        if (!p.has_more) break;
      }
    }
    return out;
  }

  private async doctorAppointments(actor: Actor, doctorId: number): Promise<AppointmentView[]> {
    const out: AppointmentView[] = [];
    for (const scope of ["past", "upcoming"] as const) {
      for (let page = 1; page <= 20; page++) {
        const p = await this.s.scheduling.listForDoctor(actor, { doctorId, scope, page, perPage: 100 });
        out.push(...p.appointments);
        if (!p.has_more) break;
      }
    }
    return out;
  }

  private async doctor(id: number) {
    return this.s.doctors.view(id);
  }

  private entry(resource: Resource): BundleEntry {
    return {
      fullUrl: `${this.base}/${resource.resourceType}/${resource.id}`,
      resource,
      search: { mode: "match" },
    };
  }
}

// --- parameter helpers -----------------------------------------------------------------------------

function one(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** `patient=Patient/12`, `patient=12`, `subject=Patient/12` → 12. */
function patientOf(params: FhirParams): number | undefined {
  const raw = referenceId(one(params.patient) ?? one(params.subject), "Patient");
  if (raw === undefined) return undefined;
  if (!/^[1-9]\d{0,9}$/.test(raw)) throw invalid("FHIR_INVALID_PARAM", "patient must be Patient/{id}.");
  return Number(raw);
}

function referenceId(value: string | undefined, type: string): string | undefined {
  if (value === undefined) return undefined;
  return value.startsWith(`${type}/`) ? value.slice(type.length + 1) : value;
}

/** `system|value` or `value` → the value when the system is ours (or none). */
function tokenValue(value: string | undefined, system: string): string | undefined {
  if (value === undefined) return undefined;
  const bar = value.indexOf("|");
  if (bar < 0) return value;
  return value.slice(0, bar) === system || bar === 0 ? value.slice(bar + 1) : "";
}

function matchesToken(r: Resource, token: string): boolean {
  const bar = token.indexOf("|");
  const system = bar >= 0 ? token.slice(0, bar) : undefined;
  const code = (bar >= 0 ? token.slice(bar + 1) : token).toLowerCase();
  const concept =
    "code" in r ? (r.code as { coding?: { system?: string; code?: string }[]; text?: string }) : undefined;
  if (!concept) return false;
  const coded = (concept.coding ?? []).some(
    (c) => c.code?.toLowerCase() === code && (system === undefined || system === "" || c.system === system),
  );
  return coded || (system === undefined && concept.text?.toLowerCase() === code);
}

const DATE_PREFIX = /^(eq|ne|gt|lt|ge|le)?(\d{4}(-\d{2}(-\d{2})?)?)/;

/** FHIR date search (`ge2030-01-01`, `2030-01`, …) on a resource's clinical date, by calendar prefix. */
function filterDates(
  list: Resource[],
  values: string | string[] | undefined,
  dateOf: (r: Resource) => string | undefined = clinicalDate,
): Resource[] {
  const all = Array.isArray(values) ? values : values === undefined ? [] : [values];
  const tests = all.map((v) => {
    const m = DATE_PREFIX.exec(v);
    if (!m || m[0] !== v) throw invalid("FHIR_INVALID_PARAM", `"${v}" is not a FHIR date search value.`);
    const prefix = m[1] ?? "eq";
    const d = m[2]!;
    return (x: string) => {
      const cut = x.slice(0, d.length);
      switch (prefix) {
        case "eq":
          return cut === d;
        case "ne":
          return cut !== d;
        case "gt":
          return cut > d;
        case "lt":
          return cut < d;
        case "ge":
          return cut >= d;
        default:
          return cut <= d;
      }
    };
  });
  if (tests.length === 0) return list;
  return list.filter((r) => {
    const d = dateOf(r);
    return d !== undefined && tests.every((t) => t(d));
  });
}

/** The date a resource is searched by (`date=`): when it happened or was recorded. */
function clinicalDate(r: Resource): string | undefined {
  if (r.resourceType === "Observation" || r.resourceType === "DiagnosticReport") return r.effectiveDateTime;
  if (r.resourceType === "Appointment") return r.start;
  if (r.resourceType === "MedicationRequest") return r.authoredOn;
  if (r.resourceType === "DocumentReference") return r.date;
  if (r.resourceType === "AllergyIntolerance" || r.resourceType === "Condition") return r.recordedDate;
  return undefined;
}
