ALTER TABLE "patients" ADD COLUMN "quiet_hours" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "preferred_channel" text;--> statement-breakpoint
ALTER TABLE "doctors" ADD COLUMN "phone_verified_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "doctors" ADD COLUMN "sms_pin_hash" text;--> statement-breakpoint
ALTER TABLE "doctors" ADD COLUMN "sms_pin_failures" smallint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "doctors" ADD COLUMN "sms_pin_locked_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "appointments" ADD COLUMN "patient_confirmed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "notifications_outbox" ADD COLUMN "delivered_channel" text;--> statement-breakpoint
ALTER TABLE "notifications_outbox" ADD COLUMN "provider_message_id" text;--> statement-breakpoint
ALTER TABLE "notifications_outbox" ADD COLUMN "delivery_status" text;--> statement-breakpoint
ALTER TABLE "channel_identities" ADD COLUMN "opted_out_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "channel_identities" ADD COLUMN "last_inbound_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "conversation_messages" ADD COLUMN "delivery_status" text;--> statement-breakpoint
ALTER TABLE "conversation_messages" ADD COLUMN "delivery_status_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "notifications_outbox_provider_idx" ON "notifications_outbox" USING btree ("delivered_channel","provider_message_id");