import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LAB_TESTS } from "./lab-tests.js";
import { MEDICINES } from "./medicines.js";
import { searchCatalog } from "./search.js";

const topGeneric = (q: string) => searchCatalog(MEDICINES, q)[0]?.item.generic;
const topTest = (q: string) => searchCatalog(LAB_TESTS, q)[0]?.item.code;

describe("searchCatalog over medicines", () => {
  it("finds paracetamol by a misspelling", () => {
    expect(topGeneric("paracetmol")).toBe("paracetamol");
    expect(topGeneric("paracitamol")).toBe("paracetamol");
  });

  it("finds paracetamol by brand", () => {
    expect(topGeneric("Crocin")).toBe("paracetamol");
    expect(topGeneric("dolo")).toBe("paracetamol");
  });

  it("finds by prefix and ranks exact and prefix matches first", () => {
    const r = searchCatalog(MEDICINES, "amox");
    expect(r.length).toBeGreaterThan(0);
    expect(r.filter((x) => x.score >= 90).every((x) => x.item.generic.startsWith("amoxicillin"))).toBe(true);
    expect(r[0]?.item.generic).toBe("amoxicillin");
    const scores = r.map((x) => x.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it("finds combination products by brand and by a component", () => {
    expect(topGeneric("Combiflam")).toBe("ibuprofen + paracetamol");
    expect(
      searchCatalog(MEDICINES, "clavulanic", 50).some((x) => x.item.generic.includes("clavulanic")),
    ).toBe(true);
  });

  it("finds a brand with a typo", () => {
    expect(topGeneric("Augmentn")).toBe("amoxicillin + clavulanic acid");
  });

  it("respects the limit and returns nothing for an empty or unknown query", () => {
    expect(searchCatalog(MEDICINES, "a", 5).length).toBeLessThanOrEqual(5);
    expect(searchCatalog(MEDICINES, "   ")).toEqual([]);
    expect(searchCatalog(MEDICINES, "zzqqxx")).toEqual([]);
  });

  it("is deterministic and never returns more than the limit", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.integer({ min: 0, max: 30 }), (q, limit) => {
        const a = searchCatalog(MEDICINES, q, limit);
        expect(a.length).toBeLessThanOrEqual(limit);
        expect(searchCatalog(MEDICINES, q, limit)).toEqual(a);
      }),
      { numRuns: 100 },
    );
  });
});

describe("searchCatalog over lab tests", () => {
  it.each([
    ["blood count", "CBC"],
    ["CBC", "CBC"],
    ["complete blood", "CBC"],
    ["lipid", "LIPID"],
    ["cholesterol test", "LIPID"],
    ["hba1c", "HBA1C"],
    ["thyroid profile", "TFT"],
    ["vitamin d", "VITD"],
    ["vitamn d", "VITD"],
    ["fasting blood sugar", "FBS"],
    ["liver function", "LFT"],
    ["kidney function test", "KFT"],
    ["urine routine", "URINE"],
    ["covid", "COVIDPCR"],
    ["RT-PCR", "COVIDPCR"],
  ])("finds %j as %s", (q, code) => {
    expect(topTest(q)).toBe(code);
  });
});
