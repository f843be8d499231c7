import { createHash } from "node:crypto";
import type { Chunk, SourceType } from "./ports.js";

/** Longest chunk, in characters (about 250 tokens): short enough to cite precisely, long enough for context. */
export const CHUNK_CHARS = 1000;
const OVERLAP_CHARS = 150;

/** One source of a patient's history, flattened to text (see sources.ts). */
export interface SourceText {
  sourceType: SourceType;
  sourceId: string;
  date: string;
  title: string;
  text: string;
}

/** Whitespace folded, control characters removed (text from PDFs and transcripts carries both). */
export function cleanText(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, " ")
      .replace(/[ \t]+/g, " ")
      .replace(/\s*\n\s*/g, "\n")
      .trim()
  );
}

/**
 * Splits a text into pieces of at most `max` characters, cutting at a paragraph, a sentence or a space where it
 * can, each piece starting a little before the previous one ended (so that a fact cut in two is whole in one).
 */
export function splitText(text: string, max = CHUNK_CHARS, overlap = OVERLAP_CHARS): string[] {
  const clean = cleanText(text);
  if (clean.length <= max) return clean === "" ? [] : [clean];
  const pieces: string[] = [];
  let start = 0;
  while (start < clean.length) {
    let end = Math.min(clean.length, start + max);
    if (end < clean.length) {
      const window = clean.slice(start, end);
      const cut = Math.max(window.lastIndexOf("\n"), window.lastIndexOf(". "), window.lastIndexOf("; "));
      const space = window.lastIndexOf(" ");
      if (cut > max / 2) end = start + cut + 1;
      else if (space > max / 2) end = start + space;
    }
    pieces.push(clean.slice(start, end).trim());
    if (end >= clean.length) break;
    start = Math.max(end - overlap, start + 1);
    // Start on a word.
    const nextSpace = clean.indexOf(" ", start);
    if (nextSpace > 0 && nextSpace < end) start = nextSpace + 1;
  }
  return pieces.filter((p) => p !== "");
}

/** A source's chunks, with stable ids (the same source and text give the same ids). */
export function chunksOf(patientId: number, source: SourceText): Chunk[] {
  const title = cleanText(source.title).slice(0, 200) || source.sourceType;
  const pieces = splitText(source.text);
  // A source without text (an image) is listed by its title.
  const bodies = pieces.length > 0 ? pieces : [title];
  return bodies.map((body, n) => ({
    id: `${source.sourceType}:${source.sourceId}#${n}`,
    patientId,
    sourceType: source.sourceType,
    sourceId: source.sourceId,
    date: source.date,
    title,
    body,
  }));
}

/** What decides whether a chunk is embedded again: its text and the model. */
export function contentHash(chunk: Pick<Chunk, "title" | "body" | "date">, model: string | null): string {
  return createHash("sha256")
    .update(`${model ?? ""}\n${chunk.date}\n${chunk.title}\n${chunk.body}`)
    .digest("hex");
}
