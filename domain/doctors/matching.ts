/**
 * Free text against the catalog of specialties, in memory. The catalog is a few dozen rows of reference data,
 * so scoring it here (rather than in every search statement) takes microseconds and leaves SQL a list of
 * specialty ids and scores, which a prepared statement can take as parameters.
 *
 * The scores are pg_trgm's, computed the way the extension computes them (`similarity`, `word_similarity`:
 * words of letters and digits as the database's locale sees them, padded with two spaces before and one after, single-precision arithmetic),
 * so a search ranks exactly as it did when SQL scored the catalog.
 */

/** Thresholds for matching free text against a specialty's name and its conditions. */
export const NAME_SIMILARITY = 0.3;
export const CONDITION_SIMILARITY = 0.4;
/** A word of the name similar to the text (pg_trgm's default word_similarity_threshold). */
export const WORD_SIMILARITY = 0.6;
/** How far below the best-matching specialty another may score and still be searched. */
export const SPECIALTY_MARGIN = 0.2;
/** A specialty match this strong means the text names the specialty: no need to fuzzy-match names. */
export const STRONG_SPECIALTY = 0.75;

const f32 = Math.fround;
/** A condition that contains the text scores this (0.9 as Postgres' `real`). */
const CONTAINS_SCORE = f32(0.9);

/**
 * pg_trgm's word characters: what the database's locale calls alphanumeric (glibc's classes follow Unicode's
 * Alphabetic property, which takes in most vowel signs of Indic scripts but not the virama, plus decimal
 * digits). Checked against pg_trgm in a C.UTF-8 database (matching.int.test.ts, directory.int.test.ts).
 */
const WORD = /[\p{Alphabetic}\p{Nd}]+/gu;

/** pg_trgm's trigrams of a (lower-cased) string, in order, repeats kept (`generate_trgm_only`). */
export function trigramList(text: string): string[] {
  const out: string[] = [];
  for (const match of text.matchAll(WORD)) {
    const chars = [" ", " ", ...match[0], " "];
    for (let i = 0; i + 3 <= chars.length; i++) out.push(chars[i]! + chars[i + 1]! + chars[i + 2]!);
  }
  return out;
}

/** The distinct trigrams of a string (pg_trgm's `show_trgm`). */
export function trigrams(text: string): Set<string> {
  return new Set(trigramList(text));
}

/** pg_trgm's `similarity(a, b)`: shared trigrams over all distinct trigrams of both. */
export function similarity(a: string | Set<string>, b: string | Set<string>): number {
  const ta = typeof a === "string" ? trigrams(a) : a;
  const tb = typeof b === "string" ? trigrams(b) : b;
  if (ta.size === 0 || tb.size === 0) return 0;
  let common = 0;
  for (const t of ta) if (tb.has(t)) common++;
  return f32(common / (ta.size + tb.size - common));
}

const calcSml = (count: number, len1: number, len2: number) => f32(count / (len1 + len2 - count));

/**
 * pg_trgm's `word_similarity(a, b)`: the greatest similarity between the trigrams of `a` and any continuous
 * extent of the ordered trigrams of `b` (a port of `calc_word_similarity` / `iterate_word_similarity`).
 */
export function wordSimilarity(a: string | Set<string>, b: string): number {
  const set1 = typeof a === "string" ? trigrams(a) : a;
  const list2 = trigramList(b);
  if (set1.size === 0 || list2.length === 0) return 0;
  const index = new Map<string, number>();
  const found: boolean[] = [];
  const trg2indexes = list2.map((t) => {
    let i = index.get(t);
    if (i === undefined) {
      i = index.size;
      index.set(t, i);
      found[i] = set1.has(t);
    }
    return i;
  });
  const ulen1 = set1.size;
  const lastpos = new Array<number>(index.size).fill(-1);
  let ulen2 = 0;
  let count = 0;
  let lower = -1;
  let max = 0;
  for (let i = 0; i < list2.length; i++) {
    const trgindex = trg2indexes[i]!;
    if (lower >= 0 || found[trgindex]) {
      if (lastpos[trgindex]! < 0) {
        ulen2++;
        if (found[trgindex]) count++;
      }
      lastpos[trgindex] = i;
    }
    if (!found[trgindex]) continue;
    const upper = i;
    if (lower === -1) {
      lower = i;
      ulen2 = 1;
    }
    let cur = calcSml(count, ulen1, ulen2);
    // Also try moving the lower bound up for a greater similarity.
    let tmpCount = count;
    let tmpUlen2 = ulen2;
    const prevLower = lower;
    for (let tmpLower = lower; tmpLower <= upper; tmpLower++) {
      const tmp = calcSml(tmpCount, ulen1, tmpUlen2);
      if (tmp > cur) {
        cur = tmp;
        ulen2 = tmpUlen2;
        lower = tmpLower;
        count = tmpCount;
      }
      const t = trg2indexes[tmpLower]!;
      if (lastpos[t] === tmpLower) {
        tmpUlen2--;
        if (found[t]) tmpCount--;
      }
    }
    max = Math.max(max, cur);
    for (let tmpLower = prevLower; tmpLower < lower; tmpLower++) {
      const t = trg2indexes[tmpLower]!;
      if (lastpos[t] === tmpLower) lastpos[t] = -1;
    }
  }
  return max;
}

/** A specialty as the catalog holds it. */
export interface CatalogSpecialty {
  id: number;
  name: string;
  slug: string;
  conditions: string[];
}

interface Prepared {
  id: number;
  name: string;
  lowerName: string;
  slug: string;
  nameTrigrams: Set<string>;
  conditions: { lower: string; trigrams: Set<string> }[];
}

/** A specialty the text matches, with its score (`real`, as Postgres scored it). */
export interface SpecialtyMatch {
  id: number;
  name: string;
  /** By name: a prefix of the name or slug (1), a similar name, or a similar word of the name. */
  nameScore: number;
  /** By the conditions it treats: one containing the text (0.9) or the most similar one. */
  conditionScore: number;
}

/** The catalog of specialties, ready to score free text. */
/** How many recent texts' matches a catalog or directory keeps (they are immutable; texts repeat). */
export const MEMO_SIZE = 2000;

export class SpecialtyCatalog {
  private readonly entries: Prepared[];
  private readonly memo = new Map<string, { id: number; score: number }[]>();

  constructor(rows: readonly CatalogSpecialty[]) {
    this.entries = rows.map((s) => {
      const lowerName = s.name.toLowerCase();
      return {
        id: s.id,
        name: s.name,
        lowerName,
        slug: s.slug,
        nameTrigrams: trigrams(lowerName),
        conditions: s.conditions.map((c) => {
          const lower = c.toLowerCase();
          return { lower, trigrams: trigrams(lower) };
        }),
      };
    });
  }

  get size(): number {
    return this.entries.length;
  }

  /** Every specialty scored against the (lower-cased, trimmed) text, in catalog order. */
  score(q: string): SpecialtyMatch[] {
    const qt = trigrams(q);
    return this.entries.map((s) => {
      const prefix = s.lowerName.startsWith(q) || s.slug.startsWith(q) ? 1 : 0;
      const word = wordSimilarity(q, s.lowerName);
      const nameScore = Math.max(prefix, similarity(s.nameTrigrams, qt), word >= WORD_SIMILARITY ? word : 0);
      let conditionScore = 0;
      let any = false;
      for (const c of s.conditions) {
        const score = c.lower.includes(q) ? CONTAINS_SCORE : similarity(c.trigrams, qt);
        conditionScore = any ? Math.max(conditionScore, score) : score;
        any = true;
      }
      return { id: s.id, name: s.name, nameScore, conditionScore };
    });
  }

  /**
   * The specialties a search for this text looks in: those similar enough by name or condition, and within
   * SPECIALTY_MARGIN of the best one (every "-ologist" shares trigrams with every other, so "gynecologist"
   * must not bring in oncologists because they clear the bare threshold).
   */
  searchMatches(q: string): { id: number; score: number }[] {
    // The catalog does not change: the same text gets the same answer (a bounded memo of recent texts).
    let hits = this.memo.get(q);
    if (hits === undefined) {
      if (this.memo.size >= MEMO_SIZE) this.memo.clear();
      hits = this.computeMatches(q);
      this.memo.set(q, hits);
    }
    return hits;
  }

  private computeMatches(q: string): { id: number; score: number }[] {
    const hits = this.score(q)
      .filter((m) => m.nameScore >= NAME_SIMILARITY || m.conditionScore >= CONDITION_SIMILARITY)
      .map((m) => ({ id: m.id, score: Math.max(m.nameScore, m.conditionScore) }));
    const best = hits.reduce((b, h) => Math.max(b, h.score), -Infinity);
    return hits.filter((h) => h.score >= best - SPECIALTY_MARGIN);
  }
}
