import { describe, expect, it } from "vitest";
import { ALLERGY_GROUPS } from "./allergies.js";
import { DRUG_CLASSES } from "./classes.js";
import { INTERACTIONS } from "./interactions.js";
import { CLASS_BY_ID, expandRef, GENERIC_SET, NAME_CONFLICTS } from "./registry.js";
import { SOURCES } from "./sources.js";
import { GENERICS, VOCABULARY } from "./vocabulary.js";

describe("curated dataset integrity", () => {
  it("has no two names that fold to the same key but mean different drugs", () => {
    expect(NAME_CONFLICTS).toEqual([]);
  });

  it("lists every generic once and keeps class ids apart from generic names", () => {
    expect(new Set(GENERICS).size).toBe(GENERICS.length);
    expect(new Set(DRUG_CLASSES.map((c) => c.id)).size).toBe(DRUG_CLASSES.length);
    for (const c of DRUG_CLASSES) expect(GENERIC_SET.has(c.id), c.id).toBe(false);
  });

  it("has every class member and included class in the vocabulary", () => {
    for (const c of DRUG_CLASSES) {
      for (const m of c.members ?? []) expect(GENERIC_SET.has(m), `${c.id}: ${m}`).toBe(true);
      for (const inc of c.includes ?? []) expect(CLASS_BY_ID.has(inc), `${c.id}: ${inc}`).toBe(true);
      expect(expandRef(c.id).size, c.id).toBeGreaterThan(0);
    }
  });

  it("has combination components that are all known generics", () => {
    for (const v of VOCABULARY)
      for (const g of v.generics) expect(GENERIC_SET.has(g), `${v.name}: ${g}`).toBe(true);
  });

  it("has interaction rules with unique ids, resolvable refs and known sources", () => {
    expect(INTERACTIONS.length).toBeGreaterThanOrEqual(60);
    expect(new Set(INTERACTIONS.map((r) => r.id)).size).toBe(INTERACTIONS.length);
    for (const r of INTERACTIONS) {
      for (const ref of [...r.a, ...r.b]) expect(expandRef(ref).size, `${r.id}: ${ref}`).toBeGreaterThan(0);
      expect(r.sources.length, r.id).toBeGreaterThan(0);
      for (const s of r.sources) expect(Object.keys(SOURCES)).toContain(s);
      expect(r.message.length, r.id).toBeGreaterThan(10);
    }
  });

  it("reproduces the 15 interactions of the ONC high-priority list", () => {
    const onc = INTERACTIONS.filter((r) => r.id.startsWith("onc-"));
    expect(onc).toHaveLength(14); // the 15th (QT + QT) is split into qt-qt and qt-contraindicated
    for (const r of onc) expect(r.sources).toContain("onc");
    const qt = INTERACTIONS.filter((r) => r.id.startsWith("qt-"));
    expect(qt.map((r) => r.id).sort()).toEqual(["qt-contraindicated", "qt-qt"]);
    for (const r of qt) expect(r.sources).toContain("onc");
  });

  it("has allergy groups with resolvable members and cross-reactivity", () => {
    for (const g of ALLERGY_GROUPS) {
      expect(g.terms.length, g.id).toBeGreaterThan(0);
      for (const ref of g.members) expect(expandRef(ref).size, `${g.id}: ${ref}`).toBeGreaterThan(0);
      for (const c of g.crossReactive ?? []) {
        for (const ref of c.refs) expect(expandRef(ref).size, `${g.id}/${c.id}: ${ref}`).toBeGreaterThan(0);
      }
    }
  });
});
