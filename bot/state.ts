import type { Choice } from "./types.js";

/** A consequential action prepared and waiting for the person's confirmation. */
export interface PendingAction {
  /** The action's number in this conversation: the idempotency key is conv:<id>:action:<n>. */
  n: number;
  kind: "book" | "cancel" | "reschedule" | "lab_test" | MedicineActionKind;
  doctorId?: number | undefined;
  appointmentId?: number | undefined;
  appointmentDate?: string | undefined;
  appointmentTime?: string | undefined;
  /** Lab test: the catalog code, where the sample is taken and the home address. */
  labTest?: string | undefined;
  collection?: "lab" | "home" | undefined;
  address?: string | undefined;
  summary: string;
  priceMinor?: number | undefined;
  currency?: string | undefined;
  /** ISO instant. */
  expiresAt: string;
  /** Medicines (bot/medicines.ts): the order's line, the prescription item, the delivery address. */
  medicine?: MedicineActionFields | undefined;
}

export type MedicineActionKind = "order_medicine" | "refill_request" | "log_dose";

export interface MedicineActionFields {
  medicineId?: number | undefined;
  quantity?: number | undefined;
  prescriptionItemId?: number | undefined;
  deliveryAddress?: string | undefined;
}

export interface OnboardingState {
  /** caller_dob: a phone caller whose number belongs to a patient says their date of birth (voice). */
  step: "consent" | "name" | "dob" | "contact" | "code" | "caller_dob";
  name?: string | undefined;
  dateOfBirth?: string | undefined;
  /** The existing account the contact belongs to; absent for a new person (created once verified). */
  userId?: number | undefined;
  contact?: { kind: "phone" | "email"; value: string } | undefined;
  codeHash?: string | undefined;
  codeExpiresAt?: string | undefined;
  attempts?: number | undefined;
  codesSent?: number | undefined;
  /** caller_dob: what the caller asked before giving the date of birth, carried out once they are verified. */
  request?: string | undefined;
}

export interface GuidedState {
  step:
    | "menu"
    | "find_query"
    | "find_city"
    | "pick_doctor"
    | "pick_day"
    | "pick_slot"
    | "my_appointments"
    | "appointment_action"
    | "lab_query"
    | "lab_pick_test"
    | "lab_pick_day"
    | "lab_collection"
    | "lab_address"
    | MedicinesStep;
  query?: string | undefined;
  city?: string | undefined;
  /** A search around a point (a typed place or a shared location) instead of a city. */
  near?: { name: string; lat: number; lng: number } | undefined;
  /** Search: the page of doctors shown (five a page). */
  page?: number | undefined;
  /** Search: only doctors free that day; booking: the day asked for. */
  wantDate?: string | undefined;
  /** A time typed with the request ("5 pm"): offered first once a doctor is picked. */
  wantTime?: { hour: number; minute: number; meridiem?: "AM" | "PM" | undefined } | undefined;
  part?: "morning" | "afternoon" | "evening" | undefined;
  /** pick_day: how many free days are shown; pick_slot: the first slot shown. */
  shown?: number | undefined;
  doctorId?: number | undefined;
  date?: string | undefined;
  /** Reschedule: the appointment being moved. */
  rescheduleOf?: number | undefined;
  appointmentId?: number | undefined;
  /** Lab tests: the chosen test's code. */
  labTest?: string | undefined;
  /** Medicines: the prescription item being reordered. */
  prescriptionItemId?: number | undefined;
}

/** The guided medicines dialog (bot/guided/medicines.ts). */
export type MedicinesStep = "meds_pick" | "meds_address" | "meds_typed_address" | "records_question";

/** conversations.state */
export interface ConversationState {
  onboarding?: OnboardingState | undefined;
  guided?: GuidedState | undefined;
  pending?: PendingAction | undefined;
  /** The last choices offered, so "2" means the second of them on any channel. */
  choices?: Choice[] | undefined;
  actionSeq?: number | undefined;
  /** Files a verified patient sent, waiting for their "yes" to be added to their records. */
  attachmentOffer?: AttachmentOffer | undefined;
  /** The secure-message thread the patient chose to answer ("Reply"): their next text goes there. */
  replyThread?: number | undefined;
  /** The language the person chose or was heard speaking (BCP-47, bot/language.ts; the phone): the agent answers in it. */
  language?: string | undefined;
}

export interface AttachmentOffer {
  /** The channel the files came from (its adapter downloads them). */
  channel: string;
  files: { url: string; mimeType?: string | undefined }[];
  /** The message's text, kept as the documents' title. */
  caption?: string | undefined;
}
