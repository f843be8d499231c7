CREATE TABLE "reminder_syncs" (
	"kind" text NOT NULL,
	"entity_id" integer NOT NULL,
	"requested_at" timestamp with time zone NOT NULL,
	CONSTRAINT "reminder_syncs_kind_entity_id_pk" PRIMARY KEY("kind","entity_id")
);
--> statement-breakpoint
CREATE INDEX "reminder_syncs_requested_idx" ON "reminder_syncs" USING btree ("requested_at");