/**
 * Text in PDFs in any script we ship a font for: every PDF the platform makes (prescriptions, receipts, visit
 * summaries) draws its text through this module.
 *
 * Fonts: Noto Sans (Latin, Latin extended, Greek, Cyrillic) and Noto Sans Devanagari, regular and bold, from the
 * `@fontsource/*` packages (production dependencies, so they are in the image). A text is cut into runs, each
 * drawn with the first face that has a glyph for its characters; spaces, digits, punctuation and combining marks
 * stay in the run they sit in when its face can draw them. Font files are read once per process; a document
 * embeds (subset) only the faces its text needs.
 *
 * Shaping, honestly: pdf-lib lays text out with fontkit, whose OpenType engine applies the font's GSUB for
 * Devanagari (conjuncts such as ष्क and प्र become their ligature glyphs; the short-i matra ि is reordered
 * before its consonant). pdf-lib then draws glyphs at their advance widths only: GPOS mark positioning and
 * kerning are not applied, so a mark that the font places by GPOS (for example an anusvara over a wide
 * conjunct) sits at its default offset. अनुष्का शर्मा and प्रिया render right (checked through pdf.js in
 * Chromium) and their text extracts (in visual order, as in any PDF), but this is not HarfBuzz-grade shaping.
 */
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import path from "node:path";
import { inflateSync } from "node:zlib";
// fontkit's Indic shaper was compiled with regenerator; without this global it throws on Devanagari.
import "regenerator-runtime/runtime.js";
import fontkit from "@pdf-lib/fontkit";
import { rgb, type Color, type PDFDocument, type PDFFont, type PDFPage } from "pdf-lib";

interface FaceSpec {
  name: string;
  pkg: "@fontsource/noto-sans" | "@fontsource/noto-sans-devanagari";
  /** The file stem under the package's files/ (weight and style appended). */
  stem: string;
}

/** In order of preference: a character goes to the first face that has a glyph for it. */
const FACES: readonly FaceSpec[] = [
  { name: "latin", pkg: "@fontsource/noto-sans", stem: "noto-sans-latin" },
  { name: "latin-ext", pkg: "@fontsource/noto-sans", stem: "noto-sans-latin-ext" },
  { name: "devanagari", pkg: "@fontsource/noto-sans-devanagari", stem: "noto-sans-devanagari-devanagari" },
  { name: "greek", pkg: "@fontsource/noto-sans", stem: "noto-sans-greek" },
  { name: "cyrillic", pkg: "@fontsource/noto-sans", stem: "noto-sans-cyrillic" },
];

type Weight = 400 | 700;

interface LoadedFace {
  spec: FaceSpec;
  bytes: Record<Weight, Uint8Array>;
  /** The regular font parsed once, to ask which characters it covers. */
  covers(codePoint: number): boolean;
}

const require = createRequire(import.meta.url);

/**
 * A WOFF 1 font as the plain sfnt (TrueType/OpenType) it wraps: its tables inflated once. fontkit reads WOFF
 * too, but inflates every table again for each document; from the sfnt a PDF renders about three times faster.
 */
export function woffToSfnt(woff: Buffer): Uint8Array {
  if (woff.toString("latin1", 0, 4) !== "wOFF") throw new Error("not a WOFF font");
  const count = woff.readUInt16BE(12);
  const tables = Array.from({ length: count }, (_, i) => {
    const at = 44 + i * 20;
    const offset = woff.readUInt32BE(at + 4);
    const compressed = woff.readUInt32BE(at + 8);
    const length = woff.readUInt32BE(at + 12);
    const raw = woff.subarray(offset, offset + compressed);
    const data = compressed < length ? inflateSync(raw) : raw;
    if (data.length !== length) throw new Error("corrupt WOFF table");
    return { tag: woff.readUInt32BE(at), checksum: woff.readUInt32BE(at + 16), data };
  });
  const padded = (n: number) => (n + 3) & ~3;
  const out = Buffer.alloc(12 + 16 * count + tables.reduce((sum, t) => sum + padded(t.data.length), 0));
  const power = 2 ** Math.floor(Math.log2(count));
  out.writeUInt32BE(woff.readUInt32BE(4), 0); // the flavor: TrueType or CFF
  out.writeUInt16BE(count, 4);
  out.writeUInt16BE(power * 16, 6);
  out.writeUInt16BE(Math.log2(power), 8);
  out.writeUInt16BE(count * 16 - power * 16, 10);
  let offset = 12 + 16 * count;
  tables.forEach((t, i) => {
    const record = 12 + 16 * i;
    out.writeUInt32BE(t.tag, record);
    out.writeUInt32BE(t.checksum, record + 4);
    out.writeUInt32BE(offset, record + 8);
    out.writeUInt32BE(t.data.length, record + 12);
    t.data.copy(out, offset);
    offset += padded(t.data.length);
  });
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}
let loaded: LoadedFace[] | undefined;

/** Every face's files, read and parsed once per process. */
function faces(): LoadedFace[] {
  if (loaded) return loaded;
  loaded = FACES.map((spec) => {
    // The packages export their LICENSE but not files/: find the package folder through it.
    const dir = path.join(path.dirname(require.resolve(`${spec.pkg}/LICENSE`)), "files");
    const read = (weight: Weight) =>
      woffToSfnt(readFileSync(path.join(dir, `${spec.stem}-${weight}-normal.woff`)));
    const bytes = { 400: read(400), 700: read(700) };
    const font = fontkit.create(bytes[400]);
    const coverage = new Map<number, boolean>();
    return {
      spec,
      bytes,
      covers: (cp: number) => {
        let has = coverage.get(cp);
        if (has === undefined) coverage.set(cp, (has = font.hasGlyphForCodePoint(cp)));
        return has;
      },
    };
  });
  return loaded;
}

/** Characters that belong to the run around them when its face can draw them. */
const NEUTRAL = /[\s\p{N}\p{P}\p{S}\p{M}\u200c\u200d]/u;

/** The index (into FACES) of the face for each character, or -1 when no face has it. */
function assign(text: string): { char: string; face: number }[] {
  const all = faces();
  const out: { char: string; face: number }[] = [];
  let current = -1;
  for (const char of text) {
    const cp = char.codePointAt(0)!;
    let face: number;
    if (current >= 0 && NEUTRAL.test(char) && all[current]!.covers(cp)) face = current;
    else face = all.findIndex((f) => f.covers(cp));
    out.push({ char, face });
    if (face >= 0) current = face;
  }
  return out;
}

/** The faces a text needs (by index into FACES). */
function facesOf(text: string): Set<number> {
  return new Set(assign(text).map((a) => (a.face < 0 ? 0 : a.face)));
}

function collectStrings(value: unknown, into: string[], depth = 0): void {
  if (typeof value === "string") into.push(value);
  else if (Array.isArray(value)) for (const v of value) collectStrings(v, into, depth + 1);
  else if (value && typeof value === "object" && !(value instanceof Date) && depth < 8)
    for (const v of Object.values(value)) collectStrings(v, into, depth + 1);
}

export interface DrawOptions {
  x: number;
  y: number;
  size: number;
  bold?: boolean;
  color?: Color;
}

interface Run {
  text: string;
  font: PDFFont;
}

/** Mixed-script text on one PDF document: measure, wrap and draw with the right font per run. */
export class PdfText {
  /** Widths at size 1, by weight and text: a document measures the same words again and again. */
  private readonly widths = new Map<string, number>();

  private constructor(private readonly fonts: Map<string, PDFFont>) {}

  /**
   * The fonts for a document whose text is among the strings in `content` (any value: its strings are
   * collected deeply). Latin is always embedded; other faces only when some string needs them.
   */
  static async for(doc: PDFDocument, ...content: unknown[]): Promise<PdfText> {
    doc.registerFontkit(fontkit);
    const strings: string[] = [];
    collectStrings(content, strings);
    const needed = new Set<number>([0]);
    for (const s of strings) for (const f of facesOf(s)) needed.add(f);
    const all = faces();
    const fonts = new Map<string, PDFFont>();
    for (const i of [...needed].sort()) {
      for (const weight of [400, 700] as const) {
        fonts.set(`${i}:${weight}`, await doc.embedFont(all[i]!.bytes[weight], { subset: true }));
      }
    }
    return new PdfText(fonts);
  }

  private font(face: number, bold: boolean): PDFFont | undefined {
    return this.fonts.get(`${face}:${bold ? 700 : 400}`);
  }

  /** The runs of a text: a character no embedded face can draw becomes "?" in Latin. */
  runs(text: string, bold = false): Run[] {
    const runs: Run[] = [];
    for (const { char, face } of assign(text.replace(/[\r\n\t]+/g, " "))) {
      let font = face >= 0 ? this.font(face, bold) : undefined;
      let c = char;
      if (!font) {
        font = this.font(0, bold)!;
        c = "?";
      }
      const last = runs[runs.length - 1];
      if (last && last.font === font) last.text += c;
      else runs.push({ text: c, font });
    }
    return runs;
  }

  /** The width of a line of text at a size (measured once per text and weight, then scaled). */
  width(text: string, size: number, bold = false): number {
    const key = `${bold ? 1 : 0}${text}`;
    let unit = this.widths.get(key);
    if (unit === undefined) {
      unit = this.runs(text, bold).reduce((sum, r) => sum + r.font.widthOfTextAtSize(r.text, 1), 0);
      this.widths.set(key, unit);
    }
    return unit * size;
  }

  /** Draws one line (no wrapping), run after run. */
  draw(page: PDFPage, text: string, opts: DrawOptions): void {
    let x = opts.x;
    for (const run of this.runs(text, opts.bold ?? false)) {
      page.drawText(run.text, {
        x,
        y: opts.y,
        size: opts.size,
        font: run.font,
        color: opts.color ?? rgb(0, 0, 0),
      });
      x += this.width(run.text, opts.size, opts.bold ?? false);
    }
  }

  /** Lines no wider than `width` (words are kept whole; a longer word gets a line of its own). */
  wrap(text: string, size: number, width: number, bold = false): string[] {
    // Widths add up word by word (pdf-lib draws glyphs at their advances, with no kerning across runs).
    const space = this.width(" ", size, bold);
    const lines: string[] = [];
    for (const paragraph of text.split("\n")) {
      let line = "";
      let lineWidth = 0;
      for (const word of paragraph.split(/\s+/).filter(Boolean)) {
        const w = this.width(word, size, bold);
        if (line && lineWidth + space + w > width) {
          lines.push(line);
          line = word;
          lineWidth = w;
        } else {
          line = line ? `${line} ${word}` : word;
          lineWidth = line === word ? w : lineWidth + space + w;
        }
      }
      lines.push(line);
    }
    return lines;
  }
}
