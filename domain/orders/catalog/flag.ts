import type { Analyte } from "./types.js";

export type ResultFlag = "normal" | "low" | "high" | "critical";
export type Sex = "male" | "female";

/** The reference range for a patient's sex (the female range where the analyte defines one). */
export function referenceRange(analyte: Analyte, sex?: Sex): { low?: number; high?: number } {
  if (sex === "female" && analyte.female !== undefined) {
    return { low: analyte.female.low ?? analyte.low, high: analyte.female.high ?? analyte.high };
  }
  return { low: analyte.low, high: analyte.high };
}

/**
 * Flags a numeric result: "critical" when below criticalLow or above criticalHigh, otherwise "low"
 * or "high" outside the reference range, else "normal". Bounds themselves are within range. An
 * analyte without a numeric range (a qualitative one) is always "normal" here.
 */
export function flagResult(analyte: Analyte, value: number, sex?: Sex): ResultFlag {
  if (!Number.isFinite(value)) throw new RangeError(`result for ${analyte.code} is not a finite number`);
  if (analyte.criticalLow !== undefined && value < analyte.criticalLow) return "critical";
  if (analyte.criticalHigh !== undefined && value > analyte.criticalHigh) return "critical";
  const { low, high } = referenceRange(analyte, sex);
  if (low !== undefined && value < low) return "low";
  if (high !== undefined && value > high) return "high";
  return "normal";
}
