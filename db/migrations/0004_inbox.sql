CREATE TABLE "inbound_messages" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "inbound_messages_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"channel" text NOT NULL,
	"provider_message_id" text NOT NULL,
	"address" text NOT NULL,
	"message" jsonb,
	"context" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"processed_at" timestamp with time zone,
	"error" text
);
--> statement-breakpoint
ALTER TABLE "channel_identities" ADD COLUMN "inbox_lease_token" text;--> statement-breakpoint
ALTER TABLE "channel_identities" ADD COLUMN "inbox_lease_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "channel_identities" ADD COLUMN "outbox_lease_token" text;--> statement-breakpoint
ALTER TABLE "channel_identities" ADD COLUMN "outbox_lease_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "conversation_messages" ADD COLUMN "identity_id" integer;--> statement-breakpoint
ALTER TABLE "conversation_messages" ADD COLUMN "post_key" text;--> statement-breakpoint
ALTER TABLE "conversation_messages" ADD COLUMN "failed_at" timestamp with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "inbound_messages_provider_key" ON "inbound_messages" USING btree ("channel","provider_message_id");--> statement-breakpoint
CREATE INDEX "inbound_messages_pending_idx" ON "inbound_messages" USING btree ("channel","address","id") WHERE "inbound_messages"."processed_at" is null;--> statement-breakpoint
CREATE INDEX "inbound_messages_received_idx" ON "inbound_messages" USING btree ("received_at");--> statement-breakpoint
ALTER TABLE "conversation_messages" ADD CONSTRAINT "conversation_messages_identity_id_channel_identities_id_fk" FOREIGN KEY ("identity_id") REFERENCES "public"."channel_identities"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "conversation_messages_post_key" ON "conversation_messages" USING btree ("post_key");--> statement-breakpoint
CREATE INDEX "conversation_messages_unsent_idx" ON "conversation_messages" USING btree ("identity_id","id") WHERE "conversation_messages"."direction" = 'out' and "conversation_messages"."delivered_at" is null and "conversation_messages"."failed_at" is null;