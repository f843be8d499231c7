import type { SafetyAlert } from "../safety/index.js";
import type { ItemRow, LabTestRow, PrescriptionDetail } from "./repository.js";

/** What the API shows: snake_case views of prescriptions. */

export interface PrescriptionItemView {
  id: number;
  medicine_name: string;
  generics: string[];
  strength: string | null;
  dose: string;
  frequency: string;
  times_per_day: number;
  duration_days: number;
  quantity: number;
  refills: number;
  fills_remaining: number;
  instructions: string | null;
  start_date: string;
}

export interface LabTestView {
  id: number;
  test_name: string;
  test_code: string | null;
  instructions: string | null;
}

export type PrescriptionStatusView = "active" | "completed" | "cancelled" | "expired";

export interface PrescriptionView {
  id: number;
  patient_id: number;
  doctor_id: number;
  doctor_name: string;
  appointment_id: number | null;
  record_id: number | null;
  issued_at: string;
  valid_until: string;
  status: PrescriptionStatusView;
  notes: string | null;
  items: PrescriptionItemView[];
  lab_tests: LabTestView[];
  alerts: SafetyAlert[];
  acknowledged_alert_ids: string[];
  override_reason: string | null;
}

export function itemView(i: ItemRow): PrescriptionItemView {
  return {
    id: i.id,
    medicine_name: i.medicineName,
    generics: i.generics,
    strength: i.strength,
    dose: i.dose,
    frequency: i.frequency,
    times_per_day: i.timesPerDay,
    duration_days: i.durationDays,
    quantity: i.quantity,
    refills: i.refills,
    fills_remaining: i.fillsRemaining,
    instructions: i.instructions,
    start_date: i.startDate,
  };
}

export function labTestView(t: LabTestRow): LabTestView {
  return { id: t.id, test_name: t.testName, test_code: t.testCode, instructions: t.instructions };
}

/** `today` is the patient's calendar date: an active prescription past its validity shows as expired. */
export function prescriptionView(p: PrescriptionDetail, today: string): PrescriptionView {
  const status = p.status === "active" && p.validUntil < today ? "expired" : p.status;
  return {
    id: p.id,
    patient_id: p.patientId,
    doctor_id: p.doctorId,
    doctor_name: p.doctorName,
    appointment_id: p.appointmentId,
    record_id: p.recordId,
    issued_at: p.issuedAt.toISOString(),
    valid_until: p.validUntil,
    status,
    notes: p.notes,
    items: p.items.map(itemView),
    lab_tests: p.labTests.map(labTestView),
    alerts: p.alerts as SafetyAlert[],
    acknowledged_alert_ids: p.acknowledgedAlertIds,
    override_reason: p.overrideReason,
  };
}

/** One readable line per medicine (and per lab test): the text of the clinical record entry. */
export function prescriptionSummary(
  items: readonly {
    medicineName: string;
    strength?: string | null | undefined;
    dose: string;
    frequency: string;
    durationDays: number;
    quantity: number;
    refills?: number | undefined;
    instructions?: string | null | undefined;
  }[],
  labTests: readonly { testName: string; instructions?: string | null | undefined }[],
): string {
  const lines = items.map((i) => {
    const name = i.strength ? `${i.medicineName} ${i.strength}` : i.medicineName;
    const refills = (i.refills ?? 0) > 0 ? `; refills: ${i.refills}` : "";
    const note = i.instructions ? `; ${i.instructions}` : "";
    return `${name}: ${i.dose}, ${i.frequency}, ${i.durationDays} days (qty ${i.quantity})${refills}${note}`;
  });
  for (const t of labTests)
    lines.push(`Lab test: ${t.testName}${t.instructions ? `; ${t.instructions}` : ""}`);
  return lines.join("\n");
}
