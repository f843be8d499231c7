import { randomBytes } from "node:crypto";

/** A multipart/form-data body for app.inject: text fields and at most one file. */
export function multipart(
  fields: Record<string, string | number>,
  file?: { field?: string; filename: string; contentType: string; data: Buffer },
): { payload: Buffer; headers: { "content-type": string } } {
  const boundary = `----hl${randomBytes(8).toString("hex")}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${String(value)}\r\n`,
      ),
    );
  }
  if (file) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${file.field ?? "file"}"; filename="${file.filename}"\r\n` +
          `Content-Type: ${file.contentType}\r\n\r\n`,
      ),
      file.data,
      Buffer.from("\r\n"),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(parts),
    headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
  };
}

/** A small, real PDF whose text is easy to look for in stored bytes. */
export function samplePdf(marker = "CONFIDENTIAL-LAB-REPORT"): Buffer {
  return Buffer.from(
    `%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n% ${marker} ${marker} ${marker}\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n`,
  );
}

/** A 1×1 PNG. */
export const PNG_1X1 = Buffer.from(
  "89504e470d0a1a0a0000000d4948445200000001000000010806000000" +
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082",
  "hex",
);

/** The start of a zip archive (what a .docx or a renamed archive looks like). */
export const ZIP_BYTES = Buffer.concat([
  Buffer.from("504b030414000000080000000000", "hex"),
  Buffer.alloc(100, 1),
]);
