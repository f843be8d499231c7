import { PDFDocument, StandardFonts } from "pdf-lib";
import type { ChatRequest, FakeReply } from "./fakes/openai.js";

/** A one-page PDF whose text layer holds these lines (what pdf.js extracts). */
export async function textPdf(lines: string[]): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([595, 842]);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  lines.forEach((line, i) => page.drawText(line, { x: 40, y: 800 - i * 18, size: 11, font }));
  return Buffer.from(await doc.save());
}

export function messageText(m: { content: unknown }): string {
  return typeof m.content === "string" ? m.content : JSON.stringify(m.content);
}

/** The sources a records question gave the model: id → title and text. */
export function sourcesOf(user: string): { id: string; title: string; body: string }[] {
  const out: { id: string; title: string; body: string }[] = [];
  const re = /<source id="(S\d+)" type="[^"]*" date="[^"]*" title="([^"]*)">\n([\s\S]*?)\n<\/source>/g;
  for (let m = re.exec(user); m; m = re.exec(user)) out.push({ id: m[1]!, title: m[2]!, body: m[3]! });
  return out;
}

const FILLER = new Set(
  "what which when where does were have about from with that this your level last time".split(" "),
);

/**
 * A well-behaved model for records questions: it cites the sources that contain a word of the question (4
 * letters or more) and states their first line; nothing matching → no statements.
 */
export function answerFromSources(request: ChatRequest): FakeReply {
  const user = messageText(request.messages.at(-1)!);
  const question = /Question: (.*)/.exec(user)?.[1] ?? "";
  const words = question
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length >= 4 && !FILLER.has(w));
  const statements = sourcesOf(user)
    .filter((s) => words.some((w) => `${s.title} ${s.body}`.toLowerCase().includes(w)))
    .map((s) => ({ text: s.body.split("\n")[0]!, sources: [s.id] }));
  return { text: JSON.stringify({ statements }) };
}

/** Whether a request to the fake LLM is a records question (its system prompt is a rag prompt). */
export function isRecordsQuestion(request: ChatRequest): boolean {
  return /answer a (clinician|patient)'s question/i.test(messageText(request.messages[0]!));
}
