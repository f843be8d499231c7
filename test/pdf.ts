import { PDFDict, PDFDocument, PDFName } from "pdf-lib";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";

/** The text of every page of a PDF, as pdf.js extracts it (one string per page, a line per text line). */
export async function pdfPagesText(bytes: Uint8Array): Promise<string[]> {
  const doc = await getDocument({ data: new Uint8Array(bytes), useSystemFonts: false, verbosity: 0 }).promise;
  const pages: string[] = [];
  for (let i = 1; i <= doc.numPages; i++) {
    const content = await (await doc.getPage(i)).getTextContent();
    pages.push(
      content.items.map((item) => ("str" in item ? item.str + (item.hasEOL ? "\n" : "") : "")).join(""),
    );
  }
  await doc.destroy();
  return pages;
}

/** The base names of the fonts a PDF embeds, without the subset tag ("NotoSansDevanagari-Regular"). */
export async function pdfFontNames(bytes: Uint8Array): Promise<string[]> {
  const doc = await PDFDocument.load(bytes);
  const names = new Set<string>();
  for (const [, object] of doc.context.enumerateIndirectObjects()) {
    if (!(object instanceof PDFDict) || object.get(PDFName.of("Type")) !== PDFName.of("Font")) continue;
    const base = object.get(PDFName.of("BaseFont"));
    if (base instanceof PDFName)
      names.add(
        base
          .decodeText()
          .replace(/^[A-Z]{6}\+/, "")
          .replace(/-\d+$/, ""),
      );
  }
  return [...names].sort();
}
