-- hand-written: everything after the generated CREATE TABLE below (drizzle-kit cannot express triggers):
--   the function "doctor_directory_bump"() and the statement-level triggers "doctors_directory_version" and
--   "doctor_specialties_directory_version" that call it.
-- Doctor search matches text in process memory (domain/doctors/directory.ts); every search statement reads
-- this version to know that memory is current. The bump is an upsert of one row inside the writing
-- transaction: its row lock orders concurrent writers, so the version a reader sees always covers every
-- committed change (a sequence would not: a later value can commit before an earlier one).
CREATE TABLE "doctor_directory_version" (
	"id" smallint PRIMARY KEY NOT NULL,
	"version" bigint NOT NULL
);
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "doctor_directory_bump"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "doctor_directory_version" ("id", "version") VALUES (1, 1)
    ON CONFLICT ("id") DO UPDATE SET "version" = "doctor_directory_version"."version" + 1;
  RETURN NULL;
END;
$$;--> statement-breakpoint
CREATE TRIGGER "doctors_directory_version"
  AFTER INSERT OR DELETE OR UPDATE OF "city", "verification_status", "search_text" OR TRUNCATE ON "doctors"
  FOR EACH STATEMENT EXECUTE FUNCTION "doctor_directory_bump"();--> statement-breakpoint
CREATE TRIGGER "doctor_specialties_directory_version"
  AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON "doctor_specialties"
  FOR EACH STATEMENT EXECUTE FUNCTION "doctor_directory_bump"();
