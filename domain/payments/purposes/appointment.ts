import type { Tx } from "../../../db/client.js";
import type { SchedulingService } from "../../scheduling/service.js";
import type { PaymentRow } from "../repository.js";
import type { PurposeHandler } from "./types.js";

/** What the appointment purpose asks of scheduling, the only writer of appointments and their events. */
export type AppointmentsForPayments = Pick<
  SchedulingService,
  "paymentReceived" | "releaseUnpaid" | "paymentRefunded" | "slotReleased"
>;

/**
 * Appointments as a payment purpose (registered in domain/index.ts), like lab bookings and pharmacy orders:
 * every change of the appointment is made by SchedulingService, in the payment's transaction. An unpaid
 * booking holds its slot until payment_hold_until; past it, it is released by the payment's expiry, or by the
 * next booking that wants an overlapping time (scheduling does that inside the booking's transaction).
 */
export class AppointmentPurpose implements PurposeHandler {
  readonly description = "Consultation";

  constructor(private readonly scheduling: AppointmentsForPayments) {}

  paid(tx: Tx, payment: PaymentRow, now: Date): Promise<"accepted" | "delivered" | "unwanted"> {
    return this.scheduling.paymentReceived(tx, payment.referenceId, now);
  }

  async expired(tx: Tx, payment: PaymentRow, now: Date): Promise<void> {
    await this.scheduling.releaseUnpaid(tx, payment.referenceId, now);
  }

  refunded(tx: Tx, payment: PaymentRow, fully: boolean, now: Date): Promise<void> {
    return this.scheduling.paymentRefunded(tx, payment.referenceId, fully, now);
  }

  /** After the commit of an expiry: the doctor's free time changed (cached next free date). */
  async afterExpiry(payment: PaymentRow): Promise<void> {
    if (payment.doctorId !== null) await this.scheduling.slotReleased(payment.doctorId);
  }
}
