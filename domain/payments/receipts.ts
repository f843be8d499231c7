import type { Actor } from "../shared/actor.js";
import { notFound, unprocessable } from "../shared/errors.js";
import type { PaymentsDeps } from "./deps.js";
import { receiptPdf } from "./receipt.js";
import type { PaymentRow } from "./repository.js";
import type { PaymentsService } from "./service.js";
import type { PaymentView } from "./views.js";

export interface Receipt {
  payment: PaymentView;
  refunds: { amount_minor: number; at: string }[];
}

/** A patient's payments and receipts (read only; every read audited). */
export class ReceiptsService {
  constructor(
    private readonly deps: PaymentsDeps,
    private readonly payments: Pick<PaymentsService, "view">,
  ) {}

  private get ctx() {
    return this.deps.ctx;
  }

  async patientPayments(
    actor: Actor,
    input: { patientId?: number | undefined; page: number; perPage: number },
  ): Promise<{ payments: PaymentView[]; page: number; per_page: number; has_more: boolean }> {
    const patientId = await this.ctx.access.patientScope(actor, input.patientId, {
      action: "list",
      resourceType: "payment",
    });
    const rows = await this.deps.repo.paymentsOfPatient(
      patientId,
      input.perPage + 1,
      (input.page - 1) * input.perPage,
    );
    await this.ctx.audit.record(actor, {
      patientId,
      action: "list",
      resourceType: "payment",
      outcome: "allowed",
    });
    return {
      payments: rows.slice(0, input.perPage).map((p) => this.payments.view(p)),
      page: input.page,
      per_page: input.perPage,
      has_more: rows.length > input.perPage,
    };
  }

  /** One payment of the actor's (patient) — others get 404 and an audit row. */
  private async paymentFor(actor: Actor, id: number, action: string): Promise<PaymentRow> {
    const p = await this.deps.repo.findPayment(id);
    if (!p || actor.role !== "patient" || actor.patientId !== p.patientId) {
      await this.ctx.audit.record(actor, {
        patientId: p?.patientId ?? null,
        action,
        resourceType: "payment",
        resourceId: id,
        outcome: "not_found",
      });
      throw notFound("Payment");
    }
    await this.ctx.audit.record(actor, {
      patientId: p.patientId,
      action,
      resourceType: "payment",
      resourceId: id,
      outcome: "allowed",
    });
    return p;
  }

  async receipt(actor: Actor, id: number): Promise<Receipt> {
    const p = await this.paymentFor(actor, id, "download");
    if (p.paidAt === null)
      throw unprocessable("NOT_PAID", "There is no receipt for a payment that was not made.");
    const refunds = (await this.deps.repo.refundsOf(p.id))
      .filter((r) => r.status === "succeeded")
      .map((r) => ({ amount_minor: r.amountMinor, at: r.updatedAt.toISOString() }));
    return { payment: this.payments.view(p), refunds };
  }

  /** The receipt as a one-page PDF (ids, a generic description and amounts; TEST MODE when nothing real moved). */
  async receiptPdf(actor: Actor, id: number): Promise<{ paymentId: number; pdf: Uint8Array }> {
    const r = await this.receipt(actor, id);
    const pdf = await receiptPdf({ ...r, testMode: this.deps.provider.capabilities.testMode });
    return { paymentId: r.payment.id, pdf };
  }
}
