import type { Tx } from "../../../db/client.js";
import type { PurposeHandler } from "../../payments/purposes/types.js";
import type { PaymentRow } from "../../payments/repository.js";
import type { LabsService } from "./service.js";

/**
 * Lab bookings as a payment purpose (registered in domain/index.ts). Paid: the booking is marked paid and the
 * sample may be collected. Cancelled meanwhile: "unwanted", refunded in full by the payments module. Expired
 * unpaid: the booking is cancelled.
 */
export class LabBookingPurpose implements PurposeHandler {
  readonly description = "Lab test";

  constructor(private readonly labs: LabsService) {}

  paid(tx: Tx, payment: PaymentRow, now: Date): Promise<"accepted" | "unwanted"> {
    return this.labs.paymentReceived(tx, payment.referenceId, now);
  }

  expired(tx: Tx, payment: PaymentRow): Promise<void> {
    return this.labs.paymentExpired(tx, payment.referenceId);
  }

  refunded(tx: Tx, payment: PaymentRow, fully: boolean): Promise<void> {
    return this.labs.paymentRefunded(tx, payment.referenceId, fully);
  }
}
