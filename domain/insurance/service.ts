import { pgConstraint } from "../../db/client.js";
import type { ClaimStatus, PaymentPurpose } from "../../db/schema/index.js";
import type { ServiceContext } from "../context.js";
import type { PaymentsService } from "../payments/service.js";
import { systemActor, type Actor } from "../shared/actor.js";
import { DomainError, conflict, invalid, notFound, unprocessable } from "../shared/errors.js";
import type { Clearinghouse, ClaimSubmission } from "./clearinghouse.js";
import { ClaimsRepository, type ClaimRow } from "./repository.js";

/** ICD-10(-CM) shape: a letter, two characters, an optional dot and up to four more. */
const ICD10 = /^[A-TV-Z][0-9][0-9AB](\.[0-9A-TV-Z]{1,4})?$/;
const SERVICE_CODE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const MAX_CODES = 20;
const MAX_REASON = 500;

/** The lifecycle: submitted → accepted | rejected; accepted → paid. Anything else is a 409. */
const NEXT: Record<ClaimStatus, readonly ClaimStatus[]> = {
  submitted: ["accepted", "rejected"],
  accepted: ["paid"],
  rejected: [],
  paid: [],
};

export interface ClaimView {
  id: number;
  item_kind: PaymentPurpose;
  item_id: number;
  patient_id: number;
  doctor_id: number | null;
  payer: string;
  member_id: string;
  service_codes: string[];
  diagnosis_codes: string[];
  currency: string;
  billed_minor: number;
  approved_minor: number | null;
  patient_share_minor: number | null;
  share_applied: string | null;
  status: ClaimStatus;
  rejection_reason: string | null;
  clearinghouse: string;
  clearinghouse_ref: string | null;
  submitted_at: string;
  decided_at: string | null;
  paid_at: string | null;
}

export function claimView(c: ClaimRow, clearinghouse: string): ClaimView {
  return {
    id: c.id,
    item_kind: c.itemKind,
    item_id: c.itemId,
    patient_id: c.patientId,
    doctor_id: c.doctorId,
    payer: c.payer,
    member_id: c.memberId,
    service_codes: c.serviceCodes,
    diagnosis_codes: c.diagnosisCodes,
    currency: c.currency,
    billed_minor: c.billedMinor,
    approved_minor: c.approvedMinor,
    patient_share_minor: c.patientShareMinor,
    share_applied: c.shareApplied,
    status: c.status,
    rejection_reason: c.rejectionReason,
    clearinghouse,
    clearinghouse_ref: c.clearinghouseRef,
    submitted_at: c.submittedAt.toISOString(),
    decided_at: c.decidedAt?.toISOString() ?? null,
    paid_at: c.paidAt?.toISOString() ?? null,
  };
}

export interface CreateClaimInput {
  itemKind: PaymentPurpose;
  itemId: number;
  serviceCodes?: string[] | undefined;
  diagnosisCodes?: string[] | undefined;
}

/**
 * Insurance claims for what a patient paid for or received (appointments, pharmacy orders, lab bookings):
 * created by the patient or an admin from the patient's insurance details, submitted to a clearinghouse
 * (port; sandbox by default), decided and marked paid by admins. The patient's share reaches the payment:
 * accepted before payment, the checkout asks for the share only; paid first, the covered part is refunded
 * through the payments module's refund path when the claim is paid. The one writer of `claims`.
 */
export class ClaimsService {
  private readonly repo: ClaimsRepository;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly payments: PaymentsService,
    readonly clearinghouse: Clearinghouse,
  ) {
    this.repo = new ClaimsRepository(ctx.db);
  }

  view(c: ClaimRow): ClaimView {
    return claimView(c, this.clearinghouse.name);
  }

  private now(): Date {
    return this.ctx.clock.now();
  }

  /** A claim the actor may see: the patient's own, any for an admin; otherwise 404 (audited). */
  async find(actor: Actor, id: number): Promise<ClaimRow> {
    const c = await this.repo.find(id);
    if (!c || !(actor.role === "admin" || (actor.role === "patient" && actor.patientId === c.patientId))) {
      await this.ctx.audit.record(actor, {
        patientId: c?.patientId ?? null,
        action: "read",
        resourceType: "claim",
        resourceId: id,
        outcome: "not_found",
      });
      throw notFound("Claim");
    }
    return c;
  }

  async get(actor: Actor, id: number): Promise<ClaimView> {
    const c = await this.find(actor, id);
    await this.ctx.audit.record(actor, {
      patientId: c.patientId,
      action: "read",
      resourceType: "claim",
      resourceId: c.id,
      outcome: "allowed",
    });
    return this.view(c);
  }

  /** A patient's own claims; an admin's view of all, filtered. Newest first, keyset paging by id. */
  async list(
    actor: Actor,
    f: {
      status?: ClaimStatus | undefined;
      patientId?: number | undefined;
      itemKind?: PaymentPurpose | undefined;
      beforeId?: number | undefined;
      limit: number;
    },
  ): Promise<ClaimView[]> {
    let patientId = f.patientId;
    if (actor.role === "patient") {
      if (patientId !== undefined && patientId !== actor.patientId) throw notFound("Patient");
      patientId = actor.patientId;
    } else if (actor.role !== "admin") throw notFound("Claim");
    const rows = await this.repo.list({ ...f, patientId });
    await this.ctx.audit.recordMany(
      actor,
      [...new Set(rows.map((r) => r.patientId))].map((p) => ({
        patientId: p,
        action: "list",
        resourceType: "claim",
        outcome: "allowed" as const,
      })),
    );
    return rows.map((r) => this.view(r));
  }

  /** Creates and submits a claim for an item. The patient's insurance details give the payer and member id. */
  async create(actor: Actor, input: CreateClaimInput): Promise<ClaimView> {
    const diagnosisCodes = normaliseCodes(input.diagnosisCodes ?? [], ICD10, "INVALID_DIAGNOSIS_CODE", true);
    const given = normaliseCodes(input.serviceCodes ?? [], SERVICE_CODE, "INVALID_SERVICE_CODE");
    const item = await this.repo.item(input.itemKind, input.itemId);
    const mayAct =
      item !== undefined &&
      (actor.role === "admin" || (actor.role === "patient" && actor.patientId === item.patientId));
    if (!item || !mayAct) {
      await this.ctx.audit.record(actor, {
        patientId: item?.patientId ?? null,
        action: "create",
        resourceType: "claim",
        outcome: "not_found",
      });
      throw notFound(itemLabel(input.itemKind));
    }
    const payment = await this.payments.findByPurpose(item.kind, item.id);
    const paymentLive =
      payment !== undefined &&
      ["requires_payment", "failed", "succeeded", "partially_refunded"].includes(payment.status);
    if (item.void || !(paymentLive || item.completed))
      throw unprocessable(
        "ITEM_NOT_BILLABLE",
        "Only a paid, payable or completed appointment, order or lab booking can be claimed.",
      );
    const billedMinor = paymentLive ? payment.amountMinor : item.amountMinor;
    if (billedMinor <= 0) throw unprocessable("ITEM_NOT_BILLABLE", "Nothing was billed for this item.");
    const patient = await this.repo.insurance(item.patientId);
    const ins = patient?.insurance;
    const payer = ins?.provider?.trim();
    const memberId = ins?.policy_number?.trim();
    if (!payer || !memberId)
      throw unprocessable(
        "INSURANCE_DETAILS_MISSING",
        "Add the insurer and policy number to the patient's profile before claiming.",
      );
    const today = this.now().toISOString().slice(0, 10);
    if (ins?.valid_until && ins.valid_until < today)
      throw unprocessable("INSURANCE_EXPIRED", "The patient's insurance policy has expired.");

    const now = this.now();
    let claim: ClaimRow;
    try {
      claim = await this.ctx.db.transaction(async (tx) => {
        const row = await this.repo.insert(tx, {
          itemKind: item.kind,
          itemId: item.id,
          patientId: item.patientId,
          doctorId: item.doctorId,
          payer,
          memberId,
          serviceCodes: given.length > 0 ? given : item.serviceCodes,
          diagnosisCodes,
          currency: payment?.currency ?? item.currency,
          billedMinor,
          createdByUserId: actor.userId || null,
          submittedAt: now,
          createdAt: now,
          updatedAt: now,
        });
        await this.ctx.audit.record(
          actor,
          {
            patientId: row.patientId,
            action: "create",
            resourceType: "claim",
            resourceId: row.id,
            outcome: "allowed",
          },
          tx,
        );
        return row;
      });
    } catch (err) {
      if (pgConstraint(err) === "claims_live_item_key")
        throw conflict("CLAIM_EXISTS", "This item already has a claim that was not rejected.");
      throw err;
    }
    // The clearinghouse is called after the commit (never inside a transaction); the claim is recorded first.
    const { ref, adjudication } = await this.clearinghouse.submit(this.submission(claim));
    claim = await this.repo.update(this.ctx.db, claim.id, { clearinghouseRef: ref, updatedAt: this.now() });
    if (adjudication.decision === "accepted")
      return this.decide(systemActor, claim.id, {
        to: "accepted",
        approvedMinor: adjudication.approvedMinor,
      });
    if (adjudication.decision === "rejected")
      return this.decide(systemActor, claim.id, { to: "rejected", reason: adjudication.reason });
    return this.view(claim);
  }

  private submission(c: ClaimRow): ClaimSubmission {
    return {
      claimId: c.id,
      payer: c.payer,
      memberId: c.memberId,
      serviceCodes: c.serviceCodes,
      diagnosisCodes: c.diagnosisCodes,
      billedMinor: c.billedMinor,
      currency: c.currency,
    };
  }

  /** Admin: the payer accepted (default: the clearinghouse's coverage of the billed amount). */
  accept(actor: Actor, id: number, approvedMinor?: number): Promise<ClaimView> {
    return this.decide(actor, id, { to: "accepted", approvedMinor });
  }

  /** Admin: the payer rejected, with the reason. */
  reject(actor: Actor, id: number, reason: string): Promise<ClaimView> {
    return this.decide(actor, id, { to: "rejected", reason });
  }

  /** Admin: the payer paid what it approved. */
  markPaid(actor: Actor, id: number): Promise<ClaimView> {
    return this.decide(actor, id, { to: "paid" });
  }

  private async decide(
    actor: Actor,
    id: number,
    change:
      | { to: "accepted"; approvedMinor?: number | undefined }
      | { to: "rejected"; reason: string }
      | { to: "paid" },
  ): Promise<ClaimView> {
    if (actor.role !== "admin" && actor.channel !== "system") throw notFound("Claim");
    if (change.to === "rejected") {
      const reason = change.reason.trim();
      if (reason === "" || reason.length > MAX_REASON)
        throw invalid(
          "REJECTION_REASON_REQUIRED",
          `A rejection needs a reason (1-${MAX_REASON} characters).`,
        );
      change = { to: "rejected", reason };
    }
    let staleCheckout: { ref: string; paymentId: number } | undefined;
    let settle = false;
    const claim = await this.ctx.db.transaction(async (tx) => {
      const c = await this.repo.lock(tx, id);
      if (!c) throw notFound("Claim");
      if (!NEXT[c.status].includes(change.to))
        throw new DomainError(
          "conflict",
          "INVALID_CLAIM_TRANSITION",
          `A ${c.status} claim cannot become ${change.to}.`,
          { from: c.status, to: change.to },
        );
      const now = this.now();
      let updated: ClaimRow;
      switch (change.to) {
        case "accepted": {
          const approved = change.approvedMinor ?? this.clearinghouse.coverage(this.submission(c));
          if (!Number.isSafeInteger(approved) || approved < 0 || approved > c.billedMinor)
            throw invalid(
              "INVALID_APPROVED_AMOUNT",
              "The approved amount must be between 0 and the billed amount.",
            );
          let shareApplied: string | null = null;
          const p = await this.payments.lockPayment(tx, c.itemKind, c.itemId);
          if (p && approved > 0 && (p.status === "requires_payment" || p.status === "failed")) {
            // Accepted before payment: the patient is asked for their share only.
            const { staleCheckoutRef } = await this.payments.reduceUnpaid(tx, p, approved);
            if (staleCheckoutRef) staleCheckout = { ref: staleCheckoutRef, paymentId: p.id };
            shareApplied = "checkout_reduced";
          }
          updated = await this.repo.update(tx, c.id, {
            status: "accepted",
            approvedMinor: approved,
            patientShareMinor: c.billedMinor - approved,
            shareApplied,
            decidedAt: now,
            updatedAt: now,
          });
          break;
        }
        case "rejected":
          updated = await this.repo.update(tx, c.id, {
            status: "rejected",
            rejectionReason: change.reason,
            decidedAt: now,
            updatedAt: now,
          });
          break;
        case "paid": {
          let shareApplied = c.shareApplied;
          const approved = c.approvedMinor ?? 0;
          const p = await this.payments.lockPayment(tx, c.itemKind, c.itemId);
          if (
            shareApplied === null &&
            approved > 0 &&
            p &&
            (p.status === "succeeded" || p.status === "partially_refunded")
          ) {
            // Paid first: the covered part goes back to the patient through the payments module's refunds.
            await this.payments.requestRefund(tx, p, {
              amountMinor: approved,
              reason: "insurance_claim",
              key: `claim:${c.id}:covered`,
            });
            shareApplied = "covered_refunded";
            settle = true;
          }
          updated = await this.repo.update(tx, c.id, {
            status: "paid",
            shareApplied,
            paidAt: now,
            updatedAt: now,
          });
          break;
        }
      }
      await this.ctx.audit.record(
        actor,
        {
          patientId: c.patientId,
          action: change.to,
          resourceType: "claim",
          resourceId: c.id,
          outcome: "allowed",
        },
        tx,
      );
      return updated;
    });
    if (staleCheckout) await this.payments.closeStaleCheckout(staleCheckout.ref, staleCheckout.paymentId);
    if (settle) await this.payments.settle(claim.itemKind, claim.itemId);
    return this.view(claim);
  }
}

function itemLabel(kind: PaymentPurpose): string {
  switch (kind) {
    case "appointment":
      return "Appointment";
    case "pharmacy_order":
      return "Order";
    case "lab_booking":
      return "Lab booking";
  }
}

function normaliseCodes(codes: string[], shape: RegExp, code: string, upper = false): string[] {
  if (codes.length > MAX_CODES) throw invalid(code, `At most ${MAX_CODES} codes.`);
  const out = codes.map((c) => (upper ? c.trim().toUpperCase() : c.trim()));
  const bad = out.find((c) => !shape.test(c));
  if (bad !== undefined) throw invalid(code, `Not a valid code: ${bad.slice(0, 20)}.`);
  return [...new Set(out)];
}
