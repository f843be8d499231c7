import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemoData } from "../../db/seed/index.js";
import { createTestDatabase, type TestDatabase } from "../../test/db.js";
import { nameOf, type DirectoryDoctor, type DoctorDirectory } from "./directory.js";
import { SpecialtyCatalog, STRONG_SPECIALTY, type CatalogSpecialty } from "./matching.js";
import { buildDirectoryQuery, directoryOf, renderQuery } from "./repository.js";

/** What people type: specialties, typos, symptoms, names, fragments, titles, punctuation, other scripts. */
const TYPED = [
  "dentist",
  "dentst",
  "tooth pain",
  "cardiologst",
  "skin rash",
  "pediatrician",
  "fever",
  "gynecologist",
  "dr sharma",
  "sharma",
  "shrama",
  "dr. kavya",
  "doctor menon",
  "kapoor",
  "mbbs",
  "md",
  "ab",
  "a",
  "dr",
  "ar",
  "bds mds",
  "endodontics",
  "back pain!!",
  "दांत दर्द",
  "राम",
  "müller",
  "o'brien",
  "50%_x",
  "x",
];

let db: TestDatabase;
let client: pg.Client;
let catalog: SpecialtyCatalog;
let cities: (string | undefined)[];

async function loadDirectory(): Promise<DoctorDirectory> {
  const q = renderQuery(buildDirectoryQuery());
  return directoryOf((await client.query<DirectoryDoctor & { version: string }>(q.text, q.values)).rows);
}

/**
 * The doctors and scores the search statement matched before the directory (its `m` step, verbatim but for
 * the verified filter the statement applied after it).
 */
async function matchedBySql(q: string, city: string | undefined) {
  const like = (v: string) => v.replace(/[\\%_]/g, "\\$&");
  const hits = catalog.searchMatches(q);
  const name = nameOf(q);
  const branches: string[] = [];
  const values: unknown[] = [city ?? null];
  const inCity = city ? `lower(d0.city) = $1::text AND d0.verification_status = 'verified'` : undefined;
  if (hits.length > 0) {
    values.push(`{${hits.map((h) => h.id).join(",")}}`, `{${hits.map((h) => h.score).join(",")}}`);
    branches.push(`SELECT ds.doctor_id AS id,
        spec.score * CASE WHEN ds.is_primary THEN 1.0 ELSE 0.8::float8 END AS score
      FROM unnest($2::int[], $3::float8[]) AS spec(id, score)
        JOIN doctor_specialties ds ON ds.specialty_id = spec.id
        ${inCity ? `JOIN doctors d0 ON d0.id = ds.doctor_id AND ${inCity}` : ""}`);
  }
  if (!hits.some((h) => h.score >= STRONG_SPECIALTY)) {
    const pool = inCity ? `(SELECT d0.id, d0.search_text FROM doctors d0 WHERE ${inCity}) t` : `doctors t`;
    const n = values.length;
    if (name.length >= 3) {
      values.push(name, `%${like(name)}%`);
      const similar = city
        ? `word_similarity($${n + 1}::text, t.search_text) >= 0.6::float8`
        : `$${n + 1}::text <% t.search_text`;
      branches.push(`SELECT t.id, CASE WHEN t.search_text LIKE $${n + 2}::text THEN 1.0
            ELSE word_similarity($${n + 1}::text, t.search_text) END AS score
          FROM ${pool} WHERE t.search_text LIKE $${n + 2}::text OR ${similar}`);
    } else {
      values.push(`${like(name)}%`, `% ${like(name)}%`);
      branches.push(`SELECT t.id, 1.0 AS score FROM ${pool}
          WHERE t.search_text LIKE $${n + 1}::text OR t.search_text LIKE $${n + 2}::text`);
    }
  }
  const { rows } = await client.query<{ id: number; score: number }>(
    `WITH m AS (SELECT id, max(score)::float8 AS score FROM (${branches.join(" UNION ALL ")}) cand GROUP BY id)
     SELECT m.id, m.score FROM m JOIN doctors d ON d.id = m.id
     WHERE d.verification_status = 'verified' AND ($1::text IS NULL OR lower(d.city) = $1::text)
     ORDER BY m.id`,
    values,
  );
  return rows;
}

beforeAll(async () => {
  db = await createTestDatabase(2);
  await seedDemoData(db.database, { doctorCount: 1500, seed: 7 });
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
  // Doctors whose text the seed does not write: other scripts, punctuation, a pending one.
  await client.query(`insert into doctors (name, city, search_text, verification_status) values
    ('Dr. Ram Müller', 'Delhi', 'dr. ram müller dentist bds', 'verified'),
    ('डॉ. राम शर्मा', 'Delhi', 'डॉ. राम शर्मा दंत चिकित्सक', 'verified'),
    ('Dr O''Brien', 'Wah', 'dr o''brien 50%_x ab', 'verified'),
    ('Dr Pending Sharma', 'Delhi', 'dr pending sharma dentist', 'pending')`);
  catalog = new SpecialtyCatalog(
    (await client.query<CatalogSpecialty>("select id, name, slug, conditions from specialties")).rows,
  );
  const { rows } = await client.query<{ city: string }>(
    "select lower(city) as city from doctors group by 1 order by count(*) desc limit 4",
  );
  cities = [undefined, ...rows.map((r) => r.city), "wah", "nowhere"];
});

afterAll(async () => {
  await client?.end();
  await db?.drop();
});

describe("the doctors' directory in memory", () => {
  it("matches the same doctors with the same scores as the search statement did in SQL", async () => {
    const directory = await loadDirectory();
    let matched = 0;
    for (const q of TYPED) {
      for (const city of cities) {
        const expected = (await matchedBySql(q, city)).map((r) => ({ id: r.id, score: r.score }));
        const m = directory.matches(q, city, catalog.searchMatches(q));
        const got = m.ids.map((id, i) => ({ id, score: m.scores[i]! })).sort((a, b) => a.id - b.id);
        expect({ q, city, got }).toEqual({ q, city, got: expected });
        matched += got.length;
      }
    }
    expect(matched).toBeGreaterThan(1000);
  });

  it("knows its version: every write to what it holds bumps it, in the writing transaction", async () => {
    const version = async () => (await loadDirectory()).version;
    const before = await version();
    const [{ id }] = (
      await client.query<{ id: number }>(
        `insert into doctors (name, city, search_text, verification_status)
         values ('Dr New', 'Delhi', 'dr new', 'verified') returning id`,
      )
    ).rows as [{ id: number }];
    const afterInsert = await version();
    expect(BigInt(afterInsert)).toBeGreaterThan(BigInt(before));
    await client.query("update doctors set rating = 4.5, patients_count = 3 where id = $1", [id]);
    expect(await version()).toBe(afterInsert);

    for (const write of [
      "update doctors set search_text = 'dr newer' where id = $1",
      "update doctors set city = 'Mumbai' where id = $1",
      "update doctors set verification_status = 'rejected' where id = $1",
      "insert into doctor_specialties (doctor_id, specialty_id, is_primary) values ($1, (select min(id) from specialties), true)",
      "update doctor_specialties set is_primary = false where doctor_id = $1",
      "delete from doctor_specialties where doctor_id = $1",
      "delete from doctors where id = $1",
    ]) {
      const was = await version();
      await client.query(write, [id]);
      expect({ write, bumped: BigInt(await version()) > BigInt(was) }).toEqual({ write, bumped: true });
    }

    // Not before the writer commits; then at once.
    const was = await version();
    await client.query("begin");
    await client.query(
      "update doctors set search_text = search_text where id = (select min(id) from doctors)",
    );
    expect(await otherConnectionVersion()).toBe(was);
    await client.query("commit");
    expect(BigInt(await otherConnectionVersion())).toBeGreaterThan(BigInt(was));
  });
});

async function otherConnectionVersion(): Promise<string> {
  const other = new pg.Client({ connectionString: db.url });
  await other.connect();
  try {
    const q = renderQuery(buildDirectoryQuery());
    return directoryOf((await other.query<DirectoryDoctor & { version: string }>(q.text, q.values)).rows)
      .version;
  } finally {
    await other.end();
  }
}
