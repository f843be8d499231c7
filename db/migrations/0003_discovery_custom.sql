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
ALTER FUNCTION word_similarity_op(text, text) COST 100;--> statement-breakpoint
ALTER FUNCTION word_similarity_commutator_op(text, text) COST 100;--> statement-breakpoint
-- Date search: the day's active appointments across all doctors, in one range scan.
CREATE INDEX "appointments_active_starts_idx" ON "appointments" ("starts_at") WHERE "status" IN ('pending', 'proposed', 'confirmed');
