/**
 * The text of a PDF, page by page, with pdf.js (Mozilla's, the legacy build that runs in Node). Scripts and
 * fonts from the document are never evaluated; a PDF that cannot be read gives no text (it is then listed by
 * its title only, like an image).
 */
export async function pdfText(bytes: Buffer, maxPages = 50): Promise<string> {
  const pdfjs = await import("pdfjs-dist/legacy/build/pdf.mjs");
  let doc: Awaited<ReturnType<typeof pdfjs.getDocument>["promise"]> | undefined;
  try {
    doc = await pdfjs.getDocument({
      data: new Uint8Array(bytes),
      isEvalSupported: false,
      disableFontFace: true,
      useSystemFonts: false,
      stopAtErrors: false,
      verbosity: 0,
    }).promise;
    const pages: string[] = [];
    for (let n = 1; n <= Math.min(doc.numPages, maxPages); n++) {
      const page = await doc.getPage(n);
      const content = await page.getTextContent();
      let line = "";
      const lines: string[] = [];
      for (const item of content.items) {
        if (!("str" in item)) continue;
        line += item.str;
        if (item.hasEOL) {
          lines.push(line);
          line = "";
        } else line += item.str.endsWith(" ") ? "" : " ";
      }
      if (line.trim() !== "") lines.push(line);
      pages.push(lines.join("\n"));
      page.cleanup();
    }
    return pages.join("\n\n");
  } catch {
    return "";
  } finally {
    await doc?.destroy().catch(() => undefined);
  }
}
