CREATE TYPE "public"."reminder_status" AS ENUM('pending', 'fired', 'cancelled', 'skipped');--> statement-breakpoint
CREATE TABLE "scheduled_reminders" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "scheduled_reminders_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"key" text NOT NULL,
	"kind" text NOT NULL,
	"entity_id" integer NOT NULL,
	"slot" text NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"event_at" timestamp with time zone NOT NULL,
	"status" "reminder_status" DEFAULT 'pending' NOT NULL,
	"fired_at" timestamp with time zone,
	"outbox_id" bigint
);
--> statement-breakpoint
CREATE UNIQUE INDEX "scheduled_reminders_key" ON "scheduled_reminders" USING btree ("key");--> statement-breakpoint
CREATE INDEX "scheduled_reminders_due_idx" ON "scheduled_reminders" USING btree ("due_at") WHERE "scheduled_reminders"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "scheduled_reminders_entity_idx" ON "scheduled_reminders" USING btree ("kind","entity_id");