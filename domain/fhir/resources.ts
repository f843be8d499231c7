import type {
  AllergyIntolerance,
  Appointment,
  Condition,
  DiagnosticReport,
  DocumentReference,
  Encounter,
  MedicationRequest,
  Observation,
  Patient,
  Practitioner,
  PractitionerRole,
  Provenance,
  Schedule,
  Slot,
} from "@medplum/fhirtypes";
import type { PatientVisitView } from "../consultations/visits.js";
import type { AvailabilityView } from "../scheduling/service.js";
import type { AppointmentView } from "../scheduling/views.js";
import type { DocumentView, HistoryItemView, ProfileView } from "../records/views.js";
import type { PrescriptionView } from "../orders/prescriptions/views.js";
import type { LabReportView } from "../orders/labs/views.js";
import type { DoctorView } from "../doctors/service.js";

/**
 * Our rows as FHIR R4 resources (read-only views: no second store). Ids of resources inside a patient's
 * compartment start with the patient's id ("12-34": patient 12, history item 34), so a read by id checks
 * access to that patient before anything is looked up, and a guessed id reveals nothing.
 */

/** Identifier systems: our own ids, as URNs (nothing to resolve). */
export const SYSTEM = {
  patient: "urn:healthlink:patient",
  doctor: "urn:healthlink:doctor",
} as const;

const HL7 = "http://terminology.hl7.org/CodeSystem";

export const compartmentId = (patientId: number, ...ids: number[]): string => [patientId, ...ids].join("-");

/** "12-34-2" → [12, 34, 2]; anything else → undefined. */
export function parseCompartmentId(id: string, parts: number): number[] | undefined {
  const m = id.split("-");
  if (m.length !== parts || !m.every((p) => /^[1-9]\d{0,9}$/.test(p))) return undefined;
  return m.map(Number);
}

export function patientResource(p: ProfileView): Patient {
  const [given, ...rest] = p.name.trim().split(/\s+/);
  const family = rest.length > 0 ? rest.join(" ") : undefined;
  return {
    resourceType: "Patient",
    id: String(p.patient_id),
    meta: { lastUpdated: p.updated_at },
    identifier: [{ system: SYSTEM.patient, value: String(p.patient_id) }],
    active: true,
    name: [
      { use: "official", text: p.name, ...(family ? { family } : {}), ...(given ? { given: [given] } : {}) },
    ],
    ...(p.phone || p.email
      ? {
          telecom: [
            ...(p.phone ? [{ system: "phone" as const, value: p.phone, use: "mobile" as const }] : []),
            ...(p.email ? [{ system: "email" as const, value: p.email }] : []),
          ],
        }
      : {}),
    ...(p.sex ? { gender: gender(p.sex) } : {}),
    ...(p.date_of_birth ? { birthDate: p.date_of_birth } : {}),
    ...(p.address || p.city
      ? { address: [{ ...(p.address ? { text: p.address } : {}), ...(p.city ? { city: p.city } : {}) }] }
      : {}),
  };
}

function gender(sex: string): Patient["gender"] {
  const s = sex.toLowerCase();
  if (s.startsWith("f")) return "female";
  if (s.startsWith("m")) return "male";
  if (s === "other") return "other";
  return "unknown";
}

export function practitionerResource(d: DoctorView): Practitioner {
  return {
    resourceType: "Practitioner",
    id: String(d.id),
    identifier: [{ system: SYSTEM.doctor, value: String(d.id) }],
    active: true,
    name: [{ text: d.doctor_name }],
    ...(d.qualifications.length
      ? {
          qualification: d.qualifications.map((q) => ({
            code: { text: q.degree },
            ...(q.institute ? { issuer: { display: q.institute } } : {}),
            ...(q.year ? { period: { start: String(q.year) } } : {}),
          })),
        }
      : {}),
  };
}

export function practitionerRoleResource(d: DoctorView): PractitionerRole {
  return {
    resourceType: "PractitionerRole",
    id: String(d.id),
    active: true,
    practitioner: { reference: `Practitioner/${d.id}`, display: d.doctor_name },
    code: [{ coding: [{ system: `${HL7}/practitioner-role`, code: "doctor", display: "Doctor" }] }],
    specialty: d.specialties.map((s) => ({ text: s })),
    ...(d.city ? { location: [{ display: d.city }] } : {}),
  };
}

const ALLERGY_SEVERITY: Record<string, "mild" | "moderate" | "severe"> = {
  mild: "mild",
  moderate: "moderate",
  severe: "severe",
};

export function allergyResource(h: HistoryItemView): AllergyIntolerance {
  const severity = h.severity ? ALLERGY_SEVERITY[h.severity.toLowerCase()] : undefined;
  return {
    resourceType: "AllergyIntolerance",
    id: compartmentId(h.patient_id, h.id),
    meta: { lastUpdated: h.updated_at },
    clinicalStatus: {
      coding: [{ system: `${HL7}/allergyintolerance-clinical`, code: "active", display: "Active" }],
    },
    code: { text: h.name },
    patient: { reference: `Patient/${h.patient_id}` },
    recordedDate: h.created_at,
    ...(h.onset_date ? { onsetDateTime: h.onset_date } : {}),
    ...(h.detail ? { note: [{ text: h.detail }] } : {}),
    ...(h.reaction || severity
      ? {
          reaction: [
            {
              manifestation: [{ text: h.reaction ?? "reaction" }],
              ...(severity ? { severity } : {}),
            },
          ],
        }
      : {}),
  };
}

export function conditionResource(h: HistoryItemView): Condition {
  const resolved = h.status !== null && /resolved|inactive|cured/i.test(h.status);
  return {
    resourceType: "Condition",
    id: compartmentId(h.patient_id, h.id),
    meta: { lastUpdated: h.updated_at },
    clinicalStatus: {
      coding: [
        {
          system: `${HL7}/condition-clinical`,
          code: resolved ? "resolved" : "active",
        },
      ],
    },
    category: [{ coding: [{ system: `${HL7}/condition-category`, code: "problem-list-item" }] }],
    code: { text: h.name },
    subject: { reference: `Patient/${h.patient_id}` },
    recordedDate: h.created_at,
    ...(h.onset_date ? { onsetDateTime: h.onset_date } : {}),
    ...(h.detail ? { note: [{ text: h.detail }] } : {}),
  };
}

const RX_STATUS: Record<string, MedicationRequest["status"]> = {
  active: "active",
  expired: "completed",
  completed: "completed",
  cancelled: "cancelled",
};

export function medicationRequestResources(p: PrescriptionView): MedicationRequest[] {
  return p.items.map((i) => ({
    resourceType: "MedicationRequest",
    id: compartmentId(p.patient_id, p.id, i.id),
    status: RX_STATUS[p.status] ?? "unknown",
    intent: "order",
    medicationCodeableConcept: {
      text: [i.medicine_name, i.strength].filter(Boolean).join(" "),
    },
    subject: { reference: `Patient/${p.patient_id}` },
    authoredOn: p.issued_at,
    requester: { reference: `Practitioner/${p.doctor_id}`, display: p.doctor_name },
    ...(p.appointment_id ? { encounter: { display: `Appointment ${p.appointment_id}` } } : {}),
    dosageInstruction: [
      {
        text: [i.dose, i.frequency, i.instructions].filter(Boolean).join(", "),
        timing: { repeat: { frequency: i.times_per_day, period: 1, periodUnit: "d" as const } },
      },
    ],
    dispenseRequest: {
      numberOfRepeatsAllowed: i.refills,
      quantity: { value: i.quantity },
      expectedSupplyDuration: {
        value: i.duration_days,
        unit: "days",
        system: "http://unitsofmeasure.org",
        code: "d",
      },
      validityPeriod: { start: p.issued_at, end: p.valid_until },
    },
  }));
}

const INTERPRETATION: Record<string, { code: string; display: string }> = {
  high: { code: "H", display: "High" },
  low: { code: "L", display: "Low" },
  normal: { code: "N", display: "Normal" },
  critical: { code: "AA", display: "Critical abnormal" },
  abnormal: { code: "A", display: "Abnormal" },
};

/** One lab report: a DiagnosticReport with one Observation per value. */
export function labResources(r: LabReportView): { report: DiagnosticReport; observations: Observation[] } {
  const when = r.resulted_at ?? r.appointment_date;
  const observations: Observation[] = r.results.map((v, i) => {
    const numeric = /^-?\d+(\.\d+)?$/.test(v.value.trim()) ? Number(v.value) : undefined;
    const flag = v.flag ? INTERPRETATION[v.flag.toLowerCase()] : undefined;
    return {
      resourceType: "Observation",
      id: compartmentId(r.patient_id, r.booking_id, i + 1),
      status: "final",
      category: [
        { coding: [{ system: `${HL7}/observation-category`, code: "laboratory", display: "Laboratory" }] },
      ],
      code: {
        ...(v.analyte_code ? { coding: [{ system: "http://loinc.org", code: v.analyte_code }] } : {}),
        text: v.name,
      },
      subject: { reference: `Patient/${r.patient_id}` },
      effectiveDateTime: when,
      ...(numeric !== undefined
        ? { valueQuantity: { value: numeric, ...(v.unit ? { unit: v.unit } : {}) } }
        : { valueString: v.value }),
      ...(flag
        ? {
            interpretation: [
              {
                coding: [{ system: `${HL7}/v3-ObservationInterpretation`, ...flag }],
              },
            ],
          }
        : {}),
      ...(v.reference_range ? { referenceRange: [{ text: v.reference_range }] } : {}),
    };
  });
  const report: DiagnosticReport = {
    resourceType: "DiagnosticReport",
    id: compartmentId(r.patient_id, r.booking_id),
    status: "final",
    category: [{ coding: [{ system: `${HL7}/v2-0074`, code: "LAB", display: "Laboratory" }] }],
    code: { text: r.test_name },
    subject: { reference: `Patient/${r.patient_id}` },
    effectiveDateTime: when,
    ...(r.resulted_at ? { issued: r.resulted_at } : {}),
    result: observations.map((o) => ({ reference: `Observation/${o.id}` })),
    ...(r.summary ? { conclusion: r.summary } : {}),
  };
  return { report, observations };
}

const APPOINTMENT_STATUS: Record<string, Appointment["status"]> = {
  pending: "proposed",
  proposed: "proposed",
  confirmed: "booked",
  completed: "fulfilled",
  cancelled: "cancelled",
  rejected: "cancelled",
  no_show: "noshow",
};

export function appointmentResource(a: AppointmentView): Appointment {
  return {
    resourceType: "Appointment",
    id: compartmentId(a.patient_id, a.id),
    status: APPOINTMENT_STATUS[a.status] ?? "proposed",
    ...(a.reason ? { description: a.reason } : {}),
    start: a.starts_at,
    end: a.ends_at,
    ...(a.status_reason && (a.status === "cancelled" || a.status === "rejected")
      ? { cancelationReason: { text: a.status_reason } }
      : {}),
    appointmentType: { text: a.mode },
    participant: [
      {
        actor: { reference: `Patient/${a.patient_id}`, display: a.patient_name },
        status: "accepted",
      },
      {
        actor: { reference: `Practitioner/${a.doctor_id}`, display: a.doctor_name },
        status: a.status === "pending" ? "needs-action" : "accepted",
      },
    ],
  };
}

export function documentReferenceResource(d: DocumentView): DocumentReference {
  return {
    resourceType: "DocumentReference",
    id: compartmentId(d.patient_id, d.id),
    status: "current",
    subject: { reference: `Patient/${d.patient_id}` },
    date: d.created_at,
    ...(d.title ? { description: d.title } : {}),
    content: [
      {
        attachment: {
          contentType: d.content_type,
          title: d.title ?? d.filename,
          size: d.size_bytes,
          creation: d.created_at,
          // Fetched through the REST API with the same rights (never a public URL).
          url: `/api/patient/documents/${d.id}/download`,
        },
      },
    ],
  };
}

// --- issue 17: schedules and slots, encounters, signed notes and their provenance -------------------

export function scheduleResource(d: DoctorView, a: AvailabilityView, from: string, to: string): Schedule {
  const hours = a.weekly.map((w) => `${w.day} ${w.start}-${w.end} (${w.slot_minutes} min)`).join("; ");
  return {
    resourceType: "Schedule",
    id: String(d.id),
    active: a.weekly.length > 0,
    ...(d.specialties.length ? { specialty: d.specialties.map((s) => ({ text: s })) } : {}),
    actor: [{ reference: `Practitioner/${d.id}`, display: d.doctor_name }],
    planningHorizon: { start: from, end: to },
    comment: `Weekly hours in ${a.timezone}${hours ? `: ${hours}` : ": none"}.`,
  };
}

/** Slot ids: the doctor's id and the start in whole minutes since the epoch ("7-29500000"). */
export const slotId = (doctorId: number, startsAt: string): string =>
  compartmentId(doctorId, Math.round(Date.parse(startsAt) / 60_000));

export function slotResource(doctorId: number, s: { starts_at: string; ends_at: string }): Slot {
  return {
    resourceType: "Slot",
    id: slotId(doctorId, s.starts_at),
    schedule: { reference: `Schedule/${doctorId}` },
    status: "free",
    start: s.starts_at,
    end: s.ends_at,
  };
}

const ACT = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
const ENCOUNTER_CLASS: Record<string, { code: string; display: string }> = {
  video: { code: "VR", display: "virtual" },
  audio: { code: "VR", display: "virtual" },
  chat: { code: "VR", display: "virtual" },
  in_person: { code: "AMB", display: "ambulatory" },
};

/**
 * A visit: every appointment that was confirmed, took place or was missed, with its online visit when there
 * was one (its actual start and end). In-person visits are their appointments.
 */
export function encounterResource(
  a: AppointmentView,
  v: PatientVisitView | undefined,
): Encounter | undefined {
  let status: Encounter["status"];
  if (v?.status === "open") status = "in-progress";
  else if (v?.status === "ended" || a.status === "completed") status = "finished";
  else if (a.status === "confirmed") status = "planned";
  else if (a.status === "no_show") status = "cancelled";
  else return undefined;
  const mode = v?.mode ?? a.mode;
  const start = v?.started_at ?? a.starts_at;
  const end = v ? (v.ended_at ?? undefined) : status === "finished" ? a.ends_at : undefined;
  return {
    resourceType: "Encounter",
    id: compartmentId(a.patient_id, a.id),
    status,
    class: { system: ACT, ...(ENCOUNTER_CLASS[mode] ?? { code: "AMB", display: "ambulatory" }) },
    type: [{ text: `${mode.replace("_", " ")} visit` }],
    subject: { reference: `Patient/${a.patient_id}`, display: a.patient_name },
    participant: [
      {
        type: [
          { coding: [{ system: `${HL7}/v3-ParticipationType`, code: "PPRF", display: "primary performer" }] },
        ],
        individual: { reference: `Practitioner/${a.doctor_id}`, display: a.doctor_name },
      },
    ],
    appointment: [{ reference: `Appointment/${compartmentId(a.patient_id, a.id)}` }],
    period: { start, ...(end ? { end } : {}) },
    ...(a.reason ? { reasonCode: [{ text: a.reason }] } : {}),
  };
}

const SECTIONS = ["subjective", "objective", "assessment", "plan"] as const;
const base64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

/**
 * A signed visit note and its patient summary as DocumentReferences ("{patient}-{visit}-1" and "-2"): the
 * text inline (base64), the author the visit's doctor, linked to the visit's Encounter.
 */
export function visitNoteResources(a: AppointmentView, v: PatientVisitView): DocumentReference[] {
  const note = v.note;
  if (!note) return [];
  const text = SECTIONS.filter((k) => note.sections[k])
    .map((k) => `${k[0]!.toUpperCase()}${k.slice(1)}: ${note.sections[k]}`)
    .join("\n\n");
  const common = {
    resourceType: "DocumentReference" as const,
    status: "current" as const,
    docStatus: "final" as const,
    subject: { reference: `Patient/${a.patient_id}` },
    date: note.signed_at,
    author: [{ reference: `Practitioner/${a.doctor_id}`, display: a.doctor_name }],
    authenticator: { reference: `Practitioner/${a.doctor_id}`, display: a.doctor_name },
    context: {
      encounter: [{ reference: `Encounter/${compartmentId(a.patient_id, a.id)}` }],
      period: { start: v.started_at ?? a.starts_at, ...(v.ended_at ? { end: v.ended_at } : {}) },
    },
  };
  const out: DocumentReference[] = [
    {
      ...common,
      id: compartmentId(a.patient_id, v.id, 1),
      type: { coding: [{ system: "http://loinc.org", code: "11506-3", display: "Progress note" }] },
      description: "Signed visit note",
      content: [
        {
          attachment: {
            contentType: "text/plain; charset=utf-8",
            data: base64(text),
            title: "Visit note",
            creation: note.signed_at,
          },
        },
      ],
    },
  ];
  if (note.patient_summary)
    out.push({
      ...common,
      id: compartmentId(a.patient_id, v.id, 2),
      type: {
        coding: [{ system: "http://loinc.org", code: "34133-9", display: "Summary of episode note" }],
      },
      description: "Visit summary for the patient (made from the signed note)",
      ...(note.document_id
        ? {
            relatesTo: [
              {
                code: "transforms",
                target: { reference: `DocumentReference/${compartmentId(a.patient_id, note.document_id)}` },
              },
            ],
          }
        : {}),
      content: [
        {
          attachment: {
            contentType: "text/plain; charset=utf-8",
            data: base64(note.patient_summary),
            title: "Visit summary",
            creation: note.signed_at,
          },
        },
      ],
    });
  return out;
}

const PROVENANCE_AGENT = `${HL7}/provenance-participant-type`;

/**
 * Who made an AI-drafted note: the model drafted it (a device agent), the visit's doctor edited and signed it
 * (the attester, on whose behalf the model acted). Notes the doctor wrote alone have no Provenance.
 */
export function provenanceResource(a: AppointmentView, v: PatientVisitView): Provenance | undefined {
  const note = v.note;
  if (!note?.drafted_by_model) return undefined;
  const doctor = { reference: `Practitioner/${a.doctor_id}`, display: a.doctor_name };
  return {
    resourceType: "Provenance",
    id: compartmentId(a.patient_id, v.id),
    target: [{ reference: `DocumentReference/${compartmentId(a.patient_id, v.id, 1)}` }],
    recorded: note.signed_at,
    activity: {
      coding: [{ system: "http://terminology.hl7.org/CodeSystem/v3-DataOperation", code: "CREATE" }],
      text: "Drafted by a language model from the visit's transcript; edited and signed by the doctor",
    },
    agent: [
      {
        type: { coding: [{ system: PROVENANCE_AGENT, code: "author", display: "Author" }] },
        who: { type: "Device", display: `Language model ${note.drafted_by_model}` },
        onBehalfOf: doctor,
      },
      {
        type: { coding: [{ system: PROVENANCE_AGENT, code: "attester", display: "Attester" }] },
        who: doctor,
      },
    ],
    entity: [{ role: "source", what: { reference: `Encounter/${compartmentId(a.patient_id, a.id)}` } }],
  };
}
