import type { LabAnalyteJson } from "../../../db/schema/index.js";
import { toMajor } from "../../shared/money.js";
import type { BookingDetail, LabTestRow, ResultRow } from "./repository.js";

export interface LabTestView {
  test_id: number;
  code: string;
  name: string;
  synonyms: string[];
  category: string;
  sample_type: string;
  preparation: string;
  price: number;
  currency: string;
  turnaround_hours: number;
  home_collection: boolean;
  analytes: { code: string; name: string; unit: string }[];
}

export function labTestView(t: LabTestRow): LabTestView {
  return {
    test_id: t.id,
    code: t.code,
    name: t.name,
    synonyms: t.synonyms,
    category: t.category,
    sample_type: t.sampleType,
    preparation: t.preparation,
    price: toMajor(t.priceMinor, t.currency),
    currency: t.currency,
    turnaround_hours: t.turnaroundHours,
    home_collection: t.homeCollection,
    analytes: t.analytes.map((a: LabAnalyteJson) => ({ code: a.code, name: a.name, unit: a.unit })),
  };
}

export interface ResultView {
  name: string;
  analyte_code: string | null;
  value: string;
  unit: string | null;
  reference_range: string | null;
  flag: string | null;
}

export function resultView(r: ResultRow): ResultView {
  return {
    name: r.name,
    analyte_code: r.analyteCode,
    value: r.value,
    unit: r.unit,
    reference_range: r.referenceRange,
    flag: r.flag,
  };
}

export interface BookingView {
  booking_id: number;
  patient_id: number;
  test_id: number;
  test_name: string;
  appointment_date: string;
  status: string;
  collection: string;
  address: string | null;
  preparation: string;
  sample_type: string;
  turnaround_hours: number;
  price: number;
  currency: string;
  payment_status: string;
  ordering_doctor_id: number | null;
  prescription_lab_test_id: number | null;
  record_id: number | null;
  result_summary: string | null;
  resulted_at: string | null;
  created_at: string;
  results: ResultView[];
  history: { from_status: string | null; status: string; note: string | null; at: string }[];
}

export function bookingView(b: BookingDetail): BookingView {
  return {
    booking_id: b.id,
    patient_id: b.patientId,
    test_id: b.labTestId,
    test_name: b.testName,
    appointment_date: b.appointmentDate,
    status: b.status,
    collection: b.collection,
    address: b.address,
    preparation: b.preparation,
    sample_type: b.sampleType,
    turnaround_hours: b.turnaroundHours,
    price: toMajor(b.priceMinor, b.currency),
    currency: b.currency,
    payment_status: b.paymentStatus,
    ordering_doctor_id: b.orderingDoctorId,
    prescription_lab_test_id: b.prescriptionLabTestId,
    record_id: b.recordId,
    result_summary: b.resultSummary,
    resulted_at: b.resultedAt?.toISOString() ?? null,
    created_at: b.createdAt.toISOString(),
    results: b.results.map(resultView),
    history: b.events.map((e) => ({
      from_status: e.fromStatus,
      status: e.toStatus,
      note: e.note,
      at: e.at.toISOString(),
    })),
  };
}

export interface LabReportView {
  booking_id: number;
  patient_id: number;
  test_name: string;
  appointment_date: string;
  resulted_at: string | null;
  record_id: number | null;
  summary: string | null;
  results: ResultView[];
}

export function reportView(b: BookingDetail): LabReportView {
  return {
    booking_id: b.id,
    patient_id: b.patientId,
    test_name: b.testName,
    appointment_date: b.appointmentDate,
    resulted_at: b.resultedAt?.toISOString() ?? null,
    record_id: b.recordId,
    summary: b.resultSummary,
    results: b.results.map(resultView),
  };
}
