import type { Tx } from "../../../db/client.js";
import type { PaymentRow } from "../repository.js";

/**
 * What the payments module needs from the thing being paid for (an appointment, a pharmacy order, a lab
 * booking). Each is called inside the transaction that applies the provider's event; the thing's own module
 * makes the change (each table has one writer).
 */
export interface PurposeHandler {
  /** Generic, shown to the payer and sent to the provider: "Consultation", "Pharmacy order", "Lab test". */
  readonly description: string;
  /**
   * The payment succeeded. "accepted": the thing goes ahead. "delivered": it already happened (the doctor's
   * earning is posted now). "unwanted": it was released or cancelled meanwhile — the payment is refunded in full.
   */
  paid(tx: Tx, payment: PaymentRow, now: Date): Promise<"accepted" | "delivered" | "unwanted">;
  /** The payment window closed unpaid: release what was held. */
  expired(tx: Tx, payment: PaymentRow, now: Date): Promise<void>;
  /** Money went back (optional bookkeeping on the thing's side). */
  refunded?(tx: Tx, payment: PaymentRow, fully: boolean, now: Date): Promise<void>;
  /** After the commit of an expiry (optional; e.g. drop caches derived from the freed time). Idempotent. */
  afterExpiry?(payment: PaymentRow): Promise<void>;
}
