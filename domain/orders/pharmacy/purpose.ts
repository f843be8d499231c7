import type { Tx } from "../../../db/client.js";
import type { PurposeHandler } from "../../payments/purposes/types.js";
import type { PaymentRow } from "../../payments/repository.js";
import type { PharmacyService } from "./service.js";

/**
 * Pharmacy orders as a payment purpose (registered in domain/index.ts). Paid: the order is marked paid and the
 * pharmacist may confirm it (payment does not confirm it by itself). Cancelled meanwhile: "unwanted", refunded in
 * full by the payments module. Expired unpaid: the order is cancelled and its spent fills returned.
 */
export class PharmacyOrderPurpose implements PurposeHandler {
  readonly description = "Pharmacy order";

  constructor(private readonly pharmacy: PharmacyService) {}

  paid(tx: Tx, payment: PaymentRow, now: Date): Promise<"accepted" | "unwanted"> {
    return this.pharmacy.paymentReceived(tx, payment.referenceId, now);
  }

  expired(tx: Tx, payment: PaymentRow): Promise<void> {
    return this.pharmacy.paymentExpired(tx, payment.referenceId);
  }

  refunded(tx: Tx, payment: PaymentRow, fully: boolean): Promise<void> {
    return this.pharmacy.paymentRefunded(tx, payment.referenceId, fully);
  }
}
