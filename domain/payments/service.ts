import { randomBytes, randomUUID } from "node:crypto";
import type { Tx } from "../../db/client.js";
import type { PaymentPurpose } from "../../db/schema/index.js";
import { enqueueNotification, withdrawNotification } from "../notifications/outbox.js";
import type { BookingPayment } from "../scheduling/service.js";
import { conflict, invalid, notFound, unprocessable } from "../shared/errors.js";
import { toMajor } from "../shared/money.js";
import type { PaymentsDeps } from "./deps.js";
import type { Earnings } from "./earnings.js";
import { applyOnce, type EventOutcome } from "./events.js";
import { paymentJob, schedule, type PaymentJob } from "./jobs.js";
import type { Ledger } from "./ledger/ledger.js";
import type { PayoutEvent } from "./payouts/service.js";
import { callProvider, type PaymentEvent, type PaymentProvider } from "./provider.js";
import type { PurposeHandler } from "./purposes/types.js";
import type { PaymentRow } from "./repository.js";
import { paymentView, type PaymentView } from "./views.js";

export { PAYMENT_JOBS } from "./jobs.js";

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

/** Where provider events about payouts go (PayoutsService). */
export interface PayoutOutcomes {
  applyPayoutOutcome(tx: Tx, e: PayoutEvent): Promise<boolean>;
}

/**
 * The payments core: asking for payments, the checkout page, provider events, refunds and expiry, over a
 * provider port (sandbox or Stripe) and a double-entry ledger. Payouts, receipts and ledger reports are
 * services of their own (payouts/, receipts.ts, reports.ts); appointments.ts holds the consultation rules.
 *
 * Exactly-once on at-least-once: each provider event is recorded by id in the transaction that applies it;
 * each ledger posting has a key; each provider call carries an idempotency key built from our row id.
 * Provider calls never run inside a database transaction: the row (refund) is committed first, then the call
 * is made (inline after the commit, and again by a delayed job if that did not finish; PaymentsRelay finds
 * what was committed but never enqueued).
 */
export class PaymentsService {
  private readonly purposes = new Map<PaymentPurpose, PurposeHandler>();

  constructor(
    private readonly deps: PaymentsDeps,
    private readonly earningsBook: Earnings,
    private readonly payouts: PayoutOutcomes,
  ) {}

  /** Plugs in a thing to pay for (appointments, pharmacy orders, lab bookings), once, where services are wired. */
  registerPurpose(purpose: PaymentPurpose, handler: PurposeHandler): void {
    this.purposes.set(purpose, handler);
  }

  private purpose(p: PaymentPurpose): PurposeHandler {
    const h = this.purposes.get(p);
    if (!h) throw new Error(`no payment purpose handler for ${p}`);
    return h;
  }

  get provider(): PaymentProvider {
    return this.deps.provider;
  }

  get ledger(): Ledger {
    return this.deps.ledger;
  }

  private get ctx() {
    return this.deps.ctx;
  }

  private get repo() {
    return this.deps.repo;
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

  /** A payment as its payer sees it. */
  view(p: PaymentRow): PaymentView {
    return paymentView(p, this.purpose(p.purpose).description, this.checkoutUrl(p));
  }

  // Creating payments ------------------------------------------------------------------------------

  /**
   * Asks for a payment, inside the caller's transaction: the row and the patient's "payment.link" message.
   * After the commit, settle() schedules the expiry job (and the relay's sweep finds a payment whose job was
   * never scheduled). The checkout link is ours (/pay/{token}); with a hosted checkout it redirects there.
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

  /** When a payment asked for now closes unpaid (PAYMENT_HOLD_MINUTES). */
  holdUntil(now: Date): Date {
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
    const userId = await this.repo.patientUserId(tx, p.patientId);
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
   * What the checkout link shows. Without a hosted checkout: our test-mode page. With one: a redirect to the
   * provider's page (created on first visit, idempotently, so no network call happens inside the booking
   * transaction).
   */
  async checkout(token: string): Promise<{
    payment: PaymentRow;
    description: string;
    payable: boolean;
    /** No real money moves (the page says TEST MODE). */
    testMode: boolean;
    /** The payer chooses the outcome on our page (its Pay / Fail buttons). */
    choosesOutcome: boolean;
    redirect?: string | undefined;
  }> {
    const payment = await this.findByToken(token);
    const description = this.purpose(payment.purpose).description;
    const payable =
      (payment.status === "requires_payment" || payment.status === "failed") &&
      payment.expiresAt > this.now();
    const { capabilities } = this.provider;
    const page = {
      payment,
      description,
      payable,
      testMode: capabilities.testMode,
      choosesOutcome: this.payerChoosesOutcome(),
    };
    if (!payable || !capabilities.hostedCheckout) return page;
    let url = payment.providerCheckoutUrl;
    if (!url) {
      const session = await callProvider(() =>
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
    return { ...page, redirect: url };
  }

  /** Our own page decides the outcome only where nothing real moves and the provider hosts no checkout. */
  private payerChoosesOutcome(): boolean {
    const { capabilities } = this.provider;
    return capabilities.testMode && !capabilities.hostedCheckout;
  }

  private async findByToken(token: string): Promise<PaymentRow> {
    if (!/^[A-Za-z0-9_-]{16,64}$/.test(token)) throw notFound("Payment");
    const payment = await this.repo.findByToken(token);
    if (!payment) throw notFound("Payment");
    return payment;
  }

  /** The test page's Pay / Fail buttons: the same event a provider's webhook would produce. */
  async sandboxOutcome(token: string, outcome: "succeed" | "fail"): Promise<PaymentRow> {
    if (!this.payerChoosesOutcome()) throw notFound("Payment");
    const payment = await this.findByToken(token);
    await this.handleEvent({
      provider: this.provider.name,
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
  async handleEvent(event: PaymentEvent): Promise<EventOutcome | "duplicate"> {
    const followUps: number[] = [];
    const result = await applyOnce(this.deps, event, (tx) => this.applyEvent(tx, event, followUps));
    for (const paymentId of followUps) await this.settlePayment(paymentId);
    return result;
  }

  private async applyEvent(tx: Tx, event: PaymentEvent, followUps: number[]): Promise<EventOutcome> {
    switch (event.type) {
      case "payment.succeeded": {
        const p = await this.repo.lockPayment(tx, { id: event.paymentId, checkoutRef: event.checkoutRef });
        if (!p) return "ignored";
        await this.applySuccess(tx, p, event.providerPaymentRef);
        followUps.push(p.id);
        return "processed";
      }
      case "payment.failed": {
        const p = await this.repo.lockPayment(tx, { id: event.paymentId, checkoutRef: event.checkoutRef });
        if (!p || p.status !== "requires_payment") return "ignored";
        await this.repo.updatePayment(tx, p.id, { status: "failed", updatedAt: this.now() });
        return "processed";
      }
      case "payment.expired": {
        const p = await this.repo.lockPayment(tx, { id: event.paymentId, checkoutRef: event.checkoutRef });
        if (!p) return "ignored";
        await this.applyExpiry(tx, p);
        followUps.push(p.id);
        return "processed";
      }
      case "refund.succeeded":
      case "refund.failed":
        return this.applyRefundOutcome(tx, event);
      case "payout.paid":
      case "payout.failed":
        return (await this.payouts.applyPayoutOutcome(tx, event)) ? "processed" : "ignored";
      case "ignored":
        return "ignored";
    }
  }

  /** Payment received: post it, tell the purpose; an unwanted (late) payment is refunded in full. */
  private async applySuccess(tx: Tx, p: PaymentRow, providerPaymentRef?: string): Promise<void> {
    const now = this.now();
    const posted = await this.deps.flows.captured(tx, {
      key: `payment:${p.id}:captured`,
      paymentId: p.id,
      amountMinor: p.amountMinor,
      currency: p.currency,
      at: now,
    });
    if (posted === undefined) return; // already applied (a duplicate success under another id)
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
    if (verdict === "delivered") await this.earningsBook.earn(tx, current, p.referenceId);
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
      if (after && after.refundedMinor >= after.amountMinor) return;
    }
    if (verdict === "unwanted")
      await this.requestRefund(tx, current, {
        amountMinor: p.amountMinor,
        reason: "late_payment",
        key: `payment:${p.id}:late`,
      });
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

  // Refunds ----------------------------------------------------------------------------------------

  /**
   * Records a refund to make (once per key), inside the caller's transaction, capped at what is left to
   * refund. The provider call happens after the commit (settle → executeRefund), with a job as a safety net
   * and the relay's sweep behind it.
   */
  async requestRefund(
    tx: Tx,
    p: PaymentRow,
    r: { amountMinor: number; reason: string; key: string },
  ): Promise<number | undefined> {
    const existing = await this.repo.refundsOf(p.id, tx);
    const same = existing.find((x) => x.idempotencyKey === r.key);
    if (same) return same.id;
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

  /**
   * The refund job: asks the provider for a recorded refund and applies a final answer. Idempotent: only a
   * pending refund is asked for; the call carries a key from the refund's id (a rerun gets the first answer,
   * never a second refund); the answer is applied once by its event id.
   */
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

  private async applyRefundOutcome(
    tx: Tx,
    e: Extract<PaymentEvent, { type: "refund.succeeded" | "refund.failed" }>,
  ): Promise<EventOutcome> {
    const now = this.now();
    const { repo, flows } = this.deps;
    let refund = await repo.lockRefund(tx, { id: e.refundId });
    refund ??= await repo.lockRefund(tx, { ref: e.refundRef });
    const p = refund
      ? await repo.lockPayment(tx, { id: refund.paymentId })
      : await repo.lockPayment(tx, { id: e.paymentId, paymentRef: e.providerPaymentRef });
    if (!p) {
      // Out of order: a refund of a charge we have not heard of yet. Kept; applied when its payment succeeds.
      return e.providerPaymentRef && e.type === "refund.succeeded" ? "deferred" : "ignored";
    }
    if (!refund) {
      // A refund made at the provider (its dashboard): record it under the provider's id.
      if (e.type === "refund.failed") return "ignored";
      refund = await repo.insertRefund(tx, {
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
      await repo.updateRefund(tx, refund.id, {
        status: "failed",
        providerRef: e.refundRef,
        updatedAt: now,
      });
      return "processed";
    }
    // Out of order: the money cannot go back before it arrived — a refund implies the payment succeeded.
    if (p.status === "requires_payment" || p.status === "failed" || p.status === "expired") {
      await flows.captured(tx, {
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
    const held = p.amountMinor - p.refundedMinor - (await repo.recognisedMinor(tx, p.id));
    const fromPrepayment = Math.max(0, Math.min(refund.amountMinor, held));
    await flows.refunded(tx, {
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
    await repo.updateRefund(tx, refund.id, {
      status: "succeeded",
      providerRef: e.refundRef,
      updatedAt: now,
    });
    await repo.updatePayment(tx, p.id, {
      refundedMinor,
      status: fully ? "refunded" : "partially_refunded",
      paidAt: p.paidAt ?? now,
      updatedAt: now,
    });
    const after = { ...p, refundedMinor };
    await this.purpose(p.purpose).refunded?.(tx, after, fully, now);
    await this.notifyPatient(tx, after, "payment.refunded", `refund:${refund.id}:done`, {
      refunded_amount: toMajor(refund.amountMinor, refund.currency),
    });
    return "processed";
  }

  // After the commit ---------------------------------------------------------------------------------

  /**
   * After the commit of anything that touched a payment: schedule its jobs (expiry, refund retries, earnings
   * release) and run its pending refunds now. Nothing here runs inside a database transaction, so a slow
   * Redis or provider never holds database locks. Idempotent; safe to call any number of times. If the
   * process dies before this runs, PaymentsRelay.sweepStranded finds the work from the rows.
   */
  async settle(purpose: PaymentPurpose, referenceId: number): Promise<void> {
    const p = await this.repo.findByPurpose(purpose, referenceId);
    if (p) await this.settlePayment(p.id);
  }

  private async settlePayment(paymentId: number): Promise<void> {
    const p = await this.repo.findPayment(paymentId);
    if (!p) return;
    const now = this.now().getTime();
    // After the commit a failed add means "later", not a failure: the committed row says the work is due, and
    // the relay's sweep enqueues it again (a Redis outage must not turn a committed booking into an error).
    const enqueue = (job: PaymentJob, delayMs: number) =>
      schedule(this.ctx.jobs, job, delayMs).catch(() => undefined);
    if (p.status === "expired") {
      await this.purpose(p.purpose).afterExpiry?.(p);
      if (p.providerRef) {
        const ref = p.providerRef;
        await this.provider.expireCheckout(ref, p.id).catch(() => undefined);
      }
    }
    if (p.status === "requires_payment" || p.status === "failed")
      await enqueue(paymentJob.expire(p.id), p.expiresAt.getTime() - now + 1000);
    const earning = await this.repo.earningOf(p.id);
    if (earning && earning.releasedAt === null)
      await enqueue(
        paymentJob.releaseEarning(earning.id, earning.doctorId),
        earning.availableAt.getTime() - now + 1000,
      );
    for (const r of await this.repo.refundsOf(p.id)) {
      if (r.status !== "pending") continue;
      await enqueue(paymentJob.refund(r.id), RETRY_DELAY_MS);
      try {
        await this.executeRefund(r.id);
      } catch {
        // The provider is unreachable: the refund job retries; the refund stays recorded as pending.
      }
    }
  }

  // For the things paid for (appointments, pharmacy orders, lab bookings) -----------------------------

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

  /**
   * An insurer covers part of a thing not yet paid for (an accepted insurance claim): the payment asks the
   * patient for the rest only, in the caller's transaction. A hosted checkout made for the old amount is
   * forgotten (the next visit of the link makes one for the new amount); its reference is returned so that the
   * caller closes it after the commit (closeStaleCheckout). Refuses to leave nothing to pay: a payment must be
   * positive, and closing it would release the thing paid for.
   */
  async reduceUnpaid(
    tx: Tx,
    p: PaymentRow,
    coveredMinor: number,
  ): Promise<{ staleCheckoutRef: string | null }> {
    if (p.status !== "requires_payment" && p.status !== "failed")
      throw conflict("PAYMENT_NOT_OPEN", "The payment is no longer open.");
    const amountMinor = p.amountMinor - coveredMinor;
    if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0)
      throw unprocessable(
        "FULL_COVERAGE_UNPAID",
        "A claim that covers the whole amount cannot be accepted before the payment.",
      );
    await this.repo.updatePayment(tx, p.id, {
      amountMinor,
      providerRef: null,
      providerCheckoutUrl: null,
      updatedAt: this.now(),
    });
    return { staleCheckoutRef: p.providerRef };
  }

  /** Closes a provider checkout made for an amount that changed (after reduceUnpaid's commit). Best effort. */
  async closeStaleCheckout(ref: string, paymentId: number): Promise<void> {
    await this.provider.expireCheckout(ref, paymentId).catch(() => undefined);
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
    if (p.doctorId !== null) return this.earningsBook.earn(tx, p, referenceId);
    const amount = p.amountMinor - p.refundedMinor;
    if (amount > 0)
      await this.deps.flows.recognised(tx, {
        key: `payment:${p.id}:earned`,
        paymentId: p.id,
        amountMinor: amount,
        currency: p.currency,
        at: this.now(),
      });
  }
}
