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

// ---- the admin tool (areas/admin.tsx) ----------------------------------------------------------------

export interface AdminUser {
  id: number;
  role: string;
  name: string;
  email: string;
  active: boolean;
  created_at: string;
}

export interface ConversationSummary {
  id: number;
  user_id: number | null;
  patient_id: number | null;
  channel: string;
  flagged: boolean;
  message_count: number;
  human_requested: boolean;
  tool_failed: boolean;
  model_failed: boolean;
  taken_over_by_user_id: number | null;
  taken_over_at: string | null;
  created_at: string;
  last_activity_at: string;
  closed_at: string | null;
}

export interface ConversationDetail {
  conversation: ConversationSummary;
  outcome: string;
  flag: { reason: string | null; flagged_by_user_id: number | null; flagged_at: string } | null;
  messages: {
    id: number;
    direction: "in" | "out";
    channel: string;
    staff: boolean;
    text: string | null;
    payload: unknown;
    delivered_at: string | null;
    send_error: string | null;
    created_at: string;
  }[];
  tool_calls: {
    id: number;
    message_id: number | null;
    name: string;
    args: unknown;
    result: unknown;
    error: string | null;
    duration_ms: number;
    created_at: string;
  }[];
  support_tickets: { id: number; reason: string; urgent: boolean; status: string; created_at: string }[];
  annotations: {
    id: number;
    message_id: number | null;
    author_user_id: number | null;
    text: string;
    created_at: string;
  }[];
}

export interface SupportTicket {
  id: number;
  conversation_id: number;
  reason: string;
  urgent: boolean;
  status: string;
  created_at: string;
}

export interface PromptVersion {
  id: number;
  name: string;
  version: string;
  text: string;
  author_user_id: number | null;
  created_at: string;
  activated_at: string | null;
  deactivated_at: string | null;
  active: boolean;
}

export interface PromptBody {
  name: string;
  default: { version: string; text: string } | null;
  versions: PromptVersion[];
  active_id: number | null;
  active_version: string | null;
}

export interface ReplayResult {
  prompt_id: number;
  conversation_id: number;
  turns: { user: string; original: string[]; replay: string }[];
}

export interface Revenue {
  currency: string;
  platform_revenue: number;
  held_for_patients: number;
  doctors_owed: number;
  paid_out: number;
}

export interface LedgerPage {
  entries: {
    entry_id: number;
    transaction_id: number;
    at: string;
    kind: string;
    account: string;
    debit: number;
    credit: number;
    currency: string;
  }[];
  has_more: boolean;
  totals: { kind: string; currency: string; transactions: number; amount: number }[];
}

export interface DoctorProfile {
  id: number;
  name: string;
  photo_url: string | null;
  registration_number: string | null;
  experience_years: number;
  clinic_name: string | null;
  clinic_address: string | null;
  city: string;
  languages: string[];
  summary: string | null;
  qualifications: { degree: string; institute: string; year: number | null }[];
}
