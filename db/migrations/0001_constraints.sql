-- Extensions: btree_gist for the non-overlap constraints, pg_trgm for typo-tolerant search.
CREATE EXTENSION IF NOT EXISTS btree_gist;--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint

-- No two active appointments of one doctor overlap; nor of one patient. The database decides, not a read-then-write.
ALTER TABLE "appointments" ADD CONSTRAINT "appointments_time_order" CHECK ("ends_at" > "starts_at");--> statement-breakpoint
ALTER TABLE "appointments" ADD CONSTRAINT "appointments_doctor_no_overlap"
  EXCLUDE USING gist ("doctor_id" WITH =, tstzrange("starts_at", "ends_at", '[)') WITH &&)
  WHERE ("status" IN ('pending', 'proposed', 'confirmed'));--> statement-breakpoint
ALTER TABLE "appointments" ADD CONSTRAINT "appointments_patient_no_overlap"
  EXCLUDE USING gist ("patient_id" WITH =, tstzrange("starts_at", "ends_at", '[)') WITH &&)
  WHERE ("status" IN ('pending', 'proposed', 'confirmed'));--> statement-breakpoint

ALTER TABLE "doctor_availability" ADD CONSTRAINT "doctor_availability_day" CHECK ("iso_day" BETWEEN 1 AND 7);--> statement-breakpoint
ALTER TABLE "doctor_availability" ADD CONSTRAINT "doctor_availability_order" CHECK ("end_time" > "start_time");--> statement-breakpoint
ALTER TABLE "doctor_availability" ADD CONSTRAINT "doctor_availability_slot" CHECK ("slot_minutes" BETWEEN 5 AND 240);--> statement-breakpoint
ALTER TABLE "doctors" ADD CONSTRAINT "doctors_fee_nonnegative" CHECK ("fee_minor" >= 0);--> statement-breakpoint

-- Typo-tolerant search over names, specialties and degrees.
CREATE INDEX "doctors_search_text_trgm" ON "doctors" USING gin ("search_text" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "doctors_city_lower_idx" ON "doctors" (lower("city")) WHERE "verification_status" = 'verified';--> statement-breakpoint

-- The audit trail is append-only.
CREATE FUNCTION "audit_log_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END;
$$;--> statement-breakpoint
CREATE TRIGGER "audit_log_no_update" BEFORE UPDATE OR DELETE ON "audit_log"
  FOR EACH ROW EXECUTE FUNCTION "audit_log_append_only"();--> statement-breakpoint

-- Discovery: photo invariants and the indexes search, suggestions and popular listings use.
ALTER TABLE "doctor_photos" ADD CONSTRAINT "doctor_photos_type" CHECK ("content_type" IN ('image/png', 'image/jpeg'));--> statement-breakpoint
ALTER TABLE "doctor_photos" ADD CONSTRAINT "doctor_photos_size" CHECK (octet_length("bytes") BETWEEN 1 AND 2097152);--> statement-breakpoint
-- Doctor-name suggestions (prefix and typo tolerant), verified doctors only.
CREATE INDEX "doctors_name_trgm" ON "doctors" USING gin (lower("name") gin_trgm_ops) WHERE "verification_status" = 'verified';--> statement-breakpoint
-- Popular doctors: the top of this index, optionally filtered by city.
CREATE INDEX "doctors_popular_idx" ON "doctors" ("patients_count" DESC, "rating" DESC, "id") WHERE "verification_status" = 'verified';--> statement-breakpoint
-- One primary specialty per doctor.
CREATE UNIQUE INDEX "doctor_specialties_one_primary" ON "doctor_specialties" ("doctor_id") WHERE "is_primary";
--> statement-breakpoint
-- Word similarity is far dearer than the planner's default cost of 1; say so, or it seq-scans
-- the doctors running it on every row instead of using the trigram index (40x slower at 10k doctors).
-- Changing an extension's function needs its owner; where we are not (some managed Postgres services), keep
-- going with the default cost and say so, rather than fail the migration.
DO $$
BEGIN
  ALTER FUNCTION word_similarity_op(text, text) COST 100;
  ALTER FUNCTION word_similarity_commutator_op(text, text) COST 100;
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'pg_trgm word_similarity cost left at default (not the owner): doctor search may be slower';
END;
$$;--> statement-breakpoint
-- Date search: the day's active appointments across all doctors, in one range scan.
CREATE INDEX "appointments_active_starts_idx" ON "appointments" ("starts_at") WHERE "status" IN ('pending', 'proposed', 'confirmed');--> statement-breakpoint

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
