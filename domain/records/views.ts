import type { EmergencyContact, Insurance } from "../../db/schema/index.js";
import type { DocumentRow, HistoryRow, PatientRow, RecordRow } from "./repository.js";

/** What the API shows: snake_case views of the records module's rows. */

export interface ProfileView {
  patient_id: number;
  name: string;
  date_of_birth: string | null;
  sex: string | null;
  phone: string | null;
  email: string | null;
  address: string | null;
  city: string | null;
  blood_group: string | null;
  time_zone: string;
  emergency_contact: EmergencyContact | null;
  insurance: Insurance | null;
  updated_at: string;
}

export function profileView(p: PatientRow): ProfileView {
  return {
    patient_id: p.id,
    name: p.name,
    date_of_birth: p.dateOfBirth,
    sex: p.sex,
    phone: p.phone,
    email: p.email,
    address: p.address,
    city: p.city,
    blood_group: p.bloodGroup,
    time_zone: p.timeZone,
    emergency_contact: p.emergencyContact,
    insurance: p.insurance,
    updated_at: p.updatedAt.toISOString(),
  };
}

export interface HistoryItemView {
  id: number;
  patient_id: number;
  kind: "allergy" | "condition" | "surgery" | "family_history";
  name: string;
  detail: string | null;
  /** Allergies. */
  severity: string | null;
  /** Allergies. */
  reaction: string | null;
  /** Conditions. */
  status: string | null;
  /** Family history. */
  relative: string | null;
  onset_date: string | null;
  recorded_by: "patient" | "doctor" | "nurse" | null;
  recorded_by_user_id: number | null;
  created_at: string;
  updated_at: string;
}

export function historyItemView(h: HistoryRow): HistoryItemView {
  const role = h.recordedByRole;
  return {
    id: h.id,
    patient_id: h.patientId,
    kind: h.kind,
    name: h.name,
    detail: h.detail,
    severity: h.severity,
    reaction: h.kind === "allergy" ? h.qualifier : null,
    status: h.status,
    relative: h.kind === "family_history" ? h.qualifier : null,
    onset_date: h.onsetDate,
    recorded_by: role === "patient" || role === "doctor" || role === "nurse" ? role : null,
    recorded_by_user_id: h.recordedByUserId,
    created_at: h.createdAt.toISOString(),
    updated_at: h.updatedAt.toISOString(),
  };
}

export interface GroupedHistory {
  allergies: HistoryItemView[];
  conditions: HistoryItemView[];
  surgeries: HistoryItemView[];
  family_history: HistoryItemView[];
}

export function groupHistory(items: HistoryItemView[]): GroupedHistory {
  return {
    allergies: items.filter((i) => i.kind === "allergy"),
    conditions: items.filter((i) => i.kind === "condition"),
    surgeries: items.filter((i) => i.kind === "surgery"),
    family_history: items.filter((i) => i.kind === "family_history"),
  };
}

export interface RecordView {
  record_id: number;
  patient_id: number;
  date: string;
  description: string;
  prescription: string | null;
  kind: "self_reported" | "clinical";
  author: "patient" | "doctor";
  diagnosis: string | null;
  notes: string | null;
  test_results: Record<string, string>;
  doctor_name: string | null;
  appointment_id: number | null;
  created_at: string;
  updated_at: string;
}

export function recordView(r: RecordRow): RecordView {
  return {
    record_id: r.id,
    patient_id: r.patientId,
    date: r.recordDate,
    description: r.description,
    prescription: r.prescription,
    kind: r.kind,
    author: r.kind === "clinical" ? "doctor" : "patient",
    diagnosis: r.diagnosis,
    notes: r.notes,
    test_results: r.testResults ?? {},
    doctor_name: r.doctorName,
    appointment_id: r.appointmentId,
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
  };
}

export interface DocumentView {
  id: number;
  patient_id: number;
  record_id: number | null;
  title: string | null;
  filename: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  uploaded_by_user_id: number;
  created_at: string;
}

export function documentView(d: DocumentRow): DocumentView {
  return {
    id: d.id,
    patient_id: d.patientId,
    record_id: d.recordId,
    title: d.title,
    filename: d.filename,
    content_type: d.contentType,
    size_bytes: d.sizeBytes,
    sha256: d.sha256,
    uploaded_by_user_id: d.uploadedByUserId,
    created_at: d.createdAt.toISOString(),
  };
}
