import { PDFDocument } from "pdf-lib";
import { PdfText } from "../shared/pdf-text.js";
import { fleschKincaidGrade } from "../shared/readability.js";

export const NOTE_SECTIONS = ["subjective", "objective", "assessment", "plan"] as const;
export type NoteSection = (typeof NOTE_SECTIONS)[number];
export type NoteSections = Record<NoteSection, string>;

/** The reading grade a patient's summary may not exceed. */
export const MAX_SUMMARY_GRADE = 8;

/**
 * Writes the patient's plain-language summary from the signed note's sections only (never the transcript):
 * what was found, what to do, medicines with doses, warning signs, follow-up.
 */
export interface SummaryWriter {
  summarize(note: NoteSections): Promise<string>;
}

const numbers = (text: string): string[] => text.match(/\d+(?:[.,]\d+)?/g) ?? [];

/**
 * A written summary is used only if it reads at grade 8 or lower and every number in it (a dose, a day count)
 * is in the signed note: a model may not add a dose the doctor did not write.
 */
export function acceptableSummary(summary: string, note: NoteSections): boolean {
  const text = summary.trim();
  if (text === "" || text.length > 3000) return false;
  if (fleschKincaidGrade(text) > MAX_SUMMARY_GRADE) return false;
  const noted = new Set(numbers(Object.values(note).join("\n")));
  return numbers(text).every((n) => noted.has(n));
}

/**
 * The summary without a model: short framing sentences around the doctor's own assessment and plan (their
 * words, which may read above grade 8: the doctor writes them for the patient when no LLM is configured).
 */
export function plainSummary(note: NoteSections, doctorName: string): string {
  const lines = [`This is a summary of your visit with ${doctorName}.`];
  if (note.assessment.trim()) lines.push(`What we found: ${note.assessment.trim()}`);
  if (note.plan.trim()) lines.push(`What to do: ${note.plan.trim()}`);
  lines.push(
    "Get help at once if you feel much worse, have chest pain, or find it hard to breathe.",
    "If you have questions, reply here.",
  );
  return lines.join("\n\n");
}

/** The summary: the writer's, when there is one and its text is acceptable; the plain one otherwise. */
export async function patientSummary(
  note: NoteSections,
  doctorName: string,
  writer: SummaryWriter | undefined,
): Promise<{ text: string; by: "model" | "template" }> {
  if (writer) {
    try {
      const text = (await writer.summarize(note)).trim();
      if (acceptableSummary(text, note)) return { text, by: "model" };
    } catch {
      // The model failed: the plain summary is sent instead (nothing of the note is logged).
    }
  }
  return { text: plainSummary(note, doctorName), by: "template" };
}

/** The PDF copy of the summary for the patient's documents (any script: see shared/pdf-text.ts). */
export async function summaryPdf(input: {
  doctorName: string;
  visitDate: string;
  summary: string;
  now: Date;
}): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  pdf.setTitle("Visit summary");
  pdf.setProducer("HealthLink");
  pdf.setCreationDate(input.now);
  pdf.setModificationDate(input.now);
  const fonts = await PdfText.for(pdf, input.doctorName, input.summary);
  const [width, height, margin, size, leading] = [595, 842, 56, 11, 16];
  let page = pdf.addPage([width, height]);
  let y = height - margin;
  fonts.draw(page, "Visit summary", { x: margin, y, size: 18, bold: true });
  y -= 26;
  fonts.draw(page, `${input.doctorName}, ${input.visitDate}`, { x: margin, y, size });
  y -= leading * 2;
  for (const line of fonts.wrap(input.summary, size, width - 2 * margin)) {
    if (y < margin) {
      page = pdf.addPage([width, height]);
      y = height - margin;
    }
    fonts.draw(page, line, { x: margin, y, size });
    y -= leading;
  }
  return Buffer.from(await pdf.save());
}
