import { sql } from "drizzle-orm";
import { queryRows, type DbOrTx } from "../../../db/client.js";
import { normalizeDrug } from "../safety/index.js";
import { LAB_TESTS } from "./lab-tests.js";
import { MEDICINES } from "./medicines.js";

export interface CatalogSeedResult {
  medicines: number;
  labTests: number;
}

/** The canonical generic components of a catalog generic ("glimepiride + metformin" → both), sorted. */
export function genericsOf(generic: string): string[] {
  const resolved = normalizeDrug(generic)?.generics;
  const parts = resolved ?? generic.split("+").map((p) => p.trim().toLowerCase());
  return [...new Set(parts.filter((p) => p.length > 0))].sort();
}

/**
 * Brings the medicines and lab_tests tables in line with this catalog (reference data shipped with the code):
 * inserts new entries, updates changed ones (by code) and deactivates entries no longer in the catalog.
 * Idempotent; one statement per table (the rows travel as one JSON parameter), so it takes milliseconds even
 * under PGlite. Run at every start (api/platform.ts) and by `npm run db:seed` (api/seed.ts); it sits beside
 * the catalog because it is the catalog's (domain → db: db/seed holds only demo data).
 */
export async function seedCatalog(db: DbOrTx): Promise<CatalogSeedResult> {
  const medicineRows = MEDICINES.map((m) => ({
    code: m.id,
    generic: m.generic,
    generics: genericsOf(m.generic),
    name: m.name,
    brands: [...m.brands],
    strength: m.strength,
    form: m.form,
    pack_size: m.packSize,
    pack_unit: m.packUnit,
    price_minor: m.priceMinor,
    currency: m.currency,
    prescription_only: m.prescriptionOnly,
    category: m.category,
    active: true,
  }));
  const labRows = LAB_TESTS.map((t) => ({
    code: t.code,
    name: t.name,
    synonyms: [...t.synonyms],
    category: t.category,
    sample_type: t.sampleType,
    preparation: t.preparation,
    price_minor: t.priceMinor,
    currency: t.currency,
    turnaround_hours: t.turnaroundHours,
    home_collection: t.homeCollection,
    analytes: t.analytes,
    active: true,
  }));
  await upsert(db, "medicines", medicineRows);
  await upsert(db, "lab_tests", labRows);
  return { medicines: medicineRows.length, labTests: labRows.length };
}

async function upsert(db: DbOrTx, table: "medicines" | "lab_tests", rows: Record<string, unknown>[]) {
  const columns = Object.keys(rows[0]!);
  const list = sql.raw(columns.map((c) => `"${c}"`).join(", "));
  const updates = columns.filter((c) => c !== "code");
  const set = sql.raw([...updates.map((c) => `"${c}" = excluded."${c}"`), `"updated_at" = now()`].join(", "));
  const changed = sql.raw(
    `(${updates.map((c) => `t."${c}"`).join(", ")}) IS DISTINCT FROM (${updates.map((c) => `excluded."${c}"`).join(", ")})`,
  );
  const name = sql.raw(`"${table}"`);
  const json = JSON.stringify(rows);
  await queryRows(
    db,
    sql`INSERT INTO ${name} AS t (${list})
      SELECT ${list} FROM json_populate_recordset(NULL::${name}, ${json}::json)
      ON CONFLICT ("code") DO UPDATE SET ${set} WHERE ${changed}`,
  );
  const codes = JSON.stringify(rows.map((r) => r.code as string));
  await queryRows(
    db,
    sql`UPDATE ${name} SET "active" = false, "updated_at" = now()
      WHERE "active" AND "code" NOT IN (SELECT json_array_elements_text(${codes}::json))`,
  );
}
