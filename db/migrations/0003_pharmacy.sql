CREATE TYPE "public"."order_payment_status" AS ENUM('unpaid', 'paid', 'refunded');--> statement-breakpoint
CREATE TYPE "public"."pharmacy_order_status" AS ENUM('pending', 'confirmed', 'dispatched', 'out_for_delivery', 'delivered', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."lab_booking_status" AS ENUM('scheduled', 'sample_collected', 'processing', 'resulted', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."lab_collection" AS ENUM('lab', 'home');--> statement-breakpoint
CREATE TYPE "public"."lab_result_flag" AS ENUM('normal', 'low', 'high', 'critical');--> statement-breakpoint
CREATE TABLE "medicines" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "medicines_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"code" text NOT NULL,
	"generic" text NOT NULL,
	"generics" text[] DEFAULT '{}' NOT NULL,
	"name" text NOT NULL,
	"brands" text[] DEFAULT '{}' NOT NULL,
	"strength" text NOT NULL,
	"form" text NOT NULL,
	"pack_size" integer NOT NULL,
	"pack_unit" text NOT NULL,
	"price_minor" integer NOT NULL,
	"currency" text NOT NULL,
	"prescription_only" boolean NOT NULL,
	"category" text NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "medicines_price_nonnegative" CHECK ("medicines"."price_minor" >= 0),
	CONSTRAINT "medicines_pack_positive" CHECK ("medicines"."pack_size" > 0)
);
--> statement-breakpoint
CREATE TABLE "pharmacy_order_events" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "pharmacy_order_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"order_id" integer NOT NULL,
	"from_status" "pharmacy_order_status",
	"to_status" "pharmacy_order_status" NOT NULL,
	"actor_user_id" integer,
	"source" text NOT NULL,
	"note" text,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"reported_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "pharmacy_order_items" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "pharmacy_order_items_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"order_id" integer NOT NULL,
	"medicine_id" integer NOT NULL,
	"medicine_name" text NOT NULL,
	"prescription_only" boolean NOT NULL,
	"quantity" integer NOT NULL,
	"unit_price_minor" integer NOT NULL,
	"line_total_minor" integer NOT NULL,
	"prescription_item_id" integer,
	CONSTRAINT "pharmacy_order_items_quantity" CHECK ("pharmacy_order_items"."quantity" > 0),
	CONSTRAINT "pharmacy_order_items_line_total" CHECK ("pharmacy_order_items"."line_total_minor" = "pharmacy_order_items"."unit_price_minor" * "pharmacy_order_items"."quantity")
);
--> statement-breakpoint
CREATE TABLE "pharmacy_orders" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "pharmacy_orders_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"patient_id" integer NOT NULL,
	"status" "pharmacy_order_status" DEFAULT 'pending' NOT NULL,
	"payment_status" "order_payment_status" DEFAULT 'unpaid' NOT NULL,
	"subtotal_minor" integer NOT NULL,
	"delivery_fee_minor" integer NOT NULL,
	"total_minor" integer NOT NULL,
	"currency" text NOT NULL,
	"delivery_address" text NOT NULL,
	"tracking" text,
	"created_by_user_id" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pharmacy_orders_amounts_nonnegative" CHECK ("pharmacy_orders"."subtotal_minor" >= 0 AND "pharmacy_orders"."delivery_fee_minor" >= 0),
	CONSTRAINT "pharmacy_orders_total" CHECK ("pharmacy_orders"."total_minor" = "pharmacy_orders"."subtotal_minor" + "pharmacy_orders"."delivery_fee_minor")
);
--> statement-breakpoint
CREATE TABLE "processed_webhook_events" (
	"provider" text NOT NULL,
	"event_id" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"outcome" text NOT NULL,
	CONSTRAINT "processed_webhook_events_provider_event_id_pk" PRIMARY KEY("provider","event_id")
);
--> statement-breakpoint
CREATE TABLE "lab_booking_events" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "lab_booking_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"booking_id" integer NOT NULL,
	"from_status" "lab_booking_status",
	"to_status" "lab_booking_status" NOT NULL,
	"actor_user_id" integer,
	"note" text,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "lab_bookings" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "lab_bookings_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"patient_id" integer NOT NULL,
	"lab_test_id" integer NOT NULL,
	"test_name" text NOT NULL,
	"appointment_date" date NOT NULL,
	"collection" "lab_collection" NOT NULL,
	"address" text,
	"status" "lab_booking_status" DEFAULT 'scheduled' NOT NULL,
	"payment_status" "order_payment_status" DEFAULT 'unpaid' NOT NULL,
	"price_minor" integer NOT NULL,
	"currency" text NOT NULL,
	"ordering_doctor_id" integer,
	"prescription_lab_test_id" integer,
	"booked_by_user_id" integer NOT NULL,
	"record_id" integer,
	"result_summary" text,
	"resulted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "lab_bookings_home_address" CHECK ("lab_bookings"."collection" <> 'home' OR "lab_bookings"."address" IS NOT NULL),
	CONSTRAINT "lab_bookings_resulted" CHECK (("lab_bookings"."status" = 'resulted') = ("lab_bookings"."resulted_at" IS NOT NULL AND "lab_bookings"."record_id" IS NOT NULL))
);
--> statement-breakpoint
CREATE TABLE "lab_results" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "lab_results_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"booking_id" integer NOT NULL,
	"patient_id" integer NOT NULL,
	"name" text NOT NULL,
	"analyte_code" text,
	"value" text NOT NULL,
	"numeric_value" double precision,
	"unit" text,
	"reference_range" text,
	"flag" "lab_result_flag",
	"reported_flag" "lab_result_flag",
	"recorded_by_user_id" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "lab_tests" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "lab_tests_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"code" text NOT NULL,
	"name" text NOT NULL,
	"synonyms" text[] DEFAULT '{}' NOT NULL,
	"category" text NOT NULL,
	"sample_type" text NOT NULL,
	"preparation" text NOT NULL,
	"price_minor" integer NOT NULL,
	"currency" text NOT NULL,
	"turnaround_hours" integer NOT NULL,
	"home_collection" boolean NOT NULL,
	"analytes" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "lab_tests_price_nonnegative" CHECK ("lab_tests"."price_minor" >= 0)
);
--> statement-breakpoint
ALTER TABLE "pharmacy_order_events" ADD CONSTRAINT "pharmacy_order_events_order_id_pharmacy_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."pharmacy_orders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pharmacy_order_events" ADD CONSTRAINT "pharmacy_order_events_actor_user_id_users_id_fk" FOREIGN KEY ("actor_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pharmacy_order_items" ADD CONSTRAINT "pharmacy_order_items_order_id_pharmacy_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."pharmacy_orders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pharmacy_order_items" ADD CONSTRAINT "pharmacy_order_items_medicine_id_medicines_id_fk" FOREIGN KEY ("medicine_id") REFERENCES "public"."medicines"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pharmacy_order_items" ADD CONSTRAINT "pharmacy_order_items_prescription_item_id_prescription_items_id_fk" FOREIGN KEY ("prescription_item_id") REFERENCES "public"."prescription_items"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pharmacy_orders" ADD CONSTRAINT "pharmacy_orders_patient_id_patients_id_fk" FOREIGN KEY ("patient_id") REFERENCES "public"."patients"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pharmacy_orders" ADD CONSTRAINT "pharmacy_orders_created_by_user_id_users_id_fk" FOREIGN KEY ("created_by_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lab_booking_events" ADD CONSTRAINT "lab_booking_events_booking_id_lab_bookings_id_fk" FOREIGN KEY ("booking_id") REFERENCES "public"."lab_bookings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lab_booking_events" ADD CONSTRAINT "lab_booking_events_actor_user_id_users_id_fk" FOREIGN KEY ("actor_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lab_bookings" ADD CONSTRAINT "lab_bookings_patient_id_patients_id_fk" FOREIGN KEY ("patient_id") REFERENCES "public"."patients"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lab_bookings" ADD CONSTRAINT "lab_bookings_lab_test_id_lab_tests_id_fk" FOREIGN KEY ("lab_test_id") REFERENCES "public"."lab_tests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lab_bookings" ADD CONSTRAINT "lab_bookings_ordering_doctor_id_doctors_id_fk" FOREIGN KEY ("ordering_doctor_id") REFERENCES "public"."doctors"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lab_bookings" ADD CONSTRAINT "lab_bookings_prescription_lab_test_id_prescription_lab_tests_id_fk" FOREIGN KEY ("prescription_lab_test_id") REFERENCES "public"."prescription_lab_tests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lab_bookings" ADD CONSTRAINT "lab_bookings_booked_by_user_id_users_id_fk" FOREIGN KEY ("booked_by_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lab_bookings" ADD CONSTRAINT "lab_bookings_record_id_medical_records_id_fk" FOREIGN KEY ("record_id") REFERENCES "public"."medical_records"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lab_results" ADD CONSTRAINT "lab_results_booking_id_lab_bookings_id_fk" FOREIGN KEY ("booking_id") REFERENCES "public"."lab_bookings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lab_results" ADD CONSTRAINT "lab_results_patient_id_patients_id_fk" FOREIGN KEY ("patient_id") REFERENCES "public"."patients"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lab_results" ADD CONSTRAINT "lab_results_recorded_by_user_id_users_id_fk" FOREIGN KEY ("recorded_by_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "medicines_code_key" ON "medicines" USING btree ("code");--> statement-breakpoint
CREATE INDEX "medicines_generic_idx" ON "medicines" USING btree ("generic");--> statement-breakpoint
CREATE INDEX "pharmacy_order_events_order_idx" ON "pharmacy_order_events" USING btree ("order_id","at");--> statement-breakpoint
CREATE INDEX "pharmacy_order_items_order_idx" ON "pharmacy_order_items" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "pharmacy_order_items_prescription_item_idx" ON "pharmacy_order_items" USING btree ("prescription_item_id");--> statement-breakpoint
CREATE INDEX "pharmacy_orders_patient_idx" ON "pharmacy_orders" USING btree ("patient_id","created_at");--> statement-breakpoint
CREATE INDEX "pharmacy_orders_status_idx" ON "pharmacy_orders" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "lab_booking_events_booking_idx" ON "lab_booking_events" USING btree ("booking_id","at");--> statement-breakpoint
CREATE INDEX "lab_bookings_patient_idx" ON "lab_bookings" USING btree ("patient_id","appointment_date");--> statement-breakpoint
CREATE INDEX "lab_bookings_status_idx" ON "lab_bookings" USING btree ("status","appointment_date");--> statement-breakpoint
CREATE UNIQUE INDEX "lab_bookings_prescription_lab_test_key" ON "lab_bookings" USING btree ("prescription_lab_test_id") WHERE "lab_bookings"."status" <> 'cancelled';--> statement-breakpoint
CREATE INDEX "lab_results_booking_idx" ON "lab_results" USING btree ("booking_id");--> statement-breakpoint
CREATE INDEX "lab_results_patient_idx" ON "lab_results" USING btree ("patient_id");--> statement-breakpoint
CREATE UNIQUE INDEX "lab_results_booking_name_key" ON "lab_results" USING btree ("booking_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "lab_tests_code_key" ON "lab_tests" USING btree ("code");