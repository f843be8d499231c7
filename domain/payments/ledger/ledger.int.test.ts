import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../../../db/client.js";
import { ledgerTransactions } from "../../../db/schema/index.js";
import { createTestDatabase, type TestDatabase } from "../../../test/db.js";
import { DomainError } from "../../shared/errors.js";
import { Accounts } from "./accounts.js";
import { Ledger, LedgerError } from "./ledger.js";

let tdb: TestDatabase;
const ledger = new Ledger();
const at = new Date("2030-01-07T00:00:00Z");

beforeAll(async () => {
  tdb = await createTestDatabase(60);
});
afterAll(async () => {
  await tdb.drop();
});

const db = () => tdb.database.db;

async function fund(doctorId: number, amount: number, key: string) {
  await db().transaction(async (tx) => {
    await ledger.post(tx, {
      key: `${key}:capture`,
      kind: "payment_captured",
      at,
      lines: [
        { account: Accounts.providerClearing("INR"), debit: amount },
        { account: Accounts.customerPrepayments("INR"), credit: amount },
      ],
    });
    await ledger.post(tx, {
      key: `${key}:earn`,
      kind: "earning",
      at,
      lines: [
        { account: Accounts.customerPrepayments("INR"), debit: amount },
        { account: Accounts.doctorAvailable(doctorId, "INR"), credit: amount },
      ],
    });
  });
}

async function totals(): Promise<{ debits: number; credits: number }> {
  const [row] = await queryRows<{ d: string; c: string }>(
    db(),
    sql`select coalesce(sum(debit_minor),0) as d, coalesce(sum(credit_minor),0) as c from ledger_entries`,
  );
  return { debits: Number(row!.d), credits: Number(row!.c) };
}

describe("the ledger", () => {
  it("posts a balanced transaction and keeps the cached balances on each account's normal side", async () => {
    await fund(1, 5000, "p1");
    expect(await ledger.balance(db(), Accounts.providerClearing("INR").code)).toBe(5000);
    expect(await ledger.balance(db(), Accounts.customerPrepayments("INR").code)).toBe(0);
    expect(await ledger.balance(db(), Accounts.doctorAvailable(1, "INR").code)).toBe(5000);
    const t = await totals();
    expect(t.debits).toBe(t.credits);
  });

  it("posts a key once: the same posting again is a no-op", async () => {
    await fund(2, 700, "p2");
    await fund(2, 700, "p2");
    expect(await ledger.balance(db(), Accounts.doctorAvailable(2, "INR").code)).toBe(700);
  });

  it("refuses an unbalanced posting in code, before the database", async () => {
    await expect(
      db().transaction((tx) =>
        ledger.post(tx, {
          key: "bad",
          kind: "x",
          at,
          lines: [
            { account: Accounts.providerClearing("INR"), debit: 10 },
            { account: Accounts.platformRevenue("INR"), credit: 9 },
          ],
        }),
      ),
    ).rejects.toBeInstanceOf(LedgerError);
  });

  it("refuses an unbalanced transaction at commit, even when the code is bypassed", async () => {
    const ids = await ledger.ensureAccounts(db(), [Accounts.providerClearing("INR")]);
    const account = ids.get(Accounts.providerClearing("INR").code)!;
    await expect(
      db().transaction(async (tx) => {
        const [t] = await tx
          .insert(ledgerTransactions)
          .values({ idempotencyKey: "raw-unbalanced", kind: "raw", at })
          .returning();
        await tx.execute(
          sql`insert into ledger_entries (transaction_id, account_id, debit_minor, credit_minor, currency) values (${t!.id}, ${account}, 100, 0, 'INR')`,
        );
      }),
    ).rejects.toThrow();
    const rows = await queryRows(
      db(),
      sql`select 1 from ledger_transactions where idempotency_key = 'raw-unbalanced'`,
    );
    expect(rows).toHaveLength(0);
  });

  it("refuses to update or delete entries and transactions (append-only)", async () => {
    await fund(3, 100, "p3");
    await expect(
      db().execute(sql`update ledger_entries set debit_minor = debit_minor + 1`),
    ).rejects.toThrow();
    await expect(db().execute(sql`delete from ledger_entries`)).rejects.toThrow();
    await expect(db().execute(sql`delete from ledger_transactions`)).rejects.toThrow();
  });

  it("corrects by a reversing transaction, leaving the original in place", async () => {
    await fund(4, 300, "p4");
    const [t] = await queryRows<{ id: string }>(
      db(),
      sql`select id from ledger_transactions where idempotency_key = 'p4:earn'`,
    );
    await db().transaction((tx) => ledger.reverse(tx, Number(t!.id), "p4:earn:reversal", at));
    expect(await ledger.balance(db(), Accounts.doctorAvailable(4, "INR").code)).toBe(0);
    expect(await ledger.balance(db(), Accounts.customerPrepayments("INR").code)).toBe(300);
    await db().transaction(async (tx) => {
      await ledger.post(tx, {
        key: "p4:refund",
        kind: "refund",
        at,
        lines: [
          { account: Accounts.customerPrepayments("INR"), debit: 300 },
          { account: Accounts.providerClearing("INR"), credit: 300 },
        ],
      });
    });
  });

  it("refuses to take a doctor's balance below zero, and leaves nothing of the refused posting", async () => {
    await fund(5, 1000, "p5");
    const attempt = db().transaction((tx) =>
      ledger.post(tx, {
        key: "w5",
        kind: "withdrawal",
        at,
        lines: [
          { account: Accounts.doctorAvailable(5, "INR"), debit: 1001 },
          { account: Accounts.payoutsInTransit(5, "INR"), credit: 1001 },
        ],
      }),
    );
    await expect(attempt).rejects.toMatchObject({ code: "INSUFFICIENT_BALANCE" });
    await expect(attempt).rejects.toBeInstanceOf(DomainError);
    expect(await ledger.balance(db(), Accounts.doctorAvailable(5, "INR").code)).toBe(1000);
  });

  it("serialises 50 concurrent withdrawals on one doctor: never more than the balance leaves", async () => {
    await fund(6, 10_000, "p6");
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) =>
        db().transaction(async (tx) => {
          const balances = await ledger.lock(tx, [
            Accounts.doctorAvailable(6, "INR"),
            Accounts.payoutsInTransit(6, "INR"),
          ]);
          const available = balances.get(Accounts.doctorAvailable(6, "INR").code)!;
          if (available < 700) throw new Error("insufficient");
          await ledger.post(tx, {
            key: `w6:${i}`,
            kind: "withdrawal",
            at,
            lines: [
              { account: Accounts.doctorAvailable(6, "INR"), debit: 700 },
              { account: Accounts.payoutsInTransit(6, "INR"), credit: 700 },
            ],
          });
        }),
      ),
    );
    const ok = results.filter((r) => r.status === "fulfilled").length;
    expect(ok).toBe(14);
    expect(await ledger.balance(db(), Accounts.doctorAvailable(6, "INR").code)).toBe(10_000 - 14 * 700);
    expect(await ledger.balance(db(), Accounts.payoutsInTransit(6, "INR").code)).toBe(14 * 700);
  });
});
