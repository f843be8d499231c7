/** Pure parts of retrieval: the question's search terms, vectors, and reciprocal rank fusion. */

/**
 * Words of a question that say nothing about what is asked ("what did the doctor say about my … last time"):
 * left out of the full-text query, or every record written by a doctor would match.
 */
const FILLER = new Set(
  (
    "a about above after again all am an and any are as at be been before being below between both but by can " +
    "could did do does doing down during each few for from further had has have having he her here hers him his " +
    "how i if in into is it its me more most my myself no nor not now of off on once only or other our out over " +
    "own same she should so some such than that the their them then there these they this those through to too " +
    "under until up very was we were what when where which while who whom why will with would you your yours " +
    "doctor doctors dr say said says tell told ask asked mention mentioned last time times recent recently latest " +
    "ever anything something record records recorded history file files note notes please know want show give " +
    "get got see saw visit visits patient patients"
  ).split(" "),
);

/** The question's search terms: lower-case words and numbers, filler words left out, at most 24. */
export function questionTerms(question: string): string[] {
  const words = question
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^\p{L}\p{N}\s-]/gu, " ")
    .split(/[\s-]+/)
    .map((w) => w.replace(/[^a-z0-9]/g, ""))
    .filter((w) => w.length >= 2 && !FILLER.has(w));
  return [...new Set(words)].slice(0, 24);
}

/** A float32 vector scaled to unit length (cosine similarity is then a dot product). */
export function normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  const norm = Math.sqrt(sum);
  if (norm === 0) return v;
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! / norm;
  return out;
}

/** A unit vector as stored (little-endian float32). */
export function toBytes(v: Float32Array): Buffer {
  const out = Buffer.alloc(v.length * 4);
  for (let i = 0; i < v.length; i++) out.writeFloatLE(v[i]!, i * 4);
  return out;
}

/** The dot product of a stored vector with a unit query vector (cosine when both are unit length). */
export function dotBytes(stored: Buffer, query: Float32Array): number {
  const n = Math.min(stored.length >> 2, query.length);
  // Aligned buffers are read in place; others are copied once.
  const view =
    stored.byteOffset % 4 === 0
      ? new Float32Array(stored.buffer, stored.byteOffset, n)
      : new Float32Array(stored.buffer.slice(stored.byteOffset, stored.byteOffset + n * 4));
  let sum = 0;
  for (let i = 0; i < n; i++) sum += view[i]! * query[i]!;
  return sum;
}

/** Reciprocal rank fusion: each ranking gives 1/(k + rank); the ids by the sum, best first. */
export function fuse(rankings: string[][], k = 60): { id: string; score: number }[] {
  const scores = new Map<string, number>();
  for (const ranking of rankings) {
    ranking.forEach((id, i) => scores.set(id, (scores.get(id) ?? 0) + 1 / (k + i + 1)));
  }
  return [...scores.entries()]
    .map(([id, score]) => ({ id, score }))
    .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
}

/** The `k` best by score, without sorting the whole list (a patient may have thousands of chunks). */
export function topK<T>(items: Iterable<T>, k: number, score: (t: T) => number): T[] {
  const best: { item: T; s: number }[] = [];
  for (const item of items) {
    const s = score(item);
    if (best.length === k && s <= best[k - 1]!.s) continue;
    let i = best.length;
    while (i > 0 && best[i - 1]!.s < s) i--;
    best.splice(i, 0, { item, s });
    if (best.length > k) best.pop();
  }
  return best.map((b) => b.item);
}
