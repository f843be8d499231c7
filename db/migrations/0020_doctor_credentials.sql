CREATE TYPE "public"."doctor_credential_kind" AS ENUM('registration', 'degree', 'other');--> statement-breakpoint
CREATE TABLE "doctor_credentials" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "doctor_credentials_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"doctor_id" integer NOT NULL,
	"kind" "doctor_credential_kind" NOT NULL,
	"title" text NOT NULL,
	"filename" text NOT NULL,
	"content_type" text NOT NULL,
	"size_bytes" bigint NOT NULL,
	"sha256" text NOT NULL,
	"storage_key" text NOT NULL,
	"uploaded_by_user_id" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "doctor_credentials_content_type_check" CHECK ("doctor_credentials"."content_type" in ('application/pdf', 'image/png', 'image/jpeg')),
	CONSTRAINT "doctor_credentials_size_check" CHECK ("doctor_credentials"."size_bytes" > 0)
);
--> statement-breakpoint
ALTER TABLE "doctor_credentials" ADD CONSTRAINT "doctor_credentials_doctor_id_doctors_id_fk" FOREIGN KEY ("doctor_id") REFERENCES "public"."doctors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "doctor_credentials" ADD CONSTRAINT "doctor_credentials_uploaded_by_user_id_users_id_fk" FOREIGN KEY ("uploaded_by_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "doctor_credentials_doctor_idx" ON "doctor_credentials" USING btree ("doctor_id");