import { ALLERGY_GROUPS, type AllergyGroup } from "./allergies.js";
import {
  classesOf,
  expandRefs,
  fuzzyCandidates,
  FUZZY_MIN_LENGTH,
  lookupKey,
  MAX_KEY_TOKENS,
  nameTokens,
  SALT_WORDS,
} from "./registry.js";
import { damerauLevenshtein, foldText } from "./text.js";
import type { NormalizedDrug } from "./types.js";

interface Match {
  readonly length: number;
  readonly generics: readonly string[];
  readonly fuzzy: boolean;
}

/** A unique fuzzy match (Damerau-Levenshtein ≤ 1) for a key of at least 6 characters. */
function fuzzyLookup(candidate: string): readonly string[] | undefined {
  if (candidate.length < FUZZY_MIN_LENGTH) return undefined;
  let found: readonly string[] | undefined;
  for (const e of fuzzyCandidates(candidate.length)) {
    if (damerauLevenshtein(candidate, e.key, 1) > 1) continue;
    if (found !== undefined && found.join("|") !== e.generics.join("|")) return undefined; // ambiguous
    found = e.generics;
  }
  return found;
}

/** The longest vocabulary name starting at token i (exact first, then fuzzy), if any. */
function matchAt(tokens: readonly string[], i: number, afterDrug: boolean): Match | undefined {
  const maxK = Math.min(MAX_KEY_TOKENS, tokens.length - i);
  for (let k = maxK; k >= 1; k--) {
    // A lone salt word right after a drug is the drug's salt, not a second drug.
    if (k === 1 && afterDrug && SALT_WORDS.has(tokens[i] ?? "")) break;
    const e = lookupKey(tokens.slice(i, i + k).join(" "));
    if (e !== undefined) return { length: k, generics: e.generics, fuzzy: false };
  }
  if (afterDrug && SALT_WORDS.has(tokens[i] ?? "")) return undefined;
  for (let k = Math.min(3, tokens.length - i); k >= 1; k--) {
    const generics = fuzzyLookup(tokens.slice(i, i + k).join(" "));
    if (generics !== undefined) return { length: k, generics, fuzzy: true };
  }
  return undefined;
}

function segment(tokens: readonly string[]): { generics: Set<string>; fuzzy: boolean } {
  const generics = new Set<string>();
  let fuzzy = false;
  let afterDrug = false;
  let i = 0;
  while (i < tokens.length) {
    const m = matchAt(tokens, i, afterDrug);
    if (m !== undefined) {
      for (const g of m.generics) generics.add(g);
      fuzzy ||= m.fuzzy;
      afterDrug = true;
      i += m.length;
    } else {
      // Unknown words are skipped; salt words keep the "after a drug" state.
      if (!(afterDrug && SALT_WORDS.has(tokens[i] ?? ""))) afterDrug = false;
      i += 1;
    }
  }
  return { generics, fuzzy };
}

function withClasses(generics: Iterable<string>, fuzzy: boolean): NormalizedDrug {
  const list = [...new Set(generics)].sort();
  const classes = new Set<string>();
  for (const g of list) for (const c of classesOf(g)) classes.add(c);
  return { generics: list, classes: [...classes].sort(), fuzzy };
}

/**
 * Resolves a medicine name as typed ("Atorvastatin 20 mg tablet", "Brufen", "Combiflam",
 * "amoxicillin + clavulanate") to its generic components and their classes. Case, spacing,
 * punctuation, strength, dosage form and salt words are ignored; brand names map to generics and
 * combination products to all components; single typos in names of 6+ letters are tolerated when
 * unambiguous. Returns undefined when nothing in the name is recognised.
 */
export function normalizeDrug(name: string): NormalizedDrug | undefined {
  const { generics, fuzzy } = segment(nameTokens(name));
  if (generics.size === 0) return undefined;
  return withClasses(generics, fuzzy);
}

// ── Allergies ────────────────────────────────────────────────────────────────────────────────

const ALLERGY_NOISE = new Set(
  (
    "allergy allergies allergic allergen to drug drugs medicine medicines medication medications reaction reactions " +
    "intolerance intolerant hypersensitivity hypersensitive sensitivity sensitive class group family history of h o " +
    "known severe mild moderate rash hives urticaria itching anaphylaxis anaphylactic swelling angioedema " +
    "unknown type all any"
  ).split(" "),
);

interface TermEntry {
  readonly group: AllergyGroup;
  readonly tokens: number;
}
const TERM_INDEX = new Map<string, TermEntry>();
let maxTermTokens = 1;
for (const group of ALLERGY_GROUPS) {
  for (const term of group.terms) {
    const key = foldText(term);
    const n = key.split(" ").length;
    TERM_INDEX.set(key, { group, tokens: n });
    maxTermTokens = Math.max(maxTermTokens, n);
  }
}

/** A unique allergy term within Damerau-Levenshtein 1 of the words at i ("penicilin", "sulpha"). */
function fuzzyTermAt(tokens: readonly string[], i: number): TermEntry | undefined {
  for (let k = Math.min(maxTermTokens, tokens.length - i); k >= 1; k--) {
    const candidate = tokens.slice(i, i + k).join(" ");
    if (candidate.length < FUZZY_MIN_LENGTH) continue;
    let found: TermEntry | undefined;
    let ambiguous = false;
    for (const [key, entry] of TERM_INDEX) {
      if (key.length < FUZZY_MIN_LENGTH || damerauLevenshtein(candidate, key, 1) > 1) continue;
      if (found !== undefined && found.group.id !== entry.group.id) ambiguous = true;
      found = entry;
    }
    if (found !== undefined && !ambiguous) return { group: found.group, tokens: k };
  }
  return undefined;
}

export interface ResolvedAllergy {
  readonly text: string;
  /** Allergy groups the recorded allergy implies. */
  readonly groups: readonly AllergyGroup[];
  /** Generics the allergy names directly. */
  readonly generics: readonly string[];
}

const GROUP_MEMBERS = new Map(ALLERGY_GROUPS.map((g) => [g.id, expandRefs(g.members)]));

/** Generics an allergy group covers at its member severity. */
export function allergyGroupMembers(groupId: string): ReadonlySet<string> {
  return GROUP_MEMBERS.get(groupId) ?? new Set();
}

/**
 * Resolves a recorded allergy in free text ("Penicillin", "sulfa drugs", "Amoxil (rash)") to
 * allergy groups and generics. Returns undefined when nothing is recognised.
 */
export function resolveAllergy(text: string): ResolvedAllergy | undefined {
  const tokens = nameTokens(text).filter((t) => !ALLERGY_NOISE.has(t));
  const groups = new Map<string, AllergyGroup>();
  const generics = new Set<string>();
  let i = 0;
  while (i < tokens.length) {
    let matched = false;
    for (let k = Math.min(maxTermTokens, tokens.length - i); k >= 1; k--) {
      const t = TERM_INDEX.get(tokens.slice(i, i + k).join(" "));
      if (t !== undefined) {
        groups.set(t.group.id, t.group);
        i += k;
        matched = true;
        break;
      }
    }
    if (matched) continue;
    const fuzzyTerm = fuzzyTermAt(tokens, i);
    if (fuzzyTerm !== undefined) {
      groups.set(fuzzyTerm.group.id, fuzzyTerm.group);
      i += fuzzyTerm.tokens;
      continue;
    }
    const m = matchAt(tokens, i, false);
    if (m !== undefined) {
      for (const g of m.generics) generics.add(g);
      i += m.length;
    } else {
      i += 1;
    }
  }
  // An allergy to a drug implies the allergy groups that list it as a member.
  for (const g of generics) {
    for (const group of ALLERGY_GROUPS) {
      if (!group.termOnly && allergyGroupMembers(group.id).has(g)) groups.set(group.id, group);
    }
  }
  if (groups.size === 0 && generics.size === 0) return undefined;
  return {
    text,
    groups: [...groups.values()].sort((a, b) => a.id.localeCompare(b.id)),
    generics: [...generics].sort(),
  };
}
