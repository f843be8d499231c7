import type { Tx } from "../../db/client.js";
import type { AppointmentDetail } from "../scheduling/repository.js";
import type { AppointmentEvent } from "../scheduling/rules.js";
import type { AppointmentPaymentHooks, BookingPayment, RefundQuote, Side } from "../scheduling/service.js";
import type { ServiceContext } from "../context.js";
import type { Earnings } from "./earnings.js";
import { refundFor } from "./rules.js";
import type { PaymentsService } from "./service.js";

/**
 * The money rules of consultations, as the hooks scheduling calls inside its transactions: a booking with a
 * fee waits for its payment (a hold); a cancellation or rejection refunds by the refund rules, keeping a late
 * cancellation's share as the doctor's earning; a completed (or no-show) consultation is the doctor's earning.
 */
export class AppointmentPayments implements AppointmentPaymentHooks {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly payments: PaymentsService,
    private readonly earnings: Earnings,
  ) {}

  holdFor(q: { feeMinor: number }): { paymentStatus: string; paymentHoldUntil: Date | null } {
    if (q.feeMinor <= 0) return { paymentStatus: "not_required", paymentHoldUntil: null };
    return { paymentStatus: "unpaid", paymentHoldUntil: this.payments.holdUntil(this.ctx.clock.now()) };
  }

  async holdsReleased(tx: Tx, appointmentIds: readonly number[]): Promise<void> {
    for (const id of appointmentIds) {
      const p = await this.payments.lockPayment(tx, "appointment", id);
      if (p) await this.payments.closeUnpaid(tx, p);
    }
  }

  async booked(tx: Tx, appt: AppointmentDetail): Promise<BookingPayment | null> {
    if (appt.feeMinor <= 0 || appt.paymentHoldUntil === null) return null;
    const payment = await this.payments.createPayment(tx, {
      purpose: "appointment",
      referenceId: appt.id,
      patientId: appt.patientId,
      doctorId: appt.doctorId,
      amountMinor: appt.feeMinor,
      currency: appt.currency,
      expiresAt: appt.paymentHoldUntil,
    });
    return this.payments.summary(payment);
  }

  async changed(tx: Tx, appt: AppointmentDetail, event: AppointmentEvent, side: Side): Promise<void> {
    if (event === "completed" || event === "no_show") {
      const p = await this.payments.lockPayment(tx, "appointment", appt.id);
      if (p && (p.status === "succeeded" || p.status === "partially_refunded"))
        await this.earnings.earn(tx, p, appt.id);
      return;
    }
    if (event !== "cancelled" && event !== "rejected" && event !== "proposal_declined") return;
    const p = await this.payments.lockPayment(tx, "appointment", appt.id);
    if (!p) return;
    if (p.status === "requires_payment" || p.status === "failed") {
      // Nothing was paid: close the payment (a late payment is then refunded automatically).
      await this.payments.closeUnpaid(tx, p);
      return;
    }
    if (p.status !== "succeeded") return;
    const config = this.ctx.config.payments;
    const by = event === "rejected" ? "doctor" : event === "proposal_declined" ? "system" : side;
    const refund = refundFor(by, p.amountMinor, appt.startsAt, this.ctx.clock.now(), {
      fullBeforeHours: config.refundFullBeforeHours,
      lateSharePercent: config.refundLateSharePercent,
    });
    if (refund > 0)
      await this.payments.requestRefund(tx, p, {
        amountMinor: refund,
        reason: `appointment_${event}_by_${by}`,
        key: `appointment:${appt.id}:refund`,
      });
    // A late cancellation: the share kept is earned like a consultation fee.
    await this.earnings.retain(tx, p, appt.id, p.amountMinor - refund);
  }

  /** What cancelling now would refund, by the same rules as changed(): null when nothing was paid. */
  async refundQuote(appt: AppointmentDetail, side: Side): Promise<RefundQuote | null> {
    const p = await this.payments.findByPurpose("appointment", appt.id);
    if (!p || (p.status !== "succeeded" && p.status !== "partially_refunded")) return null;
    const config = this.ctx.config.payments;
    const left = p.amountMinor - p.refundedMinor;
    const refund = refundFor(side, p.amountMinor, appt.startsAt, this.ctx.clock.now(), {
      fullBeforeHours: config.refundFullBeforeHours,
      lateSharePercent: config.refundLateSharePercent,
    });
    return { paid_minor: p.amountMinor, refund_minor: Math.min(refund, left), currency: p.currency };
  }

  afterChange(appointmentId: number): Promise<void> {
    return this.payments.settle("appointment", appointmentId);
  }
}
