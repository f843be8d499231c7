import { and, asc, desc, eq, gte, inArray, isNull, lt, lte, sql } from "drizzle-orm";
import type { DbOrTx, Tx } from "../../db/client.js";
import {
  doctorEarnings,
  doctors,
  idempotencyKeys,
  ledgerAccounts,
  ledgerEntries,
  ledgerTransactions,
  paymentEvents,
  patients,
  payments,
  payoutAccounts,
  refunds,
  withdrawals,
  type PaymentPurpose,
} from "../../db/schema/index.js";
import type { PaymentEvent } from "./provider.js";

export type PaymentRow = typeof payments.$inferSelect;
export type RefundRow = typeof refunds.$inferSelect;
export type WithdrawalRow = typeof withdrawals.$inferSelect;
export type EarningRow = typeof doctorEarnings.$inferSelect;

/** The only place payments touch the database (the ledger has its own). */
export class PaymentsRepository {
  constructor(private readonly db: DbOrTx) {}

  // Payments --------------------------------------------------------------------------------------

  async insertPayment(tx: DbOrTx, values: typeof payments.$inferInsert): Promise<PaymentRow> {
    const [row] = await tx.insert(payments).values(values).returning();
    return row!;
  }

  async updatePayment(tx: DbOrTx, id: number, set: Partial<typeof payments.$inferInsert>): Promise<void> {
    await tx.update(payments).set(set).where(eq(payments.id, id));
  }

  async findPayment(id: number, db: DbOrTx = this.db): Promise<PaymentRow | undefined> {
    const [row] = await db.select().from(payments).where(eq(payments.id, id));
    return row;
  }

  async findByToken(token: string): Promise<PaymentRow | undefined> {
    const [row] = await this.db.select().from(payments).where(eq(payments.checkoutToken, token));
    return row;
  }

  async findByPurpose(
    purpose: PaymentPurpose,
    referenceId: number,
    db: DbOrTx = this.db,
  ): Promise<PaymentRow | undefined> {
    const [row] = await db
      .select()
      .from(payments)
      .where(and(eq(payments.purpose, purpose), eq(payments.referenceId, referenceId)));
    return row;
  }

  /** Locks the payment the event is about: by our id, or by the provider's checkout or charge handle. */
  async lockPayment(
    tx: Tx,
    by: { id?: number | undefined; checkoutRef?: string | undefined; paymentRef?: string | undefined },
  ): Promise<PaymentRow | undefined> {
    const where =
      by.id !== undefined
        ? eq(payments.id, by.id)
        : by.checkoutRef !== undefined
          ? eq(payments.providerRef, by.checkoutRef)
          : by.paymentRef !== undefined
            ? eq(payments.providerPaymentRef, by.paymentRef)
            : undefined;
    if (!where) return undefined;
    const [row] = await tx.select().from(payments).where(where).limit(1).for("update");
    return row;
  }

  async lockByPurpose(tx: Tx, purpose: PaymentPurpose, referenceId: number): Promise<PaymentRow | undefined> {
    const [row] = await tx
      .select()
      .from(payments)
      .where(and(eq(payments.purpose, purpose), eq(payments.referenceId, referenceId)))
      .for("update");
    return row;
  }

  async paymentsOfPatient(patientId: number, limit: number, offset: number): Promise<PaymentRow[]> {
    return this.db
      .select()
      .from(payments)
      .where(eq(payments.patientId, patientId))
      .orderBy(desc(payments.createdAt), desc(payments.id))
      .limit(limit)
      .offset(offset);
  }

  async patientUserId(db: DbOrTx, patientId: number): Promise<number | undefined> {
    const [row] = await db
      .select({ userId: patients.userId })
      .from(patients)
      .where(eq(patients.id, patientId));
    return row?.userId;
  }

  // Stranded work (the relay's sweep): rows whose follow-up is due and not done. Each query is served by a
  // partial index holding only such rows (db/schema/payments.ts; the predicates are spelled as there, literal,
  // so the planner can use them), so a sweep reads only rows that are still open.

  /** Open (unpaid) payments whose window closed at or before `before`. */
  async unpaidExpiredBefore(before: Date, limit: number): Promise<{ id: number }[]> {
    return this.db
      .select({ id: payments.id })
      .from(payments)
      .where(and(sql`${payments.status} in ('requires_payment', 'failed')`, lte(payments.expiresAt, before)))
      .orderBy(asc(payments.expiresAt))
      .limit(limit);
  }

  /** Refunds recorded at or before `before` that the provider has not been asked for (no reference yet). */
  async unsentRefundsBefore(before: Date, limit: number): Promise<{ id: number }[]> {
    return this.db
      .select({ id: refunds.id })
      .from(refunds)
      .where(
        and(
          sql`${refunds.status} = 'pending' and ${refunds.providerRef} is null`,
          lte(refunds.createdAt, before),
        ),
      )
      .orderBy(asc(refunds.createdAt))
      .limit(limit);
  }

  /** Withdrawals made at or before `before`, in transit, never sent to the provider (no reference yet). */
  async unsentWithdrawalsBefore(before: Date, limit: number): Promise<{ id: number }[]> {
    return this.db
      .select({ id: withdrawals.id })
      .from(withdrawals)
      .where(
        and(
          sql`${withdrawals.status} = 'in_transit' and ${withdrawals.providerRef} is null`,
          lte(withdrawals.createdAt, before),
        ),
      )
      .orderBy(asc(withdrawals.createdAt))
      .limit(limit);
  }

  /** Earnings whose hold ended at or before `before`, not released yet. */
  async unreleasedEarningsBefore(before: Date, limit: number): Promise<{ id: number; doctorId: number }[]> {
    return this.db
      .select({ id: doctorEarnings.id, doctorId: doctorEarnings.doctorId })
      .from(doctorEarnings)
      .where(and(isNull(doctorEarnings.releasedAt), lte(doctorEarnings.availableAt, before)))
      .orderBy(asc(doctorEarnings.availableAt))
      .limit(limit);
  }

  // Events ----------------------------------------------------------------------------------------

  /** Records an event id; false when it was already recorded (processed, or being processed right now). */
  async recordEvent(
    tx: Tx,
    values: { provider: string; eventId: string; type: string; payload: Record<string, unknown>; at: Date },
  ): Promise<boolean> {
    const rows = await tx
      .insert(paymentEvents)
      .values({ ...values, outcome: "processed", processedAt: values.at })
      .onConflictDoNothing({ target: [paymentEvents.provider, paymentEvents.eventId] })
      .returning({ id: paymentEvents.id });
    return rows.length > 0;
  }

  async setEventOutcome(tx: Tx, provider: string, eventId: string, outcome: string): Promise<void> {
    await tx
      .update(paymentEvents)
      .set({ outcome })
      .where(and(eq(paymentEvents.provider, provider), eq(paymentEvents.eventId, eventId)));
  }

  /** Refund events kept because their charge was not known yet. */
  async deferredRefundEvents(tx: Tx, providerPaymentRef: string): Promise<PaymentEvent[]> {
    const rows = await tx
      .select({ payload: paymentEvents.payload })
      .from(paymentEvents)
      .where(
        and(
          eq(paymentEvents.outcome, "deferred"),
          sql`${paymentEvents.payload}->>'providerPaymentRef' = ${providerPaymentRef}`,
        ),
      )
      .orderBy(asc(paymentEvents.id))
      .for("update");
    return rows.map((r) => r.payload as unknown as PaymentEvent);
  }

  async eventCount(provider: string, eventId: string): Promise<number> {
    const rows = await this.db
      .select({ id: paymentEvents.id })
      .from(paymentEvents)
      .where(and(eq(paymentEvents.provider, provider), eq(paymentEvents.eventId, eventId)));
    return rows.length;
  }

  // Refunds ---------------------------------------------------------------------------------------

  /** A refund once per key; returns the row (new or existing). */
  async insertRefund(tx: Tx, values: typeof refunds.$inferInsert): Promise<RefundRow> {
    await tx.insert(refunds).values(values).onConflictDoNothing({ target: refunds.idempotencyKey });
    const [row] = await tx.select().from(refunds).where(eq(refunds.idempotencyKey, values.idempotencyKey));
    return row!;
  }

  async lockRefund(
    tx: Tx,
    by: { id?: number | undefined; ref?: string | undefined },
  ): Promise<RefundRow | undefined> {
    const where =
      by.id !== undefined
        ? eq(refunds.id, by.id)
        : by.ref !== undefined
          ? eq(refunds.providerRef, by.ref)
          : undefined;
    if (!where) return undefined;
    const [row] = await tx.select().from(refunds).where(where).limit(1).for("update");
    return row;
  }

  async findRefund(id: number): Promise<RefundRow | undefined> {
    const [row] = await this.db.select().from(refunds).where(eq(refunds.id, id));
    return row;
  }

  async updateRefund(tx: DbOrTx, id: number, set: Partial<typeof refunds.$inferInsert>): Promise<void> {
    await tx.update(refunds).set(set).where(eq(refunds.id, id));
  }

  async refundsOf(paymentId: number, db: DbOrTx = this.db): Promise<RefundRow[]> {
    return db.select().from(refunds).where(eq(refunds.paymentId, paymentId)).orderBy(asc(refunds.id));
  }

  // Earnings --------------------------------------------------------------------------------------

  async insertEarning(tx: Tx, values: typeof doctorEarnings.$inferInsert): Promise<EarningRow | undefined> {
    const [row] = await tx
      .insert(doctorEarnings)
      .values(values)
      .onConflictDoNothing({ target: doctorEarnings.paymentId })
      .returning();
    return row;
  }

  async earningOf(paymentId: number): Promise<EarningRow | undefined> {
    const [row] = await this.db.select().from(doctorEarnings).where(eq(doctorEarnings.paymentId, paymentId));
    return row;
  }

  /** Earnings past their hold, not yet released, locked (others skip them). */
  async lockDueEarnings(tx: Tx, doctorId: number, now: Date): Promise<EarningRow[]> {
    return tx
      .select()
      .from(doctorEarnings)
      .where(
        and(
          eq(doctorEarnings.doctorId, doctorId),
          isNull(doctorEarnings.releasedAt),
          lte(doctorEarnings.availableAt, now),
        ),
      )
      .orderBy(asc(doctorEarnings.id))
      .for("update", { skipLocked: true });
  }

  async markReleased(tx: Tx, ids: number[], now: Date): Promise<void> {
    if (ids.length === 0) return;
    await tx.update(doctorEarnings).set({ releasedAt: now }).where(inArray(doctorEarnings.id, ids));
  }

  // Withdrawals -----------------------------------------------------------------------------------

  async insertWithdrawal(tx: Tx, values: typeof withdrawals.$inferInsert): Promise<WithdrawalRow> {
    const [row] = await tx.insert(withdrawals).values(values).returning();
    return row!;
  }

  async findWithdrawal(id: number, db: DbOrTx = this.db): Promise<WithdrawalRow | undefined> {
    const [row] = await db.select().from(withdrawals).where(eq(withdrawals.id, id));
    return row;
  }

  async lockWithdrawal(
    tx: Tx,
    by: { id?: number | undefined; ref?: string | undefined },
  ): Promise<WithdrawalRow | undefined> {
    const where =
      by.id !== undefined
        ? eq(withdrawals.id, by.id)
        : by.ref !== undefined
          ? eq(withdrawals.providerRef, by.ref)
          : undefined;
    if (!where) return undefined;
    const [row] = await tx.select().from(withdrawals).where(where).limit(1).for("update");
    return row;
  }

  async updateWithdrawal(
    tx: DbOrTx,
    id: number,
    set: Partial<typeof withdrawals.$inferInsert>,
  ): Promise<void> {
    await tx.update(withdrawals).set(set).where(eq(withdrawals.id, id));
  }

  async withdrawalsOf(doctorId: number, limit: number, offset: number): Promise<WithdrawalRow[]> {
    return this.db
      .select()
      .from(withdrawals)
      .where(eq(withdrawals.doctorId, doctorId))
      .orderBy(desc(withdrawals.createdAt), desc(withdrawals.id))
      .limit(limit)
      .offset(offset);
  }

  /** Sum of a doctor's withdrawals by status. */
  async withdrawnTotals(doctorId: number): Promise<{ inTransit: number; paid: number }> {
    const rows = await this.db
      .select({
        status: withdrawals.status,
        total: sql<string>`coalesce(sum(${withdrawals.amountMinor}), 0)`,
      })
      .from(withdrawals)
      .where(eq(withdrawals.doctorId, doctorId))
      .groupBy(withdrawals.status);
    const get = (s: string) => Number(rows.find((r) => r.status === s)?.total ?? 0);
    return { inTransit: get("in_transit"), paid: get("paid") };
  }

  // Doctors and payout accounts -------------------------------------------------------------------

  async doctorCurrency(doctorId: number): Promise<{ currency: string; userId: number | null } | undefined> {
    const [row] = await this.db
      .select({ currency: doctors.currency, userId: doctors.userId })
      .from(doctors)
      .where(eq(doctors.id, doctorId));
    return row;
  }

  async payoutAccount(doctorId: number): Promise<string | undefined> {
    const [row] = await this.db
      .select({ ref: payoutAccounts.accountRef })
      .from(payoutAccounts)
      .where(eq(payoutAccounts.doctorId, doctorId));
    return row?.ref;
  }

  async savePayoutAccount(doctorId: number, provider: string, accountRef: string): Promise<string> {
    await this.db
      .insert(payoutAccounts)
      .values({ doctorId, provider, accountRef })
      .onConflictDoNothing({ target: payoutAccounts.doctorId });
    return (await this.payoutAccount(doctorId))!;
  }

  // Idempotency keys ------------------------------------------------------------------------------

  /** Claims a key in this transaction; a concurrent claimer waits for it. Returns the existing row if any. */
  async claimKey(
    tx: Tx,
    values: { scope: string; key: string; userId: number; requestHash: string; at: Date },
  ): Promise<{ requestHash: string; resourceId: number | null } | undefined> {
    const created = await tx
      .insert(idempotencyKeys)
      .values({ ...values, createdAt: values.at })
      .onConflictDoNothing()
      .returning({ key: idempotencyKeys.key });
    if (created.length > 0) return undefined;
    const [row] = await tx
      .select({ requestHash: idempotencyKeys.requestHash, resourceId: idempotencyKeys.resourceId })
      .from(idempotencyKeys)
      .where(and(eq(idempotencyKeys.scope, values.scope), eq(idempotencyKeys.key, values.key)));
    return row;
  }

  async completeKey(tx: Tx, scope: string, key: string, resourceId: number): Promise<void> {
    await tx
      .update(idempotencyKeys)
      .set({ resourceId })
      .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
  }

  // Ledger reads ----------------------------------------------------------------------------------

  async accountBalances(prefix: string): Promise<{ code: string; currency: string; balance: number }[]> {
    const rows = await this.db
      .select({
        code: ledgerAccounts.code,
        currency: ledgerAccounts.currency,
        balance: ledgerAccounts.balanceMinor,
      })
      .from(ledgerAccounts)
      .where(sql`${ledgerAccounts.code} like ${prefix + "%"}`)
      .orderBy(asc(ledgerAccounts.code));
    return rows.map((r) => ({ ...r, balance: Number(r.balance) }));
  }

  /** What of a payment has left the patient's prepayment by delivery (earnings, kept shares, revenue). */
  async recognisedMinor(tx: DbOrTx, paymentId: number): Promise<number> {
    const [row] = await tx
      .select({ total: sql<string>`coalesce(sum(${ledgerEntries.debitMinor}), 0)` })
      .from(ledgerEntries)
      .innerJoin(ledgerTransactions, eq(ledgerTransactions.id, ledgerEntries.transactionId))
      .innerJoin(ledgerAccounts, eq(ledgerAccounts.id, ledgerEntries.accountId))
      .where(
        and(
          eq(ledgerTransactions.paymentId, paymentId),
          inArray(ledgerTransactions.kind, ["earning", "cancellation_retained", "revenue_recognised"]),
          sql`${ledgerAccounts.code} like 'customer_prepayments:%'`,
        ),
      );
    return Number(row?.total ?? 0);
  }

  /** Total credited to an account over its life (e.g. everything a doctor ever earned). */
  async totalCredited(code: string): Promise<number> {
    const [row] = await this.db
      .select({ total: sql<string>`coalesce(sum(${ledgerEntries.creditMinor}), 0)` })
      .from(ledgerEntries)
      .innerJoin(ledgerAccounts, eq(ledgerAccounts.id, ledgerEntries.accountId))
      .where(eq(ledgerAccounts.code, code));
    return Number(row?.total ?? 0);
  }

  /** Every entry with its transaction and account, in order, a page at a time (for the CSV export). */
  /** The ledger's transactions per kind and currency in a time range: how many, and how much moved. */
  async ledgerTotals(range: LedgerRange) {
    return this.db
      .select({
        kind: ledgerTransactions.kind,
        currency: ledgerEntries.currency,
        transactions: sql<number>`count(distinct ${ledgerTransactions.id})::int`,
        amount: sql<number>`coalesce(sum(${ledgerEntries.debitMinor}), 0)::bigint`.mapWith(Number),
      })
      .from(ledgerEntries)
      .innerJoin(ledgerTransactions, eq(ledgerTransactions.id, ledgerEntries.transactionId))
      .where(and(...ledgerRange(range)))
      .groupBy(ledgerTransactions.kind, ledgerEntries.currency)
      .orderBy(ledgerTransactions.kind, ledgerEntries.currency);
  }

  async ledgerPage(afterId: number, limit: number, range: LedgerRange = {}) {
    return this.db
      .select({
        entryId: ledgerEntries.id,
        transactionId: ledgerTransactions.id,
        at: ledgerTransactions.at,
        kind: ledgerTransactions.kind,
        key: ledgerTransactions.idempotencyKey,
        account: ledgerAccounts.code,
        debit: ledgerEntries.debitMinor,
        credit: ledgerEntries.creditMinor,
        currency: ledgerEntries.currency,
      })
      .from(ledgerEntries)
      .innerJoin(ledgerTransactions, eq(ledgerTransactions.id, ledgerEntries.transactionId))
      .innerJoin(ledgerAccounts, eq(ledgerAccounts.id, ledgerEntries.accountId))
      .where(and(sql`${ledgerEntries.id} > ${afterId}`, ...ledgerRange(range)))
      .orderBy(asc(ledgerEntries.id))
      .limit(limit);
  }
}

/** A slice of the ledger: transactions at or after `from`, before `to`, of one kind. */
export interface LedgerRange {
  from?: Date | undefined;
  to?: Date | undefined;
  kind?: string | undefined;
}

function ledgerRange(range: LedgerRange) {
  return [
    range.from ? gte(ledgerTransactions.at, range.from) : undefined,
    range.to ? lt(ledgerTransactions.at, range.to) : undefined,
    range.kind ? eq(ledgerTransactions.kind, range.kind) : undefined,
  ];
}
