import { rgb, type PDFDocument, type PDFPage } from "pdf-lib";
import type { PdfText } from "./pdf-text.js";

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 50;
const FOOTER = 40;

/**
 * An A4 document written top to bottom (prescriptions, patient reports): wrapped text in any script through
 * PdfText, headings, rules, a new page when the current one is full, and a footer on every page at the end.
 */
export class PdfPages {
  page: PDFPage;
  /** Where the next line goes, from the bottom of the page. */
  y: number;
  private readonly pages: PDFPage[] = [];

  constructor(
    private readonly doc: PDFDocument,
    private readonly fonts: PdfText,
  ) {
    this.page = this.newPage();
    this.y = A4[1] - MARGIN;
  }

  private newPage(): PDFPage {
    const page = this.doc.addPage(A4);
    this.pages.push(page);
    return page;
  }

  /** Room for `height` points, or a new page. */
  ensure(height: number): void {
    if (this.y - height < MARGIN + FOOTER) {
      this.page = this.newPage();
      this.y = A4[1] - MARGIN;
    }
  }

  text(text: string, opts: { size?: number; bold?: boolean; indent?: number; gap?: number } = {}): void {
    const size = opts.size ?? 10;
    const bold = opts.bold ?? false;
    const x = MARGIN + (opts.indent ?? 0);
    for (const line of this.fonts.wrap(text.replace(/[\r\n\t]+/g, " "), size, A4[0] - MARGIN - x, bold)) {
      this.ensure(size + 4);
      this.y -= size + 4;
      this.fonts.draw(this.page, line, { x, y: this.y, size, bold, color: rgb(0.1, 0.1, 0.1) });
    }
    this.y -= opts.gap ?? 0;
  }

  heading(text: string): void {
    this.ensure(40);
    this.y -= 10;
    this.text(text, { size: 13, bold: true, gap: 2 });
  }

  rule(): void {
    this.ensure(10);
    this.y -= 6;
    this.page.drawLine({
      start: { x: MARGIN, y: this.y },
      end: { x: A4[0] - MARGIN, y: this.y },
      thickness: 0.5,
      color: rgb(0.6, 0.6, 0.6),
    });
    this.y -= 6;
  }

  /** The footer of every page, once the document is complete ("page 2 of 3" needs the count). */
  footers(text: (page: number, of: number) => string): void {
    this.pages.forEach((page, i) => {
      this.fonts.draw(page, text(i + 1, this.pages.length), {
        x: MARGIN,
        y: MARGIN - 20,
        size: 8,
        color: rgb(0.4, 0.4, 0.4),
      });
    });
  }
}
