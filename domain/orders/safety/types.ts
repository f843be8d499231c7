/** Severity of a safety finding, most severe first. */
export const SEVERITIES = ["contraindicated", "major", "moderate", "minor"] as const;
export type Severity = (typeof SEVERITIES)[number];

export type AlertType = "interaction" | "allergy" | "duplicate";

/** Rank for sorting: 0 is the most severe. */
export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

export interface SafetyAlert {
  /** Deterministic for the same finding, so a doctor's acknowledgement can be re-checked on submit. */
  id: string;
  severity: Severity;
  type: AlertType;
  message: string;
  /** Human-readable citation of the rule's source (see SOURCES.md). */
  source: string;
  /** The generic names involved, sorted. */
  drugs: string[];
}

export interface SafetyCheckInput {
  /** Medicines the clinician is about to prescribe, as typed (brand or generic, strength optional). */
  proposed: readonly string[];
  /** The patient's active medicines. */
  active: readonly string[];
  /** Recorded allergies as free text ("Penicillin", "sulfa drugs", "Amoxil"). */
  allergies: readonly string[];
}

export interface SafetyCheckResult {
  /** Sorted by severity (contraindicated first), then type, then id. */
  alerts: SafetyAlert[];
  /** Proposed or active medicine names that could not be resolved (they produce no alerts). */
  unrecognized: string[];
  /** Recorded allergies that match no drug or allergy class (e.g. "peanuts", "dust"). */
  unrecognizedAllergies: string[];
}

export interface NormalizedDrug {
  /** Generic components, sorted and unique (a combination product has several). */
  generics: string[];
  /** Class ids of all components, sorted and unique. */
  classes: string[];
  /** True when the name matched only through typo tolerance; a UI should show "did you mean". */
  fuzzy: boolean;
}
