import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { damerauLevenshtein, foldText } from "./text.js";

describe("foldText", () => {
  it("lower-cases, strips accents and punctuation, and collapses spaces", () => {
    expect(foldText("  Co-Amoxiclav 625 MG ")).toBe("co amoxiclav 625 mg");
    expect(foldText("Ça   va/Évian")).toBe("ca va evian");
  });
});

describe("damerauLevenshtein", () => {
  it.each([
    ["", "", 0],
    ["abc", "", 3],
    ["paracetamol", "paracetmol", 1],
    ["paracetamol", "paracetamlo", 1],
    ["kitten", "sitting", 3],
    ["ca", "abc", 3],
  ])("distance(%j, %j) = %d", (a, b, d) => {
    expect(damerauLevenshtein(a, b)).toBe(d);
  });

  it("stops early above the bound and reports bound + 1", () => {
    expect(damerauLevenshtein("atorvastatin", "rosuvastatin", 1)).toBe(2);
    expect(damerauLevenshtein("a", "abcdef", 2)).toBe(3);
  });

  it("is symmetric, zero only on equal strings, and bounded by the longer length", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
        const d = damerauLevenshtein(a, b);
        expect(damerauLevenshtein(b, a)).toBe(d);
        expect(d === 0).toBe(a === b);
        expect(d).toBeLessThanOrEqual(Math.max(a.length, b.length));
      }),
    );
  });
});
