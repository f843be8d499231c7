import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import fontkit from "@pdf-lib/fontkit";
import { PDFDocument } from "pdf-lib";
import { describe, expect, it } from "vitest";
import { pdfFontNames, pdfPagesText } from "../../test/pdf.js";
import { PdfText, woffToSfnt } from "./pdf-text.js";

async function render(lines: string[]): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([595, 842]);
  const fonts = await PdfText.for(doc, lines);
  lines.forEach((line, i) => fonts.draw(page, line, { x: 50, y: 780 - 30 * i, size: 14, bold: i === 0 }));
  return doc.save();
}

/** The characters of a text, sorted: Devanagari extracts in visual order (ि before its consonant). */
const letters = (s: string) => [...s.replace(/\s/g, "")].sort().join("");

describe("text in any script in PDFs", () => {
  it("cuts mixed text into runs per script, keeping spaces and marks with their run", async () => {
    const doc = await PDFDocument.create();
    const fonts = await PdfText.for(doc, "Dr प्रिया Sharma");
    const runs = fonts.runs("Dr प्रिया Sharma").map((r) => [r.text, r.font.name.replace(/-\d+$/, "")]);
    expect(runs).toEqual([
      ["Dr ", "NotoSans-Regular"],
      ["प्रिया ", "NotoSansDevanagari-Regular"],
      ["Sharma", "NotoSans-Regular"],
    ]);
    expect(fonts.width("प्रिया", 12)).toBeGreaterThan(0);
  });

  it("draws Devanagari, Latin, Greek and Cyrillic names that extract back, with Noto fonts embedded", async () => {
    const names = ["अनुष्का शर्मा", "José Müller", "Łukasz Żółć", "Νίκος", "Ольга"];
    const bytes = await render(names);
    const [text] = await pdfPagesText(bytes);
    expect(letters(text!)).toBe(letters(names.join("")));
    expect(await pdfFontNames(bytes)).toEqual(
      expect.arrayContaining(["NotoSans-Bold", "NotoSans-Regular", "NotoSansDevanagari-Regular"]),
    );
  });

  it("embeds only the faces a document needs", async () => {
    const fonts = await pdfFontNames(await render(["Asha Verma"]));
    expect(fonts.some((f) => f.startsWith("NotoSansDevanagari"))).toBe(false);
    expect(fonts).toContain("NotoSans-Regular");
  });

  it("prints a character no font has as '?' instead of failing", async () => {
    const [text] = await pdfPagesText(await render(["Asha 漢 ✓"]));
    expect(text).toContain("Asha ? ?");
  });

  it("applies the font's substitutions: प्र is one conjunct glyph and ि comes before it", async () => {
    const doc = await PDFDocument.create();
    const fonts = await PdfText.for(doc, "प्रिया");
    const [run] = fonts.runs("प्रिया");
    // pdf-lib encodes each laid-out glyph as 2 bytes: प्रिया (6 code points) is 4 glyphs (ि, प्र, य, ा).
    expect(run!.font.encodeText("प्रिया").asBytes().length).toBe(8);
  });

  it("unwraps a WOFF font into the same font as plain sfnt", () => {
    const dir = path.dirname(
      createRequire(import.meta.url).resolve("@fontsource/noto-sans-devanagari/LICENSE"),
    );
    const woff = readFileSync(path.join(dir, "files/noto-sans-devanagari-devanagari-700-normal.woff"));
    const [a, b] = [fontkit.create(woff), fontkit.create(woffToSfnt(woff))];
    expect(b.postscriptName).toBe(a.postscriptName);
    expect(b.numGlyphs).toBe(a.numGlyphs);
    expect(b.layout("अनुष्का").glyphs.map((g) => g.id)).toEqual(a.layout("अनुष्का").glyphs.map((g) => g.id));
    expect(() => woffToSfnt(Buffer.from("not a font"))).toThrow("not a WOFF font");
  });
});
