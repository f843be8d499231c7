CREATE TABLE "doctor_reviews" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "doctor_reviews_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"appointment_id" integer NOT NULL,
	"doctor_id" integer NOT NULL,
	"patient_id" integer NOT NULL,
	"requested_at" timestamp with time zone NOT NULL,
	"rating" smallint,
	"comment" text,
	"channel" text,
	"answered_at" timestamp with time zone,
	CONSTRAINT "doctor_reviews_rating_range" CHECK ("doctor_reviews"."rating" is null or "doctor_reviews"."rating" between 1 and 5)
);
--> statement-breakpoint
CREATE TABLE "model_usage" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "model_usage_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"at" timestamp with time zone NOT NULL,
	"kind" text NOT NULL,
	"model" text,
	"outcome" text NOT NULL,
	"latency_ms" real NOT NULL,
	"prompt_tokens" integer,
	"completion_tokens" integer
);
--> statement-breakpoint
ALTER TABLE "doctors" ADD COLUMN "ratings_from_patients" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "doctor_reviews" ADD CONSTRAINT "doctor_reviews_appointment_id_appointments_id_fk" FOREIGN KEY ("appointment_id") REFERENCES "public"."appointments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "doctor_reviews" ADD CONSTRAINT "doctor_reviews_doctor_id_doctors_id_fk" FOREIGN KEY ("doctor_id") REFERENCES "public"."doctors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "doctor_reviews" ADD CONSTRAINT "doctor_reviews_patient_id_patients_id_fk" FOREIGN KEY ("patient_id") REFERENCES "public"."patients"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "doctor_reviews_appointment_key" ON "doctor_reviews" USING btree ("appointment_id");--> statement-breakpoint
CREATE INDEX "doctor_reviews_doctor_idx" ON "doctor_reviews" USING btree ("doctor_id","answered_at");--> statement-breakpoint
CREATE INDEX "doctor_reviews_open_idx" ON "doctor_reviews" USING btree ("patient_id","requested_at") WHERE "doctor_reviews"."rating" is null;--> statement-breakpoint
CREATE INDEX "doctor_reviews_answered_idx" ON "doctor_reviews" USING btree ("answered_at");--> statement-breakpoint
CREATE INDEX "model_usage_at_idx" ON "model_usage" USING btree ("kind","at");--> statement-breakpoint
CREATE INDEX "appointments_created_idx" ON "appointments" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "appointments_starts_idx" ON "appointments" USING btree ("starts_at");--> statement-breakpoint
CREATE INDEX "audit_log_appointment_created_idx" ON "audit_log" USING btree ("resource_id") WHERE "audit_log"."resource_type" = 'appointment' and "audit_log"."action" = 'create';--> statement-breakpoint
CREATE INDEX "payments_paid_idx" ON "payments" USING btree ("paid_at") WHERE "payments"."paid_at" is not null;--> statement-breakpoint
CREATE INDEX "conversations_created_idx" ON "conversations" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "scheduled_reminders_fired_idx" ON "scheduled_reminders" USING btree ("fired_at") WHERE "scheduled_reminders"."fired_at" is not null;