import { damerauLevenshtein, foldText } from "../safety/text.js";

/** Anything searchable: a display name plus optional code, generic, brand names and synonyms. */
export interface SearchableItem {
  readonly name: string;
  readonly code?: string;
  readonly generic?: string;
  readonly brands?: readonly string[];
  readonly synonyms?: readonly string[];
}

export interface SearchResult<T> {
  readonly item: T;
  /** Higher is better: 100 exact, 90 prefix, 80 word prefix, 70 substring, 60 all words, ≤ 50 fuzzy. */
  readonly score: number;
  /** The name, code, brand or synonym that matched. */
  readonly matched: string;
}

interface Term {
  readonly text: string;
  readonly folded: string;
  readonly words: readonly string[];
  /** Primary terms (name, generic, code) win ties over brands and synonyms. */
  readonly primary: boolean;
}

const TERMS = new WeakMap<object, readonly Term[]>();

function termsOf(item: SearchableItem): readonly Term[] {
  const cached = TERMS.get(item);
  if (cached !== undefined) return cached;
  const list: Term[] = [];
  const add = (text: string | undefined, primary: boolean): void => {
    if (text === undefined) return;
    const folded = foldText(text);
    if (folded.length === 0) return;
    list.push({ text, folded, words: folded.split(" "), primary });
  };
  add(item.name, true);
  add(item.generic, true);
  add(item.code, true);
  for (const b of item.brands ?? []) add(b, false);
  for (const s of item.synonyms ?? []) add(s, false);
  TERMS.set(item, list);
  return list;
}

/** Edit distance allowed for a query word: none below 4 letters, 1 up to 7, 2 from 8. */
function allowedTypos(word: string): number {
  if (word.length < 4) return 0;
  return word.length < 8 ? 1 : 2;
}

/** How well one query word matches one term word: 3 exact, 2 prefix, 1 typo, 0 none. */
function wordMatch(q: string, w: string): number {
  if (q === w) return 3;
  if (w.startsWith(q)) return 2;
  const k = allowedTypos(q);
  if (k === 0) return 0;
  // A typo in the word itself, or in the prefix of a longer word ("paracet" vs "paracetamol").
  if (damerauLevenshtein(q, w, k) <= k) return 1;
  if (w.length > q.length && damerauLevenshtein(q, w.slice(0, q.length), k) <= k) return 1;
  return 0;
}

function scoreTerm(query: string, qWords: readonly string[], term: Term): number {
  const t = term.folded;
  if (t === query) return 100;
  if (t.startsWith(query)) return 90;
  if (term.words.some((w, i) => term.words.slice(i).join(" ").startsWith(query) && w.length > 0)) return 80;
  if (query.length >= 3 && t.includes(query)) return 70;
  // Every query word matches some word of the term.
  let total = 0;
  for (const qw of qWords) {
    let best = 0;
    for (const w of term.words) best = Math.max(best, wordMatch(qw, w));
    if (best === 0) return 0;
    total += best;
  }
  const allExactOrPrefix = total >= 2 * qWords.length;
  if (allExactOrPrefix) return 60;
  // Fuzzy: 30-50 depending on how many words were typos.
  return 30 + Math.round((20 * (total - qWords.length)) / (2 * qWords.length));
}

/**
 * Typo-tolerant in-memory search over names, codes, generics, brands and synonyms. Returns results
 * ranked by score (then primary-term matches, then shorter names, then name), at most `limit`.
 */
export function searchCatalog<T extends SearchableItem>(
  items: readonly T[],
  q: string,
  limit = 20,
): SearchResult<T>[] {
  const query = foldText(q);
  if (query.length === 0) return [];
  const qWords = query.split(" ");
  const results: (SearchResult<T> & { primary: boolean })[] = [];
  for (const item of items) {
    let best: { score: number; term: Term } | undefined;
    for (const term of termsOf(item)) {
      const score = scoreTerm(query, qWords, term);
      if (score === 0) continue;
      if (
        best === undefined ||
        score > best.score ||
        (score === best.score && term.primary && !best.term.primary)
      ) {
        best = { score, term };
      }
    }
    if (best !== undefined) {
      results.push({ item, score: best.score, matched: best.term.text, primary: best.term.primary });
    }
  }
  results.sort(
    (x, y) =>
      y.score - x.score ||
      Number(y.primary) - Number(x.primary) ||
      x.item.name.length - y.item.name.length ||
      (x.item.name < y.item.name ? -1 : x.item.name > y.item.name ? 1 : 0),
  );
  return results.slice(0, Math.max(0, limit)).map(({ item, score, matched }) => ({ item, score, matched }));
}
