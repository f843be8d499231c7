import type { LabAnalyteJson, LabBookingStatus } from "../../../db/schema/index.js";
import { unprocessable } from "../../shared/errors.js";
import { flagResult, type ResultFlag, type Sex } from "../catalog/index.js";
import { foldText } from "../safety/index.js";

// The booking lifecycle ---------------------------------------------------------------------------------

const NEXT: Record<LabBookingStatus, readonly LabBookingStatus[]> = {
  scheduled: ["sample_collected", "cancelled"],
  sample_collected: ["processing", "resulted", "cancelled"],
  processing: ["resulted", "cancelled"],
  resulted: [],
  cancelled: [],
};

export function assertBookingTransition(from: LabBookingStatus, to: LabBookingStatus): void {
  if (!NEXT[from].includes(to)) {
    throw unprocessable(
      "INVALID_TRANSITION",
      `A lab booking that is ${from.replace(/_/g, " ")} cannot be moved to ${to.replace(/_/g, " ")}.`,
      { from, to },
    );
  }
}

// Results ---------------------------------------------------------------------------------------------

export interface ResultInput {
  name: string;
  value: string | number;
  unit?: string | undefined;
  reference_range?: string | undefined;
  flag?: ResultFlag | undefined;
}

export interface FlaggedResult {
  name: string;
  analyteCode: string | null;
  value: string;
  numericValue: number | null;
  unit: string | null;
  referenceRange: string | null;
  flag: ResultFlag | null;
  reportedFlag: ResultFlag | null;
  /** For critical values: which side of the range. */
  direction: "low" | "high" | null;
}

export function parseSex(sex: string | null | undefined): Sex | undefined {
  const s = sex?.trim().toLowerCase();
  if (s === "female" || s === "f") return "female";
  if (s === "male" || s === "m") return "male";
  return undefined;
}

/** A numeric result ("9.1", "<0.5", 12) as a number; text results ("Not detected") give null. */
export function numericValue(value: string | number): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  const m = /^\s*[<>]?=?\s*(-?\d+(?:\.\d+)?)\s*$/.exec(value);
  return m ? Number(m[1]) : null;
}

function findAnalyte(analytes: readonly LabAnalyteJson[], name: string): LabAnalyteJson | undefined {
  const folded = foldText(name);
  return analytes.find(
    (a) => a.code.toLowerCase() === name.trim().toLowerCase() || foldText(a.name) === folded,
  );
}

const hasRange = (a: LabAnalyteJson): boolean =>
  a.low !== undefined || a.high !== undefined || a.criticalLow !== undefined || a.criticalHigh !== undefined;

function rangeText(a: LabAnalyteJson, sex: Sex | undefined): string | null {
  const low = sex === "female" ? (a.female?.low ?? a.low) : a.low;
  const high = sex === "female" ? (a.female?.high ?? a.high) : a.high;
  if (low !== undefined && high !== undefined) return `${low}-${high}`;
  if (low !== undefined) return `>= ${low}`;
  if (high !== undefined) return `<= ${high}`;
  return null;
}

/**
 * The final flag of each result: computed from the catalog's ranges (flagResult) where the analyte is known and
 * the value numeric; the lab's own flag otherwise. "critical" from either side stays critical.
 */
export function flagResults(
  analytes: readonly LabAnalyteJson[],
  inputs: readonly ResultInput[],
  sex: Sex | undefined,
): FlaggedResult[] {
  return inputs.map((r): FlaggedResult => {
    const analyte = findAnalyte(analytes, r.name);
    const numeric = numericValue(r.value);
    const computed =
      analyte && numeric !== null && hasRange(analyte) ? flagResult(analyte, numeric, sex) : undefined;
    const reported = r.flag ?? null;
    const flag: ResultFlag | null =
      reported === "critical" || computed === "critical" ? "critical" : (computed ?? reported);
    let direction: "low" | "high" | null = null;
    if (flag === "critical" && analyte && numeric !== null) {
      const low = analyte.criticalLow ?? analyte.low;
      const high = analyte.criticalHigh ?? analyte.high;
      if (low !== undefined && numeric < low) direction = "low";
      else if (high !== undefined && numeric > high) direction = "high";
    }
    return {
      name: analyte?.name ?? r.name.trim(),
      analyteCode: analyte?.code ?? null,
      value: String(r.value).trim(),
      numericValue: numeric,
      unit: r.unit?.trim() || analyte?.unit || null,
      referenceRange: r.reference_range?.trim() || (analyte ? rangeText(analyte, sex) : null),
      flag,
      reportedFlag: reported,
      direction,
    };
  });
}

/** "Normal", or "Abnormal (Low Hemoglobin, Critically high Potassium)": the line the clinical record shows. */
export function summarize(results: readonly Pick<FlaggedResult, "name" | "flag" | "direction">[]): string {
  const abnormal = results.filter((r) => r.flag !== null && r.flag !== "normal");
  if (abnormal.length === 0) return "Normal";
  const label = (r: (typeof abnormal)[number]): string => {
    if (r.flag === "low") return `Low ${r.name}`;
    if (r.flag === "high") return `High ${r.name}`;
    return r.direction ? `Critically ${r.direction} ${r.name}` : `Critical ${r.name}`;
  };
  return `Abnormal (${abnormal.map(label).join(", ")})`;
}

/** One line per result, for the record's notes. */
export function resultLines(results: readonly FlaggedResult[]): string {
  return results
    .map((r) => {
      const unit = r.unit ? ` ${r.unit}` : "";
      const range = r.referenceRange ? `; reference ${r.referenceRange}` : "";
      const flag = r.flag && r.flag !== "normal" ? ` [${r.flag.toUpperCase()}]` : "";
      return `${r.name}: ${r.value}${unit}${flag}${range}`;
    })
    .join("\n");
}
