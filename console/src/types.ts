/** The shapes of the REST API's answers the console reads (docs/api.md; the OpenAPI document at /docs/json). */

export interface Appointment {
  id: number;
  doctor_id: number;
  doctor_name: string;
  patient_id: number;
  patient_name: string;
  appointment_date: string;
  appointment_time: string;
  status: string;
  starts_at: string;
  ends_at: string;
  time_zone: string;
  mode: string;
  payment_status: string;
  reason: string | null;
  status_reason: string | null;
}

export interface AppointmentPage {
  appointments: Appointment[];
  has_more: boolean;
}

export interface AppointmentRequest {
  request_id: number;
  appointment_id: number;
  patient_id: number;
  patient_name: string;
  appointment_date: string;
  appointment_time: string;
  status: string;
  starts_at: string;
  time_zone: string;
  mode: string;
  reason: string | null;
}

export interface HistoryItem {
  id: number;
  kind: "allergy" | "condition" | "surgery" | "family_history";
  name: string;
  detail: string | null;
  severity: string | null;
  reaction: string | null;
  status: string | null;
  relative: string | null;
  onset_date: string | null;
}

export interface Profile {
  patient_id: number;
  name: string;
  date_of_birth: string | null;
  sex: string | null;
  phone: string | null;
  email: string | null;
  city: string | null;
  blood_group: string | null;
  time_zone: string;
}

export interface ProfileBody {
  profile: Profile;
  history: {
    allergies: HistoryItem[];
    conditions: HistoryItem[];
    surgeries: HistoryItem[];
    family_history: HistoryItem[];
  };
}

export interface MedicalRecord {
  record_id: number;
  date: string;
  description: string;
  diagnosis: string | null;
  notes: string | null;
  prescription: string | null;
  kind: "self_reported" | "clinical";
  doctor_name: string | null;
  test_results: Record<string, string>;
}

export interface Prescription {
  id: number;
  doctor_name: string;
  issued_at: string;
  valid_until: string;
  status: string;
  items: {
    medicine_name: string;
    strength: string | null;
    dose: string;
    frequency: string;
    duration_days: number;
  }[];
}

export interface LabReport {
  booking_id: number;
  test_name: string;
  appointment_date: string;
  resulted_at: string | null;
  summary: string | null;
  results: {
    name: string;
    value: string;
    unit: string | null;
    reference_range: string | null;
    flag: string | null;
  }[];
}

export interface ReviewDoctor {
  id: number;
  name: string;
  email: string | null;
  registration_number: string | null;
  city: string;
  specialties: string[];
  degrees: string[];
  verification_status: string;
  created_at: string;
}

/** An insurance claim (GET /api/claims/). */
export interface Claim {
  id: number;
  item_kind: "appointment" | "pharmacy_order" | "lab_booking";
  item_id: number;
  patient_id: number;
  payer: string;
  member_id: string;
  service_codes: string[];
  diagnosis_codes: string[];
  currency: string;
  billed_minor: number;
  approved_minor: number | null;
  patient_share_minor: number | null;
  status: "submitted" | "accepted" | "rejected" | "paid";
  rejection_reason: string | null;
  submitted_at: string;
}

/** The doctor's Microsoft Teams link (GET /api/doctor/teams/). */
export interface TeamsLink {
  configured: boolean;
  linked: boolean;
  linked_at: string | null;
}
