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
  FOR EACH ROW EXECUTE FUNCTION "audit_log_append_only"();
