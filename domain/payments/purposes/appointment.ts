import { and, eq, inArray, lte, sql } from "drizzle-orm";
import type { Tx } from "../../../db/client.js";
import { appointmentEvents, appointments, doctors, patients } from "../../../db/schema/index.js";
import { enqueueNotification } from "../../notifications/outbox.js";
import type { PaymentRow } from "../repository.js";
import type { PurposeHandler } from "./types.js";

const ACTIVE = ["pending", "proposed", "confirmed"] as const;
const RELEASE_REASON = "The payment was not received in time; the slot was released.";

export interface ReleasedHold {
  id: number;
  patientId: number;
  doctorId: number;
}

/**
 * Appointments as a payment purpose. An unpaid booking holds its slot until payment_hold_until; past it,
 * it is cancelled (released) — by the release job, or by the next booking that wants an overlapping time,
 * inside that booking's transaction, so a stale hold never blocks anyone even if the job has not run.
 */
export class AppointmentPurpose implements PurposeHandler {
  readonly description = "Consultation";

  /** Releases unpaid holds past their time that overlap [startsAt, endsAt) for this doctor or patient. */
  async releaseStale(
    tx: Tx,
    q: { doctorId: number; patientId: number; startsAt: Date; endsAt: Date; now: Date },
  ): Promise<ReleasedHold[]> {
    const rows = await tx
      .update(appointments)
      .set({ status: "cancelled", statusReason: RELEASE_REASON, paymentHoldUntil: null, updatedAt: q.now })
      .where(
        and(
          eq(appointments.paymentStatus, "unpaid"),
          inArray(appointments.status, [...ACTIVE]),
          lte(appointments.paymentHoldUntil, q.now),
          sql`(${appointments.doctorId} = ${q.doctorId} or ${appointments.patientId} = ${q.patientId})`,
          sql`tstzrange(${appointments.startsAt}, ${appointments.endsAt}, '[)') && tstzrange(${q.startsAt}, ${q.endsAt}, '[)')`,
        ),
      )
      .returning({ id: appointments.id, patientId: appointments.patientId, doctorId: appointments.doctorId });
    for (const r of rows) await this.recordRelease(tx, r.id, q.now);
    return rows;
  }

  /** Releases one appointment if it is still unpaid and active (the release job; idempotent). */
  async releaseOne(tx: Tx, appointmentId: number, now: Date): Promise<ReleasedHold | undefined> {
    const [row] = await tx
      .update(appointments)
      .set({ status: "cancelled", statusReason: RELEASE_REASON, paymentHoldUntil: null, updatedAt: now })
      .where(
        and(
          eq(appointments.id, appointmentId),
          eq(appointments.paymentStatus, "unpaid"),
          inArray(appointments.status, [...ACTIVE]),
        ),
      )
      .returning({ id: appointments.id, patientId: appointments.patientId, doctorId: appointments.doctorId });
    if (row) await this.recordRelease(tx, row.id, now);
    return row;
  }

  private async recordRelease(tx: Tx, appointmentId: number, now: Date): Promise<void> {
    await tx.insert(appointmentEvents).values({
      appointmentId,
      actorUserId: null,
      type: "cancelled",
      toStatus: "cancelled",
      data: { by: "system", reason: "payment_timeout" },
      at: now,
    });
  }

  async setPaymentStatus(
    tx: Tx,
    appointmentId: number,
    status: "paid" | "refunded" | "partially_refunded",
  ): Promise<void> {
    await tx
      .update(appointments)
      .set({ paymentStatus: status, paymentHoldUntil: null })
      .where(eq(appointments.id, appointmentId));
  }

  async paid(tx: Tx, payment: PaymentRow, now: Date): Promise<"accepted" | "delivered" | "unwanted"> {
    const [appt] = await tx
      .select({ status: appointments.status, paymentStatus: appointments.paymentStatus })
      .from(appointments)
      .where(eq(appointments.id, payment.referenceId))
      .for("update");
    if (!appt || appt.paymentStatus !== "unpaid") return "unwanted";
    if ((ACTIVE as readonly string[]).includes(appt.status)) {
      await tx
        .update(appointments)
        .set({ paymentStatus: "paid", paymentHoldUntil: null, updatedAt: now })
        .where(eq(appointments.id, payment.referenceId));
      // The doctor learns the request is paid (ids only; the console shows the rest).
      const [doctor] = await tx
        .select({ userId: doctors.userId })
        .from(doctors)
        .innerJoin(appointments, eq(appointments.doctorId, doctors.id))
        .where(eq(appointments.id, payment.referenceId));
      if (doctor?.userId != null)
        await enqueueNotification(tx, {
          userId: doctor.userId,
          template: "appointment.paid",
          idempotencyKey: `appointment:${payment.referenceId}:paid`,
          notBefore: now,
          data: { appointment_id: payment.referenceId, status: appt.status },
        });
      return "accepted";
    }
    if (appt.status === "completed" || appt.status === "no_show") {
      await this.setPaymentStatus(tx, payment.referenceId, "paid");
      return "delivered";
    }
    return "unwanted";
  }

  async expired(tx: Tx, payment: PaymentRow, now: Date): Promise<void> {
    await this.releaseOne(tx, payment.referenceId, now);
  }

  async refunded(tx: Tx, payment: PaymentRow, fully: boolean): Promise<void> {
    const [appt] = await tx
      .select({ paymentStatus: appointments.paymentStatus })
      .from(appointments)
      .where(eq(appointments.id, payment.referenceId));
    if (appt && appt.paymentStatus !== "unpaid")
      await this.setPaymentStatus(tx, payment.referenceId, fully ? "refunded" : "partially_refunded");
  }

  async patientUserId(tx: Tx, patientId: number): Promise<number | undefined> {
    const [row] = await tx
      .select({ userId: patients.userId })
      .from(patients)
      .where(eq(patients.id, patientId));
    return row?.userId;
  }
}
