import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { sql } from "drizzle-orm";
import { patients, users } from "./accounts.js";
import { doctors } from "./doctors.js";

// Ledger ------------------------------------------------------------------------------------------------

export const ledgerSideEnum = pgEnum("ledger_side", ["debit", "credit"]);
export type LedgerSide = (typeof ledgerSideEnum.enumValues)[number];

/**
 * One account per code (`provider_clearing:INR`, `doctor_available:42:INR` …), one currency each.
 * `balance_minor` is a cache of the entries, kept in the posting's transaction, signed on the normal side;
 * a CHECK refuses a negative balance on a `non_negative` account. Posting locks the rows it changes.
 */
export const ledgerAccounts = pgTable(
  "ledger_accounts",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    code: text().notNull(),
    currency: text().notNull(),
    normalSide: ledgerSideEnum().notNull(),
    nonNegative: boolean().notNull().default(false),
    balanceMinor: bigint({ mode: "number" }).notNull().default(0),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("ledger_accounts_code_key").on(t.code)],
);

/** One posting: balanced (debits = credits per currency, checked at commit), append-only, once per key. */
export const ledgerTransactions = pgTable(
  "ledger_transactions",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    idempotencyKey: text().notNull(),
    kind: text().notNull(),
    paymentId: integer(),
    refundId: integer(),
    withdrawalId: integer(),
    appointmentId: integer(),
    doctorId: integer(),
    /** The transaction this one reverses (corrections are reversing entries). */
    reversesId: bigint({ mode: "number" }),
    at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("ledger_transactions_key").on(t.idempotencyKey),
    index("ledger_transactions_doctor_idx").on(t.doctorId, t.at),
  ],
);

export const ledgerEntries = pgTable(
  "ledger_entries",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    transactionId: bigint({ mode: "number" })
      .notNull()
      .references(() => ledgerTransactions.id),
    accountId: integer()
      .notNull()
      .references(() => ledgerAccounts.id),
    debitMinor: bigint({ mode: "number" }).notNull().default(0),
    creditMinor: bigint({ mode: "number" }).notNull().default(0),
    currency: text().notNull(),
  },
  (t) => [
    index("ledger_entries_transaction_idx").on(t.transactionId),
    index("ledger_entries_account_idx").on(t.accountId),
  ],
);

// Payments ----------------------------------------------------------------------------------------------

export const paymentPurposeEnum = pgEnum("payment_purpose", ["appointment", "pharmacy_order", "lab_booking"]);
export type PaymentPurpose = (typeof paymentPurposeEnum.enumValues)[number];

export const paymentStatusEnum = pgEnum("payment_status", [
  "requires_payment",
  "processing",
  "succeeded",
  "failed",
  "expired",
  "refunded",
  "partially_refunded",
]);
export type PaymentStatus = (typeof paymentStatusEnum.enumValues)[number];

/** A payment asked of a patient for one thing (purpose + reference id). No clinical detail. */
export const payments = pgTable(
  "payments",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    purpose: paymentPurposeEnum().notNull(),
    referenceId: integer().notNull(),
    patientId: integer()
      .notNull()
      .references(() => patients.id),
    /** The doctor paid through this payment (consultations), for the earnings ledger. */
    doctorId: integer().references(() => doctors.id),
    amountMinor: integer().notNull(),
    currency: text().notNull(),
    status: paymentStatusEnum().notNull().default("requires_payment"),
    provider: text().notNull(),
    /** The provider's checkout session id. */
    providerRef: text(),
    /** The provider's charge handle (Stripe payment intent), once paid. */
    providerPaymentRef: text(),
    /** Random, unguessable: the path of the checkout link. */
    checkoutToken: text().notNull(),
    providerCheckoutUrl: text(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    refundedMinor: integer().notNull().default(0),
    paidAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("payments_checkout_token_key").on(t.checkoutToken),
    uniqueIndex("payments_purpose_reference_key").on(t.purpose, t.referenceId),
    index("payments_patient_idx").on(t.patientId, t.createdAt),
    index("payments_provider_ref_idx").on(t.providerRef),
    index("payments_provider_payment_ref_idx").on(t.providerPaymentRef),
    // Analytics (domain/analytics): revenue per doctor by the day it was paid.
    index("payments_paid_idx")
      .on(t.paidAt)
      .where(sql`${t.paidAt} is not null`),
    // The relay's sweep: open payments past their window (PaymentsRelay.sweepStranded).
    index("payments_open_expires_idx")
      .on(t.expiresAt)
      .where(sql`${t.status} in ('requires_payment', 'failed')`),
  ],
);

/** Every provider event, processed once (the unique event id), in one transaction with its effects. */
export const paymentEvents = pgTable(
  "payment_events",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    provider: text().notNull(),
    eventId: text().notNull(),
    type: text().notNull(),
    /** The normalised event (ids and amounts only). */
    payload: jsonb().$type<Record<string, unknown>>().notNull(),
    outcome: text().notNull(),
    processedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("payment_events_event_key").on(t.provider, t.eventId)],
);

export const refundStatusEnum = pgEnum("refund_status", ["pending", "succeeded", "failed"]);

/** A refund, asked once per reason (the idempotency key), executed by the provider. */
export const refunds = pgTable(
  "refunds",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    paymentId: integer()
      .notNull()
      .references(() => payments.id),
    amountMinor: integer().notNull(),
    currency: text().notNull(),
    reason: text().notNull(),
    idempotencyKey: text().notNull(),
    status: refundStatusEnum().notNull().default("pending"),
    providerRef: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("refunds_key").on(t.idempotencyKey),
    index("refunds_payment_idx").on(t.paymentId),
    index("refunds_provider_ref_idx").on(t.providerRef),
    // The relay's sweep: refunds never sent to the provider.
    index("refunds_unsent_idx")
      .on(t.createdAt)
      .where(sql`${t.status} = 'pending' and ${t.providerRef} is null`),
  ],
);

/** A consultation's earning: posted to doctor_pending at completion, released to doctor_available later. */
export const doctorEarnings = pgTable(
  "doctor_earnings",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    doctorId: integer()
      .notNull()
      .references(() => doctors.id),
    paymentId: integer()
      .notNull()
      .references(() => payments.id),
    amountMinor: integer().notNull(),
    currency: text().notNull(),
    availableAt: timestamp({ withTimezone: true }).notNull(),
    releasedAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("doctor_earnings_payment_key").on(t.paymentId),
    index("doctor_earnings_due_idx").on(t.doctorId, t.availableAt),
    // The relay's sweep: earnings not released yet.
    index("doctor_earnings_unreleased_idx")
      .on(t.availableAt)
      .where(sql`${t.releasedAt} is null`),
  ],
);

export const withdrawalStatusEnum = pgEnum("withdrawal_status", ["in_transit", "paid", "failed"]);

export const withdrawals = pgTable(
  "withdrawals",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    doctorId: integer()
      .notNull()
      .references(() => doctors.id),
    amountMinor: integer().notNull(),
    currency: text().notNull(),
    status: withdrawalStatusEnum().notNull().default("in_transit"),
    provider: text().notNull(),
    providerRef: text(),
    failureReason: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("withdrawals_doctor_idx").on(t.doctorId, t.createdAt),
    // The relay's sweep: withdrawals in transit never sent to the provider.
    index("withdrawals_unsent_idx")
      .on(t.createdAt)
      .where(sql`${t.status} = 'in_transit' and ${t.providerRef} is null`),
  ],
);

/** A doctor's connected payout account at the provider (Stripe Connect Express). */
export const payoutAccounts = pgTable(
  "payout_accounts",
  {
    doctorId: integer()
      .primaryKey()
      .references(() => doctors.id),
    provider: text().notNull(),
    accountRef: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  () => [],
);

/** Idempotency-Key of a request: the same key by the same user replays the stored result. */
export const idempotencyKeys = pgTable(
  "idempotency_keys",
  {
    scope: text().notNull(),
    key: text().notNull(),
    userId: integer().references(() => users.id, { onDelete: "cascade" }),
    requestHash: text().notNull(),
    resourceId: integer(),
    response: jsonb().$type<Record<string, unknown>>(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.key] })],
);
