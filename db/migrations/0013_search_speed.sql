-- hand-written: the statement after the generated ones below (expression statistics, which drizzle-kit
-- cannot express):
--   CREATE STATISTICS IF NOT EXISTS "doctors_city_lower_stats" ON (lower("city")) FROM "doctors";
-- Searches filter on lower(city); without these statistics Postgres guesses 0.5% of the doctors for any
-- city (50 of 10,000 where Delhi has 879) and picks plans for that guess.
DROP INDEX "doctor_specialties_specialty_idx";--> statement-breakpoint
ALTER TABLE "doctors" ADD COLUMN "next_free_date" date;--> statement-breakpoint
ALTER TABLE "doctors" ADD COLUMN "next_free_until" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "doctor_specialties_specialty_doctor_idx" ON "doctor_specialties" USING btree ("specialty_id","doctor_id","is_primary");--> statement-breakpoint
CREATE STATISTICS IF NOT EXISTS "doctors_city_lower_stats" ON (lower("city")) FROM "doctors";
