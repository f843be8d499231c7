import { describe, expect, it } from "vitest";
import { normalizeDrug, resolveAllergy } from "./normalize.js";

const generics = (name: string) => normalizeDrug(name)?.generics;

describe("normalizeDrug", () => {
  it.each([
    ["Atorvastatin 20 mg tablet", ["atorvastatin"]],
    ["  ATORVASTATIN  ", ["atorvastatin"]],
    ["atorvastatin calcium 10mg", ["atorvastatin"]],
    ["Losartan Potassium 50 mg Tab", ["losartan"]],
    ["Metoprolol succinate ER 25 mg", ["metoprolol"]],
    ["Tab. Crocin 500", ["paracetamol"]],
    ["Dolo 650", ["paracetamol"]],
    ["Dolo-650", ["paracetamol"]],
    ["acetaminophen", ["paracetamol"]],
    ["Tylenol", ["paracetamol"]],
    ["Brufen 400", ["ibuprofen"]],
    ["Motrin", ["ibuprofen"]],
    ["Viagra", ["sildenafil"]],
    ["Nexium 40", ["esomeprazole"]],
    ["Lipitor", ["atorvastatin"]],
    ["Glucophage SR 500", ["metformin"]],
    ["Glycomet", ["metformin"]],
    ["Coumadin 5", ["warfarin"]],
    ["Zoloft", ["sertraline"]],
    ["Prozac 20mg capsule", ["fluoxetine"]],
    ["Ecosprin 75", ["aspirin"]],
    ["Amoxil 500", ["amoxicillin"]],
    ["Augmentin 625 Duo", ["amoxicillin", "clavulanic acid"]],
    ["co-amoxiclav", ["amoxicillin", "clavulanic acid"]],
    ["Amoxicillin-Clavulanate 875/125", ["amoxicillin", "clavulanic acid"]],
    ["amoxicillin + clavulanic acid", ["amoxicillin", "clavulanic acid"]],
    ["Combiflam", ["ibuprofen", "paracetamol"]],
    ["ibuprofen + paracetamol", ["ibuprofen", "paracetamol"]],
    ["Bactrim DS", ["sulfamethoxazole", "trimethoprim"]],
    ["Septran", ["sulfamethoxazole", "trimethoprim"]],
    ["Tylenol with Codeine", ["codeine", "paracetamol"]],
    ["Telma-H 40/12.5", ["hydrochlorothiazide", "telmisartan"]],
    ["Entresto 49/51", ["sacubitril", "valsartan"]],
    ["Cephalexin 500 mg capsules", ["cefalexin"]],
    ["rifampin", ["rifampicin"]],
    ["cyclosporine", ["ciclosporin"]],
    ["Vitamin D3 60000 IU sachet", ["cholecalciferol"]],
    ["Potassium chloride 600 mg", ["potassium chloride"]],
  ])("resolves %j to %j", (name, expected) => {
    expect(generics(name)).toEqual(expected);
  });

  it("returns sorted classes of all components", () => {
    expect(normalizeDrug("Combiflam")?.classes).toEqual(["nsaid", "nsaid_analgesic", "nsaid_nonselective"]);
    expect(normalizeDrug("Augmentin")?.classes).toContain("penicillin");
    expect(normalizeDrug("paracetamol")?.classes).toEqual([]);
  });

  it("tolerates one typo in names of six or more letters and says so", () => {
    expect(normalizeDrug("paracetmol")).toMatchObject({ generics: ["paracetamol"], fuzzy: true });
    expect(normalizeDrug("atorvastatn 10 mg")).toMatchObject({ generics: ["atorvastatin"], fuzzy: true });
    expect(normalizeDrug("amoxicilin")).toMatchObject({ generics: ["amoxicillin"], fuzzy: true });
    expect(normalizeDrug("ibuprofen")?.fuzzy).toBe(false);
  });

  it("does not guess on short names or on more than one typo", () => {
    expect(normalizeDrug("Advl")).toBeUndefined();
    expect(normalizeDrug("parcetmol")).toBeUndefined();
  });

  it("returns undefined for unknown or empty names", () => {
    expect(normalizeDrug("")).toBeUndefined();
    expect(normalizeDrug("500 mg tablet")).toBeUndefined();
    expect(normalizeDrug("Frobozz")).toBeUndefined();
  });
});

describe("resolveAllergy", () => {
  it.each([
    ["Penicillin", ["penicillin"], []],
    ["penicillins", ["penicillin"], []],
    ["Amoxil", ["penicillin"], ["amoxicillin"]],
    ["sulfa drugs", ["sulfonamide_antibiotic"], []],
    ["Sulpha", ["sulfonamide_antibiotic"], []],
    ["Bactrim", ["sulfonamide_antibiotic"], ["sulfamethoxazole", "trimethoprim"]],
    ["aspirin", ["nsaid"], ["aspirin"]],
    ["NSAIDs", ["nsaid"], []],
    ["codeine", ["opioid"], ["codeine"]],
    ["iodine", ["iodinated_contrast"], []],
    ["Beta-lactams", ["beta_lactam"], []],
  ])("reads %j", (text, groups, gens) => {
    const r = resolveAllergy(text);
    expect(r?.groups.map((g) => g.id)).toEqual(groups);
    expect(r?.generics).toEqual(gens);
  });

  it("returns undefined for non-drug allergies", () => {
    expect(resolveAllergy("peanuts")).toBeUndefined();
    expect(resolveAllergy("dust mites")).toBeUndefined();
    expect(resolveAllergy("")).toBeUndefined();
  });
});
