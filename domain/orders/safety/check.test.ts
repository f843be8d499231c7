import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { blocksPrescribing, checkMedicationSafety, unacknowledgedBlockingAlerts } from "./check.js";
import type { SafetyAlert, Severity } from "./types.js";

const check = (proposed: string[], active: string[] = [], allergies: string[] = []) =>
  checkMedicationSafety({ proposed, active, allergies });

const interactionBetween = (a: string, b: string): SafetyAlert | undefined =>
  check([a], [b]).alerts.find((x) => x.type === "interaction");

describe("drug–drug interactions", () => {
  const pairs: [string, string, Severity, string][] = [
    // ONC high-priority list
    ["methylphenidate", "phenelzine", "contraindicated", "onc-amphetamine-maoi"],
    ["pseudoephedrine", "tranylcypromine", "contraindicated", "onc-amphetamine-maoi"],
    ["atazanavir", "omeprazole", "major", "onc-atazanavir-ppi"],
    ["febuxostat", "azathioprine", "contraindicated", "onc-febuxostat-thiopurine"],
    ["sertraline", "phenelzine", "contraindicated", "onc-serotonergic-maoi"],
    ["fluoxetine", "selegiline", "contraindicated", "onc-serotonergic-maoi"],
    ["venlafaxine", "moclobemide", "contraindicated", "onc-serotonergic-maoi"],
    ["irinotecan", "rifampicin", "contraindicated", "onc-irinotecan-cyp3a4"],
    ["irinotecan", "ketoconazole", "contraindicated", "onc-irinotecan-cyp3a4"],
    ["tramadol", "phenelzine", "contraindicated", "onc-opioid-maoi"],
    ["pethidine", "selegiline", "contraindicated", "onc-opioid-maoi"],
    ["amitriptyline", "tranylcypromine", "contraindicated", "onc-tca-maoi"],
    ["ramelteon", "fluvoxamine", "contraindicated", "onc-ramelteon-cyp1a2"],
    ["rifampicin", "atazanavir", "contraindicated", "onc-inducer-protease-inhibitor"],
    ["simvastatin", "clarithromycin", "contraindicated", "onc-statin-cyp3a4"],
    ["lovastatin", "itraconazole", "contraindicated", "onc-statin-cyp3a4"],
    ["simvastatin", "ritonavir", "contraindicated", "onc-statin-cyp3a4"],
    ["simvastatin", "erythromycin", "contraindicated", "onc-statin-cyp3a4"],
    ["ergotamine", "clarithromycin", "contraindicated", "onc-ergot-cyp3a4"],
    ["tizanidine", "ciprofloxacin", "contraindicated", "onc-tizanidine-cyp1a2"],
    ["tizanidine", "fluvoxamine", "contraindicated", "onc-tizanidine-cyp1a2"],
    ["tranylcypromine", "procarbazine", "contraindicated", "onc-tranylcypromine-procarbazine"],
    ["sumatriptan", "phenelzine", "contraindicated", "onc-triptan-maoi"],
    ["amiodarone", "levofloxacin", "major", "qt-qt"],
    ["citalopram", "ondansetron", "major", "qt-qt"],
    ["thioridazine", "azithromycin", "contraindicated", "qt-contraindicated"],
    ["pimozide", "citalopram", "contraindicated", "qt-contraindicated"],
    // Other well-known pairs
    ["sildenafil", "isosorbide mononitrate", "contraindicated", "pde5-nitrate"],
    ["tadalafil", "nitroglycerin", "contraindicated", "pde5-nitrate"],
    ["vardenafil", "isosorbide dinitrate", "contraindicated", "pde5-nitrate"],
    ["sildenafil", "nicorandil", "contraindicated", "pde5-nitrate"],
    ["sildenafil", "tamsulosin", "moderate", "pde5-alpha-blocker"],
    ["tadalafil", "doxazosin", "moderate", "pde5-alpha-blocker"],
    ["warfarin", "ibuprofen", "major", "anticoagulant-nsaid"],
    ["warfarin", "diclofenac", "major", "anticoagulant-nsaid"],
    ["warfarin", "aspirin", "major", "vka-aspirin"],
    ["warfarin", "fluconazole", "major", "vka-azole"],
    ["warfarin", "metronidazole", "major", "vka-metronidazole"],
    ["warfarin", "amiodarone", "major", "vka-amiodarone"],
    ["warfarin", "co-trimoxazole", "major", "vka-cotrimoxazole"],
    ["warfarin", "rifampicin", "major", "vka-inducer"],
    ["warfarin", "clopidogrel", "major", "anticoagulant-antiplatelet"],
    ["apixaban", "naproxen", "major", "anticoagulant-nsaid"],
    ["rivaroxaban", "carbamazepine", "major", "doac-cyp3a4-pgp"],
    ["warfarin", "ciprofloxacin", "moderate", "vka-antibiotic"],
    ["warfarin", "sertraline", "moderate", "vka-serotonergic"],
    ["warfarin", "paracetamol", "minor", "vka-paracetamol"],
    ["sertraline", "tramadol", "major", "serotonergic-tramadol"],
    ["fluoxetine", "tramadol", "major", "serotonergic-tramadol"],
    ["escitalopram", "sumatriptan", "moderate", "serotonergic-triptan"],
    ["sertraline", "linezolid", "major", "maoi-like-serotonergic"],
    ["sertraline", "venlafaxine", "major", "ssri-snri"],
    ["sertraline", "ibuprofen", "moderate", "serotonergic-antiplatelet-nsaid"],
    ["aspirin", "ibuprofen", "moderate", "aspirin-nsaid"],
    ["atorvastatin", "clarithromycin", "major", "atorvastatin-cyp3a4"],
    ["atorvastatin", "ketoconazole", "major", "atorvastatin-cyp3a4"],
    ["simvastatin", "amiodarone", "major", "simvastatin-dose-limit"],
    ["simvastatin", "gemfibrozil", "contraindicated", "simvastatin-gemfibrozil-ciclosporin"],
    ["simvastatin", "amlodipine", "moderate", "simvastatin-amlodipine"],
    ["colchicine", "clarithromycin", "major", "colchicine-cyp3a4-pgp"],
    ["domperidone", "ketoconazole", "contraindicated", "domperidone-cyp3a4"],
    ["enalapril", "spironolactone", "major", "raas-potassium-sparing"],
    ["lisinopril", "potassium chloride", "major", "raas-potassium-sparing"],
    ["losartan", "amiloride", "major", "raas-potassium-sparing"],
    ["telmisartan", "potassium chloride", "major", "raas-potassium-sparing"],
    ["spironolactone", "potassium chloride", "major", "potassium-sparing-potassium"],
    ["ramipril", "losartan", "major", "acei-arb"],
    ["enalapril", "sacubitril/valsartan", "contraindicated", "acei-sacubitril"],
    ["ramipril", "trimethoprim", "moderate", "trimethoprim-hyperkalaemia"],
    ["ramipril", "ibuprofen", "moderate", "raas-nsaid"],
    ["lithium", "ibuprofen", "major", "lithium-nsaid"],
    ["lithium", "hydrochlorothiazide", "major", "lithium-thiazide-raas"],
    ["lithium", "enalapril", "major", "lithium-thiazide-raas"],
    ["lithium", "furosemide", "moderate", "lithium-loop"],
    ["digoxin", "amiodarone", "major", "digoxin-amiodarone-verapamil"],
    ["digoxin", "verapamil", "major", "digoxin-amiodarone-verapamil"],
    ["digoxin", "clarithromycin", "major", "digoxin-amiodarone-verapamil"],
    ["digoxin", "furosemide", "moderate", "digoxin-diuretic"],
    ["verapamil", "metoprolol", "major", "verapamil-beta-blocker"],
    ["methotrexate", "ibuprofen", "major", "methotrexate-nsaid"],
    ["methotrexate", "trimethoprim", "major", "methotrexate-trimethoprim"],
    ["methotrexate", "Bactrim", "major", "methotrexate-trimethoprim"],
    ["methotrexate", "pantoprazole", "moderate", "methotrexate-ppi"],
    ["allopurinol", "azathioprine", "major", "allopurinol-thiopurine"],
    ["allopurinol", "mercaptopurine", "major", "allopurinol-thiopurine"],
    ["metformin", "iohexol", "moderate", "metformin-iodinated-contrast"],
    ["metformin", "iodinated contrast", "moderate", "metformin-iodinated-contrast"],
    ["morphine", "diazepam", "major", "opioid-benzodiazepine"],
    ["oxycodone", "alprazolam", "major", "opioid-benzodiazepine"],
    ["tramadol", "clonazepam", "major", "opioid-benzodiazepine"],
    ["codeine", "zolpidem", "major", "opioid-benzodiazepine"],
    ["morphine", "pregabalin", "major", "opioid-gabapentinoid"],
    ["ciprofloxacin", "aluminium hydroxide", "moderate", "quinolone-cation"],
    ["levofloxacin", "ferrous sulfate", "moderate", "quinolone-cation"],
    ["ciprofloxacin", "calcium carbonate", "moderate", "quinolone-cation"],
    ["doxycycline", "ferrous sulfate", "moderate", "tetracycline-cation"],
    ["levothyroxine", "calcium carbonate", "minor", "levothyroxine-cation"],
    ["levothyroxine", "ferrous sulfate", "minor", "levothyroxine-cation"],
    ["theophylline", "ciprofloxacin", "major", "theophylline-cyp1a2"],
    ["carbamazepine", "ethinylestradiol", "major", "inducer-hormonal-contraceptive"],
    ["rifampicin", "Ovral-L", "major", "inducer-hormonal-contraceptive"],
    ["carbamazepine", "clarithromycin", "major", "carbamazepine-macrolide"],
    ["valproate", "meropenem", "major", "valproate-carbapenem"],
    ["valproate", "lamotrigine", "moderate", "valproate-lamotrigine"],
    ["ciclosporin", "clarithromycin", "major", "calcineurin-cyp3a4"],
    ["tacrolimus", "rifampicin", "major", "calcineurin-cyp3a4"],
    ["sildenafil", "ritonavir", "major", "pde5-strong-cyp3a4"],
    ["sumatriptan", "ergotamine", "contraindicated", "ergot-triptan"],
    ["prednisolone", "diclofenac", "moderate", "nsaid-corticosteroid"],
    ["glimepiride", "fluconazole", "moderate", "sulfonylurea-inhibitor"],
    ["clozapine", "carbamazepine", "major", "clozapine-interactions"],
    ["methadone", "rifampicin", "major", "rifampicin-methadone"],
    ["voriconazole", "rifampicin", "contraindicated", "voriconazole-rifampicin"],
    ["bupropion", "phenelzine", "contraindicated", "maoi-bupropion"],
    ["allopurinol", "amoxicillin", "minor", "allopurinol-aminopenicillin"],
  ];

  it.each(pairs)("flags %s with %s as %s (%s)", (a, b, severity, ruleId) => {
    const alert = interactionBetween(a, b);
    expect(alert?.severity).toBe(severity);
    expect(alert?.id.startsWith(`ddi:${ruleId}:`)).toBe(true);
    expect(alert?.source.length).toBeGreaterThan(0);
  });

  it("flags clopidogrel with omeprazole or esomeprazole as moderate, but not with pantoprazole", () => {
    expect(interactionBetween("clopidogrel", "omeprazole")?.severity).toBe("moderate");
    expect(interactionBetween("clopidogrel", "Nexium")?.severity).toBe("moderate");
    expect(interactionBetween("clopidogrel", "pantoprazole")).toBeUndefined();
  });

  it("resolves brands on both sides: Brufen with Coumadin is a major interaction", () => {
    const { alerts } = check(["Brufen"], ["Coumadin"]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.severity).toBe("major");
    expect(alerts[0]?.id).toBe("ddi:anticoagulant-nsaid:ibuprofen+warfarin");
    expect(alerts[0]?.drugs).toEqual(["ibuprofen", "warfarin"]);
    expect(alerts[0]?.message).toContain("Brufen (ibuprofen)");
    expect(alerts[0]?.message).toContain("Coumadin (warfarin)");
  });

  it("resolves combination products to every component: Combiflam with warfarin", () => {
    const { alerts } = check(["Combiflam 400/325 tablet"], ["Warf 5"]);
    expect(alerts.map((a) => [a.id, a.severity])).toEqual([
      ["ddi:anticoagulant-nsaid:ibuprofen+warfarin", "major"],
      ["ddi:vka-paracetamol:paracetamol+warfarin", "minor"],
    ]);
  });

  it("checks proposed medicines against each other as well as against active ones", () => {
    const { alerts } = check(["Viagra 50 mg", "Sorbitrate 5 mg"]);
    expect(alerts[0]?.severity).toBe("contraindicated");
    expect(alerts[0]?.id).toBe("ddi:pde5-nitrate:isosorbide-dinitrate+sildenafil");
  });

  it("does not check active medicines against each other", () => {
    expect(
      check(["paracetamol"], ["warfarin", "ibuprofen"]).alerts.filter((a) => a.drugs.includes("ibuprofen")),
    ).toEqual([]);
  });

  it("does not check the components of one combination product against each other", () => {
    expect(check(["Kaletra"]).alerts).toEqual([]);
    expect(check(["Ampiclox"]).alerts).toEqual([]);
  });

  it("keeps only the most severe rule for one pair", () => {
    const { alerts } = check(["simvastatin"], ["clarithromycin"]);
    const interactions = alerts.filter((a) => a.type === "interaction");
    expect(interactions).toHaveLength(1);
    expect(interactions[0]?.severity).toBe("contraindicated");
  });
});

describe("safe combinations", () => {
  const safe: [string, string][] = [
    ["paracetamol", "amoxicillin"],
    ["metformin", "atorvastatin"],
    ["amlodipine", "atorvastatin"],
    ["metformin", "glimepiride"],
    ["cetirizine", "paracetamol"],
    ["omeprazole", "amoxicillin"],
    ["pantoprazole", "paracetamol"],
    ["salbutamol", "montelukast"],
    ["losartan", "amlodipine"],
    ["metoprolol", "atorvastatin"],
    ["levothyroxine", "metformin"],
    ["ibuprofen", "paracetamol"],
    ["aspirin", "atorvastatin"],
    ["clopidogrel", "pantoprazole"],
    ["telmisartan", "hydrochlorothiazide"],
    ["sitagliptin", "metformin"],
    ["ferrous sulfate", "folic acid"],
    ["oral rehydration salts", "zinc sulfate"],
    ["azithromycin", "paracetamol"],
    ["cefixime", "paracetamol"],
    ["Crocin", "Augmentin"],
    ["Glycomet", "Lipitor"],
    ["amlodipine", "losartan potassium"],
    ["atorvastatin calcium", "levothyroxine"],
  ];
  it.each(safe)("raises no alert for %s with %s", (a, b) => {
    expect(check([a], [b]).alerts).toEqual([]);
    expect(check([a, b]).alerts).toEqual([]);
  });
});

describe("drug–allergy checks", () => {
  it("flags Augmentin for a recorded penicillin allergy as contraindicated", () => {
    const { alerts } = check(["Augmentin 625"], [], ["Penicillin"]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      id: "allergy:penicillin:amoxicillin",
      type: "allergy",
      severity: "contraindicated",
      drugs: ["amoxicillin"],
    });
  });

  it("treats an allergy to one penicillin as an allergy to all penicillins", () => {
    const { alerts } = check(["flucloxacillin"], [], ["Amoxil"]);
    expect(alerts[0]).toMatchObject({ id: "allergy:penicillin:flucloxacillin", severity: "contraindicated" });
  });

  it("flags cephalexin for a penicillin allergy as a lower-severity cross-reactivity alert", () => {
    const { alerts } = check(["cephalexin 500 mg"], [], ["penicillin"]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.id).toBe("allergy:penicillin~aminocephalosporin:cefalexin");
    expect(alerts[0]?.severity).toBe("moderate");
    expect(blocksPrescribing(alerts)).toBe(false);
  });

  it("flags a cephalosporin with a dissimilar side chain and a carbapenem as minor", () => {
    expect(check(["ceftriaxone"], [], ["penicillin"]).alerts[0]?.severity).toBe("minor");
    expect(check(["meropenem"], [], ["penicillin"]).alerts[0]?.severity).toBe("minor");
  });

  it("flags Bactrim and Septran for a sulfa allergy", () => {
    for (const drug of ["Bactrim DS", "Septran", "co-trimoxazole"]) {
      const { alerts } = check([drug], [], ["sulfa drugs"]);
      expect(alerts.map((a) => [a.id, a.severity])).toEqual([
        ["allergy:sulfonamide_antibiotic:sulfamethoxazole", "contraindicated"],
      ]);
    }
  });

  it("flags non-antibiotic sulfonamides for a sulfa allergy only as minor", () => {
    const { alerts } = check(["furosemide"], [], ["Sulfa"]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.severity).toBe("minor");
    expect(check(["metformin"], [], ["Sulfa"]).alerts).toEqual([]);
  });

  it("flags aspirin and other NSAIDs for an NSAID allergy, and COX-2 inhibitors as minor", () => {
    expect(check(["Ecosprin 75"], [], ["NSAIDs"]).alerts[0]).toMatchObject({
      id: "allergy:nsaid:aspirin",
      severity: "contraindicated",
    });
    expect(check(["ibuprofen"], [], ["aspirin"]).alerts[0]).toMatchObject({
      id: "allergy:nsaid:ibuprofen",
      severity: "contraindicated",
    });
    expect(check(["celecoxib"], [], ["NSAID"]).alerts[0]?.severity).toBe("minor");
    expect(check(["paracetamol"], [], ["NSAIDs"]).alerts).toEqual([]);
  });

  it("flags other allergy classes", () => {
    expect(check(["azithromycin"], [], ["erythromycin"]).alerts[0]?.id).toBe(
      "allergy:macrolide:azithromycin",
    );
    expect(check(["levofloxacin"], [], ["Cipro"]).alerts[0]?.id).toBe("allergy:fluoroquinolone:levofloxacin");
    expect(check(["codeine"], [], ["morphine"]).alerts[0]).toMatchObject({ severity: "major" });
    expect(check(["fentanyl"], [], ["morphine"]).alerts[0]).toMatchObject({ severity: "moderate" });
    expect(check(["ramipril"], [], ["ACE inhibitor angioedema"]).alerts[0]).toMatchObject({
      severity: "contraindicated",
    });
    expect(check(["Entresto"], [], ["ACE inhibitors"]).alerts.map((a) => a.severity)).toContain(
      "contraindicated",
    );
    expect(check(["iohexol"], [], ["iodine"]).alerts[0]).toMatchObject({ severity: "major" });
    expect(check(["iohexol"], [], ["shellfish"]).alerts).toEqual([]);
  });

  it("flags an allergy to the very drug as contraindicated", () => {
    expect(check(["Glycomet"], [], ["metformin"]).alerts[0]).toMatchObject({
      id: "allergy:metformin:metformin",
      severity: "contraindicated",
    });
  });

  it("reads free-text allergies with noise words and typos", () => {
    expect(check(["amoxicillin"], [], ["Allergic to penicilin (rash)"]).alerts[0]?.severity).toBe(
      "contraindicated",
    );
    expect(check(["amoxicillin"], [], ["h/o anaphylaxis to Penicillins"]).alerts).toHaveLength(1);
  });

  it("reports allergies it cannot read", () => {
    const r = check(["amoxicillin"], [], ["peanuts", "dust", "Penicillin"]);
    expect(r.unrecognizedAllergies).toEqual(["peanuts", "dust"]);
    expect(r.alerts).toHaveLength(1);
  });
});

describe("therapeutic duplication", () => {
  it("flags the same generic under two brands (Advil and Brufen)", () => {
    const { alerts } = check(["Advil"], ["Brufen 400"]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ id: "dup:same:ibuprofen", type: "duplicate", severity: "major" });
  });

  it("flags paracetamol hidden in a combination product", () => {
    expect(check(["Crocin", "Combiflam"]).alerts.map((a) => a.id)).toEqual(["dup:same:paracetamol"]);
  });

  it("flags two SSRIs (sertraline and fluoxetine) as a major duplicate", () => {
    const { alerts } = check(["sertraline"], ["fluoxetine"]);
    expect(alerts.map((a) => [a.id, a.severity])).toEqual([["dup:ssri:fluoxetine+sertraline", "major"]]);
  });

  it.each([
    ["diclofenac", "ibuprofen", "dup:nsaid_analgesic:diclofenac+ibuprofen"],
    ["atorvastatin", "rosuvastatin", "dup:statin:atorvastatin+rosuvastatin"],
    ["omeprazole", "pantoprazole", "dup:ppi:omeprazole+pantoprazole"],
    ["enalapril", "ramipril", "dup:ace_inhibitor:enalapril+ramipril"],
    ["losartan", "telmisartan", "dup:arb:losartan+telmisartan"],
    ["glimepiride", "gliclazide", "dup:sulfonylurea:gliclazide+glimepiride"],
  ])("flags %s with %s as a class duplicate", (a, b, id) => {
    expect(check([a], [b]).alerts.map((x) => x.id)).toContain(id);
  });

  it("treats an ACE inhibitor with an ARB as an interaction, not a duplicate", () => {
    expect(check(["ramipril"], ["telmisartan"]).alerts.map((a) => a.id)).toEqual([
      "ddi:acei-arb:ramipril+telmisartan",
    ]);
  });
});

describe("results", () => {
  it("sorts alerts by severity, contraindicated first", () => {
    const { alerts } = check(
      ["sildenafil", "ibuprofen", "cephalexin"],
      ["nitroglycerin", "warfarin", "levothyroxine"],
      ["penicillin"],
    );
    const ranks = alerts.map((a) => ["contraindicated", "major", "moderate", "minor"].indexOf(a.severity));
    expect(ranks).toEqual([...ranks].sort((x, y) => x - y));
    expect(alerts[0]?.severity).toBe("contraindicated");
  });

  it("reports unknown names separately and raises no alert for them", () => {
    const r = check(["Xyzzyquil 10 mg", "paracetamol"], ["Frobozz"]);
    expect(r.alerts).toEqual([]);
    expect(r.unrecognized).toEqual(["Xyzzyquil 10 mg", "Frobozz"]);
  });

  it("gives the same ids for the same finding on every run", () => {
    const input = {
      proposed: ["Brufen", "Augmentin"],
      active: ["Coumadin", "Lithobid"],
      allergies: ["Penicillin"],
    };
    const a = checkMedicationSafety(input);
    const b = checkMedicationSafety(structuredClone(input));
    expect(a).toEqual(b);
    expect(a.alerts.map((x) => x.id)).toEqual([
      "allergy:penicillin:amoxicillin",
      "ddi:anticoagulant-nsaid:ibuprofen+warfarin",
      "ddi:lithium-nsaid:ibuprofen+lithium",
    ]);
  });

  it("blocks prescribing only on contraindicated or major alerts, until acknowledged", () => {
    const major = check(["Brufen"], ["Coumadin"]).alerts;
    const moderate = check(["sertraline"], ["ibuprofen"]).alerts;
    expect(blocksPrescribing(major)).toBe(true);
    expect(blocksPrescribing(moderate)).toBe(false);
    expect(blocksPrescribing([])).toBe(false);
    expect(unacknowledgedBlockingAlerts(major, [])).toHaveLength(1);
    expect(
      unacknowledgedBlockingAlerts(
        major,
        major.map((a) => a.id),
      ),
    ).toEqual([]);
  });
});

describe("properties", () => {
  const POOL = [
    "Brufen",
    "Coumadin",
    "Augmentin",
    "Crocin",
    "Combiflam",
    "sertraline",
    "tramadol",
    "Viagra",
    "Imdur",
    "simvastatin",
    "clarithromycin",
    "Lipitor",
    "Glycomet",
    "ramipril",
    "Aldactone",
    "lithium",
    "digoxin",
    "amiodarone",
    "Ecosprin 75",
    "ciprofloxacin",
    "Shelcal",
    "Eltroxin",
    "Bactrim",
    "methotrexate",
    "cephalexin",
    "amoxicillin",
    "Nexium",
    "Plavix",
    "ondansetron",
    "azithromycin",
    "morphine",
    "Xanax",
  ];
  const ALLERGIES = ["Penicillin", "sulfa", "aspirin", "morphine", "Cipro", "peanuts"];
  const names = fc.array(fc.constantFrom(...POOL), { maxLength: 6 });
  const allergyList = fc.array(fc.constantFrom(...ALLERGIES), { maxLength: 3 });
  const ids = (r: { alerts: SafetyAlert[] }) => new Set(r.alerts.map((a) => a.id));

  it("the order of inputs does not change the set of alert ids", () => {
    fc.assert(
      fc.property(names, names, allergyList, fc.infiniteStream(fc.integer()), (p, a, al, rnd) => {
        const shuffle = <T>(xs: T[]): T[] => {
          const c = [...xs];
          for (let i = c.length - 1; i > 0; i--) {
            const j = Math.abs(rnd.next().value) % (i + 1);
            [c[i], c[j]] = [c[j] as T, c[i] as T];
          }
          return c;
        };
        const r1 = checkMedicationSafety({ proposed: p, active: a, allergies: al });
        const r2 = checkMedicationSafety({
          proposed: shuffle(p),
          active: shuffle(a),
          allergies: shuffle(al),
        });
        expect(ids(r2)).toEqual(ids(r1));
        expect(r2.alerts).toEqual(r1.alerts);
      }),
      { numRuns: 200 },
    );
  });

  it("adding an unrecognised drug never removes an alert", () => {
    const unknown = fc.stringMatching(/^[qxz]{2}[a-z]{6,10}$/);
    fc.assert(
      fc.property(names, names, allergyList, unknown, fc.boolean(), (p, a, al, u, toProposed) => {
        const before = ids(checkMedicationSafety({ proposed: p, active: a, allergies: al }));
        const after = checkMedicationSafety({
          proposed: toProposed ? [...p, u] : p,
          active: toProposed ? a : [...a, u],
          allergies: al,
        });
        for (const id of before) expect(ids(after).has(id)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("checking a pair is symmetric", () => {
    fc.assert(
      fc.property(fc.constantFrom(...POOL), fc.constantFrom(...POOL), (x, y) => {
        const ab = checkMedicationSafety({ proposed: [x], active: [y], allergies: [] });
        const ba = checkMedicationSafety({ proposed: [y], active: [x], allergies: [] });
        const both = checkMedicationSafety({ proposed: [x, y], active: [], allergies: [] });
        expect(ids(ba)).toEqual(ids(ab));
        expect(ids(both)).toEqual(ids(ab));
      }),
      { numRuns: 300 },
    );
  });
});
