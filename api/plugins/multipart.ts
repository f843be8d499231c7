import type { FastifyRequest } from "fastify";
import { DomainError, invalid } from "../../domain/shared/errors.js";

/** One uploaded file and the text fields beside it. */
export interface Upload {
  file: { filename: string; bytes: Buffer };
  fields: Record<string, string>;
}

/** @fastify/multipart's own errors, by code: what they mean for the client. */
const PLUGIN_ERRORS: Record<string, [code: string, message: string]> = {
  FST_FILES_LIMIT: ["TOO_MANY_FILES", "Send one file only."],
  FST_PARTS_LIMIT: ["TOO_MANY_PARTS", "The multipart body has too many parts."],
  FST_FIELDS_LIMIT: ["TOO_MANY_PARTS", "The multipart body has too many fields."],
  FST_PROTO_VIOLATION: ["MALFORMED_MULTIPART", "A multipart field name is not allowed."],
  FST_INVALID_JSON_FIELD_ERROR: ["MALFORMED_MULTIPART", "A multipart field is not valid JSON."],
  FST_INVALID_MULTIPART_CONTENT_TYPE: ["MULTIPART_REQUIRED", "Send the body as multipart/form-data."],
};

/**
 * What a parse failure means: a size past the limit stays a 413 (the error handler maps it), our own
 * errors pass, a known plugin error gets its code, and anything else the parser throws (busboy's "Boundary
 * not found", "Unexpected end of form", "Malformed part header" …) is the body's fault: 400, never 500.
 */
function asClientError(err: unknown): unknown {
  if (err instanceof DomainError) return err;
  const code = (err as { code?: unknown }).code;
  if (code === "FST_REQ_FILE_TOO_LARGE") return err;
  const known = typeof code === "string" ? PLUGIN_ERRORS[code] : undefined;
  if (known) return invalid(known[0], known[1]);
  return invalid("MALFORMED_MULTIPART", "The multipart body is malformed or incomplete.");
}

/**
 * Reads a multipart/form-data upload on any multipart route: exactly one non-empty file in `fileField`, plus
 * text fields, in any order. Every malformed body is a 400 with a code (MULTIPART_REQUIRED,
 * MALFORMED_MULTIPART, TOO_MANY_FILES, TOO_MANY_PARTS, UNEXPECTED_FILE, FILE_REQUIRED, EMPTY_FILE); a file
 * over the plugin's size limit is a 413 PAYLOAD_TOO_LARGE. The route registers @fastify/multipart with its
 * limits (files: 1).
 */
export async function readUpload(request: FastifyRequest, fileField: string): Promise<Upload> {
  if (!request.isMultipart()) throw invalid("MULTIPART_REQUIRED", "Send the body as multipart/form-data.");
  const fields: Record<string, string> = {};
  let file: Upload["file"] | undefined;
  try {
    for await (const part of request.parts()) {
      if (part.type === "file") {
        const bytes = await part.toBuffer(); // throws FST_REQ_FILE_TOO_LARGE past the size limit
        if (part.fieldname !== fileField)
          throw invalid("UNEXPECTED_FILE", `Send the file in the "${fileField}" field.`);
        if (file) throw invalid("TOO_MANY_FILES", "Send one file only.");
        file = { filename: part.filename, bytes };
      } else {
        fields[part.fieldname] = String(part.value);
      }
    }
  } catch (err) {
    throw asClientError(err);
  }
  if (!file) throw invalid("FILE_REQUIRED", `Invalid body field "${fileField}": a file is required.`);
  if (file.bytes.length === 0) throw invalid("EMPTY_FILE", "The file is empty.");
  return { file, fields };
}

/** True when a route declares it consumes multipart bodies (its 415 for another type becomes a 400). */
export function consumesMultipart(request: FastifyRequest): boolean {
  const consumes = (request.routeOptions.schema as { consumes?: unknown } | undefined)?.consumes;
  return Array.isArray(consumes) && consumes.includes("multipart/form-data");
}
