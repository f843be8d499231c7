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
import type { PatientVisitView, VisitsService } from "../consultations/visits.js";
import { addDays, instantToZoned, todayIn } from "../shared/time.js";
import { IMPORT_TYPES, parseTransaction, transactionResponse } from "./import.js";
import type { AppointmentView } from "../scheduling/views.js";
import type { HistoryItemView } from "../records/views.js";
import type { LabReportView } from "../orders/labs/views.js";
import {
  SYSTEM,
  allergyResource,
  appointmentResource,
  conditionResource,
  documentReferenceResource,
  encounterResource,
  provenanceResource,
  scheduleResource,
  slotResource,
  visitNoteResources,
  labResources,
  medicationRequestResources,
  parseCompartmentId,
  patientResource,
  practitionerResource,
  practitionerRoleResource,
} from "./resources.js";

/** Per-operation reads shared between resource types ($everything reads each source once). */
type Memo = Map<string, Promise<unknown>>;

/** A query string as FHIR reads it: a parameter may repeat (`date=ge2030-01-01&date=le2030-01-31`). */
export type FhirParams = Record<string, string | string[] | undefined>;

interface TypeSpec {
  /** Search parameters besides the common ones (`_count`, `_offset`), with their FHIR types. */
  params: Record<string, "token" | "string" | "date" | "reference">;
  /** How many dash-separated numbers its id has (compartment resources start with the patient's id). */
  idParts: number | readonly number[];
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
  // Documents are "{patient}-{document}"; signed visit notes and summaries "{patient}-{visit}-{1|2}".
  DocumentReference: { params: { patient: "reference", subject: "reference" }, idParts: [2, 3] },
  // --- issue 17 (FHIR part) ---
  Schedule: { params: { _id: "token", actor: "reference" }, idParts: 1 },
  Slot: {
    params: { schedule: "reference", "schedule.actor": "reference", start: "date", status: "token" },
    idParts: 2,
  },
  Encounter: {
    params: { patient: "reference", subject: "reference", date: "date", status: "token" },
    idParts: 2,
  },
  Provenance: { params: { patient: "reference", target: "reference" }, idParts: 2 },
} satisfies Record<string, TypeSpec>;

export type FhirType = keyof typeof SPECS;
export const FHIR_TYPES = Object.keys(SPECS) as FhirType[];
export const isFhirType = (t: string): t is FhirType => Object.hasOwn(SPECS, t);

const DEFAULT_COUNT = 50;
/** How far a Schedule's planning horizon reaches (the booking's horizon). */
const SLOT_HORIZON_DAYS = 60;
const MAX_SLOT_DAYS = 31;
const MAX_COUNT = 500;

export interface FhirDeps {
  records: RecordsService;
  prescriptions: PrescriptionsService;
  labs: LabsService;
  scheduling: SchedulingService;
  doctors: DoctorsService;
  visits: VisitsService;
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
          // Import (issue 17): a transaction Bundle into one patient's history.
          interaction: [
            {
              code: "transaction",
              documentation: `Imports ${IMPORT_TYPES.join(", ")} into one patient's history, all or nothing.`,
            },
          ],
          documentation: "Bearer tokens from /api/auth/login; the same rights as the REST API.",
          security: { description: "A patient reads their own compartment; their care team reads theirs." },
          resource,
        },
      ],
    };
  }

  async read(actor: Actor, type: string, id: string): Promise<Resource> {
    const spec = this.spec(type);
    const parts = typeof spec.idParts === "number" ? [spec.idParts] : spec.idParts;
    const ids = parts.map((n) => parseCompartmentId(id, n)).find((x) => x !== undefined);
    if (!ids) throw notFound(type);
    const patientId = ids[0]!;
    if (type === "Patient")
      return patientResource((await this.s.records.getProfile(actor, patientId)).profile);
    // Doctors are a public directory (the REST API's search shows them to anyone).
    if (type === "Practitioner") return practitionerResource(await this.doctor(patientId));
    if (type === "PractitionerRole") return practitionerRoleResource(await this.doctor(patientId));
    if (type === "Schedule") return this.schedule(patientId);
    if (type === "Slot") {
      const slot = await this.slotById(ids[0]!, ids[1]!);
      if (!slot) throw notFound(type);
      return slot;
    }
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
      "Encounter",
      "Provenance",
    ];
    // One read of each source for the whole operation (history, appointments, labs, visits are shared).
    const memo: Memo = new Map();
    const parts = await Promise.all(types.map((t) => this.compartment(actor, patientId, t, memo)));
    const resources = [patient, ...parts.flat()];
    return {
      resourceType: "Bundle",
      type: "searchset",
      total: resources.length,
      link: [{ relation: "self", url: `${this.base}/Patient/${patientId}/$everything` }],
      entry: resources.map((resource) => this.entry(resource)),
    };
  }

  /**
   * `POST /fhir/R4` with a transaction Bundle: imports into one patient's history, all or nothing, for the
   * patient or a care-team doctor (anyone else: not found). Checked whole before anything is written.
   */
  async importTransaction(actor: Actor, body: unknown): Promise<Bundle> {
    const today = this.now().toISOString().slice(0, 10);
    const parsed = parseTransaction(body, today);
    const written = await this.s.records.importItems(actor, parsed.patientId, parsed.items);
    return transactionResponse(parsed.patientId, parsed, written, this.now().toISOString());
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
    if (type === "Schedule") return this.schedules(params);
    if (type === "Slot") return this.slots(params);
    const patientId = patientOf(params) ?? actor.patientId;
    if (patientId === undefined)
      throw invalid("FHIR_PATIENT_REQUIRED", `Searching ${type} needs patient=Patient/{id}.`);
    let list = await this.compartment(actor, patientId, type);
    const code = one(params.code);
    if (code !== undefined) list = list.filter((r) => matchesToken(r, code));
    const status = one(params.status);
    if (status !== undefined) list = list.filter((r) => "status" in r && r.status === status);
    const target = one(params.target);
    if (target !== undefined)
      list = list.filter(
        (r) => r.resourceType === "Provenance" && r.target.some((t) => t.reference === target),
      );
    return filterDates(list, params.date);
  }

  private async patients(actor: Actor, params: FhirParams): Promise<Resource[]> {
    const wanted = one(params._id) ?? tokenValue(one(params.identifier), SYSTEM.patient);
    const id = wanted !== undefined && /^[1-9]\d{0,9}$/.test(wanted) ? Number(wanted) : undefined;
    if (wanted !== undefined && id === undefined) return [];
    const name = one(params.name)?.toLowerCase();
    const birthdate = params.birthdate;
    if (id === undefined && actor.patientId === undefined) {
      // A clinician: their care team's patients by name (and birth date), never anyone else.
      if (name === undefined && birthdate === undefined)
        throw invalid("FHIR_PATIENT_REQUIRED", "Search Patient by name, birthdate, _id or identifier.");
      const exact = one(birthdate);
      const day =
        exact !== undefined && /^(eq)?\d{4}-\d{2}-\d{2}$/.test(exact) ? exact.replace(/^eq/, "") : undefined;
      const profiles = await this.s.records.searchPatients(actor, {
        name: name?.trim() || undefined,
        birthDate: Array.isArray(birthdate) ? undefined : day,
      });
      return filterDates(profiles.map(patientResource), birthdate, (r) =>
        r.resourceType === "Patient" ? r.birthDate : undefined,
      );
    }
    const patientId = id ?? actor.patientId!;
    let found: Resource[];
    try {
      found = [patientResource((await this.s.records.getProfile(actor, patientId)).profile)];
    } catch (err) {
      // Someone the caller may not see is simply not a match (and the refusal is audited).
      if (err instanceof DomainError && err.kind === "not_found") return [];
      throw err;
    }
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

  private async compartment(
    actor: Actor,
    patientId: number,
    type: FhirType,
    memo: Memo = new Map(),
  ): Promise<Resource[]> {
    const once = <T>(key: string, load: () => Promise<T>): Promise<T> => {
      if (!memo.has(key)) memo.set(key, load());
      return memo.get(key) as Promise<T>;
    };
    const history = (): Promise<HistoryItemView[]> =>
      once("history", () => this.s.records.listHistory(actor, patientId));
    const labs = (): Promise<{ lab_results: LabReportView[] }> =>
      once("labs", () => this.s.labs.patientResults(actor, patientId));
    const appointments = (): Promise<AppointmentView[]> =>
      once("appointments", () => this.patientAppointments(actor, patientId));
    const patientVisits = (): Promise<PatientVisitView[]> =>
      once("visits", () => this.s.visits.patientVisits(actor, patientId));
    switch (type) {
      case "AllergyIntolerance":
        return (await history()).filter((h) => h.kind === "allergy").map(allergyResource);
      case "Condition":
        return (await history()).filter((h) => h.kind === "condition").map(conditionResource);
      case "MedicationRequest":
        return (await this.s.prescriptions.list(actor, patientId)).flatMap(medicationRequestResources);
      case "Observation":
        return (await labs()).lab_results.flatMap((r) => labResources(r).observations);
      case "DiagnosticReport":
        return (await labs()).lab_results.map((r) => labResources(r).report);
      case "Appointment":
        return (await appointments()).map(appointmentResource);
      case "DocumentReference": {
        const docs = (await this.s.records.listDocuments(actor, patientId)).map(documentReferenceResource);
        const notes = (await this.visits(patientVisits, appointments)).flatMap(([a, v]) =>
          visitNoteResources(a, v),
        );
        return [...docs, ...notes];
      }
      case "Encounter": {
        const visits = new Map((await patientVisits()).map((v) => [v.appointment_id, v]));
        return (await appointments())
          .map((a) => encounterResource(a, visits.get(a.id)))
          .filter((e) => e !== undefined);
      }
      case "Provenance":
        return (await this.visits(patientVisits, appointments))
          .map(([a, v]) => provenanceResource(a, v))
          .filter((p) => p !== undefined);
      case "Schedule":
      case "Slot":
        return [];
      case "Patient":
        return [patientResource((await this.s.records.getProfile(actor, patientId)).profile)];
      case "Practitioner":
      case "PractitionerRole":
        return [];
    }
  }

  /** The patient's visits, each with its appointment. */
  private async visits(
    patientVisits: () => Promise<PatientVisitView[]>,
    appointmentsOf: () => Promise<AppointmentView[]>,
  ): Promise<[AppointmentView, PatientVisitView][]> {
    const visits = await patientVisits();
    if (visits.length === 0) return [];
    const appointments = new Map((await appointmentsOf()).map((a) => [a.id, a]));
    return visits.flatMap((v) => {
      const a = appointments.get(v.appointment_id);
      return a ? [[a, v] as [AppointmentView, PatientVisitView]] : [];
    });
  }

  // --- schedules and slots (public, like the REST API's availability and slots) ------------------

  private async schedule(doctorId: number): Promise<Resource> {
    const [doctor, availability] = await Promise.all([
      this.doctor(doctorId),
      this.s.scheduling.getAvailability(doctorId),
    ]);
    const from = todayIn(availability.timezone, this.now());
    return scheduleResource(doctor, availability, from, addDays(from, SLOT_HORIZON_DAYS));
  }

  private async schedules(params: FhirParams): Promise<Resource[]> {
    const id = one(params._id) ?? referenceId(one(params.actor), "Practitioner");
    if (id === undefined) throw invalid("FHIR_SEARCH_TOO_BROAD", "Search Schedule by actor or _id.");
    if (!/^[1-9]\d{0,9}$/.test(id)) return [];
    try {
      return [await this.schedule(Number(id))];
    } catch (err) {
      if (err instanceof DomainError && err.kind === "not_found") return [];
      throw err;
    }
  }

  /** One free slot, by its id (the doctor and the start), if it is still free. */
  private async slotById(doctorId: number, startMinute: number): Promise<Resource | undefined> {
    const start = new Date(startMinute * 60_000);
    const { timezone } = await this.s.scheduling.getAvailability(doctorId);
    const { slots } = await this.s.scheduling.daySlots(doctorId, instantToZoned(start, timezone).date);
    const found = slots.find((s) => Date.parse(s.starts_at) === start.getTime());
    return found ? slotResource(doctorId, found) : undefined;
  }

  /**
   * Free slots of one schedule (the same free slots booking offers), day by day over the `start` range in
   * the doctor's calendar: from today (or the range's first day) to its last day (or a week on), at most 31 days.
   */
  private async slots(params: FhirParams): Promise<Resource[]> {
    // A schedule is one doctor's (its id is the doctor's): by schedule, or by its practitioner (schedule.actor).
    const schedule =
      referenceId(one(params.schedule), "Schedule") ??
      referenceId(one(params["schedule.actor"]), "Practitioner");
    if (schedule === undefined)
      throw invalid("FHIR_SEARCH_TOO_BROAD", "Search Slot by schedule or schedule.actor (the practitioner).");
    if (!/^[1-9]\d{0,9}$/.test(schedule)) return [];
    const doctorId = Number(schedule);
    const status = one(params.status);
    const starts =
      params.start === undefined ? [] : Array.isArray(params.start) ? params.start : [params.start];
    let availability;
    try {
      availability = await this.s.scheduling.getAvailability(doctorId);
    } catch (err) {
      if (err instanceof DomainError && err.kind === "not_found") return [];
      throw err;
    }
    if (status !== undefined && status !== "free") return [];
    const today = todayIn(availability.timezone, this.now());
    let from = today;
    let to: string | undefined;
    for (const v of starts) {
      const m = DATE_PREFIX.exec(v);
      if (!m || m[0] !== v) throw invalid("FHIR_INVALID_PARAM", `"${v}" is not a FHIR date search value.`);
      const prefix = m[1] ?? "eq";
      const [first, last] = dayRange(m[2]!);
      if (prefix === "eq" || prefix === "ge" || prefix === "gt") from = first > from ? first : from;
      if (prefix === "eq" || prefix === "le" || prefix === "lt")
        to = to === undefined || last < to ? last : to;
    }
    to ??= addDays(from, 6);
    if (to < from) return [];
    if (addDays(from, MAX_SLOT_DAYS - 1) < to)
      throw invalid("FHIR_SEARCH_TOO_BROAD", `Search Slot over at most ${MAX_SLOT_DAYS} days.`);
    const out: Resource[] = [];
    for (let day = from; day <= to; day = addDays(day, 1)) {
      const { slots } = await this.s.scheduling.daySlots(doctorId, day);
      out.push(...slots.map((s) => slotResource(doctorId, s)));
    }
    return filterDates(out, params.start, (r) => (r.resourceType === "Slot" ? r.start : undefined));
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

/** A date's calendar prefix ("2030", "2030-01", "2030-01-12") as its first and last day. */
function dayRange(d: string): [string, string] {
  if (d.length === 10) return [d, d];
  if (d.length === 7) {
    const y = Number(d.slice(0, 4));
    const m = Number(d.slice(5, 7));
    const next = m === 12 ? `${y + 1}-01-01` : `${d.slice(0, 4)}-${String(m + 1).padStart(2, "0")}-01`;
    return [`${d}-01`, addDays(next, -1)];
  }
  return [`${d}-01-01`, `${d}-12-31`];
}

/** The date a resource is searched by (`date=`): when it happened or was recorded. */
function clinicalDate(r: Resource): string | undefined {
  if (r.resourceType === "Observation" || r.resourceType === "DiagnosticReport") return r.effectiveDateTime;
  if (r.resourceType === "Appointment") return r.start;
  if (r.resourceType === "MedicationRequest") return r.authoredOn;
  if (r.resourceType === "DocumentReference") return r.date;
  if (r.resourceType === "AllergyIntolerance" || r.resourceType === "Condition") return r.recordedDate;
  if (r.resourceType === "Encounter") return r.period?.start;
  if (r.resourceType === "Provenance") return r.recorded;
  return undefined;
}
