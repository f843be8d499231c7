import { asc, eq, inArray, sql } from "drizzle-orm";
import type { DbOrTx, Tx } from "../../../db/client.js";
import { pgConstraint, pgErrorCode, PG } from "../../../db/client.js";
import { ledgerAccounts, ledgerEntries, ledgerTransactions } from "../../../db/schema/index.js";
import { unprocessable } from "../../shared/errors.js";
import type { AccountSpec } from "./accounts.js";

export interface PostingLine {
  account: AccountSpec;
  debit?: number;
  credit?: number;
}

export interface PostingRefs {
  paymentId?: number | undefined;
  refundId?: number | undefined;
  withdrawalId?: number | undefined;
  appointmentId?: number | undefined;
  doctorId?: number | undefined;
  reversesId?: number | undefined;
}

export interface Posting {
  /** Unique: the same key posts once; a repeat is a no-op. */
  key: string;
  kind: string;
  refs?: PostingRefs;
  at: Date;
  lines: PostingLine[];
}

export class LedgerError extends Error {
  override readonly name = "LedgerError";
}

/** Checks a posting before it reaches the database: integer amounts, one side per line, balanced per currency. */
export function assertBalanced(lines: readonly PostingLine[]): void {
  if (lines.length < 2) throw new LedgerError("a posting needs at least two lines");
  const sums = new Map<string, number>();
  for (const line of lines) {
    const d = line.debit ?? 0;
    const c = line.credit ?? 0;
    if (!Number.isSafeInteger(d) || !Number.isSafeInteger(c) || d < 0 || c < 0)
      throw new LedgerError("amounts are non-negative integers in minor units");
    if (d > 0 === c > 0) throw new LedgerError("each line is exactly one of a debit or a credit");
    sums.set(line.account.currency, (sums.get(line.account.currency) ?? 0) + d - c);
  }
  for (const [currency, sum] of sums)
    if (sum !== 0) throw new LedgerError(`unbalanced posting in ${currency}: ${sum}`);
}

/** The signed change of an account's balance (on its normal side) for one line. */
function delta(line: PostingLine): number {
  const d = line.debit ?? 0;
  const c = line.credit ?? 0;
  return line.account.normalSide === "debit" ? d - c : c - d;
}

/**
 * The double-entry, append-only ledger. Postings are balanced (in code here, and at commit by a deferred
 * constraint trigger), idempotent by key, and keep each account's cached balance in the same transaction,
 * locking the account rows in id order (no deadlocks between postings). A `non_negative` account that would
 * go below zero fails the whole transaction (a CHECK on ledger_accounts) with INSUFFICIENT_BALANCE.
 */
export class Ledger {
  /** Creates the accounts if missing; returns their ids by code. */
  async ensureAccounts(db: DbOrTx, specs: readonly AccountSpec[]): Promise<Map<string, number>> {
    const unique = [...new Map(specs.map((s) => [s.code, s])).values()];
    await db
      .insert(ledgerAccounts)
      .values(
        unique.map((s) => ({
          code: s.code,
          currency: s.currency,
          normalSide: s.normalSide,
          nonNegative: s.nonNegative,
        })),
      )
      .onConflictDoNothing({ target: ledgerAccounts.code });
    const rows = await db
      .select({ id: ledgerAccounts.id, code: ledgerAccounts.code, currency: ledgerAccounts.currency })
      .from(ledgerAccounts)
      .where(
        inArray(
          ledgerAccounts.code,
          unique.map((s) => s.code),
        ),
      );
    for (const s of unique) {
      const row = rows.find((r) => r.code === s.code);
      if (!row) throw new LedgerError(`account ${s.code} missing`);
      if (row.currency !== s.currency) throw new LedgerError(`account ${s.code} is in ${row.currency}`);
    }
    return new Map(rows.map((r) => [r.code, r.id]));
  }

  /** Locks these accounts (in id order) for the rest of the transaction and returns their balances by code. */
  async lock(tx: Tx, specs: readonly AccountSpec[]): Promise<Map<string, number>> {
    const ids = await this.ensureAccounts(tx, specs);
    const rows = await tx
      .select({ code: ledgerAccounts.code, balance: ledgerAccounts.balanceMinor })
      .from(ledgerAccounts)
      .where(inArray(ledgerAccounts.id, [...ids.values()]))
      .orderBy(asc(ledgerAccounts.id))
      .for("update");
    return new Map(rows.map((r) => [r.code, Number(r.balance)]));
  }

  /**
   * Posts once per key. Returns the transaction id, or undefined when the key was already posted.
   * Call inside a transaction (the caller's effects and the posting commit together).
   */
  async post(tx: Tx, posting: Posting): Promise<number | undefined> {
    assertBalanced(posting.lines);
    const refs = posting.refs ?? {};
    const [created] = await tx
      .insert(ledgerTransactions)
      .values({
        idempotencyKey: posting.key,
        kind: posting.kind,
        paymentId: refs.paymentId ?? null,
        refundId: refs.refundId ?? null,
        withdrawalId: refs.withdrawalId ?? null,
        appointmentId: refs.appointmentId ?? null,
        doctorId: refs.doctorId ?? null,
        reversesId: refs.reversesId ?? null,
        at: posting.at,
      })
      .onConflictDoNothing({ target: ledgerTransactions.idempotencyKey })
      .returning({ id: ledgerTransactions.id });
    if (!created) return undefined;
    const ids = await this.ensureAccounts(
      tx,
      posting.lines.map((l) => l.account),
    );
    await tx.insert(ledgerEntries).values(
      posting.lines.map((l) => ({
        transactionId: created.id,
        accountId: ids.get(l.account.code)!,
        debitMinor: l.debit ?? 0,
        creditMinor: l.credit ?? 0,
        currency: l.account.currency,
      })),
    );
    const deltas = new Map<number, number>();
    for (const l of posting.lines) {
      const id = ids.get(l.account.code)!;
      deltas.set(id, (deltas.get(id) ?? 0) + delta(l));
    }
    for (const [id, d] of [...deltas].sort((a, b) => a[0] - b[0])) {
      if (d === 0) continue;
      try {
        await tx
          .update(ledgerAccounts)
          .set({ balanceMinor: sql`${ledgerAccounts.balanceMinor} + ${d}` })
          .where(eq(ledgerAccounts.id, id));
      } catch (err) {
        if (pgErrorCode(err) === PG.checkViolation && pgConstraint(err) === "ledger_accounts_non_negative")
          throw unprocessable("INSUFFICIENT_BALANCE", "The balance is not enough for this.");
        throw err;
      }
    }
    return created.id;
  }

  /** Posts the mirror image of a transaction (a correction), once. */
  async reverse(tx: Tx, transactionId: number, key: string, at: Date): Promise<number | undefined> {
    const entries = await tx
      .select({
        code: ledgerAccounts.code,
        currency: ledgerAccounts.currency,
        normalSide: ledgerAccounts.normalSide,
        nonNegative: ledgerAccounts.nonNegative,
        debit: ledgerEntries.debitMinor,
        credit: ledgerEntries.creditMinor,
      })
      .from(ledgerEntries)
      .innerJoin(ledgerAccounts, eq(ledgerAccounts.id, ledgerEntries.accountId))
      .where(eq(ledgerEntries.transactionId, transactionId));
    if (entries.length === 0) throw new LedgerError(`transaction ${transactionId} has no entries`);
    return this.post(tx, {
      key,
      kind: "reversal",
      refs: { reversesId: transactionId },
      at,
      lines: entries.map((e) => ({
        account: { code: e.code, currency: e.currency, normalSide: e.normalSide, nonNegative: e.nonNegative },
        ...(Number(e.debit) > 0 ? { credit: Number(e.debit) } : { debit: Number(e.credit) }),
      })),
    });
  }

  /** The cached balance of an account (0 when it does not exist yet). */
  async balance(db: DbOrTx, code: string): Promise<number> {
    const [row] = await db
      .select({ b: ledgerAccounts.balanceMinor })
      .from(ledgerAccounts)
      .where(eq(ledgerAccounts.code, code));
    return row ? Number(row.b) : 0;
  }
}
