/**
 * The doctors' searchable text, city and specialties, in process memory: which doctors a search's free text
 * matches, and how well, is decided here rather than in every search statement (scanning a city's doctors with
 * pg_trgm's `word_similarity` cost up to ~45 ms a search). SQL then receives the matching doctors' ids and
 * scores as two array parameters, like the specialties' (matching.ts), and applies every other filter.
 *
 * The scores are the ones the search statement used to compute (see buildSearchQuery's history in
 * docs/performance.md): a doctor of a matching specialty scores the specialty's score (× 0.8 when it is not the
 * doctor's main one); a doctor whose search text contains the (title-less) text scores 1, one with a word
 * similar enough scores pg_trgm's `word_similarity`; a doctor matched both ways keeps the best.
 * domain/doctors/directory.int.test.ts compares them with that SQL over a seeded set of doctors.
 *
 * Freshness: a trigger on `doctors` (its search text, city, verification) and `doctor_specialties` bumps
 * `doctor_directory_version` in the writing transaction; the directory is loaded with the version it reflects,
 * and every search statement returns the current one. A search that finds another version reloads the directory
 * and runs again, so no write, from any process (or straight SQL), goes unseen.
 */
import { MEMO_SIZE, STRONG_SPECIALTY, trigramList, wordSimilarity, WORD_SIMILARITY } from "./matching.js";

/** A doctor as the directory holds it (what the load statement returns). */
export interface DirectoryDoctor {
  id: number;
  /** Postgres' lower(city). */
  city: string;
  verified: boolean;
  /** The stored (lower-cased) search text: name, specialty names, degrees. */
  search_text: string;
  /** Specialty ids, the main one first (or none marked primary). */
  specialty_ids: number[];
  primary_ids: number[];
}

/** The doctors a search's text matches, with their scores (parallel arrays), for the search statement. */
export interface DoctorMatches {
  ids: number[];
  scores: number[];
}

/** A secondary specialty's match counts for this share of a primary one's. */
export const SECONDARY_SPECIALTY_WEIGHT = 0.8;

/** The title ("Dr", "Dr.", "Doctor") is in every doctor's name: searching for it would match them all. */
export function nameOf(q: string): string {
  return q.replace(/^(dr\.?|doctor)\s+/, "") || q;
}

export class DoctorDirectory {
  private readonly ids: Int32Array;
  private readonly texts: string[];
  private readonly cities: string[];
  /** Verified doctors' indexes, all and by city. */
  private readonly verified: number[] = [];
  private readonly byCity = new Map<string, number[]>();
  /** Specialty id → [doctor index, weight] pairs (verified doctors only). */
  private readonly bySpecialty = new Map<number, { index: number; weight: number }[]>();
  /** Trigram → indexes of the verified doctors whose search text has it (ascending, no repeats). */
  private readonly byTrigram = new Map<string, number[]>();
  /** Scratch counters, one per doctor (searches run one at a time on the event loop). */
  private readonly counts: Uint16Array;
  /** Recent answers by text and city (the directory does not change: a new version is a new directory). */
  private readonly memo = new Map<string, DoctorMatches>();

  constructor(
    rows: readonly DirectoryDoctor[],
    /** The doctor_directory_version these rows reflect. */
    readonly version: string,
  ) {
    this.ids = new Int32Array(rows.length);
    this.texts = new Array<string>(rows.length);
    this.cities = new Array<string>(rows.length);
    this.counts = new Uint16Array(rows.length);
    rows.forEach((d, i) => {
      this.ids[i] = d.id;
      this.texts[i] = d.search_text;
      this.cities[i] = d.city;
      if (!d.verified) return;
      this.verified.push(i);
      let city = this.byCity.get(d.city);
      if (!city) this.byCity.set(d.city, (city = []));
      city.push(i);
      const primary = new Set(d.primary_ids);
      for (const s of d.specialty_ids) {
        let list = this.bySpecialty.get(s);
        if (!list) this.bySpecialty.set(s, (list = []));
        list.push({ index: i, weight: primary.has(s) ? 1.0 : SECONDARY_SPECIALTY_WEIGHT });
      }
      for (const t of new Set(trigramList(d.search_text))) {
        let list = this.byTrigram.get(t);
        if (!list) this.byTrigram.set(t, (list = []));
        list.push(i);
      }
    });
  }

  get size(): number {
    return this.ids.length;
  }

  /**
   * The verified doctors (in `city` when given: Postgres' lower-cased city) that the (lower-cased, trimmed)
   * text matches, by the specialties it names (`hits`, scored by the catalog) and by name, specialty name or
   * degree: a substring of the search text, or (3+ characters) a word similar enough.
   */
  matches(
    q: string,
    city: string | undefined,
    hits: readonly { id: number; score: number }[],
  ): DoctorMatches {
    // The hits are the catalog's answer for the same text; a reloaded catalog comes with a search run again.
    const key = `${city ?? ""}\u0000${q}\u0000${hits.map((h) => `${h.id}:${h.score}`).join(",")}`;
    let found = this.memo.get(key);
    if (found === undefined) {
      if (this.memo.size >= MEMO_SIZE) this.memo.clear();
      found = this.compute(q, city, hits);
      this.memo.set(key, found);
    }
    return found;
  }

  private compute(
    q: string,
    city: string | undefined,
    hits: readonly { id: number; score: number }[],
  ): DoctorMatches {
    const best = new Map<number, number>();
    const add = (index: number, score: number) => {
      const prev = best.get(index);
      if (prev === undefined || score > prev) best.set(index, score);
    };
    const inCity = (i: number) => city === undefined || this.cities[i] === city;
    for (const h of hits) {
      for (const d of this.bySpecialty.get(h.id) ?? []) if (inCity(d.index)) add(d.index, h.score * d.weight);
    }
    // When the text plainly names a specialty ("dentist", "cardiologst"), names add nothing.
    if (!hits.some((h) => h.score >= STRONG_SPECIALTY)) this.matchNames(nameOf(q), city, add);
    const ids: number[] = [];
    const scores: number[] = [];
    for (const [index, score] of best) {
      ids.push(this.ids[index]!);
      scores.push(score);
    }
    return { ids, scores };
  }

  private matchNames(name: string, city: string | undefined, add: (index: number, score: number) => void) {
    const pool = city === undefined ? this.verified : (this.byCity.get(city) ?? []);
    if (pool.length === 0) return;
    const texts = this.texts;
    if (name.length < 3) {
      // A fragment: the start of a word.
      const word = ` ${name}`;
      for (const i of pool) if (texts[i]!.startsWith(name) || texts[i]!.includes(word)) add(i, 1.0);
      return;
    }
    const inPool = city === undefined ? undefined : (i: number) => this.cities[i] === city;
    const nameSet = new Set(trigramList(name));
    const nameTrigrams = [...nameSet];
    // Doctors with a word similar enough: word_similarity = shared / (|name's| + |extent's| − shared) ≤ shared /
    // |name's trigrams|, so a doctor sharing fewer than WORD_SIMILARITY of them cannot reach it.
    const counts = this.counts;
    const touched: number[] = [];
    for (const t of nameTrigrams) {
      for (const i of this.byTrigram.get(t) ?? []) {
        if (counts[i] === 0) touched.push(i);
        counts[i]!++;
      }
    }
    const needed = WORD_SIMILARITY * nameTrigrams.length - 1e-6;
    const similar: number[] = [];
    for (const i of touched) {
      if (counts[i]! >= needed && (inPool === undefined || inPool(i))) similar.push(i);
      counts[i] = 0;
    }
    for (const i of similar) {
      if (texts[i]!.includes(name)) continue; // scored 1 below
      const score = wordSimilarity(nameSet, texts[i]!);
      if (score >= WORD_SIMILARITY) add(i, score);
    }
    // Doctors whose text contains the name: each of its words of 3+ letters is inside a word of theirs, so they
    // have its inner trigrams; the rarest one narrows the scan (a name with no such word scans the pool).
    let narrow: number[] | undefined;
    for (const t of nameTrigrams) {
      if (t.startsWith(" ") || t.endsWith(" ")) continue;
      const list = this.byTrigram.get(t) ?? [];
      if (narrow === undefined || list.length < narrow.length) narrow = list;
    }
    for (const i of narrow ?? pool) {
      if ((narrow === undefined || inPool === undefined || inPool(i)) && texts[i]!.includes(name))
        add(i, 1.0);
    }
  }
}
