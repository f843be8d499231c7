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
