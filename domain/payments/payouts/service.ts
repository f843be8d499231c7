import { createHash } from "node:crypto";
import type { Tx } from "../../../db/client.js";
import type { Actor } from "../../shared/actor.js";
import { forbidden, invalid, notFound, unprocessable } from "../../shared/errors.js";
import { formatDecimal, toMinor } from "../../shared/money.js";
import type { PaymentsDeps } from "../deps.js";
import type { Earnings } from "../earnings.js";
import { applyOnce } from "../events.js";
import { paymentJob, schedule } from "../jobs.js";
import { Accounts } from "../ledger/accounts.js";
import { callProvider, type PaymentEvent } from "../provider.js";
import type { WithdrawalRow } from "../repository.js";
import { earningsView, withdrawalView, type EarningsView, type WithdrawalView } from "../views.js";

/** The payout job is a safety net behind the inline call made after the withdrawal's commit. */
const RETRY_DELAY_MS = 60_000;

export interface WithdrawResult {
  status: "success";
  message: string;
  withdrawal: WithdrawalView;
}

export type PayoutEvent = Extract<PaymentEvent, { type: "payout.paid" | "payout.failed" }>;

/**
 * Doctors' earnings, withdrawals and payout accounts (Connect onboarding), over the provider port and the ledger.
 *
 * A withdrawal is committed with its ledger debit (available → in transit) before the provider is called; the
 * call is made after the commit (inline, and by a job), idempotent by the withdrawal's id at the provider and
 * applied once by its event id here. A withdrawal committed whose call never happened (a crash before its job
 * was enqueued) is found by PaymentsRelay.sweepStranded: in transit, no provider reference.
 */
export class PayoutsService {
  constructor(
    private readonly deps: PaymentsDeps,
    private readonly earningsBook: Earnings,
  ) {}

  private get ctx() {
    return this.deps.ctx;
  }

  private get repo() {
    return this.deps.repo;
  }

  private now(): Date {
    return this.ctx.clock.now();
  }

  private async doctorCurrency(doctorId: number): Promise<string> {
    const d = await this.repo.doctorCurrency(doctorId);
    if (!d) throw notFound("Doctor");
    return d.currency;
  }

  // Earnings ---------------------------------------------------------------------------------------

  /** A doctor's earnings. Earnings past their hold are released first (the same posting the job makes). */
  async earnings(actor: Actor, requested: number | undefined): Promise<EarningsView> {
    const doctorId = await this.ctx.access.doctorScope(actor, requested);
    const currency = await this.doctorCurrency(doctorId);
    await this.earningsBook.releaseDue(doctorId);
    const { ledger } = this.deps;
    const [pending, available, totals] = await Promise.all([
      ledger.balance(this.ctx.db, Accounts.doctorPending(doctorId, currency).code),
      ledger.balance(this.ctx.db, Accounts.doctorAvailable(doctorId, currency).code),
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

  /** The release job: a doctor's earnings past their hold become withdrawable. Idempotent. */
  releaseDueEarnings(doctorId: number): Promise<void> {
    return this.earningsBook.releaseDue(doctorId);
  }

  // Withdrawals ------------------------------------------------------------------------------------

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
    if (this.deps.provider.capabilities.connectPayouts && !(await this.repo.payoutAccount(doctorId)))
      throw unprocessable(
        "PAYOUT_ACCOUNT_REQUIRED",
        "Set up your payout account first (POST /api/doctor/payouts/onboarding/).",
      );
    await this.earningsBook.releaseDue(doctorId);
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
        provider: this.deps.provider.name,
        createdAt: now,
        updatedAt: now,
      });
      await this.deps.flows.withdrawn(tx, {
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
    // Committed: the withdrawal is the record of the payout to make. If this process dies before the job is
    // added or the call is made, the relay's sweep finds it (in transit, no provider reference) and re-enqueues.
    let current: WithdrawalRow = withdrawal;
    if (!replay) {
      try {
        // The safety net first (a no-op once the payout is final), then the call itself.
        await schedule(this.ctx.jobs, paymentJob.payout(withdrawal.id), RETRY_DELAY_MS);
        await this.executePayout(withdrawal.id);
      } catch {
        // The provider (or the queue) is unreachable: the job or the sweep retries; the money stays in transit.
      }
    }
    current = (await this.repo.findWithdrawal(withdrawal.id)) ?? current;
    return {
      status: "success",
      message: `Earnings withdrawal successful. Amount: ${formatDecimal(current.amountMinor, current.currency)}`,
      withdrawal: withdrawalView(current),
    };
  }

  /**
   * The payout job: sends a withdrawal to the provider and applies a final answer. Idempotent: only a
   * withdrawal in transit without a provider reference is sent; the provider call carries keys from the
   * withdrawal's id (a rerun gets the first answer, never a second transfer); the answer is applied once by its
   * event id.
   */
  async executePayout(withdrawalId: number): Promise<void> {
    const w = await this.repo.findWithdrawal(withdrawalId);
    if (!w || w.status !== "in_transit" || w.providerRef) return;
    const { provider } = this.deps;
    const accountRef = provider.capabilities.connectPayouts
      ? await this.repo.payoutAccount(w.doctorId)
      : await provider.createPayoutAccount(w.doctorId);
    if (!accountRef) {
      // Checked before the withdrawal was made, so only a removed account gets here: the money goes back.
      await this.applyOutcome({
        provider: provider.name,
        eventId: `withdrawal:${w.id}:no-account`,
        type: "payout.failed",
        payoutRef: `no_account_${w.id}`,
        withdrawalId: w.id,
        failureReason: "There is no payout account to pay to.",
      });
      return;
    }
    const outcome = await provider.payout({
      withdrawalId: w.id,
      doctorId: w.doctorId,
      accountRef,
      amountMinor: w.amountMinor,
      currency: w.currency,
    });
    await this.repo.updateWithdrawal(this.ctx.db, w.id, { providerRef: outcome.ref, updatedAt: this.now() });
    if (outcome.status === "in_transit") return; // the provider's webhook tells us later
    await this.applyOutcome({
      provider: provider.name,
      eventId: `${outcome.ref}:${outcome.status}`,
      type: outcome.status === "paid" ? "payout.paid" : "payout.failed",
      payoutRef: outcome.ref,
      withdrawalId: w.id,
      failureReason: outcome.failureReason,
    });
  }

  private async applyOutcome(e: PayoutEvent): Promise<void> {
    await applyOnce(this.deps, e, async (tx) =>
      (await this.applyPayoutOutcome(tx, e)) ? "processed" : "ignored",
    );
  }

  /** A payout's final answer (from the call, or the provider's webhook through PaymentsService.handleEvent). */
  async applyPayoutOutcome(tx: Tx, e: PayoutEvent): Promise<boolean> {
    const { repo, flows, ledger } = this.deps;
    let w = await repo.lockWithdrawal(tx, { id: e.withdrawalId });
    w ??= await repo.lockWithdrawal(tx, { ref: e.payoutRef });
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
      await flows.payoutPaid(tx, { ...args, key: `withdrawal:${w.id}:paid` });
      await repo.updateWithdrawal(tx, w.id, {
        status: "paid",
        providerRef: e.payoutRef,
        updatedAt: now,
      });
      return true;
    }
    if (w.status === "failed") return false;
    if (w.status === "in_transit") {
      await flows.payoutFailed(tx, { ...args, key: `withdrawal:${w.id}:failed` });
    } else {
      // Failed after it was reported paid (banks do this): reverse the paid posting, money back to available.
      await ledger.post(tx, {
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
    await repo.updateWithdrawal(tx, w.id, {
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

  // Payout accounts --------------------------------------------------------------------------------

  /** A doctor's payout-account onboarding link (the account is created once). */
  async onboardingLink(actor: Actor): Promise<{ url: string; account_id: string }> {
    if (actor.role !== "doctor" || actor.doctorId === undefined)
      throw forbidden("DOCTORS_ONLY", "Only doctors set up payout accounts.");
    const doctorId = actor.doctorId;
    const { provider } = this.deps;
    let ref = await this.repo.payoutAccount(doctorId);
    if (!ref)
      ref = await this.repo.savePayoutAccount(
        doctorId,
        provider.name,
        await callProvider(() => provider.createPayoutAccount(doctorId)),
      );
    const account = ref;
    const base = this.ctx.config.publicBaseUrl;
    // Where the doctor lands after onboarding (or when the link expired): the console.
    const url = await callProvider(() =>
      provider.onboardingLink(account, {
        returnUrl: `${base}/console/payouts?onboarding=done`,
        refreshUrl: `${base}/console/payouts?onboarding=refresh`,
      }),
    );
    return { url, account_id: account };
  }
}
