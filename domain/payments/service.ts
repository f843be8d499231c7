import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { Tx } from "../../db/client.js";
import type { PaymentPurpose } from "../../db/schema/index.js";
import type { ServiceContext } from "../context.js";
import { enqueueNotification, withdrawNotification } from "../notifications/outbox.js";
import type { AppointmentDetail } from "../scheduling/repository.js";
import type { AppointmentEvent } from "../scheduling/rules.js";
import type { AppointmentPaymentHooks, BookingPayment, Side } from "../scheduling/service.js";
import type { Actor } from "../shared/actor.js";
import { DomainError, forbidden, invalid, notFound, unprocessable } from "../shared/errors.js";
import { formatDecimal, toMajor, toMinor } from "../shared/money.js";
import { Accounts } from "./ledger/accounts.js";
import { Ledger } from "./ledger/ledger.js";
import { paymentFlows, type PaymentFlows } from "./ledger/flows.js";
import type { PaymentEvent, PaymentProvider } from "./provider.js";
import { AppointmentPurpose } from "./purposes/appointment.js";
import type { PurposeHandler } from "./purposes/types.js";
import { PaymentsRepository, type PaymentRow, type WithdrawalRow } from "./repository.js";
import { doctorShare, refundFor } from "./rules.js";
import {
  earningsView,
  paymentView,
  withdrawalView,
  type EarningsView,
  type PaymentView,
  type WithdrawalView,
} from "./views.js";

/** Job names (handlers registered in workers/index.ts). */
export const PAYMENT_JOBS = {
  expire: "payments.expire",
  refund: "payments.refund",
  payout: "payments.payout",
  releaseEarnings: "payments.release-earnings",
} as const;

/** A safety net behind the inline provider calls made after each commit. */
const RETRY_DELAY_MS = 60_000;
/** The "please pay" message goes this long after the payment is asked for (or half-way into a shorter hold). */
const LINK_REMINDER_MS = 5 * 60_000;
const linkKey = (paymentId: number): string => `payment:${paymentId}:link`;

export interface CreatePaymentInput {
  purpose: PaymentPurpose;
  referenceId: number;
  patientId: number;
  /** The doctor earning from it (consultations). */
  doctorId?: number | undefined;
  amountMinor: number;
  currency: string;
  /** Default: now + PAYMENT_HOLD_MINUTES. */
  expiresAt?: Date | undefined;
}

export interface WithdrawResult {
  status: "success";
  message: string;
  withdrawal: WithdrawalView;
}

/**
 * Payments, refunds, doctor earnings and withdrawals, over a provider port (sandbox or Stripe) and a
 * double-entry ledger.
 *
 * Exactly-once on at-least-once: each provider event is recorded by id in the transaction that applies it;
 * each ledger posting has a key; each provider call carries an idempotency key built from our row id.
 * Provider calls never run inside a database transaction: the row (refund, withdrawal) is committed first,
 * then the call is made (inline after the commit, and again by a delayed job if that did not finish).
 */
export class PaymentsService {
  private readonly repo: PaymentsRepository;
  readonly ledger = new Ledger();
  private readonly flows: PaymentFlows;
  readonly appointments = new AppointmentPurpose();
  private readonly purposes = new Map<PaymentPurpose, PurposeHandler>();

  constructor(
    private readonly ctx: ServiceContext,
    readonly provider: PaymentProvider,
  ) {
    this.repo = new PaymentsRepository(ctx.db);
    this.flows = paymentFlows(this.ledger, { platformFeePercent: ctx.config.payments.platformFeePercent });
    this.purposes.set("appointment", this.appointments);
  }

  /** Plugs in another thing to pay for (pharmacy orders, lab bookings). */
  registerPurpose(purpose: PaymentPurpose, handler: PurposeHandler): void {
    this.purposes.set(purpose, handler);
  }

  private purpose(p: PaymentPurpose): PurposeHandler {
    const h = this.purposes.get(p);
    if (!h) throw new Error(`no payment purpose handler for ${p}`);
    return h;
  }

  private get config() {
    return this.ctx.config.payments;
  }

  private now(): Date {
    return this.ctx.clock.now();
  }

  checkoutUrl(p: Pick<PaymentRow, "checkoutToken">): string {
    return `${this.ctx.config.publicBaseUrl}/pay/${p.checkoutToken}`;
  }

  summary(p: PaymentRow): BookingPayment {
    return {
      id: p.id,
      status: p.status,
      amount: toMajor(p.amountMinor, p.currency),
      currency: p.currency,
      checkout_url: this.checkoutUrl(p),
      expires_at: p.expiresAt.toISOString(),
    };
  }

  // Creating payments ------------------------------------------------------------------------------

  /**
   * Asks for a payment, inside the caller's transaction: the row, the patient's "payment.link" message and
   * the expiry job. The checkout link is ours (/pay/{token}); with Stripe it redirects to Stripe's page.
   */
  async createPayment(tx: Tx, input: CreatePaymentInput): Promise<PaymentRow> {
    if (!Number.isSafeInteger(input.amountMinor) || input.amountMinor <= 0)
      throw invalid("INVALID_AMOUNT", "A payment needs a positive amount.");
    const now = this.now();
    const expiresAt = input.expiresAt ?? this.holdUntil(now);
    const payment = await this.repo.insertPayment(tx, {
      purpose: input.purpose,
      referenceId: input.referenceId,
      patientId: input.patientId,
      doctorId: input.doctorId ?? null,
      amountMinor: input.amountMinor,
      currency: input.currency,
      provider: this.provider.name,
      checkoutToken: randomBytes(24).toString("base64url"),
      expiresAt,
      createdAt: now,
      updatedAt: now,
    });
    // The link is in the answer that created the payment (the chat's reply, the API's response); the message
    // is a reminder to pay, sent part-way into the hold and withdrawn if the payment arrives or closes first.
    const remindAt = new Date(
      now.getTime() + Math.min(LINK_REMINDER_MS, (expiresAt.getTime() - now.getTime()) / 2),
    );
    await this.notifyPatient(
      tx,
      payment,
      "payment.link",
      linkKey(payment.id),
      { checkout_url: this.checkoutUrl(payment), expires_at: expiresAt.toISOString() },
      remindAt,
    );
    return payment;
  }

  private holdUntil(now: Date): Date {
    return new Date(now.getTime() + this.config.holdMinutes * 60_000);
  }

  private async notifyPatient(
    tx: Tx,
    p: PaymentRow,
    template: string,
    key: string,
    extra: Record<string, unknown> = {},
    notBefore: Date = this.now(),
  ): Promise<void> {
    const userId = await this.appointments.patientUserId(tx, p.patientId);
    if (userId === undefined) return;
    await enqueueNotification(tx, {
      userId,
      template,
      idempotencyKey: key,
      notBefore,
      data: {
        payment_id: p.id,
        purpose: p.purpose,
        reference_id: p.referenceId,
        description: this.purpose(p.purpose).description,
        amount: toMajor(p.amountMinor, p.currency),
        currency: p.currency,
        ...extra,
      },
    });
  }

  // The checkout page ------------------------------------------------------------------------------

  /**
   * What the checkout link shows. Sandbox: our test-mode page. Stripe: a redirect to the Checkout Session
   * (created on first visit, idempotently, so no network call happens inside the booking transaction).
   */
  async checkout(token: string): Promise<{
    payment: PaymentRow;
    description: string;
    payable: boolean;
    redirect?: string | undefined;
  }> {
    const payment = await this.findByToken(token);
    const description = this.purpose(payment.purpose).description;
    const payable =
      (payment.status === "requires_payment" || payment.status === "failed") &&
      payment.expiresAt > this.now();
    if (!payable || this.provider.name === "sandbox") return { payment, description, payable };
    let url = payment.providerCheckoutUrl;
    if (!url) {
      const session = await this.callProvider(() =>
        this.provider.createCheckout({
          paymentId: payment.id,
          amountMinor: payment.amountMinor,
          currency: payment.currency,
          description,
          expiresAt: payment.expiresAt,
          successUrl: `${this.checkoutUrl(payment)}?done=1`,
          cancelUrl: this.checkoutUrl(payment),
        }),
      );
      if (!session) throw new Error("the provider gave no checkout session");
      url = session.url;
      await this.repo.updatePayment(this.ctx.db, payment.id, {
        providerRef: session.ref,
        providerCheckoutUrl: session.url,
        updatedAt: this.now(),
      });
    }
    return { payment, description, payable, redirect: url };
  }

  /** A provider call made for a person waiting on it: an outage is a 503 with a stable code, not a 500. */
  private async callProvider<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch {
      throw new DomainError(
        "unavailable",
        "PAYMENT_PROVIDER_UNAVAILABLE",
        "The payment provider cannot be reached right now. Please try again shortly.",
      );
    }
  }

  private async findByToken(token: string): Promise<PaymentRow> {
    if (!/^[A-Za-z0-9_-]{16,64}$/.test(token)) throw notFound("Payment");
    const payment = await this.repo.findByToken(token);
    if (!payment) throw notFound("Payment");
    return payment;
  }

  /** The sandbox page's Pay / Fail buttons: the same event the Stripe webhook would produce. */
  async sandboxOutcome(token: string, outcome: "succeed" | "fail"): Promise<PaymentRow> {
    if (this.provider.name !== "sandbox") throw notFound("Payment");
    const payment = await this.findByToken(token);
    await this.handleEvent({
      provider: "sandbox",
      // A success is one event however often the button is pressed; each failed attempt is its own.
      eventId: outcome === "succeed" ? `sandbox:pay:${payment.id}` : `sandbox:fail:${randomUUID()}`,
      type: outcome === "succeed" ? "payment.succeeded" : "payment.failed",
      paymentId: payment.id,
      providerPaymentRef: `sandbox_pi_${payment.id}`,
    });
    return (await this.repo.findPayment(payment.id))!;
  }

  // Provider events ---------------------------------------------------------------------------------

  /**
   * Applies one provider event, once per event id, in one transaction with all its effects (payment state,
   * ledger postings, the purpose's state, notifications). A repeated id is a no-op; concurrent deliveries of
   * one id wait on the first and then do nothing. Out of order: a refund before its payment's success applies
   * the success first; a success after a refund, or twice, posts nothing more (postings are keyed).
   */
  async handleEvent(event: PaymentEvent): Promise<"processed" | "duplicate" | "ignored" | "deferred"> {
    const followUps: number[] = [];
    const result = await this.ctx.db.transaction(async (tx) => {
      const outcome = await this.applyEvent(tx, event, followUps);
      if (outcome !== "duplicate")
        await this.repo.setEventOutcome(tx, event.provider, event.eventId, outcome);
      return outcome;
    });
    for (const paymentId of followUps) await this.settlePayment(paymentId);
    return result;
  }

  private async applyEvent(
    tx: Tx,
    event: PaymentEvent,
    followUps: number[],
  ): Promise<"processed" | "duplicate" | "ignored" | "deferred"> {
    {
      const fresh = await this.repo.recordEvent(tx, {
        provider: event.provider,
        eventId: event.eventId,
        type: event.type === "ignored" ? event.originalType : event.type,
        payload: eventPayload(event),
        at: this.now(),
      });
      if (!fresh) return "duplicate" as const;
      switch (event.type) {
        case "payment.succeeded": {
          const p = await this.repo.lockPayment(tx, {
            id: event.paymentId,
            checkoutRef: event.checkoutRef,
          });
          if (!p) return "ignored" as const;
          await this.applySuccess(tx, p, event.providerPaymentRef);
          followUps.push(p.id);
          return "processed" as const;
        }
        case "payment.failed": {
          const p = await this.repo.lockPayment(tx, { id: event.paymentId, checkoutRef: event.checkoutRef });
          if (!p || p.status !== "requires_payment") return "ignored" as const;
          await this.repo.updatePayment(tx, p.id, { status: "failed", updatedAt: this.now() });
          return "processed" as const;
        }
        case "payment.expired": {
          const p = await this.repo.lockPayment(tx, { id: event.paymentId, checkoutRef: event.checkoutRef });
          if (!p) return "ignored" as const;
          await this.applyExpiry(tx, p);
          followUps.push(p.id);
          return "processed" as const;
        }
        case "refund.succeeded":
        case "refund.failed":
          return this.applyRefundOutcome(tx, event);
        case "payout.paid":
        case "payout.failed":
          return (await this.applyPayoutOutcome(tx, event)) ? ("processed" as const) : ("ignored" as const);
        case "ignored":
          return "ignored" as const;
      }
    }
  }

  /** Payment received: post it, tell the purpose; an unwanted (late) payment is refunded in full. */
  private async applySuccess(
    tx: Tx,
    p: PaymentRow,
    providerPaymentRef?: string,
  ): Promise<number | undefined> {
    const now = this.now();
    const posted = await this.flows.captured(tx, {
      key: `payment:${p.id}:captured`,
      paymentId: p.id,
      amountMinor: p.amountMinor,
      currency: p.currency,
      at: now,
    });
    if (posted === undefined) return undefined; // already applied (a duplicate success under another id)
    const wasOpen = p.status === "requires_payment" || p.status === "failed" || p.status === "expired";
    await this.repo.updatePayment(tx, p.id, {
      status: wasOpen ? "succeeded" : p.status,
      paidAt: now,
      providerPaymentRef: providerPaymentRef ?? p.providerPaymentRef,
      updatedAt: now,
    });
    const current = {
      ...p,
      status: wasOpen ? ("succeeded" as const) : p.status,
      paidAt: now,
      providerPaymentRef: providerPaymentRef ?? p.providerPaymentRef,
    };
    await withdrawNotification(tx, linkKey(p.id));
    await this.notifyPatient(tx, current, "payment.receipt", `payment:${p.id}:receipt`);
    const verdict = await this.purpose(p.purpose).paid(tx, current, now);
    if (verdict === "delivered") await this.earn(tx, current, p.referenceId);
    // Refunds of this charge that arrived before its success are applied now.
    if (current.providerPaymentRef) {
      for (const deferred of await this.repo.deferredRefundEvents(tx, current.providerPaymentRef)) {
        const outcome = await this.applyRefundOutcome(
          tx,
          deferred as Extract<PaymentEvent, { type: "refund.succeeded" }>,
        );
        await this.repo.setEventOutcome(tx, deferred.provider, deferred.eventId, outcome);
      }
      const after = await this.repo.lockPayment(tx, { id: p.id });
      if (after && after.refundedMinor >= after.amountMinor) return undefined;
    }
    if (verdict === "unwanted") {
      const refund = await this.requestRefund(tx, current, {
        amountMinor: p.amountMinor,
        reason: "late_payment",
        key: `payment:${p.id}:late`,
      });
      return refund;
    }
    return undefined;
  }

  private async applyExpiry(tx: Tx, p: PaymentRow): Promise<void> {
    if (p.status !== "requires_payment" && p.status !== "failed") return;
    await this.repo.updatePayment(tx, p.id, { status: "expired", updatedAt: this.now() });
    await withdrawNotification(tx, linkKey(p.id));
    await this.purpose(p.purpose).expired(tx, p, this.now());
  }

  /** The expiry job: the payment window closed unpaid. Idempotent; early runs do nothing. */
  async expirePayment(paymentId: number): Promise<void> {
    await this.ctx.db.transaction(async (tx) => {
      const p = await this.repo.lockPayment(tx, { id: paymentId });
      if (!p || p.expiresAt > this.now()) return;
      await this.applyExpiry(tx, p);
    });
    await this.settlePayment(paymentId);
  }

  /** Told (after the commit) when an unpaid appointment was released, so derived caches can be dropped. */
  onAppointmentReleased: (doctorId: number) => Promise<void> = () => Promise.resolve();

  // Refunds ----------------------------------------------------------------------------------------

  /**
   * Records a refund to make (once per key), inside the caller's transaction, capped at what is left to
   * refund. The provider call happens after the commit (executeRefund), with a job as a safety net.
   */
  async requestRefund(
    tx: Tx,
    p: PaymentRow,
    r: { amountMinor: number; reason: string; key: string },
  ): Promise<number | undefined> {
    const existing = await this.repo.refundsOf(p.id, tx);
    if (existing.some((x) => x.idempotencyKey === r.key))
      return existing.find((x) => x.idempotencyKey === r.key)!.id;
    const committed = existing.filter((x) => x.status !== "failed").reduce((s, x) => s + x.amountMinor, 0);
    const amount = Math.min(r.amountMinor, p.amountMinor - committed);
    if (amount <= 0) return undefined;
    const refund = await this.repo.insertRefund(tx, {
      paymentId: p.id,
      amountMinor: amount,
      currency: p.currency,
      reason: r.reason,
      idempotencyKey: r.key,
      createdAt: this.now(),
      updatedAt: this.now(),
    });
    return refund.id;
  }

  /** Asks the provider for a recorded refund (idempotent by the refund id) and applies a final answer. */
  async executeRefund(refundId: number): Promise<void> {
    const refund = await this.repo.findRefund(refundId);
    if (!refund || refund.status !== "pending") return;
    const payment = await this.repo.findPayment(refund.paymentId);
    if (!payment) return;
    const outcome = await this.provider.refund({
      refundId: refund.id,
      paymentId: payment.id,
      providerPaymentRef: payment.providerPaymentRef,
      amountMinor: refund.amountMinor,
      currency: refund.currency,
    });
    if (!refund.providerRef)
      await this.repo.updateRefund(this.ctx.db, refund.id, {
        providerRef: outcome.ref,
        updatedAt: this.now(),
      });
    if (outcome.status === "pending") return; // the webhook tells us later
    await this.handleEvent({
      provider: this.provider.name,
      eventId: `${outcome.ref}:${outcome.status}`,
      type: outcome.status === "succeeded" ? "refund.succeeded" : "refund.failed",
      refundRef: outcome.ref,
      refundId: refund.id,
      paymentId: payment.id,
      amountMinor: refund.amountMinor,
    });
  }

  /**
   * After the commit of anything that touched a payment: schedule its jobs (expiry, refund retries, earnings
   * release) and run its pending refunds now. Nothing here runs inside a database transaction, so a slow
   * Redis or provider never holds database locks. Idempotent; safe to call any number of times.
   */
  async settle(purpose: PaymentPurpose, referenceId: number): Promise<void> {
    const p = await this.repo.findByPurpose(purpose, referenceId);
    if (p) await this.settlePayment(p.id);
  }

  private async settlePayment(paymentId: number): Promise<void> {
    const p = await this.repo.findPayment(paymentId);
    if (!p) return;
    const now = this.now().getTime();
    if (p.status === "expired") {
      if (p.purpose === "appointment" && p.doctorId !== null) await this.onAppointmentReleased(p.doctorId);
      if (p.providerRef) {
        const ref = p.providerRef;
        await this.provider.expireCheckout(ref, p.id).catch(() => undefined);
      }
    }
    if (p.status === "requires_payment" || p.status === "failed") {
      await this.ctx.jobs.add(
        PAYMENT_JOBS.expire,
        { paymentId: p.id },
        { delayMs: p.expiresAt.getTime() - now + 1000, jobId: `expire-${p.id}` },
      );
    }
    const earning = await this.repo.earningOf(p.id);
    if (earning && earning.releasedAt === null) {
      await this.ctx.jobs.add(
        PAYMENT_JOBS.releaseEarnings,
        { doctorId: earning.doctorId },
        { delayMs: earning.availableAt.getTime() - now + 1000, jobId: `release-earning-${earning.id}` },
      );
    }
    for (const r of await this.repo.refundsOf(p.id)) {
      if (r.status !== "pending") continue;
      await this.ctx.jobs.add(
        PAYMENT_JOBS.refund,
        { refundId: r.id },
        { delayMs: RETRY_DELAY_MS, jobId: `refund-${r.id}` },
      );
      try {
        await this.executeRefund(r.id);
      } catch {
        // The provider is unreachable: the refund job retries; the refund stays recorded as pending.
      }
    }
  }

  private async applyRefundOutcome(
    tx: Tx,
    e: Extract<PaymentEvent, { type: "refund.succeeded" | "refund.failed" }>,
  ): Promise<"processed" | "ignored" | "deferred"> {
    const now = this.now();
    let refund = await this.repo.lockRefund(tx, { id: e.refundId });
    refund ??= await this.repo.lockRefund(tx, { ref: e.refundRef });
    const p = refund
      ? await this.repo.lockPayment(tx, { id: refund.paymentId })
      : await this.repo.lockPayment(tx, { id: e.paymentId, paymentRef: e.providerPaymentRef });
    if (!p) {
      // Out of order: a refund of a charge we have not heard of yet. Kept; applied when its payment succeeds.
      return e.providerPaymentRef && e.type === "refund.succeeded" ? "deferred" : "ignored";
    }
    if (!refund) {
      // A refund made at the provider (its dashboard): record it under the provider's id.
      if (e.type === "refund.failed") return "ignored";
      refund = await this.repo.insertRefund(tx, {
        paymentId: p.id,
        amountMinor: e.amountMinor,
        currency: p.currency,
        reason: "provider",
        idempotencyKey: `provider:${e.refundRef}`,
        providerRef: e.refundRef,
        createdAt: now,
        updatedAt: now,
      });
    }
    if (refund.status !== "pending") return "ignored";
    if (e.type === "refund.failed") {
      await this.repo.updateRefund(tx, refund.id, {
        status: "failed",
        providerRef: e.refundRef,
        updatedAt: now,
      });
      return "processed";
    }
    // Out of order: the money cannot go back before it arrived — a refund implies the payment succeeded.
    if (p.status === "requires_payment" || p.status === "failed" || p.status === "expired") {
      await this.flows.captured(tx, {
        key: `payment:${p.id}:captured`,
        paymentId: p.id,
        amountMinor: p.amountMinor,
        currency: p.currency,
        at: now,
      });
      p.status = "succeeded";
      p.paidAt = now;
    }
    // What is still the patient's prepayment goes back from there; a refund beyond it (after delivery: the
    // doctor has earned the fee) is borne by the platform, never by a doctor's balance.
    const held = p.amountMinor - p.refundedMinor - (await this.repo.recognisedMinor(tx, p.id));
    const fromPrepayment = Math.max(0, Math.min(refund.amountMinor, held));
    await this.flows.refunded(tx, {
      key: `refund:${refund.id}`,
      paymentId: p.id,
      refundId: refund.id,
      amountMinor: refund.amountMinor,
      fromPlatformMinor: refund.amountMinor - fromPrepayment,
      currency: refund.currency,
      at: now,
    });
    const refundedMinor = Math.min(p.amountMinor, p.refundedMinor + refund.amountMinor);
    const fully = refundedMinor >= p.amountMinor;
    await this.repo.updateRefund(tx, refund.id, {
      status: "succeeded",
      providerRef: e.refundRef,
      updatedAt: now,
    });
    await this.repo.updatePayment(tx, p.id, {
      refundedMinor,
      status: fully ? "refunded" : "partially_refunded",
      paidAt: p.paidAt ?? now,
      updatedAt: now,
    });
    const after = { ...p, refundedMinor };
    await this.purpose(p.purpose).refunded?.(tx, after, fully);
    await this.notifyPatient(tx, after, "payment.refunded", `refund:${refund.id}:done`, {
      refunded_amount: toMajor(refund.amountMinor, refund.currency),
    });
    return "processed";
  }

  // Appointments -----------------------------------------------------------------------------------

  /** The hooks scheduling calls inside its transactions. */
  appointmentHooks(): AppointmentPaymentHooks {
    return {
      beforeBook: async (tx, q) => {
        const now = this.now();
        await this.releaseStaleHolds(tx, q);
        if (q.feeMinor <= 0) return { paymentStatus: "not_required", paymentHoldUntil: null };
        return { paymentStatus: "unpaid", paymentHoldUntil: this.holdUntil(now) };
      },
      releaseStale: (tx, q) => this.releaseStaleHolds(tx, q),
      booked: async (tx, appt) => {
        if (appt.feeMinor <= 0 || appt.paymentHoldUntil === null) return null;
        const payment = await this.createPayment(tx, {
          purpose: "appointment",
          referenceId: appt.id,
          patientId: appt.patientId,
          doctorId: appt.doctorId,
          amountMinor: appt.feeMinor,
          currency: appt.currency,
          expiresAt: appt.paymentHoldUntil,
        });
        return this.summary(payment);
      },
      changed: (tx, appt, event, side) => this.appointmentChanged(tx, appt, event, side),
      afterChange: (id) => this.settle("appointment", id),
    };
  }

  /** Releases unpaid holds past their time overlapping a time (doctor's or patient's), expiring their payments. */
  private async releaseStaleHolds(
    tx: Tx,
    q: { doctorId: number; patientId: number; startsAt: Date; endsAt: Date },
  ): Promise<void> {
    const now = this.now();
    const released = await this.appointments.releaseStale(tx, { ...q, now });
    for (const r of released) {
      const p = await this.repo.lockByPurpose(tx, "appointment", r.id);
      if (p && (p.status === "requires_payment" || p.status === "failed"))
        await this.repo.updatePayment(tx, p.id, { status: "expired", updatedAt: now });
    }
  }

  private async appointmentChanged(
    tx: Tx,
    appt: AppointmentDetail,
    event: AppointmentEvent,
    side: Side,
  ): Promise<void> {
    if (event === "completed" || event === "no_show") {
      const p = await this.repo.lockByPurpose(tx, "appointment", appt.id);
      if (p && (p.status === "succeeded" || p.status === "partially_refunded"))
        await this.earn(tx, p, appt.id);
      return;
    }
    if (event !== "cancelled" && event !== "rejected" && event !== "proposal_declined") return;
    const p = await this.repo.lockByPurpose(tx, "appointment", appt.id);
    if (!p) return;
    const now = this.now();
    if (p.status === "requires_payment" || p.status === "failed") {
      // Nothing was paid: close the payment (a late payment is then refunded automatically).
      await this.repo.updatePayment(tx, p.id, { status: "expired", updatedAt: now });
      return;
    }
    if (p.status !== "succeeded") return;
    const by = event === "rejected" ? "doctor" : event === "proposal_declined" ? "system" : side;
    const refund = refundFor(by, p.amountMinor, appt.startsAt, now, {
      fullBeforeHours: this.config.refundFullBeforeHours,
      lateSharePercent: this.config.refundLateSharePercent,
    });
    if (refund > 0)
      await this.requestRefund(tx, p, {
        amountMinor: refund,
        reason: `appointment_${event}_by_${by}`,
        key: `appointment:${appt.id}:refund`,
      });
    const kept = p.amountMinor - refund;
    if (kept > 0 && p.doctorId !== null) {
      // A late cancellation: the share kept is earned like a consultation fee.
      await this.flows.retained(tx, {
        key: `payment:${p.id}:retained`,
        paymentId: p.id,
        doctorId: p.doctorId,
        appointmentId: appt.id,
        amountMinor: kept,
        currency: p.currency,
        at: now,
      });
      await this.recordEarning(tx, p, doctorShare(kept, this.config.platformFeePercent));
    }
  }

  /** A consultation delivered: its fee (less refunds and the platform fee) becomes the doctor's pending earning. */
  private async earn(tx: Tx, p: PaymentRow, appointmentId: number): Promise<void> {
    if (p.doctorId === null) return;
    const amount = p.amountMinor - p.refundedMinor;
    if (amount <= 0) return;
    const posted = await this.flows.earned(tx, {
      key: `payment:${p.id}:earned`,
      paymentId: p.id,
      doctorId: p.doctorId,
      appointmentId,
      amountMinor: amount,
      currency: p.currency,
      at: this.now(),
    });
    if (posted !== undefined)
      await this.recordEarning(tx, p, doctorShare(amount, this.config.platformFeePercent));
  }

  /** The earning row says when the pending amount becomes withdrawable; a job releases it then (and reads do). */
  private async recordEarning(tx: Tx, p: PaymentRow, amountMinor: number): Promise<void> {
    if (p.doctorId === null || amountMinor <= 0) return;
    const holdMs = this.config.earningsHoldDays * 86_400_000;
    await this.repo.insertEarning(tx, {
      doctorId: p.doctorId,
      paymentId: p.id,
      amountMinor,
      currency: p.currency,
      availableAt: new Date(this.now().getTime() + holdMs),
      createdAt: this.now(),
    });
  }

  /** Moves a doctor's earnings past their hold from pending to available (a posting each). Idempotent. */
  async releaseDueEarnings(doctorId: number): Promise<void> {
    await this.ctx.db.transaction(async (tx) => {
      const due = await this.repo.lockDueEarnings(tx, doctorId, this.now());
      for (const e of due) {
        await this.flows.released(tx, {
          key: `earning:${e.id}:released`,
          doctorId,
          amountMinor: e.amountMinor,
          currency: e.currency,
          at: this.now(),
        });
      }
      await this.repo.markReleased(
        tx,
        due.map((e) => e.id),
        this.now(),
      );
    });
  }

  // For other purposes (pharmacy orders, lab bookings) -------------------------------------------------

  /** The payment of a thing, locked for the rest of the caller's transaction. */
  lockPayment(tx: Tx, purpose: PaymentPurpose, referenceId: number): Promise<PaymentRow | undefined> {
    return this.repo.lockByPurpose(tx, purpose, referenceId);
  }

  /**
   * The thing to pay for was cancelled before it was paid: its payment closes (expired) so the link stops
   * taking money, in the caller's transaction; settle() afterwards closes the provider's checkout. A payment
   * that arrives anyway is refunded by the purpose's late-payment rule.
   */
  async closeUnpaid(tx: Tx, p: PaymentRow): Promise<void> {
    if (p.status !== "requires_payment" && p.status !== "failed") return;
    await this.repo.updatePayment(tx, p.id, { status: "expired", updatedAt: this.now() });
    await withdrawNotification(tx, linkKey(p.id));
  }

  findByPurpose(purpose: PaymentPurpose, referenceId: number): Promise<PaymentRow | undefined> {
    return this.repo.findByPurpose(purpose, referenceId);
  }

  /**
   * The thing paid for was delivered: what was paid (less refunds) stops being the patient's prepayment.
   * With a doctor: the doctor's earning (less the platform fee), held for EARNINGS_HOLD_DAYS. Without:
   * platform revenue. Once per payment, in the caller's transaction.
   */
  async delivered(tx: Tx, purpose: PaymentPurpose, referenceId: number): Promise<void> {
    const p = await this.repo.lockByPurpose(tx, purpose, referenceId);
    if (!p || (p.status !== "succeeded" && p.status !== "partially_refunded")) return;
    if (p.doctorId !== null) return this.earn(tx, p, referenceId);
    const amount = p.amountMinor - p.refundedMinor;
    if (amount > 0)
      await this.flows.recognised(tx, {
        key: `payment:${p.id}:earned`,
        paymentId: p.id,
        amountMinor: amount,
        currency: p.currency,
        at: this.now(),
      });
  }

  /** The release job for unpaid appointments (also reachable through the payment's expiry). */
  async releaseUnpaidAppointment(appointmentId: number): Promise<void> {
    const p = await this.repo.findByPurpose("appointment", appointmentId);
    if (p) await this.expirePayment(p.id);
  }

  // Earnings and withdrawals -----------------------------------------------------------------------

  private async doctorCurrency(doctorId: number): Promise<string> {
    const d = await this.repo.doctorCurrency(doctorId);
    if (!d) throw notFound("Doctor");
    return d.currency;
  }

  /** A doctor's earnings. Earnings past their hold are released first (the same posting the job makes). */
  async earnings(actor: Actor, requested: number | undefined): Promise<EarningsView> {
    const doctorId = await this.ctx.access.doctorScope(actor, requested);
    const currency = await this.doctorCurrency(doctorId);
    await this.releaseDueEarnings(doctorId);
    return this.earningsOf(doctorId, currency);
  }

  private async earningsOf(doctorId: number, currency: string): Promise<EarningsView> {
    const [pending, available, totals] = await Promise.all([
      this.ledger.balance(this.ctx.db, Accounts.doctorPending(doctorId, currency).code),
      this.ledger.balance(this.ctx.db, Accounts.doctorAvailable(doctorId, currency).code),
      this.repo.withdrawnTotals(doctorId),
    ]);
    return earningsView({
      doctorId,
      currency,
      pending,
      available,
      withdrawn: totals.inTransit + totals.paid,
    });
  }

  /**
   * Withdraws from the doctor's available balance. The available account row is locked, so concurrent
   * withdrawals serialise and never take more than there is. With an Idempotency-Key, a repeat returns the
   * first result and moves no money; the same key with another body is refused.
   */
  async withdraw(
    actor: Actor,
    input: { doctorId?: number | undefined; amount: number; idempotencyKey?: string | undefined },
  ): Promise<WithdrawResult> {
    if (actor.role !== "doctor") throw forbidden("DOCTORS_ONLY", "Only doctors withdraw their earnings.");
    const doctorId = await this.ctx.access.doctorScope(actor, input.doctorId);
    const currency = await this.doctorCurrency(doctorId);
    let amountMinor: number;
    try {
      amountMinor = toMinor(input.amount, currency);
    } catch {
      throw invalid("INVALID_AMOUNT", `The amount has more decimals than ${currency} allows.`);
    }
    if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0 || amountMinor > 2_000_000_000)
      throw invalid("INVALID_AMOUNT", "The amount must be a positive number.");
    const key = input.idempotencyKey;
    if (key !== undefined && !/^[\x21-\x7e]{1,255}$/.test(key))
      throw invalid("INVALID_IDEMPOTENCY_KEY", "The Idempotency-Key must be 1–255 visible ASCII characters.");
    if (this.provider.name === "stripe" && !(await this.repo.payoutAccount(doctorId)))
      throw unprocessable(
        "PAYOUT_ACCOUNT_REQUIRED",
        "Set up your payout account first (POST /api/doctor/payouts/onboarding/).",
      );
    await this.releaseDueEarnings(doctorId);
    const scope = `withdraw:${doctorId}`;
    const requestHash = createHash("sha256")
      .update(JSON.stringify({ doctor_id: doctorId, amount_minor: amountMinor, currency }))
      .digest("hex");
    const now = this.now();
    const { withdrawal, replay } = await this.ctx.db.transaction(async (tx) => {
      if (key !== undefined) {
        const seen = await this.repo.claimKey(tx, { scope, key, userId: actor.userId, requestHash, at: now });
        if (seen) {
          if (seen.requestHash !== requestHash || seen.resourceId === null)
            throw unprocessable(
              "IDEMPOTENCY_KEY_REUSED",
              "This Idempotency-Key was used with a different request.",
            );
          const w = await this.repo.findWithdrawal(seen.resourceId, tx);
          return { withdrawal: w!, replay: true };
        }
      }
      const w = await this.repo.insertWithdrawal(tx, {
        doctorId,
        amountMinor,
        currency,
        provider: this.provider.name,
        createdAt: now,
        updatedAt: now,
      });
      await this.flows.withdrawn(tx, {
        key: `withdrawal:${w.id}`,
        withdrawalId: w.id,
        doctorId,
        amountMinor,
        currency,
        at: now,
      });
      if (key !== undefined) await this.repo.completeKey(tx, scope, key, w.id);
      return { withdrawal: w, replay: false };
    });
    let current: WithdrawalRow = withdrawal;
    if (!replay) {
      try {
        // The safety net first (a no-op once the payout is final), then the call itself.
        await this.ctx.jobs.add(
          PAYMENT_JOBS.payout,
          { withdrawalId: withdrawal.id },
          { delayMs: RETRY_DELAY_MS, jobId: `payout-${withdrawal.id}` },
        );
        await this.executePayout(withdrawal.id);
      } catch {
        // The provider is unreachable: the payout job retries; the money stays in transit meanwhile.
      }
    }
    current = (await this.repo.findWithdrawal(withdrawal.id)) ?? current;
    return {
      status: "success",
      message: `Earnings withdrawal successful. Amount: ${formatDecimal(current.amountMinor, current.currency)}`,
      withdrawal: withdrawalView(current),
    };
  }

  /** Sends a withdrawal to the provider (idempotent by its id) and applies a final answer. */
  async executePayout(withdrawalId: number): Promise<void> {
    const w = await this.repo.findWithdrawal(withdrawalId);
    if (!w || w.status !== "in_transit" || w.providerRef) return;
    const accountRef =
      this.provider.name === "stripe"
        ? await this.repo.payoutAccount(w.doctorId)
        : await this.provider.createPayoutAccount(w.doctorId);
    if (!accountRef) return;
    const outcome = await this.provider.payout({
      withdrawalId: w.id,
      doctorId: w.doctorId,
      accountRef,
      amountMinor: w.amountMinor,
      currency: w.currency,
    });
    await this.repo.updateWithdrawal(this.ctx.db, w.id, { providerRef: outcome.ref, updatedAt: this.now() });
    if (outcome.status === "in_transit") return;
    await this.handleEvent({
      provider: this.provider.name,
      eventId: `${outcome.ref}:${outcome.status}`,
      type: outcome.status === "paid" ? "payout.paid" : "payout.failed",
      payoutRef: outcome.ref,
      withdrawalId: w.id,
      failureReason: outcome.failureReason,
    });
  }

  private async applyPayoutOutcome(
    tx: Tx,
    e: Extract<PaymentEvent, { type: "payout.paid" | "payout.failed" }>,
  ): Promise<boolean> {
    let w = await this.repo.lockWithdrawal(tx, { id: e.withdrawalId });
    w ??= await this.repo.lockWithdrawal(tx, { ref: e.payoutRef });
    if (!w) return false;
    const now = this.now();
    const args = {
      withdrawalId: w.id,
      doctorId: w.doctorId,
      amountMinor: w.amountMinor,
      currency: w.currency,
      at: now,
    };
    if (e.type === "payout.paid") {
      if (w.status !== "in_transit") return false;
      await this.flows.payoutPaid(tx, { ...args, key: `withdrawal:${w.id}:paid` });
      await this.repo.updateWithdrawal(tx, w.id, {
        status: "paid",
        providerRef: e.payoutRef,
        updatedAt: now,
      });
      return true;
    }
    if (w.status === "failed") return false;
    if (w.status === "in_transit") {
      await this.flows.payoutFailed(tx, { ...args, key: `withdrawal:${w.id}:failed` });
    } else {
      // Failed after it was reported paid (banks do this): reverse the paid posting, money back to available.
      await this.ledger.post(tx, {
        key: `withdrawal:${w.id}:failed_after_paid`,
        kind: "payout_failed",
        refs: { withdrawalId: w.id, doctorId: w.doctorId },
        at: now,
        lines: [
          { account: Accounts.payoutsPaid(w.currency), debit: w.amountMinor },
          { account: Accounts.doctorAvailable(w.doctorId, w.currency), credit: w.amountMinor },
        ],
      });
    }
    await this.repo.updateWithdrawal(tx, w.id, {
      status: "failed",
      failureReason: e.failureReason ?? "The payout failed.",
      updatedAt: now,
    });
    return true;
  }

  async withdrawals(
    actor: Actor,
    input: { doctorId?: number | undefined; page: number; perPage: number },
  ): Promise<{ withdrawals: WithdrawalView[]; page: number; per_page: number; has_more: boolean }> {
    const doctorId = await this.ctx.access.doctorScope(actor, input.doctorId);
    await this.doctorCurrency(doctorId);
    const rows = await this.repo.withdrawalsOf(doctorId, input.perPage + 1, (input.page - 1) * input.perPage);
    return {
      withdrawals: rows.slice(0, input.perPage).map(withdrawalView),
      page: input.page,
      per_page: input.perPage,
      has_more: rows.length > input.perPage,
    };
  }

  // Patients' payments and receipts ----------------------------------------------------------------

  async patientPayments(
    actor: Actor,
    input: { patientId?: number | undefined; page: number; perPage: number },
  ): Promise<{ payments: PaymentView[]; page: number; per_page: number; has_more: boolean }> {
    const patientId = await this.ctx.access.patientScope(actor, input.patientId, {
      action: "list",
      resourceType: "payment",
    });
    const rows = await this.repo.paymentsOfPatient(
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
      payments: rows.slice(0, input.perPage).map((p) => this.view(p)),
      page: input.page,
      per_page: input.perPage,
      has_more: rows.length > input.perPage,
    };
  }

  private view(p: PaymentRow): PaymentView {
    return paymentView(p, this.purpose(p.purpose).description, this.checkoutUrl(p));
  }

  /** One payment of the actor's (patient) — others get 404 and an audit row. */
  async paymentFor(actor: Actor, id: number, action: string): Promise<PaymentRow> {
    const p = await this.repo.findPayment(id);
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

  async receipt(
    actor: Actor,
    id: number,
  ): Promise<{ payment: PaymentView; refunds: { amount_minor: number; at: string }[] }> {
    const p = await this.paymentFor(actor, id, "download");
    if (p.paidAt === null)
      throw unprocessable("NOT_PAID", "There is no receipt for a payment that was not made.");
    const refunds = (await this.repo.refundsOf(p.id))
      .filter((r) => r.status === "succeeded")
      .map((r) => ({ amount_minor: r.amountMinor, at: r.updatedAt.toISOString() }));
    return { payment: this.view(p), refunds };
  }

  // Payout accounts --------------------------------------------------------------------------------

  /** A doctor's Connect onboarding link (the account is created once). */
  async onboardingLink(actor: Actor): Promise<{ url: string; account_id: string }> {
    if (actor.role !== "doctor" || actor.doctorId === undefined)
      throw forbidden("DOCTORS_ONLY", "Only doctors set up payout accounts.");
    const doctorId = actor.doctorId;
    let ref = await this.repo.payoutAccount(doctorId);
    if (!ref)
      ref = await this.repo.savePayoutAccount(
        doctorId,
        this.provider.name,
        await this.callProvider(() => this.provider.createPayoutAccount(doctorId)),
      );
    const account = ref;
    const base = this.ctx.config.publicBaseUrl;
    // Where the doctor lands after onboarding (or when the link expired): the console.
    const url = await this.callProvider(() =>
      this.provider.onboardingLink(account, {
        returnUrl: `${base}/console/payouts?onboarding=done`,
        refreshUrl: `${base}/console/payouts?onboarding=refresh`,
      }),
    );
    return { url, account_id: account };
  }

  // Admin ------------------------------------------------------------------------------------------

  async revenue(actor: Actor): Promise<{
    revenue: {
      currency: string;
      platform_revenue: number;
      held_for_patients: number;
      doctors_owed: number;
      paid_out: number;
    }[];
  }> {
    if (actor.role !== "admin") throw forbidden("ADMINS_ONLY", "Only admins see platform revenue.");
    const all = await this.repo.accountBalances("");
    const byCurrency = new Map<string, { revenue: number; held: number; owed: number; paid: number }>();
    for (const a of all) {
      const c = byCurrency.get(a.currency) ?? { revenue: 0, held: 0, owed: 0, paid: 0 };
      const kind = a.code.split(":")[0];
      if (kind === "platform_revenue") c.revenue += a.balance;
      else if (kind === "customer_prepayments") c.held += a.balance;
      else if (kind === "doctor_pending" || kind === "doctor_available" || kind === "payouts_in_transit")
        c.owed += a.balance;
      else if (kind === "payouts_paid") c.paid += a.balance;
      byCurrency.set(a.currency, c);
    }
    return {
      revenue: [...byCurrency].map(([currency, c]) => ({
        currency,
        platform_revenue: toMajor(c.revenue, currency),
        held_for_patients: toMajor(c.held, currency),
        doctors_owed: toMajor(c.owed, currency),
        paid_out: toMajor(c.paid, currency),
      })),
    };
  }

  /** The whole ledger as CSV rows, a page at a time (ids, kinds, accounts and amounts only). */
  async *ledgerCsv(actor: Actor): AsyncGenerator<string> {
    if (actor.role !== "admin") throw forbidden("ADMINS_ONLY", "Only admins export the ledger.");
    yield "entry_id,transaction_id,at,kind,key,account,debit_minor,credit_minor,currency\n";
    let after = 0;
    for (;;) {
      const rows = await this.repo.ledgerPage(after, 1000);
      if (rows.length === 0) return;
      yield (
        rows
          .map((r) =>
            [
              r.entryId,
              r.transactionId,
              r.at.toISOString(),
              r.kind,
              r.key,
              r.account,
              r.debit,
              r.credit,
              r.currency,
            ]
              .map(csvField)
              .join(","),
          )
          .join("\n") + "\n"
      );
      after = rows[rows.length - 1]!.entryId;
    }
  }
}

function csvField(v: unknown): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** What is kept of an event: ids, types and amounts. */
function eventPayload(e: PaymentEvent): Record<string, unknown> {
  return JSON.parse(JSON.stringify(e)) as Record<string, unknown>;
}
