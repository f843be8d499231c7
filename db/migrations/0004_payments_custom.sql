-- Ledger invariants, enforced by the database as well as by the code.
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_one_side"
  CHECK (("debit_minor" > 0 AND "credit_minor" = 0) OR ("credit_minor" > 0 AND "debit_minor" = 0));--> statement-breakpoint
ALTER TABLE "ledger_accounts" ADD CONSTRAINT "ledger_accounts_non_negative"
  CHECK (NOT "non_negative" OR "balance_minor" >= 0);--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_amount_positive" CHECK ("amount_minor" > 0);--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_refunded_range"
  CHECK ("refunded_minor" >= 0 AND "refunded_minor" <= "amount_minor");--> statement-breakpoint
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_amount_positive" CHECK ("amount_minor" > 0);--> statement-breakpoint
ALTER TABLE "withdrawals" ADD CONSTRAINT "withdrawals_amount_positive" CHECK ("amount_minor" > 0);--> statement-breakpoint
ALTER TABLE "doctor_earnings" ADD CONSTRAINT "doctor_earnings_amount_nonnegative" CHECK ("amount_minor" >= 0);--> statement-breakpoint
ALTER TABLE "appointments" ADD CONSTRAINT "appointments_payment_status"
  CHECK ("payment_status" IN ('not_required', 'unpaid', 'paid', 'refunded', 'partially_refunded'));--> statement-breakpoint

-- Ledger transactions and entries are append-only: corrections are reversing entries.
CREATE FUNCTION "ledger_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;--> statement-breakpoint
CREATE TRIGGER "ledger_transactions_no_update" BEFORE UPDATE OR DELETE ON "ledger_transactions"
  FOR EACH ROW EXECUTE FUNCTION "ledger_append_only"();--> statement-breakpoint
CREATE TRIGGER "ledger_entries_no_update" BEFORE UPDATE OR DELETE ON "ledger_entries"
  FOR EACH ROW EXECUTE FUNCTION "ledger_append_only"();--> statement-breakpoint

-- An entry's currency is its account's currency.
CREATE FUNCTION "ledger_entry_currency"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM "ledger_accounts" WHERE "id" = NEW."account_id" AND "currency" = NEW."currency") THEN
    RAISE EXCEPTION 'ledger entry currency % does not match its account', NEW."currency"
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;--> statement-breakpoint
CREATE TRIGGER "ledger_entries_currency" BEFORE INSERT ON "ledger_entries"
  FOR EACH ROW EXECUTE FUNCTION "ledger_entry_currency"();--> statement-breakpoint

-- Balanced: at commit, every transaction that received entries has debits = credits in each currency.
CREATE FUNCTION "ledger_check_balanced"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  bad text;
BEGIN
  SELECT "currency" INTO bad FROM "ledger_entries"
    WHERE "transaction_id" = NEW."transaction_id"
    GROUP BY "currency"
    HAVING sum("debit_minor") <> sum("credit_minor")
    LIMIT 1;
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION 'ledger transaction % is unbalanced in %', NEW."transaction_id", bad
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END;
$$;--> statement-breakpoint
CREATE CONSTRAINT TRIGGER "ledger_entries_balanced" AFTER INSERT ON "ledger_entries"
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION "ledger_check_balanced"();--> statement-breakpoint

-- Unpaid holds past their time are found quickly (the release job and the lazy release at booking).
CREATE INDEX "appointments_unpaid_hold_idx" ON "appointments" ("payment_hold_until")
  WHERE "payment_status" = 'unpaid' AND "status" IN ('pending', 'proposed', 'confirmed');
