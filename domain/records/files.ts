import { fileTypeFromBuffer } from "file-type";
import { unprocessable } from "../shared/errors.js";

/** The document types we keep, decided by the bytes (never by the name or the declared content type). */
const ALLOWED: Record<string, string> = {
  "application/pdf": "pdf",
  "image/png": "png",
  "image/jpeg": "jpg",
};

export interface SniffedType {
  contentType: string;
  ext: string;
}

export async function sniffDocumentType(bytes: Buffer): Promise<SniffedType> {
  const found = bytes.length > 0 ? await fileTypeFromBuffer(bytes) : undefined;
  const ext = found ? ALLOWED[found.mime] : undefined;
  if (!found || ext === undefined) {
    throw unprocessable("UNSUPPORTED_DOCUMENT_TYPE", "Only PDF, PNG and JPEG documents can be uploaded.");
  }
  return { contentType: found.mime, ext };
}

/**
 * A safe display name: no directories, ASCII letters, digits, dot, dash, underscore and space only,
 * at most 100 characters, with the extension of the real type.
 */
export function sanitizeFilename(name: string | undefined, ext: string): string {
  const base = (name ?? "").split(/[/\\]/).pop() ?? "";
  const ascii = base
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^A-Za-z0-9._ -]+/g, "_")
    .replace(/\s+/g, " ")
    .replace(/_+/g, "_");
  let stem = ascii.replace(/\.[A-Za-z0-9]{1,5}$/, "");
  stem = stem.replace(/^[\s._-]+|[\s._-]+$/g, "").slice(0, 90);
  if (stem === "") stem = "document";
  return `${stem}.${ext}`;
}
