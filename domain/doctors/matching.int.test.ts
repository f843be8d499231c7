import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SPECIALTIES } from "../../db/seed/data.js";
import { createTestDatabase, type TestDatabase } from "../../test/db.js";
import { SpecialtyCatalog, similarity, wordSimilarity, type CatalogSpecialty } from "./matching.js";

/** What people type: names, typos, symptoms, fragments, titles, punctuation, other scripts. */
const TYPED = [
  "dentist",
  "dentst",
  "tooth pain",
  "cardiologst",
  "cardio",
  "heart",
  "skin rash",
  "dermatolgist",
  "pediatrician",
  "child fever",
  "fever",
  "gynecologist",
  "gyno",
  "eye",
  "ent",
  "a",
  "bone doc",
  "chest-pain",
  "orthopaedic surgeon",
  "psychiatrist",
  "dr sharma",
  "back pain!!",
  "दांत दर्द",
  "x",
];

let db: TestDatabase;
let client: pg.Client;
let catalog: CatalogSpecialty[];

beforeAll(async () => {
  db = await createTestDatabase(1);
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
  for (const s of SPECIALTIES) {
    await client.query("insert into specialties (name, slug, conditions) values ($1, $2, $3)", [
      s.name,
      s.slug,
      s.conditions,
    ]);
  }
  catalog = (await client.query<CatalogSpecialty>("select id, name, slug, conditions from specialties")).rows;
});

afterAll(async () => {
  await client.end();
  await db.drop();
});

describe("specialty matching in memory", () => {
  it("scores exactly as pg_trgm does: similarity and word_similarity against every name and condition", async () => {
    const targets = catalog.flatMap((s) => [s.name, ...s.conditions].map((t) => t.toLowerCase()));
    for (const q of TYPED) {
      const { rows } = await client.query<{ t: string; s: number; w: number }>(
        "select t, similarity(t, $1::text) as s, word_similarity($1::text, t) as w from unnest($2::text[]) t",
        [q, targets],
      );
      for (const row of rows) {
        expect([q, row.t, similarity(row.t, q)]).toEqual([q, row.t, Math.fround(row.s)]);
        expect([q, row.t, wordSimilarity(q, row.t)]).toEqual([q, row.t, Math.fround(row.w)]);
      }
    }
  });

  it("picks the same specialties with the same scores as the SQL that scored the catalog before", async () => {
    const matcher = new SpecialtyCatalog(catalog);
    for (const q of TYPED) {
      const like = (v: string) => v.replace(/[\\%_]/g, "\\$&");
      // The statement search ran before the catalog was scored in memory (its `spec` step).
      const { rows } = await client.query<{ id: number; score: number }>(
        `SELECT id, score FROM (
           SELECT id, GREATEST(name_score, condition_score) AS score,
             max(GREATEST(name_score, condition_score)) OVER () AS best
           FROM (SELECT s.id,
               GREATEST(
                 CASE WHEN lower(s.name) LIKE $2::text OR s.slug LIKE $2::text THEN 1.0 ELSE 0 END,
                 similarity(lower(s.name), $1::text),
                 CASE WHEN word_similarity($1::text, lower(s.name)) >= 0.6::float8
                   THEN word_similarity($1::text, lower(s.name)) ELSE 0 END
               ) AS name_score,
               COALESCE((SELECT max(CASE WHEN lower(c) LIKE $3::text THEN 0.9 ELSE similarity(lower(c), $1::text) END)
                         FROM unnest(s.conditions) AS c), 0) AS condition_score
             FROM specialties s) x
           WHERE name_score >= 0.3::float8 OR condition_score >= 0.4::float8
         ) y
         WHERE score >= best - 0.2::float8
         ORDER BY id`,
        [q, `${like(q)}%`, `%${like(q)}%`],
      );
      const expected = rows.map((r) => ({ id: r.id, score: Math.fround(r.score) }));
      const got = matcher.searchMatches(q).sort((a, b) => a.id - b.id);
      expect({ q, got }).toEqual({ q, got: expected });
    }
  });

  it("finds specialties through typos and symptoms", () => {
    const matcher = new SpecialtyCatalog(catalog);
    const names = (q: string) =>
      matcher.searchMatches(q).map((m) => catalog.find((s) => s.id === m.id)!.name);
    expect(names("dentst")).toContain("Dentist");
    expect(names("cardiologst")).toContain("Cardiologist");
    expect(names("tooth pain")).toContain("Dentist");
    expect(names("zzzz")).toEqual([]);
  });
});
