import { describe, expect, it } from "vitest";
import { normalizeDrug } from "../safety/normalize.js";
import { INTERACTIONS } from "../safety/interactions.js";
import { expandRefs } from "../safety/registry.js";
import { LAB_TESTS } from "./lab-tests.js";
import { MEDICINES } from "./medicines.js";
import { MEDICINE_FORMS } from "./types.js";

const components = (generic: string) => [...new Set(generic.split(" + "))].sort();

describe("medicine catalog", () => {
  it("has at least 300 medicines with unique ids", () => {
    expect(MEDICINES.length).toBeGreaterThanOrEqual(300);
    expect(new Set(MEDICINES.map((m) => m.id)).size).toBe(MEDICINES.length);
  });

  it("has well-formed entries: integer INR prices, positive packs, known forms", () => {
    for (const m of MEDICINES) {
      expect(Number.isInteger(m.priceMinor), m.id).toBe(true);
      expect(m.priceMinor, m.id).toBeGreaterThan(0);
      expect(m.currency).toBe("INR");
      expect(m.packSize, m.id).toBeGreaterThan(0);
      expect(MEDICINE_FORMS).toContain(m.form);
      expect(m.strength.length, m.id).toBeGreaterThan(0);
      expect(m.category.length, m.id).toBeGreaterThan(0);
    }
  });

  it("resolves every catalog generic through normalizeDrug to exactly its components", () => {
    for (const m of MEDICINES) {
      const n = normalizeDrug(m.generic);
      expect(n?.generics, m.generic).toEqual(components(m.generic));
      expect(n?.fuzzy, m.generic).toBe(false);
    }
  });

  it("resolves every catalog generic that belongs to an interaction rule", () => {
    const interacting = new Set<string>();
    for (const r of INTERACTIONS) for (const g of expandRefs([...r.a, ...r.b])) interacting.add(g);
    const inCatalog = MEDICINES.flatMap((m) => components(m.generic)).filter((g) => interacting.has(g));
    expect(inCatalog.length).toBeGreaterThan(50);
    for (const g of inCatalog) expect(normalizeDrug(g)?.generics, g).toEqual([g]);
  });

  it("maps catalog brand names known to the vocabulary to the same generics", () => {
    for (const m of MEDICINES) {
      for (const b of m.brands) {
        const n = normalizeDrug(b);
        if (n !== undefined) expect(n.generics, `${m.id}: ${b}`).toEqual(components(m.generic));
      }
    }
  });

  it("marks antibiotics and antihypertensives prescription-only, and paracetamol, ORS, antacids and vitamins not", () => {
    for (const m of MEDICINES) {
      if (m.category === "antibiotic" || m.category === "antihypertensive")
        expect(m.prescriptionOnly, m.id).toBe(true);
      if (["rehydration", "antacid"].includes(m.category)) expect(m.prescriptionOnly, m.id).toBe(false);
    }
    const otc = (generic: string, form: string) =>
      MEDICINES.filter((m) => m.generic === generic && m.form === form).every((m) => !m.prescriptionOnly);
    expect(otc("paracetamol", "tablet")).toBe(true);
    expect(otc("oral rehydration salts", "sachet")).toBe(true);
    expect(otc("folic acid", "tablet")).toBe(true);
  });
});

describe("lab test catalog", () => {
  it("has at least 50 tests with unique codes", () => {
    expect(LAB_TESTS.length).toBeGreaterThanOrEqual(50);
    expect(new Set(LAB_TESTS.map((t) => t.code)).size).toBe(LAB_TESTS.length);
  });

  it("has well-formed tests with analytes and sensible ranges", () => {
    for (const t of LAB_TESTS) {
      expect(t.analytes.length, t.code).toBeGreaterThan(0);
      expect(Number.isInteger(t.priceMinor) && t.priceMinor > 0, t.code).toBe(true);
      expect(t.turnaroundHours, t.code).toBeGreaterThan(0);
      expect(t.preparation.length, t.code).toBeGreaterThan(0);
      for (const x of t.analytes) {
        if (x.low !== undefined && x.high !== undefined) expect(x.low, x.code).toBeLessThan(x.high);
        if (x.criticalLow !== undefined && x.low !== undefined)
          expect(x.criticalLow, x.code).toBeLessThan(x.low);
        if (x.criticalHigh !== undefined && x.high !== undefined)
          expect(x.criticalHigh, x.code).toBeGreaterThan(x.high);
      }
    }
  });

  it("asks for 10-12 hours of fasting before a lipid profile and fasting before FBS", () => {
    const byCode = (c: string) => LAB_TESTS.find((t) => t.code === c);
    expect(byCode("LIPID")?.preparation).toMatch(/10-12 hours/);
    expect(byCode("FBS")?.preparation).toMatch(/fast/i);
  });

  it("defines critical limits for potassium, sodium, glucose, hemoglobin and platelets", () => {
    const analytes = LAB_TESTS.flatMap((t) => t.analytes);
    for (const code of ["K", "NA", "GLU-F", "HGB", "PLT"]) {
      const x = analytes.find((y) => y.code === code);
      expect(x?.criticalLow, code).toBeDefined();
      expect(x?.criticalHigh, code).toBeDefined();
    }
  });
});
