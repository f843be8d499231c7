import { describe, expect, it } from "vitest";
import { flagResult, referenceRange } from "./flag.js";
import { findAnalyte } from "./lab-tests.js";
import type { Analyte } from "./types.js";

const analyte = (code: string): Analyte => {
  const a = findAnalyte(code);
  if (a === undefined) throw new Error(`no analyte ${code}`);
  return a;
};

describe("flagResult", () => {
  it.each([
    ["K", 4.2, "normal"],
    ["K", 3.5, "normal"],
    ["K", 3.2, "low"],
    ["K", 5.6, "high"],
    ["K", 2.5, "critical"],
    ["K", 6.8, "critical"],
    ["NA", 140, "normal"],
    ["NA", 115, "critical"],
    ["NA", 148, "high"],
    ["GLU-F", 92, "normal"],
    ["GLU-F", 110, "high"],
    ["GLU-F", 35, "critical"],
    ["GLU-F", 500, "critical"],
    ["HGB", 14.5, "normal"],
    ["HGB", 11.0, "low"],
    ["HGB", 6.0, "critical"],
    ["PLT", 250, "normal"],
    ["PLT", 90, "low"],
    ["PLT", 15, "critical"],
    ["TSH", 6.1, "high"],
    ["VITD", 12, "low"],
    ["LDL", 160, "high"],
    ["LDL", 70, "normal"],
    ["HDL", 35, "low"],
  ] as const)("flags %s = %d as %s", (code, value, flag) => {
    expect(flagResult(analyte(code), value)).toBe(flag);
  });

  it("uses the female range where one is defined", () => {
    const hgb = analyte("HGB");
    expect(flagResult(hgb, 12.5, "male")).toBe("low");
    expect(flagResult(hgb, 12.5, "female")).toBe("normal");
    expect(referenceRange(hgb, "female")).toEqual({ low: 12.0, high: 15.5 });
    expect(referenceRange(hgb)).toEqual({ low: 13.0, high: 17.0 });
  });

  it("treats a qualitative analyte as normal and rejects non-numbers", () => {
    expect(flagResult(analyte("SARS2"), 0)).toBe("normal");
    expect(() => flagResult(analyte("K"), Number.NaN)).toThrow(RangeError);
  });
});
