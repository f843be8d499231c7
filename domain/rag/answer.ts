import type { ChunkText } from "./repository.js";

/** What the API and the chat return. */
export interface Citation {
  source_type: string;
  source_id: string;
  date: string;
  title: string;
  excerpt: string;
}

export interface GroundedAnswer {
  answer: string;
  citations: Citation[];
  grounded: boolean;
}

export const NOTHING_RECORDED = "Nothing about that is recorded.";

export const notGrounded = (): GroundedAnswer => ({
  answer: NOTHING_RECORDED,
  citations: [],
  grounded: false,
});

/** Text from a record made harmless inside the data block: no tag of ours can be opened or closed from it. */
function asData(text: string): string {
  return text.replace(/</g, "‹").replace(/>/g, "›");
}

/** The short id the model cites a chunk by (S1, S2 …), in retrieval order. */
export const citeId = (i: number) => `S${i + 1}`;

/**
 * The model's user message: the retrieved chunks (and nothing else of the patient's) as data in tags, then the
 * question, then the form of the answer.
 */
export function userMessage(question: string, chunks: ChunkText[]): string {
  const data = chunks
    .map(
      (c, i) =>
        `<source id="${citeId(i)}" type="${c.sourceType}" date="${c.date}" title="${asData(c.title)}">\n` +
        `${asData(c.body)}\n</source>`,
    )
    .join("\n");
  return (
    `<records>\n${data}\n</records>\n\n` +
    `Question: ${asData(question)}\n\n` +
    `Answer with JSON only: {"statements": [{"text": "...", "sources": ["S1"]}]} — every statement cites the ` +
    `ids of the sources that say it; {"statements": []} when the sources do not answer the question.`
  );
}

/** The first JSON object in a model's answer (models wrap it in code fences or a sentence now and then). */
function parseJson(answer: string): unknown {
  const start = answer.indexOf("{");
  const end = answer.lastIndexOf("}");
  if (start < 0 || end <= start) return undefined;
  try {
    return JSON.parse(answer.slice(start, end + 1)) as unknown;
  } catch {
    return undefined;
  }
}

export function excerpt(text: string, max = 280): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1).trimEnd()}…`;
}

export function citationOf(c: ChunkText): Citation {
  return {
    source_type: c.sourceType,
    source_id: c.sourceId,
    date: c.date,
    title: c.title,
    excerpt: excerpt(c.body),
  };
}

/**
 * The model's answer, kept only where it rests on what was retrieved: ids it was not given are dropped, a
 * statement left without a citation is dropped, and with no statement left the answer is "nothing recorded".
 * One citation per source (a document cut in chunks is cited once), in the order first cited.
 */
export function groundAnswer(raw: string, chunks: ChunkText[]): GroundedAnswer {
  const parsed = parseJson(raw) as { statements?: unknown } | undefined;
  const statements = Array.isArray(parsed?.statements) ? (parsed.statements as unknown[]) : [];
  const byId = new Map(chunks.map((c, i) => [citeId(i), c]));
  const kept: string[] = [];
  const cited: ChunkText[] = [];
  for (const s of statements) {
    if (typeof s !== "object" || s === null) continue;
    const { text, sources } = s as { text?: unknown; sources?: unknown };
    if (typeof text !== "string" || text.trim() === "" || !Array.isArray(sources)) continue;
    const known = sources
      .map((id) => (typeof id === "string" ? byId.get(id.trim()) : undefined))
      .filter((c): c is ChunkText => c !== undefined);
    if (known.length === 0) continue;
    kept.push(text.trim().slice(0, 1000));
    for (const c of known) if (!cited.includes(c)) cited.push(c);
  }
  if (kept.length === 0) return notGrounded();
  return { answer: kept.join(" "), citations: dedupeSources(cited).map(citationOf), grounded: true };
}

function dedupeSources(chunks: ChunkText[]): ChunkText[] {
  const seen = new Set<string>();
  return chunks.filter((c) => {
    const key = `${c.sourceType}:${c.sourceId}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Without a model: the best passages themselves, each with its date. */
export function extractiveAnswer(chunks: ChunkText[], max = 3): GroundedAnswer {
  const best = dedupeSources(chunks).slice(0, max);
  if (best.length === 0) return notGrounded();
  const answer =
    "From the records:\n" + best.map((c) => `- ${c.date}, ${c.title}: ${excerpt(c.body, 240)}`).join("\n");
  return { answer, citations: best.map(citationOf), grounded: true };
}
