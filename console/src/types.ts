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

// --- the doctor's schedule, patients, chart additions (issue 15, part A) ---

export interface WeeklyWindow {
  day: string;
  start: string;
  end: string;
  slot_minutes: number;
}

export interface Availability {
  doctor_id: number;
  timezone: string;
  auto_accept: boolean;
  weekly: WeeklyWindow[];
}

export interface AvailabilityException {
  id: number;
  date: string;
  start: string | null;
  end: string | null;
  reason: string | null;
}

export interface DoctorPatient {
  patient_id: number;
  name: string;
  last_visit_at: string | null;
  next_visit_at: string | null;
}

export interface DoctorPatientPage {
  patients: DoctorPatient[];
  page: number;
  per_page: number;
  has_more: boolean;
}

export interface WaitingPatient {
  visit_id: number;
  appointment_id: number;
  patient_id: number;
  patient_name: string;
  mode: string;
  starts_at: string;
  waiting_since: string;
}

export interface PatientDocument {
  id: number;
  record_id: number | null;
  title: string | null;
  filename: string;
  content_type: string;
  size_bytes: number;
  created_at: string;
}

export interface AdherenceBody {
  overall_percent: number | null;
  items: {
    item_id: number;
    medicine_name: string;
    taken: number;
    skipped: number;
    missed: number;
    upcoming: number;
    percent: number | null;
  }[];
}

export interface TreatmentPlan {
  id: number;
  doctor_name: string;
  condition: string;
  goals: string[];
  status: string;
  start_date: string;
  next_review_date: string | null;
  end_date: string | null;
  tasks: { id: number; title: string; due_date: string | null; done: boolean }[];
  notes: { id: number; kind: string; text: string; author_name: string; at: string }[];
}

export interface SafetyAlert {
  id: string;
  severity: "contraindicated" | "major" | "moderate" | "minor";
  type: "interaction" | "allergy" | "duplicate";
  message: string;
  source: string;
  drugs: string[];
}

export interface SafetyCheck {
  alerts: SafetyAlert[];
  warnings: { unrecognized: string[]; unrecognized_allergies: string[] };
  blocking: boolean;
}

export interface Medicine {
  medicine_id: number;
  name: string;
  generic: string;
  strength: string;
  form: string;
}

export interface Citation {
  source_type: string;
  source_id: string;
  date: string;
  title: string;
  excerpt: string;
}

export interface GroundedAnswer {
  answer: string;
  citations: Citation[];
  grounded: boolean;
}

/** Visits (api/routes/visits.ts, visit-notes.ts). */
export interface VisitLog {
  id: number;
  appointment_id: number;
  mode: string;
  provider: string;
  status: string;
  participants: { role: string; joined_at: string | null; left_at: string | null }[];
  started_at: string | null;
  ended_at: string | null;
  duration_seconds: number | null;
  recording: boolean;
}

export interface VisitJoin {
  id: number;
  appointment_id: number;
  mode: string;
  join_url: string;
}

export interface VisitMessage {
  id: number;
  role: string;
  text: string;
  channel: string | null;
  at: string;
}

export interface TranscriptSegment {
  id: number;
  speaker: "doctor" | "patient";
  start: number;
  end: number;
  text: string;
}

export interface Transcript {
  visit_id: number;
  status: "none" | "processing" | "ready" | "failed" | "not_configured";
  segments: TranscriptSegment[];
}

export interface NoteSections {
  subjective: string;
  objective: string;
  assessment: string;
  plan: string;
}

export interface VisitNote {
  visit_id: number;
  status: "draft" | "signed";
  draft: {
    status: "none" | "drafting" | "ready" | "not_drafted";
    reason: string | null;
    message: string | null;
  };
  sections: NoteSections;
  statements: { section: string; text: string; segment_ids: number[] }[];
  signed_at: string | null;
  record_id: number | null;
}

/** Secure messages (api/routes/messages.ts). */
export interface MessageThread {
  id: number;
  subject: string;
  patient_id: number;
  patient_name: string;
  doctor_id: number;
  doctor_name: string | null;
  last_message_at: string;
  created_at: string;
  unread: number;
}

export interface ThreadMessage {
  id: number;
  sender_role: string;
  text: string;
  document_id: number | null;
  at: string;
}

/** Earnings and withdrawals (api/routes/payments.ts). */
export interface Earnings {
  doctor_id: number;
  total_earnings: number;
  withdrawable_amount: number;
  pending_amount: number;
  withdrawn_amount: number;
  currency: string;
}

export interface Withdrawal {
  id: number;
  status: string;
  amount: number;
  currency: string;
  created_at: string;
  failure_reason: string | null;
}

/** The doctor's own profile (api/routes/doctors.ts) and SMS phone (doctor-sms.ts). */
export interface Qualification {
  degree: string;
  institute: string;
  year: number | null;
}

export interface DoctorProfile {
  id: number;
  name: string;
  photo_url: string | null;
  gender: string | null;
  registration_number: string | null;
  experience_years: number;
  clinic_name: string | null;
  clinic_address: string | null;
  city: string;
  languages: string[];
  fee: number;
  currency: string;
  summary: string | null;
  time_zone: string;
  qualifications: Qualification[];
}

export interface SmsStatus {
  phone: string | null;
  phone_verified: boolean;
  phone_verified_at: string | null;
  sms_pin_set: boolean;
  sms_pin_locked_until: string | null;
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

/** The analytics dashboard (GET /api/admin/analytics/overview). */
export interface AnalyticsOverview {
  range: { from: string; to: string; channel?: string };
  activity: { day: string; conversations: number; bookings: number }[];
  funnel: { first_message: number; verified: number; booking: number; paid: number; attended: number };
  outcomes: {
    appointments: number;
    completed: number;
    no_show: number;
    cancelled: number;
    rejected: number;
    no_show_rate: number | null;
    cancellation_rate: number | null;
  };
  acceptance: { accepted: number; p50_minutes: number | null; p90_minutes: number | null };
  providers: {
    doctor_id: number;
    name: string;
    requests: number;
    accepted: number;
    rejected: number;
    acceptance_rate: number | null;
    median_response_minutes: number | null;
    reviews: number;
    average_rating: number | null;
    revenue_minor: number;
    currency: string;
  }[];
  satisfaction: {
    requested: number;
    answered: number;
    average: number | null;
    distribution: { rating: number; count: number }[];
    recommend_rate: number | null;
  };
  model_usage: {
    price: { input_per_million: number; output_per_million: number; currency: string };
    days: {
      day: string;
      calls: number;
      errors: number;
      prompt_tokens: number;
      completion_tokens: number;
      latency_p50_ms: number | null;
      latency_p95_ms: number | null;
      estimated_cost: number;
      voice_answers: number;
      voice_first_token_p50_ms: number | null;
      voice_first_token_p95_ms: number | null;
    }[];
  };
  reminders: {
    days: { day: string; sent: number }[];
    by_kind: { kind: string; sent: number }[];
    with_reminder: { appointments: number; attended: number; attendance_rate: number | null };
    without_reminder: { appointments: number; attended: number; attendance_rate: number | null };
  };
}

// ---- doctors' credential documents (pages/Credentials.tsx) ---------------------------------------------

export interface DoctorCredential {
  id: number;
  doctor_id: number;
  kind: "registration" | "degree" | "other";
  title: string;
  filename: string;
  content_type: string;
  size_bytes: number;
  created_at: string;
}
