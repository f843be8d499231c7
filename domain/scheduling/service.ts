import type { Tx } from "../../db/client.js";
import { pgConstraint, pgErrorCode, PG } from "../../db/client.js";
import type { AppointmentStatus } from "../../db/schema/index.js";
import type { ServiceContext } from "../context.js";
import { requestReminderSync } from "../notifications/reminder-repository.js";
import { noReminderSync, type ReminderSync } from "../notifications/reminders.js";
import type { VisitMode } from "../doctors/repository.js";
import type { Bookable, DoctorsService } from "../doctors/service.js";
import { enqueueNotification } from "../notifications/outbox.js";
import { systemActor, type Actor } from "../shared/actor.js";
import { conflict, DomainError, forbidden, invalid, notFound, unprocessable } from "../shared/errors.js";
import {
  addDays,
  formatClockTime,
  ISO_DAYS,
  isIsoDate,
  minutesToTime,
  parseClockTime,
  timeToMinutes,
  todayIn,
} from "../shared/time.js";
import {
  SchedulingRepository,
  type AppointmentDetail,
  type AppointmentRow,
  type ListScope,
} from "./repository.js";
import {
  ACTIVE_STATUSES,
  assertTransition,
  daysMask,
  parseExceptionInput,
  parseWeekly,
  type AppointmentEvent,
  type WeeklyInput,
} from "./rules.js";
import {
  findBookableSlot,
  freeSlots,
  nextAvailability,
  nextAvailableDate,
  type DayException,
  type Slot,
} from "./slots.js";
import {
  appointmentView,
  exceptionView,
  requestView,
  type AppointmentRequestView,
  type AppointmentView,
  type ExceptionView,
} from "./views.js";

/** How far ahead the next free date is searched. */
export const NEXT_AVAILABLE_HORIZON_DAYS = 60;
const DAY_MS = 86_400_000;
const RELEASE_REASON = "The payment was not received in time; the slot was released.";

export type Side = "patient" | "doctor";

export interface AvailabilityView {
  doctor_id: number;
  timezone: string;
  auto_accept: boolean;
  weekly: { day: string; start: string; end: string; slot_minutes: number }[];
}

export interface DaySlotsView {
  slots: { appointment_date: string; appointment_time: string; starts_at: string; ends_at: string }[];
  time_zone: string;
  next_available_date: string | null;
}

export interface AppointmentPage {
  appointments: AppointmentView[];
  page: number;
  per_page: number;
  has_more: boolean;
}

/** A page of a doctor's patients (GET /api/doctor/patients/). */
export interface DoctorPatientsPage {
  patients: {
    patient_id: number;
    name: string;
    last_visit_at: string | null;
    next_visit_at: string | null;
  }[];
  page: number;
  per_page: number;
  has_more: boolean;
}

export interface BookInput {
  doctorId: number;
  appointmentDate: string;
  appointmentTime: string;
  patientName?: string | undefined;
  /** in_person (default), video, audio or chat: one of the modes the doctor offers. */
  mode?: VisitMode | undefined;
  reason?: string | undefined;
}

/** What a booking's payment looks like to the patient (null when the consultation is free). */
export interface BookingPayment {
  id: number;
  status: string;
  amount: number;
  currency: string;
  checkout_url: string;
  expires_at: string;
}

/**
 * The payments module's hooks into the appointment lifecycle, called inside scheduling's transactions
 * (afterChange after the commit). The default does nothing (free consultations, tests of scheduling alone).
 */
export interface AppointmentPaymentHooks {
  /**
   * How a new booking waits for its payment: set in the insert itself (a later update of the new row would
   * re-check the EXCLUDE constraint against concurrent bookings of the slot and could deadlock with them).
   */
  holdFor(q: { feeMinor: number }): { paymentStatus: string; paymentHoldUntil: Date | null };
  /** Unpaid holds past their time were released (cancelled) in this transaction: close their payments. */
  holdsReleased(tx: Tx, appointmentIds: readonly number[]): Promise<void>;
  /** A booking was inserted: ask for its fee. */
  booked(tx: Tx, appt: AppointmentDetail): Promise<BookingPayment | null>;
  /** A change was written: refunds (reject, cancel), earnings (complete). */
  changed(tx: Tx, appt: AppointmentDetail, event: AppointmentEvent, side: Side): Promise<void>;
  /** After the commit of a booking or a change: schedule its payment jobs, run its refunds. */
  afterChange(appointmentId: number): Promise<void>;
  /** What cancelling now would refund, by the refund rules (null: nothing was paid). Reads only. */
  refundQuote?(appt: AppointmentDetail, side: Side): Promise<RefundQuote | null>;
}

/** What a cancellation would give back: what was paid and what of it is refunded. */
export interface RefundQuote {
  paid_minor: number;
  refund_minor: number;
  currency: string;
}

const noPayments: AppointmentPaymentHooks = {
  holdFor: () => ({ paymentStatus: "not_required", paymentHoldUntil: null }),
  holdsReleased: () => Promise.resolve(),
  booked: () => Promise.resolve(null),
  changed: () => Promise.resolve(),
  afterChange: () => Promise.resolve(),
};

/**
 * Weekly availability, exceptions, slots and the appointment lifecycle.
 *
 * Every change of an appointment happens in one transaction with an appointment_events row, an audit row and
 * a notification for the other side in the outbox. Overlaps are refused by the database (EXCLUDE constraints);
 * this code inserts or updates and translates the violation, it never checks first.
 *
 * A declined proposal cancels the appointment: the doctor proposed another time because the original one
 * did not suit them, so returning to it silently would book a time the doctor has said no to.
 */
export class SchedulingService {
  private readonly repo: SchedulingRepository;

  /** `reminders`: after the commit of every booking or change, the appointment's reminders follow it. */
  constructor(
    readonly ctx: ServiceContext,
    readonly doctors: DoctorsService,
    private readonly payments: AppointmentPaymentHooks = noPayments,
    private readonly reminders: ReminderSync = noReminderSync,
    /** Asks the patient to rate a completed visit, in the completion's transaction (domain/ratings). */
    private readonly ratings?: {
      requestInTx(
        tx: Tx,
        appt: { id: number; doctorId: number; patientId: number; patientUserId: number; doctorName: string },
      ): Promise<void>;
    },
  ) {
    this.repo = new SchedulingRepository(ctx.db);
  }

  // Doctors -----------------------------------------------------------------------------------------

  /** A verified doctor that can be booked, or 404. */
  private bookable(doctorId: number): Promise<Bookable> {
    return this.doctors.getBookable(doctorId);
  }

  // Weekly availability -----------------------------------------------------------------------------

  /** The weekly schedule (public). */
  async getAvailability(doctorId: number): Promise<AvailabilityView> {
    const doctor = await this.bookable(doctorId);
    return this.availabilityView(doctor, await this.repo.weeklyOf(doctorId));
  }

  /** Replaces the weekly schedule, the doctor's zone and auto-accept, atomically. */
  async setAvailability(
    actor: Actor,
    input: { doctorId?: number | undefined; timezone: string; weekly: WeeklyInput[]; autoAccept: boolean },
  ): Promise<AvailabilityView> {
    const doctorId = await this.ctx.access.doctorScope(actor, input.doctorId);
    const windows = parseWeekly(input.timezone, input.weekly);
    const doctor = await this.doctors.find(doctorId);
    if (!doctor) throw notFound("Doctor");
    await this.ctx.db.transaction(async (tx) => {
      await this.repo.replaceWeekly(tx, doctorId, windows, {
        timeZone: input.timezone,
        autoAccept: input.autoAccept,
        availableDaysMask: daysMask(windows),
        now: this.ctx.clock.now(),
      });
    });
    await this.scheduleChanged(doctorId, true);
    return this.availabilityView(
      { ...doctor, timeZone: input.timezone, autoAccept: input.autoAccept },
      windows,
    );
  }

  private availabilityView(
    doctor: Pick<Bookable, "id" | "timeZone" | "autoAccept">,
    windows: Awaited<ReturnType<SchedulingRepository["weeklyOf"]>>,
  ): AvailabilityView {
    return {
      doctor_id: doctor.id,
      timezone: doctor.timeZone,
      auto_accept: doctor.autoAccept,
      weekly: windows.map((w) => ({
        day: ISO_DAYS[w.isoDay - 1]!,
        start: minutesToTime(w.startMinutes),
        end: minutesToTime(w.endMinutes),
        slot_minutes: w.slotMinutes,
      })),
    };
  }

  // Exceptions --------------------------------------------------------------------------------------

  async listExceptions(
    actor: Actor,
    input: { doctorId?: number | undefined; from?: string | undefined; to?: string | undefined },
  ): Promise<ExceptionView[]> {
    const doctorId = await this.ctx.access.doctorScope(actor, input.doctorId);
    const doctor = await this.doctors.find(doctorId);
    if (!doctor) throw notFound("Doctor");
    for (const d of [input.from, input.to]) {
      if (d !== undefined && !isIsoDate(d))
        throw invalid("INVALID_DATE", `"${d}" is not a date (YYYY-MM-DD).`);
    }
    const from = input.from ?? todayIn(doctor.timeZone, this.ctx.clock.now());
    const to = input.to ?? addDays(from, 366);
    return (await this.repo.exceptionsBetween(doctorId, from, to)).map(exceptionView);
  }

  async addException(
    actor: Actor,
    input: {
      doctorId?: number | undefined;
      date: string;
      start?: string | undefined;
      end?: string | undefined;
      reason?: string | undefined;
    },
  ): Promise<ExceptionView> {
    const doctorId = await this.ctx.access.doctorScope(actor, input.doctorId);
    const times = parseExceptionInput(input);
    if (!(await this.doctors.find(doctorId))) throw notFound("Doctor");
    const row = await this.repo.insertException({
      doctorId,
      date: input.date,
      ...times,
      reason: input.reason ?? null,
    });
    await this.scheduleChanged(doctorId, true);
    return exceptionView(row);
  }

  async removeException(actor: Actor, id: number): Promise<void> {
    const row = await this.repo.findException(id);
    if (!row) throw notFound("Exception");
    try {
      await this.ctx.access.doctorScope(actor, row.doctorId);
    } catch {
      throw notFound("Exception");
    }
    if (!(await this.repo.deleteException(row.doctorId, id))) throw notFound("Exception");
    await this.scheduleChanged(row.doctorId, true);
  }

  // Slots -------------------------------------------------------------------------------------------

  private notBefore(): Date {
    return new Date(this.ctx.clock.now().getTime() + this.ctx.config.scheduling.minLeadMinutes * 60_000);
  }

  private async exceptionsOf(doctorId: number, from: string, to: string): Promise<DayException[]> {
    return (await this.repo.exceptionsBetween(doctorId, from, to)).map((e) => ({
      date: e.date,
      startMinutes: e.startTime === null ? null : timeToMinutes(e.startTime),
      endMinutes: e.endTime === null ? null : timeToMinutes(e.endTime),
    }));
  }

  /** A day's free slots in the doctor's zone (public), and the first date from then on with a free slot. */
  async daySlots(doctorId: number, date: string): Promise<DaySlotsView> {
    if (!isIsoDate(date)) throw invalid("INVALID_DATE", `"${date}" is not a date (YYYY-MM-DD).`);
    const doctor = await this.bookable(doctorId);
    const today = todayIn(doctor.timeZone, this.ctx.clock.now());
    const from = date < today ? today : date;
    const to = addDays(from, NEXT_AVAILABLE_HORIZON_DAYS);
    const first = date < from ? date : from;
    const [weekly, exceptions, busy] = await Promise.all([
      this.repo.weeklyOf(doctorId),
      this.exceptionsOf(doctorId, first, to),
      this.repo.busyBetween(doctorId, dayBefore(first), dayAfter(to), this.ctx.clock.now()),
    ]);
    const q = { timeZone: doctor.timeZone, weekly, exceptions, busy, notBefore: this.notBefore() };
    const slots = freeSlots({ ...q, date });
    return {
      slots: slots.map(slotView),
      time_zone: doctor.timeZone,
      next_available_date: nextAvailableDate({ ...q, from, days: NEXT_AVAILABLE_HORIZON_DAYS }),
    };
  }

  /**
   * The first date (from `from`, default today in the doctor's zone, up to 60 days on) with a free slot,
   * or null. For the doctor profile and search results.
   */
  async nextAvailableDate(doctorId: number, from?: string): Promise<string | null> {
    const doctor = await this.doctors.find(doctorId);
    if (!doctor) return null;
    const now = this.ctx.clock.now();
    const today = todayIn(doctor.timeZone, now);
    const start = from !== undefined && from > today ? from : today;
    // From today, the answer is kept on the doctor's row (it is on every doctor page) for as long as it holds
    // (nextAvailability); any booking or schedule change of the doctor drops it.
    if (start !== today) return this.computeNextAvailableDate(doctor, start);
    if (doctor.nextFreeUntil !== null && doctor.nextFreeUntil > now) return doctor.nextFreeDate;
    const { date, until } = await this.computeNextAvailability(doctor, start);
    await this.doctors.storeNextFree(doctorId, date, until);
    return date;
  }

  /**
   * The first `count` dates with a free slot, today on: each the nextAvailableDate from the day after the
   * one before (up to 60 days on from it). The schedule is read once (the chat's "pick a day" list).
   */
  async nextAvailableDates(doctorId: number, count: number): Promise<string[]> {
    const doctor = await this.doctors.find(doctorId);
    if (!doctor) return [];
    const start = todayIn(doctor.timeZone, this.ctx.clock.now());
    const to = addDays(start, (NEXT_AVAILABLE_HORIZON_DAYS + 1) * count);
    const [weekly, exceptions, busy] = await Promise.all([
      this.repo.weeklyOf(doctorId),
      this.exceptionsOf(doctorId, start, to),
      this.repo.busyBetween(doctorId, dayBefore(start), dayAfter(to), this.ctx.clock.now()),
    ]);
    const q = { timeZone: doctor.timeZone, weekly, exceptions, busy, notBefore: this.notBefore() };
    const days: string[] = [];
    let from = start;
    while (days.length < count) {
      const next = nextAvailableDate({ ...q, from, days: NEXT_AVAILABLE_HORIZON_DAYS });
      if (next === null) break;
      days.push(next);
      from = addDays(next, 1);
    }
    return days;
  }

  private async computeNextAvailableDate(doctor: Bookable, start: string): Promise<string | null> {
    return (await this.computeNextAvailability(doctor, start)).date;
  }

  private async computeNextAvailability(doctor: Bookable, start: string) {
    const doctorId = doctor.id;
    const to = addDays(start, NEXT_AVAILABLE_HORIZON_DAYS);
    const now = this.ctx.clock.now();
    const [weekly, exceptions, busy] = await Promise.all([
      this.repo.weeklyOf(doctorId),
      this.exceptionsOf(doctorId, start, to),
      this.repo.busyBetween(doctorId, dayBefore(start), dayAfter(to), now),
    ]);
    return nextAvailability({
      timeZone: doctor.timeZone,
      weekly,
      exceptions,
      busy,
      notBefore: this.notBefore(),
      from: start,
      days: NEXT_AVAILABLE_HORIZON_DAYS,
      now,
      leadMs: this.ctx.config.scheduling.minLeadMinutes * 60_000,
    });
  }

  /** The real slot at this date and wall time (on the grid, not in an exception, far enough ahead), or 422. */
  private async slotAt(doctor: Pick<Bookable, "id" | "timeZone">, date: string, time: string): Promise<Slot> {
    if (!isIsoDate(date)) throw invalid("INVALID_DATE", `"${date}" is not a date (YYYY-MM-DD).`);
    const minutes = parseClockTime(time);
    if (minutes === undefined) throw invalid("INVALID_TIME", `"${time}" is not a time like "10:30 AM".`);
    const [weekly, exceptions] = await Promise.all([
      this.repo.weeklyOf(doctor.id),
      this.exceptionsOf(doctor.id, date, date),
    ]);
    const slot = findBookableSlot(
      { date, timeZone: doctor.timeZone, weekly, exceptions, notBefore: this.notBefore() },
      minutes,
    );
    if (!slot) {
      throw unprocessable("SLOT_UNAVAILABLE", "That time is not an available slot for this doctor.", {
        appointment_date: date,
        appointment_time: time,
      });
    }
    return slot;
  }

  // Appointments: booking ---------------------------------------------------------------------------

  /** A patient books a slot: pending, or confirmed at once if the doctor auto-accepts. */
  async book(actor: Actor, input: BookInput): Promise<AppointmentView> {
    return (await this.bookWithPayment(actor, input)).appointment;
  }

  /**
   * Books, and asks for the fee in the same transaction: an unpaid booking holds its slot only until the
   * payment expires. Unpaid holds past their time that overlap the slot are released first, in the same
   * transaction, so they never block a booking.
   */
  async bookWithPayment(
    actor: Actor,
    input: BookInput,
  ): Promise<{ appointment: AppointmentView; payment: BookingPayment | null }> {
    if (actor.role !== "patient" || actor.patientId === undefined)
      throw forbidden("PATIENTS_ONLY", "Only patients book appointments.");
    const doctor = await this.bookable(input.doctorId);
    const patient = await this.repo.findPatient(actor.patientId);
    if (!patient) throw notFound("Patient");
    const mode = input.mode ?? "in_person";
    if (!doctor.modes.includes(mode))
      throw unprocessable("MODE_NOT_OFFERED", `This doctor does not offer ${mode.replace("_", " ")} visits.`);
    const slot = await this.slotAt(doctor, input.appointmentDate, input.appointmentTime);
    const status: AppointmentStatus = doctor.autoAccept ? "confirmed" : "pending";
    const now = this.ctx.clock.now();
    let payment: BookingPayment | null = null;
    let released: number[] = [];
    const appointment = await this.write(async (tx) => {
      released = await this.releaseStaleHolds(tx, {
        doctorId: doctor.id,
        patientId: patient.id,
        startsAt: slot.startsAt,
        endsAt: slot.endsAt,
      });
      const hold = this.payments.holdFor({ feeMinor: doctor.feeMinor });
      const row = await this.repo.insertAppointment(tx, {
        doctorId: doctor.id,
        patientId: patient.id,
        startsAt: slot.startsAt,
        endsAt: slot.endsAt,
        status,
        mode,
        patientName: input.patientName?.trim() || patient.name,
        reason: input.reason ?? null,
        feeMinor: doctor.feeMinor,
        currency: doctor.currency,
        ...hold,
        createdByUserId: actor.userId,
        createdAt: now,
        updatedAt: now,
      });
      const appt: AppointmentDetail = {
        ...row,
        doctorName: doctor.name,
        timeZone: doctor.timeZone,
        doctorUserId: doctor.userId,
        autoAccept: doctor.autoAccept,
        patientUserId: patient.userId,
      };
      payment = await this.payments.booked(tx, appt);
      await this.recordChange(tx, actor, "patient", appt, "booked", null);
      return appointmentView(appt);
    });
    for (const id of released) await this.payments.afterChange(id);
    if (payment) await this.payments.afterChange(appointment.id);
    return { appointment, payment };
  }

  // Appointments: changes ---------------------------------------------------------------------------

  /** Moves an appointment to another real slot. By the patient: back to pending unless auto-accept. */
  async reschedule(
    actor: Actor,
    id: number,
    input: { appointmentDate: string; appointmentTime: string },
  ): Promise<AppointmentView> {
    const { appt: seen, side } = await this.authorize(actor, id, "reschedule");
    const slot = await this.slotAt(
      { id: seen.doctorId, timeZone: seen.timeZone },
      input.appointmentDate,
      input.appointmentTime,
    );
    return this.change(actor, id, side, "rescheduled", (appt) => ({
      status: side === "doctor" || appt.autoAccept ? "confirmed" : "pending",
      startsAt: slot.startsAt,
      endsAt: slot.endsAt,
      previousStartsAt: null,
      previousEndsAt: null,
      data: { from_starts_at: appt.startsAt.toISOString(), to_starts_at: slot.startsAt.toISOString() },
    }));
  }

  /** Either side cancels; the reason is kept. */
  async cancel(actor: Actor, id: number, reason?: string): Promise<AppointmentView> {
    const { side } = await this.authorize(actor, id, "cancel");
    return this.change(actor, id, side, "cancelled", () => ({
      status: "cancelled",
      statusReason: reason?.trim() || null,
      data: { reason_given: Boolean(reason?.trim()) },
    }));
  }

  /**
   * What cancelling this appointment now would refund, before the person confirms: null when nothing was paid
   * (an unpaid hold simply closes). The same rules the cancellation then applies.
   */
  async cancellationRefund(actor: Actor, id: number): Promise<RefundQuote | null> {
    const { appt, side } = await this.authorize(actor, id, "read");
    return (await this.payments.refundQuote?.(appt, side)) ?? null;
  }

  async accept(actor: Actor, id: number): Promise<AppointmentView> {
    const { side } = await this.authorize(actor, id, "accept", "doctor");
    return this.change(actor, id, side, "accepted", () => ({ status: "confirmed" }));
  }

  async reject(actor: Actor, id: number, reason?: string): Promise<AppointmentView> {
    const { side } = await this.authorize(actor, id, "reject", "doctor");
    return this.change(actor, id, side, "rejected", () => ({
      status: "rejected",
      statusReason: reason?.trim() || null,
      data: { reason_given: Boolean(reason?.trim()) },
    }));
  }

  /** The doctor proposes another time: the new slot is held, the original kept in previous_*. */
  async propose(
    actor: Actor,
    id: number,
    input: { appointmentDate: string; appointmentTime: string },
  ): Promise<AppointmentView> {
    const { appt: seen, side } = await this.authorize(actor, id, "propose", "doctor");
    const slot = await this.slotAt(
      { id: seen.doctorId, timeZone: seen.timeZone },
      input.appointmentDate,
      input.appointmentTime,
    );
    return this.change(actor, id, side, "proposed", (appt) => ({
      status: "proposed",
      startsAt: slot.startsAt,
      endsAt: slot.endsAt,
      // Proposing again keeps the time the patient first asked for.
      previousStartsAt: appt.previousStartsAt ?? appt.startsAt,
      previousEndsAt: appt.previousEndsAt ?? appt.endsAt,
      data: { from_starts_at: appt.startsAt.toISOString(), to_starts_at: slot.startsAt.toISOString() },
    }));
  }

  /** The patient answers a proposal: accept → confirmed at the proposed time; decline → cancelled. */
  async answerProposal(actor: Actor, id: number, accept: boolean): Promise<AppointmentView> {
    const { side } = await this.authorize(actor, id, "answer_proposal", "patient");
    if (accept) {
      return this.change(actor, id, side, "proposal_accepted", () => ({
        status: "confirmed",
        previousStartsAt: null,
        previousEndsAt: null,
      }));
    }
    return this.change(actor, id, side, "proposal_declined", () => ({
      status: "cancelled",
      statusReason: "The patient declined the proposed time.",
    }));
  }

  /**
   * The patient confirms they will come (a reminder's "Confirm"): records patient_confirmed_at on a
   * confirmed appointment; again is harmless.
   */
  async confirmAttendance(actor: Actor, id: number): Promise<AppointmentView> {
    const { appt } = await this.authorize(actor, id, "confirm_attendance", "patient");
    if (appt.status !== "confirmed")
      throw conflict(
        "APPOINTMENT_NOT_CONFIRMED",
        "Only a confirmed appointment can be confirmed by the patient.",
      );
    const now = this.ctx.clock.now();
    await this.ctx.db.transaction(async (tx) => {
      await this.repo.updateAppointment(tx, id, { patientConfirmedAt: now });
      await this.ctx.audit.record(
        actor,
        {
          patientId: appt.patientId,
          action: "confirm_attendance",
          resourceType: "appointment",
          resourceId: id,
          outcome: "allowed",
        },
        tx,
      );
    });
    return appointmentView(appt);
  }

  async complete(actor: Actor, id: number): Promise<AppointmentView> {
    const { side } = await this.authorize(actor, id, "complete", "doctor");
    return this.change(actor, id, side, "completed", (appt) => {
      this.assertStarted(appt);
      return { status: "completed" };
    });
  }

  /**
   * The visit of an online appointment ended (the consultations module saw both people leave, or the
   * provider's room end): the appointment is completed, as if its doctor had marked it. Idempotent: an
   * appointment no longer confirmed is left as it is.
   */
  async completeAfterVisit(id: number): Promise<void> {
    const appt = await this.repo.findAppointment(id);
    if (appt?.status !== "confirmed" || appt.doctorUserId === null) return;
    const doctor: Actor = {
      userId: appt.doctorUserId,
      role: "doctor",
      doctorId: appt.doctorId,
      channel: "system",
    };
    try {
      await this.change(doctor, id, "doctor", "completed", () => ({ status: "completed" }));
    } catch (err) {
      // Completed (or cancelled) meanwhile by someone else: nothing left to do.
      if (err instanceof DomainError && err.code === "INVALID_TRANSITION") return;
      throw err;
    }
  }

  async noShow(actor: Actor, id: number): Promise<AppointmentView> {
    const { side } = await this.authorize(actor, id, "no_show", "doctor");
    return this.change(actor, id, side, "no_show", (appt) => {
      this.assertStarted(appt);
      return { status: "no_show" };
    });
  }

  private assertStarted(appt: AppointmentDetail): void {
    if (this.ctx.clock.now() < appt.startsAt)
      throw unprocessable(
        "APPOINTMENT_NOT_STARTED",
        "This can be recorded only after the appointment's start time.",
      );
  }

  // Appointments: reads -----------------------------------------------------------------------------

  async get(actor: Actor, id: number): Promise<AppointmentView> {
    const { appt } = await this.authorize(actor, id, "read");
    await this.ctx.audit.record(actor, {
      patientId: appt.patientId,
      action: "read",
      resourceType: "appointment",
      resourceId: appt.id,
      outcome: "allowed",
    });
    return appointmentView(appt);
  }

  /**
   * The number to dial for a call the appointment's doctor (or their nurse) places from the browser: the
   * clinic's Twilio number calls it, and the number never reaches the browser. Someone else's appointment →
   * 404, as for reading it; the call is audited.
   */
  async patientPhoneForCall(actor: Actor, id: number): Promise<string | null> {
    if (actor.role !== "doctor" && actor.role !== "nurse") throw notFound("Appointment");
    const { appt } = await this.authorize(actor, id, "read");
    await this.ctx.audit.record(actor, {
      patientId: appt.patientId,
      action: "call",
      resourceType: "appointment",
      resourceId: appt.id,
      outcome: "allowed",
    });
    return this.repo.patientPhone(id);
  }

  async listForPatient(
    actor: Actor,
    input: { patientId?: number | undefined; scope: ListScope; page: number; perPage: number },
  ): Promise<AppointmentPage> {
    const patientId = await this.ctx.access.patientScope(actor, input.patientId, {
      action: "list",
      resourceType: "appointment",
    });
    const rows = await this.repo.list({
      patientId,
      scope: input.scope,
      now: this.ctx.clock.now(),
      limit: input.perPage + 1,
      offset: (input.page - 1) * input.perPage,
    });
    await this.ctx.audit.record(actor, {
      patientId,
      action: "list",
      resourceType: "appointment",
      outcome: "allowed",
    });
    return this.page(rows, input);
  }

  async listForDoctor(
    actor: Actor,
    input: { doctorId?: number | undefined; scope: ListScope; page: number; perPage: number },
  ): Promise<AppointmentPage> {
    const doctorId = await this.careTeamDoctor(actor, input.doctorId);
    const rows = await this.repo.list({
      doctorId,
      scope: input.scope,
      now: this.ctx.clock.now(),
      limit: input.perPage + 1,
      offset: (input.page - 1) * input.perPage,
    });
    const result = this.page(rows, input);
    await this.auditListed(
      actor,
      result.appointments.map((a) => a.patient_id),
    );
    return result;
  }

  /**
   * A doctor's patients (their care team: an appointment together, or added to the patient's care team), by
   * name, optionally those whose name contains `q`; each with the last and the next appointment with the doctor.
   */
  async doctorPatients(
    actor: Actor,
    input: { doctorId?: number | undefined; q?: string | undefined; page: number; perPage: number },
  ): Promise<DoctorPatientsPage> {
    const doctorId = await this.careTeamDoctor(actor, input.doctorId);
    const rows = await this.repo.doctorPatients({
      doctorId,
      doctorUserId: await this.repo.doctorUserId(this.ctx.db, doctorId),
      q: input.q,
      now: this.ctx.clock.now(),
      limit: input.perPage + 1,
      offset: (input.page - 1) * input.perPage,
    });
    const shown = rows.slice(0, input.perPage);
    await this.ctx.audit.recordMany(
      actor,
      shown.map((r) => ({
        patientId: r.id,
        action: "list",
        resourceType: "patient",
        outcome: "allowed" as const,
      })),
    );
    return {
      patients: shown.map((r) => ({
        patient_id: r.id,
        name: r.name,
        last_visit_at: r.lastAt?.toISOString() ?? null,
        next_visit_at: r.nextAt?.toISOString() ?? null,
      })),
      page: input.page,
      per_page: input.perPage,
      has_more: rows.length > input.perPage,
    };
  }

  /** A doctor's requests: not yet ended, pending first. */
  async requests(
    actor: Actor,
    input: { doctorId?: number | undefined; page: number; perPage: number },
  ): Promise<AppointmentRequestView[]> {
    const doctorId = await this.careTeamDoctor(actor, input.doctorId);
    const rows = await this.repo.requests({
      doctorId,
      now: this.ctx.clock.now(),
      limit: input.perPage,
      offset: (input.page - 1) * input.perPage,
    });
    await this.auditListed(
      actor,
      rows.map((r) => r.patientId),
    );
    return rows.map(requestView);
  }

  // Internals ---------------------------------------------------------------------------------------

  private page(rows: AppointmentDetail[], input: { page: number; perPage: number }): AppointmentPage {
    return {
      appointments: rows.slice(0, input.perPage).map(appointmentView),
      page: input.page,
      per_page: input.perPage,
      has_more: rows.length > input.perPage,
    };
  }

  private async auditListed(actor: Actor, patientIds: number[]): Promise<void> {
    await this.ctx.audit.recordMany(
      actor,
      [...new Set(patientIds)].map((patientId) => ({
        patientId,
        action: "list",
        resourceType: "appointment",
        outcome: "allowed" as const,
      })),
    );
  }

  /** The doctor whose appointments (patient data) are asked for: the doctor themself or an assigned nurse. */
  private async careTeamDoctor(actor: Actor, requested: number | undefined): Promise<number> {
    if (actor.role !== "doctor" && actor.role !== "nurse") throw notFound("Doctor");
    return this.ctx.access.doctorScope(actor, requested);
  }

  /**
   * Which side of this appointment the actor is on. Strangers (and admins: appointments are patient data)
   * get 404 and an audit row; a party asking for the other side's action gets 403.
   */
  private async authorize(
    actor: Actor,
    id: number,
    action: string,
    required?: Side,
  ): Promise<{ appt: AppointmentDetail; side: Side }> {
    const appt = await this.repo.findAppointment(id);
    let side: Side | undefined;
    if (appt) {
      if (actor.role === "patient" && actor.patientId === appt.patientId) side = "patient";
      else if (actor.role === "doctor" && actor.doctorId === appt.doctorId) side = "doctor";
      else if (actor.role === "nurse" && (await this.repo.nurseHasDoctor(actor.userId, appt.doctorId)))
        side = "doctor";
    }
    if (!appt || !side) {
      await this.ctx.audit.record(actor, {
        patientId: appt?.patientId ?? null,
        action,
        resourceType: "appointment",
        resourceId: id,
        outcome: "not_found",
      });
      throw notFound("Appointment");
    }
    if (required && side !== required) {
      await this.ctx.audit.record(actor, {
        patientId: appt.patientId,
        action,
        resourceType: "appointment",
        resourceId: id,
        outcome: "denied",
      });
      throw forbidden("NOT_YOUR_ACTION", `Only the ${required} can do this.`);
    }
    return { appt, side };
  }

  /**
   * One state change, in one transaction: lock the row, check the transition, update, and record the
   * event, the audit row and the other side's notification.
   */
  private async change(
    actor: Actor,
    id: number,
    side: Side,
    event: Exclude<AppointmentEvent, "booked">,
    plan: (appt: AppointmentDetail) => {
      status: AppointmentStatus;
      startsAt?: Date;
      endsAt?: Date;
      previousStartsAt?: Date | null;
      previousEndsAt?: Date | null;
      statusReason?: string | null;
      data?: Record<string, unknown>;
    },
  ): Promise<AppointmentView> {
    let released: number[] = [];
    const view = await this.write(async (tx) => {
      const before = await this.repo.lockAppointment(tx, id);
      if (!before) throw notFound("Appointment");
      assertTransition(event, before.status);
      const { data, ...set } = plan(before);
      const now = this.ctx.clock.now();
      if (set.startsAt && set.endsAt) {
        // Moving to another time: unpaid holds past their time there must not block it (as for a booking).
        released = await this.releaseStaleHolds(tx, {
          doctorId: before.doctorId,
          patientId: before.patientId,
          startsAt: set.startsAt,
          endsAt: set.endsAt,
        });
      }
      await this.repo.updateAppointment(tx, id, { ...set, updatedAt: now });
      const after: AppointmentDetail = { ...before, ...set, updatedAt: now };
      await this.recordChange(tx, actor, side, after, event, before.status, data);
      if (event === "completed") await this.ratings?.requestInTx(tx, after);
      await this.payments.changed(tx, after, event, side);
      return appointmentView(after);
    });
    for (const r of released) await this.payments.afterChange(r);
    await this.payments.afterChange(id);
    return view;
  }

  // Payments: the payments module's changes of an appointment, each in the caller's transaction ----------

  /**
   * Releases (cancels) unpaid holds past their time that overlap a time of this doctor or patient, so a stale
   * hold never blocks a booking even if its release job has not run; their payments are closed. Returns their ids.
   */
  private async releaseStaleHolds(
    tx: Tx,
    q: { doctorId: number; patientId: number; startsAt: Date; endsAt: Date },
  ): Promise<number[]> {
    const now = this.ctx.clock.now();
    const stale = await this.repo.lockStaleHolds(tx, { ...q, now });
    for (const appt of stale) await this.releaseHold(tx, appt, now);
    const ids = stale.map((a) => a.id);
    if (ids.length > 0) await this.payments.holdsReleased(tx, ids);
    return ids;
  }

  /**
   * The payment window of an unpaid appointment closed (the payment's expiry): the appointment is cancelled
   * and its slot released, if it is still unpaid and active. Idempotent.
   */
  async releaseUnpaid(tx: Tx, appointmentId: number, now: Date): Promise<boolean> {
    const appt = await this.repo.lockRow(tx, appointmentId);
    if (!appt || appt.paymentStatus !== "unpaid") return false;
    if (!(ACTIVE_STATUSES as readonly string[]).includes(appt.status)) return false;
    await this.releaseHold(tx, appt, now);
    return true;
  }

  private async releaseHold(tx: Tx, appt: AppointmentRow, now: Date): Promise<void> {
    assertTransition("cancelled", appt.status);
    await this.repo.updateAppointment(tx, appt.id, {
      status: "cancelled",
      statusReason: RELEASE_REASON,
      paymentHoldUntil: null,
      updatedAt: now,
    });
    await this.recordSystemChange(tx, appt, "cancelled", appt.status, "cancelled", now, {
      reason: "payment_timeout",
    });
    // The patient is told on their channel: the time to pay ran out and the slot is free again.
    const detail = await this.repo.findAppointment(appt.id, tx);
    if (detail?.patientUserId != null) {
      const view = appointmentView(detail);
      await enqueueNotification(tx, {
        userId: detail.patientUserId,
        template: "appointment.payment_expired",
        idempotencyKey: `appointment:${appt.id}:payment_expired`,
        notBefore: now,
        data: {
          appointment_id: appt.id,
          doctor_name: detail.doctorName,
          appointment_date: view.appointment_date,
          appointment_time: view.appointment_time,
          time_zone: detail.timeZone,
          starts_at: view.starts_at,
        },
      });
    }
  }

  /**
   * The appointment's payment arrived. "accepted": it goes ahead (the doctor is told it is paid). "delivered":
   * it already happened (completed or no-show). "unwanted": released or cancelled meanwhile (refunded in full).
   */
  async paymentReceived(
    tx: Tx,
    appointmentId: number,
    now: Date,
  ): Promise<"accepted" | "delivered" | "unwanted"> {
    const appt = await this.repo.lockRow(tx, appointmentId);
    if (!appt || appt.paymentStatus !== "unpaid") return "unwanted";
    const active = (ACTIVE_STATUSES as readonly string[]).includes(appt.status);
    if (!active && appt.status !== "completed" && appt.status !== "no_show") return "unwanted";
    await this.repo.updateAppointment(tx, appointmentId, {
      paymentStatus: "paid",
      paymentHoldUntil: null,
      updatedAt: now,
    });
    await this.recordSystemChange(tx, appt, "paid", appt.status, appt.status, now);
    if (!active) return "delivered";
    // The doctor learns the request is paid (ids only; the console shows the rest).
    const doctorUserId = await this.repo.doctorUserId(tx, appt.doctorId);
    if (doctorUserId !== null)
      await enqueueNotification(tx, {
        userId: doctorUserId,
        template: "appointment.paid",
        idempotencyKey: `appointment:${appointmentId}:paid`,
        notBefore: now,
        data: { appointment_id: appointmentId, status: appt.status },
      });
    return "accepted";
  }

  /** Money went back: a paid appointment shows as refunded (fully or partly). */
  async paymentRefunded(tx: Tx, appointmentId: number, fully: boolean, now: Date): Promise<void> {
    const appt = await this.repo.lockRow(tx, appointmentId);
    if (!appt || appt.paymentStatus === "unpaid" || appt.paymentStatus === "not_required") return;
    const paymentStatus = fully ? "refunded" : "partially_refunded";
    if (appt.paymentStatus === paymentStatus) return;
    await this.repo.updateAppointment(tx, appointmentId, { paymentStatus, paymentHoldUntil: null });
    await this.recordSystemChange(tx, appt, paymentStatus, appt.status, appt.status, now);
  }

  /** A change made by the system (no one to notify): the event row and the audit row. */
  private async recordSystemChange(
    tx: Tx,
    appt: AppointmentRow,
    type: string,
    from: AppointmentStatus,
    to: AppointmentStatus,
    now: Date,
    data: Record<string, unknown> = {},
  ): Promise<void> {
    // A change inside another module's transaction (a payment): its reminders follow by the relay's sweep.
    await requestReminderSync(tx, "appointment", appt.id, now);
    await this.repo.insertEvent(tx, {
      appointmentId: appt.id,
      actorUserId: null,
      type,
      fromStatus: from,
      toStatus: to,
      data: { by: "system", ...data },
      at: now,
    });
    await this.ctx.audit.record(
      systemActor,
      {
        patientId: appt.patientId,
        action: type,
        resourceType: "appointment",
        resourceId: appt.id,
        outcome: "allowed",
      },
      tx,
    );
  }

  /** The event row, the audit row and the outbox message to the other side, in the caller's transaction. */
  private async recordChange(
    tx: Tx,
    actor: Actor,
    side: Side,
    appt: AppointmentDetail,
    event: AppointmentEvent,
    from: AppointmentStatus | null,
    data: Record<string, unknown> = {},
  ): Promise<void> {
    const now = this.ctx.clock.now();
    const eventId = await this.repo.insertEvent(tx, {
      appointmentId: appt.id,
      actorUserId: actor.userId || null,
      type: event,
      fromStatus: from,
      toStatus: appt.status,
      data: { by: side, ...data },
      at: now,
    });
    await this.ctx.audit.record(
      actor,
      {
        patientId: appt.patientId,
        action: event === "booked" ? "create" : event,
        resourceType: "appointment",
        resourceId: appt.id,
        outcome: "allowed",
      },
      tx,
    );
    const recipient = side === "patient" ? appt.doctorUserId : appt.patientUserId;
    if (recipient === null || recipient === actor.userId) return;
    const view = appointmentView(appt);
    const template =
      event === "booked"
        ? appt.status === "confirmed"
          ? "appointment.booked"
          : "appointment.requested"
        : `appointment.${event}`;
    await enqueueNotification(tx, {
      userId: recipient,
      template,
      idempotencyKey: `appointment:${appt.id}:${event}:${eventId}`,
      notBefore: now,
      data: {
        appointment_id: appt.id,
        event,
        status: appt.status,
        doctor_id: appt.doctorId,
        doctor_name: appt.doctorName,
        patient_id: appt.patientId,
        ...(side === "patient" ? { patient_name: appt.patientName } : {}),
        appointment_date: view.appointment_date,
        appointment_time: view.appointment_time,
        time_zone: appt.timeZone,
        starts_at: view.starts_at,
        mode: appt.mode,
        previous_appointment_date: view.previous_appointment_date,
        previous_appointment_time: view.previous_appointment_time,
      },
    });
  }

  /**
   * Runs an appointment's write transaction and turns an overlap refused by the database into the right 409.
   * After the commit, the doctor's cached next free date is dropped (not before: a reader could cache the
   * state the transaction is about to replace).
   */
  private async write(fn: (tx: Tx) => Promise<AppointmentView>): Promise<AppointmentView> {
    let view: AppointmentView;
    try {
      view = await this.ctx.db.transaction(async (tx) => {
        const v = await fn(tx);
        // The reminders' outbox: written with the change, so a crash after the commit loses no reminder.
        await requestReminderSync(tx, "appointment", v.id, this.ctx.clock.now());
        return v;
      });
    } catch (err) {
      if (pgErrorCode(err) === PG.exclusionViolation) {
        if (pgConstraint(err) === "appointments_patient_no_overlap")
          throw conflict("PATIENT_BUSY", "The patient already has another appointment at that time.");
        throw conflict("SLOT_TAKEN", "That time has just been taken. Please choose another slot.");
      }
      throw err;
    }
    await this.scheduleChanged(view.doctor_id);
    await this.reminders.synced("appointment", view.id);
    return view;
  }

  /** An unpaid hold of this doctor was released by the payments module: the time is free again. */
  async slotReleased(doctorId: number): Promise<void> {
    await this.scheduleChanged(doctorId);
  }

  /** A doctor's free time changed: drop what was derived from it (next free date, search results). */
  private async scheduleChanged(doctorId: number, affectsSearch = false): Promise<void> {
    await this.doctors.dropNextFree(doctorId);
    // Search results show working days and free dates.
    if (affectsSearch) await this.doctors.invalidateSearchCache();
  }
}

const dayBefore = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) - 2 * DAY_MS);
const dayAfter = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) + 3 * DAY_MS);

function slotView(s: Slot): DaySlotsView["slots"][number] {
  return {
    appointment_date: s.date,
    appointment_time: formatClockTime(s.minutes),
    starts_at: s.startsAt.toISOString(),
    ends_at: s.endsAt.toISOString(),
  };
}
