/**
 * Finishing touches on the OpenAPI document, applied to the whole document once it is built (so no route can
 * forget them):
 * - a parameter with a default is not required (ajv fills the default in: the client may leave it out);
 * - error responses are `application/json`, also on routes whose success is a file;
 * - parameters that mean the same on every route get their description from one table, and a path id from the
 *   segment before it (`/api/plans/{id}/…` → "The plan's id."). A description in the route's schema wins.
 * api/openapi.int.test.ts checks every operation of the result.
 */

/** Parameters that mean the same wherever they appear. */
const COMMON: Record<string, string> = {
  page: "The page to return, from 1.",
  per_page: "How many items a page holds.",
  patient_id:
    "The patient whose data this is: needed by staff and care-team doctors; a patient leaves it out for their own.",
  doctor_id:
    "The doctor to act for: needed by admins and assigned nurses; a doctor leaves it out for their own.",
  "idempotency-key": "Any unique string: a repeat with the same key returns the first result.",
};

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: { default?: unknown };
}

interface Response {
  content?: Record<string, { schema?: unknown }>;
}

type Operation = { parameters?: Parameter[]; responses?: Record<string, Response> };

const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"] as const;

function singular(segment: string): string {
  const word = segment.replace(/[-_]/g, " ");
  if (word.endsWith("ies")) return `${word.slice(0, -3)}y`;
  if (word.endsWith("s") && !word.endsWith("ss")) return word.slice(0, -1);
  return word;
}

/** "The plan's id." for {id} after "plans"; "The task's id." for {task_id}. */
function pathIdDescription(path: string, name: string): string | undefined {
  if (name.endsWith("_id")) return `The ${name.slice(0, -3).replace(/_/g, " ")}'s id.`;
  if (name !== "id") return undefined;
  const segments = path.split("/");
  const before = segments[segments.indexOf("{id}") - 1];
  return before ? `The ${singular(before)}'s id.` : undefined;
}

export function finishDocument<T extends object>(doc: T): T {
  const paths = (doc as { paths?: Record<string, Record<string, unknown> | undefined> }).paths ?? {};
  for (const [path, item] of Object.entries(paths)) {
    for (const method of METHODS) {
      const operation = item?.[method] as Operation | undefined;
      for (const p of operation?.parameters ?? []) {
        if (p.required && p.in !== "path" && p.schema?.default !== undefined) p.required = false;
        if (!p.description) {
          const text =
            COMMON[p.name.toLowerCase()] ?? (p.in === "path" ? pathIdDescription(path, p.name) : undefined);
          if (text) p.description = text;
        }
      }
      // Errors are JSON even where the success is a file (a PDF, a photo).
      for (const [status, response] of Object.entries(operation?.responses ?? {})) {
        const content = response.content;
        if (!/^[45]/.test(status) || !content || "application/json" in content) continue;
        const first = Object.values(content)[0];
        if (first) response.content = { "application/json": first };
      }
    }
  }
  return doc;
}
