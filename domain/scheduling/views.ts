import type { AppointmentStatus, VisitMode } from "../../db/schema/index.js";
import { toMajor } from "../shared/money.js";
import { instantToZoned, minutesToTime, timeToMinutes } from "../shared/time.js";
import type { AppointmentDetail, ExceptionRow } from "./repository.js";
import { requestStatus } from "./rules.js";

/** An appointment as the API and the bot show it: wall-clock date and time in the doctor's zone, plus instants. */
export interface AppointmentView {
  id: number;
  doctor_id: number;
  doctor_name: string;
  patient_id: number;
  patient_name: string;
  appointment_date: string;
  appointment_time: string;
  status: AppointmentStatus;
  starts_at: string;
  ends_at: string;
  time_zone: string;
  mode: VisitMode;
  /** In the currency's major unit (the API's number). */
  fee: number;
  /** The same fee in minor units: what the chat formats (domain/shared/money.ts). */
  fee_minor: number;
  currency: string;
  /** not_required | unpaid | paid | refunded | partially_refunded */
  payment_status: string;
  reason: string | null;
  status_reason: string | null;
  /** While proposed: the time the patient originally asked for. */
  previous_appointment_date: string | null;
  previous_appointment_time: string | null;
  previous_starts_at: string | null;
}

export function appointmentView(a: AppointmentDetail): AppointmentView {
  const local = instantToZoned(a.startsAt, a.timeZone);
  const previous = a.previousStartsAt ? instantToZoned(a.previousStartsAt, a.timeZone) : undefined;
  return {
    id: a.id,
    doctor_id: a.doctorId,
    doctor_name: a.doctorName,
    patient_id: a.patientId,
    patient_name: a.patientName,
    appointment_date: local.date,
    appointment_time: local.time,
    status: a.status,
    starts_at: a.startsAt.toISOString(),
    ends_at: a.endsAt.toISOString(),
    time_zone: a.timeZone,
    mode: a.mode,
    fee: toMajor(a.feeMinor, a.currency),
    fee_minor: a.feeMinor,
    currency: a.currency,
    payment_status: a.paymentStatus,
    reason: a.reason,
    status_reason: a.statusReason,
    previous_appointment_date: previous?.date ?? null,
    previous_appointment_time: previous?.time ?? null,
    previous_starts_at: a.previousStartsAt?.toISOString() ?? null,
  };
}

export interface AppointmentRequestView {
  request_id: number;
  appointment_id: number;
  patient_id: number;
  patient_name: string;
  appointment_date: string;
  appointment_time: string;
  /** pending | accepted (confirmed) | proposed | rejected | cancelled | completed | no_show */
  status: string;
  starts_at: string;
  ends_at: string;
  time_zone: string;
  mode: VisitMode;
  reason: string | null;
}

export function requestView(a: AppointmentDetail): AppointmentRequestView {
  const local = instantToZoned(a.startsAt, a.timeZone);
  return {
    request_id: a.id,
    appointment_id: a.id,
    patient_id: a.patientId,
    patient_name: a.patientName,
    appointment_date: local.date,
    appointment_time: local.time,
    status: requestStatus(a.status),
    starts_at: a.startsAt.toISOString(),
    ends_at: a.endsAt.toISOString(),
    time_zone: a.timeZone,
    mode: a.mode,
    reason: a.reason,
  };
}

export interface ExceptionView {
  id: number;
  doctor_id: number;
  date: string;
  start: string | null;
  end: string | null;
  reason: string | null;
}

export function exceptionView(e: ExceptionRow): ExceptionView {
  return {
    id: e.id,
    doctor_id: e.doctorId,
    date: e.date,
    start: e.startTime === null ? null : minutesToTime(timeToMinutes(e.startTime)),
    end: e.endTime === null ? null : minutesToTime(timeToMinutes(e.endTime)),
    reason: e.reason,
  };
}
