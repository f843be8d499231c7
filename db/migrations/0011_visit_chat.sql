ALTER TABLE "visit_messages" ADD COLUMN "channel" text;--> statement-breakpoint
ALTER TABLE "visit_messages" ADD COLUMN "inbound_message_id" bigint;--> statement-breakpoint
CREATE UNIQUE INDEX "visit_messages_inbound_key" ON "visit_messages" USING btree ("inbound_message_id");