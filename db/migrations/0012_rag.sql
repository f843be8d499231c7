-- hand-written: CREATE EXTENSION IF NOT EXISTS btree_gin; (rag_chunks_patient_tsv_idx puts patient_id in a GIN index)
CREATE EXTENSION IF NOT EXISTS btree_gin;--> statement-breakpoint
CREATE TABLE "rag_chunks" (
	"id" text PRIMARY KEY NOT NULL,
	"patient_id" integer NOT NULL,
	"source_type" text NOT NULL,
	"source_id" text NOT NULL,
	"source_date" text NOT NULL,
	"title" text NOT NULL,
	"body" text NOT NULL,
	"content_hash" text NOT NULL,
	"tsv" "tsvector" GENERATED ALWAYS AS (to_tsvector('english', title || ' ' || body)) STORED NOT NULL,
	"embedding" "bytea",
	"embedding_model" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rag_pending" (
	"patient_id" integer PRIMARY KEY NOT NULL,
	"requested_at" timestamp (6) with time zone DEFAULT now() NOT NULL,
	"removed_ids" text[] DEFAULT '{}'::text[] NOT NULL
);
--> statement-breakpoint
ALTER TABLE "rag_chunks" ADD CONSTRAINT "rag_chunks_patient_id_patients_id_fk" FOREIGN KEY ("patient_id") REFERENCES "public"."patients"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rag_pending" ADD CONSTRAINT "rag_pending_patient_id_patients_id_fk" FOREIGN KEY ("patient_id") REFERENCES "public"."patients"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "rag_chunks_patient_idx" ON "rag_chunks" USING btree ("patient_id");--> statement-breakpoint
CREATE INDEX "rag_chunks_patient_tsv_idx" ON "rag_chunks" USING gin ("patient_id","tsv");--> statement-breakpoint
CREATE INDEX "rag_chunks_source_idx" ON "rag_chunks" USING btree ("source_type","source_id");