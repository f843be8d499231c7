import type { PaymentsService } from "../payments/service.js";

/**
 * What pharmacy orders and lab bookings use of the payments module: a payment created in the order's
 * transaction, locked (payment row first, then the order row: the order the payments module itself locks in),
 * refunded (or, unpaid, closed) on cancellation, recognised as revenue on delivery, settled after each commit.
 */
export type OrderPayments = Pick<
  PaymentsService,
  "createPayment" | "summary" | "lockPayment" | "requestRefund" | "closeUnpaid" | "delivered" | "settle"
>;

/** A payment that took money which is not (all) refunded yet. */
export function isPaid(p: { status: string } | undefined): boolean {
  return p?.status === "succeeded" || p?.status === "partially_refunded";
}

/** The payment shown beside an order or booking: its id, status, amount and checkout link. */
export type PaymentSummary = ReturnType<OrderPayments["summary"]>;
