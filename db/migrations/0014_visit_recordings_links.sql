ALTER TABLE "medical_records" ADD COLUMN "idempotency_key" text;--> statement-breakpoint
ALTER TABLE "visit_audio" ADD COLUMN "provider_recording_sid" text;--> statement-breakpoint
ALTER TABLE "visit_participants" ADD COLUMN "provider_participant_sids" text[] DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE "visits" ADD COLUMN "recordings_fetched_at" timestamp with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "medical_records_idempotency_key" ON "medical_records" USING btree ("idempotency_key");--> statement-breakpoint
CREATE UNIQUE INDEX "visit_audio_provider_recording_key" ON "visit_audio" USING btree ("provider_recording_sid");