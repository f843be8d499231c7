CREATE TYPE "public"."claim_status" AS ENUM('submitted', 'accepted', 'rejected', 'paid');--> statement-breakpoint
CREATE TABLE "claims" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "claims_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"item_kind" "payment_purpose" NOT NULL,
	"item_id" integer NOT NULL,
	"patient_id" integer NOT NULL,
	"doctor_id" integer,
	"payer" text NOT NULL,
	"member_id" text NOT NULL,
	"service_codes" jsonb NOT NULL,
	"diagnosis_codes" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"currency" text NOT NULL,
	"billed_minor" integer NOT NULL,
	"approved_minor" integer,
	"patient_share_minor" integer,
	"share_applied" text,
	"status" "claim_status" DEFAULT 'submitted' NOT NULL,
	"rejection_reason" text,
	"clearinghouse_ref" text,
	"created_by_user_id" integer,
	"submitted_at" timestamp with time zone NOT NULL,
	"decided_at" timestamp with time zone,
	"paid_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "claims_amounts" CHECK ("claims"."billed_minor" > 0 AND ("claims"."approved_minor" IS NULL OR ("claims"."approved_minor" >= 0 AND "claims"."approved_minor" <= "claims"."billed_minor")))
);
--> statement-breakpoint
CREATE TABLE "teams_links" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "teams_links_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"doctor_id" integer NOT NULL,
	"teams_user_id" text NOT NULL,
	"tenant_id" text,
	"linked_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "claims" ADD CONSTRAINT "claims_patient_id_patients_id_fk" FOREIGN KEY ("patient_id") REFERENCES "public"."patients"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "claims" ADD CONSTRAINT "claims_doctor_id_doctors_id_fk" FOREIGN KEY ("doctor_id") REFERENCES "public"."doctors"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "claims" ADD CONSTRAINT "claims_created_by_user_id_users_id_fk" FOREIGN KEY ("created_by_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "teams_links" ADD CONSTRAINT "teams_links_doctor_id_doctors_id_fk" FOREIGN KEY ("doctor_id") REFERENCES "public"."doctors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "claims_live_item_key" ON "claims" USING btree ("item_kind","item_id") WHERE "claims"."status" <> 'rejected';--> statement-breakpoint
CREATE INDEX "claims_patient_idx" ON "claims" USING btree ("patient_id","created_at");--> statement-breakpoint
CREATE INDEX "claims_status_idx" ON "claims" USING btree ("status","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "teams_links_doctor_key" ON "teams_links" USING btree ("doctor_id");--> statement-breakpoint
CREATE UNIQUE INDEX "teams_links_user_key" ON "teams_links" USING btree ("teams_user_id");