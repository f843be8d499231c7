import type { SourceId } from "./sources.js";
import type { Severity } from "./types.js";

/**
 * Allergy groups for drug–allergy checks. A recorded allergy (free text) is matched either to a
 * group by one of its `terms` ("penicillin", "sulfa drugs") or, through the drug vocabulary, to a
 * drug; an allergy to a drug implies an allergy to every group that lists the drug as a member
 * (unless the group is `termOnly`). Members are flagged at `memberSeverity`; `crossReactive`
 * lists related drugs flagged at a lower severity. Refs are class ids or generic names.
 */
export interface CrossReactivity {
  readonly id: string;
  readonly refs: readonly string[];
  readonly severity: Severity;
  readonly message: string;
}

export interface AllergyGroup {
  readonly id: string;
  readonly label: string;
  readonly terms: readonly string[];
  readonly members: readonly string[];
  readonly memberSeverity: Severity;
  readonly message: string;
  readonly crossReactive?: readonly CrossReactivity[];
  /** Matched only by its terms, never implied by an allergy to one member drug. */
  readonly termOnly?: boolean;
  readonly sources: readonly SourceId[];
}

/** Cephalosporins sharing an R1 side chain with amoxicillin/ampicillin. */
const AMINOCEPHALOSPORINS = ["cefalexin", "cefadroxil", "cefaclor", "cefprozil"];

export const ALLERGY_GROUPS: readonly AllergyGroup[] = [
  {
    id: "penicillin",
    label: "penicillins",
    terms: ["penicillin", "penicillins", "pcn", "penicillin antibiotics", "penicillin group"],
    members: ["penicillin"],
    memberSeverity: "contraindicated",
    message:
      "penicillin allergy: all penicillins (including amoxicillin and co-amoxiclav) share the beta-lactam allergen",
    crossReactive: [
      {
        id: "aminocephalosporin",
        refs: AMINOCEPHALOSPORINS,
        severity: "moderate",
        message:
          "cephalosporin with an R1 side chain similar to amoxicillin/ampicillin: higher cross-reactivity; avoid after a severe or recent reaction",
      },
      {
        id: "cephalosporin",
        refs: ["cephalosporin"],
        severity: "minor",
        message:
          "cephalosporin in a penicillin-allergic patient: cross-reactivity is low (about 1-2%) with dissimilar side chains; use with caution after anaphylaxis",
      },
      {
        id: "carbapenem",
        refs: ["carbapenem"],
        severity: "minor",
        message: "carbapenem in a penicillin-allergic patient: cross-reactivity under 1%",
      },
    ],
    sources: ["allergy_practice", "fda_label"],
  },
  {
    id: "cephalosporin",
    label: "cephalosporins",
    terms: ["cephalosporin", "cephalosporins"],
    members: ["cephalosporin"],
    memberSeverity: "major",
    message:
      "cephalosporin allergy: avoid cephalosporins, particularly those sharing side chains with the culprit, unless evaluated by an allergist",
    crossReactive: [
      {
        id: "penicillin",
        refs: ["penicillin"],
        severity: "moderate",
        message:
          "penicillin in a cephalosporin-allergic patient: cross-reactivity is possible, mainly with shared side chains",
      },
      {
        id: "carbapenem",
        refs: ["carbapenem"],
        severity: "minor",
        message: "carbapenem in a cephalosporin-allergic patient: cross-reactivity under 1%",
      },
    ],
    sources: ["allergy_practice"],
  },
  {
    id: "carbapenem",
    label: "carbapenems",
    terms: ["carbapenem", "carbapenems"],
    members: ["carbapenem"],
    memberSeverity: "contraindicated",
    message: "carbapenem allergy: all carbapenems",
    crossReactive: [
      {
        id: "beta-lactam",
        refs: ["penicillin", "cephalosporin"],
        severity: "minor",
        message: "beta-lactam in a carbapenem-allergic patient: low cross-reactivity",
      },
    ],
    sources: ["allergy_practice"],
  },
  {
    id: "beta_lactam",
    label: "beta-lactams",
    terms: ["beta lactam", "beta lactams", "betalactam", "betalactams", "beta lactam antibiotics"],
    members: ["penicillin", "cephalosporin", "carbapenem"],
    memberSeverity: "contraindicated",
    message: "beta-lactam allergy recorded: penicillins, cephalosporins and carbapenems",
    termOnly: true,
    sources: ["allergy_practice"],
  },
  {
    id: "sulfonamide_antibiotic",
    label: "sulfonamide antibiotics",
    terms: [
      "sulfa",
      "sulpha",
      "sulfas",
      "sulfa antibiotics",
      "sulfa antibiotic",
      "sulfonamide",
      "sulfonamides",
      "sulphonamide",
      "sulphonamides",
      "sulfonamide antibiotics",
    ],
    members: ["sulfonamide_antibiotic"],
    memberSeverity: "contraindicated",
    message:
      "sulfonamide antibiotic allergy: avoid sulfonamide antibiotics (co-trimoxazole, sulfadiazine, sulfasalazine)",
    crossReactive: [
      {
        id: "nonantibiotic",
        refs: ["sulfonamide_nonantibiotic"],
        severity: "minor",
        message:
          "non-antibiotic sulfonamide (diuretic, sulfonylurea, celecoxib): structural cross-reactivity with sulfa antibiotics is unlikely (Strom 2003), but some labels (e.g. celecoxib) still list sulfonamide allergy; use with awareness",
      },
    ],
    sources: ["allergy_practice", "strom_2003", "fda_label"],
  },
  {
    id: "nsaid",
    label: "NSAIDs (including aspirin)",
    terms: [
      "nsaid",
      "nsaids",
      "nsaid s",
      "non steroidal anti inflammatory",
      "non steroidal anti inflammatories",
      "nonsteroidal anti inflammatory",
      "salicylate",
      "salicylates",
    ],
    members: ["nsaid_nonselective"],
    memberSeverity: "contraindicated",
    message:
      "NSAID/aspirin hypersensitivity: cross-reactivity between COX-1 inhibitors is common (asthma, urticaria, angioedema, anaphylaxis)",
    crossReactive: [
      {
        id: "cox2",
        refs: ["cox2_inhibitor"],
        severity: "minor",
        message:
          "selective COX-2 inhibitor in an NSAID-hypersensitive patient: usually tolerated, but not if the reaction was to this drug; consider a supervised first dose",
      },
    ],
    sources: ["allergy_practice", "fda_label"],
  },
  {
    id: "macrolide",
    label: "macrolides",
    terms: ["macrolide", "macrolides"],
    members: ["macrolide"],
    memberSeverity: "contraindicated",
    message: "macrolide allergy: labels contraindicate other macrolides",
    sources: ["fda_label"],
  },
  {
    id: "fluoroquinolone",
    label: "fluoroquinolones",
    terms: ["fluoroquinolone", "fluoroquinolones", "quinolone", "quinolones"],
    members: ["fluoroquinolone"],
    memberSeverity: "contraindicated",
    message: "quinolone allergy: labels contraindicate any quinolone",
    sources: ["fda_label"],
  },
  {
    id: "tetracycline",
    label: "tetracyclines",
    terms: ["tetracyclines"],
    members: ["tetracycline_class"],
    memberSeverity: "contraindicated",
    message: "tetracycline allergy: labels contraindicate other tetracyclines",
    sources: ["fda_label"],
  },
  {
    id: "opioid",
    label: "opioids",
    terms: ["opioid", "opioids", "opiate", "opiates", "narcotic", "narcotics"],
    members: ["opioid_phenanthrene"],
    memberSeverity: "major",
    message:
      "opioid allergy: cross-sensitivity among phenanthrene opioids (morphine, codeine, oxycodone, hydromorphone); many 'allergies' are histamine-release intolerance",
    crossReactive: [
      {
        id: "other-opioid",
        refs: ["opioid"],
        severity: "moderate",
        message:
          "structurally different opioid (e.g. fentanyl, methadone, tramadol): lower cross-sensitivity; use with monitoring",
      },
    ],
    sources: ["allergy_practice"],
  },
  {
    id: "ace_inhibitor",
    label: "ACE inhibitors (angioedema)",
    terms: ["ace inhibitor", "ace inhibitors", "acei", "ace i"],
    members: ["ace_inhibitor"],
    memberSeverity: "contraindicated",
    message:
      "history of ACE inhibitor angioedema or hypersensitivity: labels contraindicate all ACE inhibitors",
    crossReactive: [
      {
        id: "sacubitril",
        refs: ["sacubitril"],
        severity: "contraindicated",
        message:
          "sacubitril/valsartan is contraindicated after angioedema related to ACE inhibitor or ARB therapy",
      },
      {
        id: "arb",
        refs: ["arb"],
        severity: "moderate",
        message: "ARB after ACE inhibitor angioedema: small recurrence risk; use with caution",
      },
    ],
    sources: ["fda_label"],
  },
  {
    id: "iodinated_contrast",
    label: "iodinated contrast media",
    terms: [
      "iodine",
      "iodinated contrast",
      "contrast",
      "contrast dye",
      "contrast media",
      "contrast medium",
      "iv contrast",
      "ct contrast",
      "radiocontrast",
      "x ray dye",
    ],
    members: ["iodinated_contrast"],
    memberSeverity: "major",
    message:
      "prior reaction to iodinated contrast: consider an alternative agent or premedication per local protocol (shellfish or povidone-iodine allergy is not a contraindication)",
    sources: ["acr_contrast"],
  },
  {
    id: "antiepileptic_aromatic",
    label: "aromatic anticonvulsants",
    terms: [
      "aromatic anticonvulsant",
      "aromatic anticonvulsants",
      "aromatic antiepileptic",
      "aromatic antiepileptics",
    ],
    members: ["antiepileptic_aromatic"],
    memberSeverity: "major",
    message:
      "hypersensitivity to an aromatic anticonvulsant: substantial cross-reactivity (carbamazepine, oxcarbazepine, phenytoin, phenobarbital, lamotrigine), including severe cutaneous reactions",
    sources: ["bnf", "fda_label"],
  },
];
