/**
 * Indexes built once at module load from the curated data: class expansion, generic → classes,
 * and the name → generics lookup used by normalizeDrug. Pure and synchronous.
 */
import { DRUG_CLASSES, type DrugClass } from "./classes.js";
import { foldText } from "./text.js";
import { GENERICS, VOCABULARY } from "./vocabulary.js";

export const CLASS_BY_ID: ReadonlyMap<string, DrugClass> = new Map(DRUG_CLASSES.map((c) => [c.id, c]));
export const GENERIC_SET: ReadonlySet<string> = new Set(GENERICS);

function expandClass(id: string, seen: Set<string> = new Set()): Set<string> {
  const out = new Set<string>();
  const c = CLASS_BY_ID.get(id);
  if (c === undefined || seen.has(id)) return out;
  seen.add(id);
  for (const m of c.members ?? []) out.add(m);
  for (const inc of c.includes ?? []) for (const m of expandClass(inc, seen)) out.add(m);
  return out;
}

const CLASS_MEMBERS = new Map<string, ReadonlySet<string>>(
  DRUG_CLASSES.map((c) => [c.id, expandClass(c.id)]),
);

/** The generics a class id or generic name stands for (empty when the ref is unknown). */
export function expandRef(ref: string): ReadonlySet<string> {
  const members = CLASS_MEMBERS.get(ref);
  if (members !== undefined) return members;
  return GENERIC_SET.has(ref) ? new Set([ref]) : new Set();
}

/** Union of expandRef over a list of refs. */
export function expandRefs(refs: readonly string[]): ReadonlySet<string> {
  const out = new Set<string>();
  for (const r of refs) for (const g of expandRef(r)) out.add(g);
  return out;
}

const CLASSES_OF = new Map<string, string[]>();
for (const [id, members] of CLASS_MEMBERS) {
  for (const g of members) {
    const list = CLASSES_OF.get(g) ?? [];
    list.push(id);
    CLASSES_OF.set(g, list);
  }
}
for (const list of CLASSES_OF.values()) list.sort();

/** Class ids a generic belongs to (directly or through an including class), sorted. */
export function classesOf(generic: string): readonly string[] {
  return CLASSES_OF.get(generic) ?? [];
}

// ── Name normalisation ───────────────────────────────────────────────────────────────────────

const FORM_WORDS = new Set(
  (
    "tab tabs tablet tablets cap caps capsule capsules syrup syp suspension susp elixir linctus inj injection " +
    "injectable infusion cream ointment oint gel lotion drops drop eye ear nasal spray inhaler inhalation respules " +
    "rotacaps nebuliser nebulizer solution soln oral sachet sachets powder granules patch suppository pessary vial " +
    "ampoule amp pen cartridge kit sr er xr xl cr mr dr ec od la ds forte retard dispersible dt chewable odt film " +
    "coated sustained extended modified delayed release iv im sc po topical bottle strip pack"
  ).split(" "),
);
const UNIT_AFTER_NUMBER = new Set(
  "mg mcg ug g gm gram grams ml l iu units unit u mmol meq kg x mg ml percent".split(" "),
);
const NUMBER_WITH_UNIT = /^\d+(?:mg|mcg|ug|g|gm|ml|iu|mmol|meq|kg|k|u)?$/;

/** Salt and ester words that may follow a drug name ("losartan potassium", "metoprolol succinate"). */
export const SALT_WORDS = new Set(
  (
    "potassium sodium calcium magnesium hydrochloride hcl hydrobromide hbr besylate besilate maleate succinate " +
    "tartrate bitartrate citrate sulfate sulphate mesylate mesilate fumarate bromide phosphate acetate dihydrate " +
    "monohydrate trihydrate anhydrous disodium dipropionate propionate furoate hyclate medoxomil axetil proxetil " +
    "trometamol estolate stearate ethylsuccinate valerate decanoate etexilate carbonate"
  ).split(" "),
);

/** Folds a medicine name to lookup tokens: lower case, no punctuation, no strength, no dosage form. */
export function nameTokens(name: string): string[] {
  const raw = foldText(name)
    .split(" ")
    .filter((t) => t.length > 0);
  const out: string[] = [];
  let afterNumber = false;
  for (const t of raw) {
    if (NUMBER_WITH_UNIT.test(t)) {
      afterNumber = true;
      continue;
    }
    if (afterNumber && UNIT_AFTER_NUMBER.has(t)) continue;
    afterNumber = false;
    if (FORM_WORDS.has(t)) continue;
    out.push(t);
  }
  return out;
}

export interface NameEntry {
  readonly key: string;
  readonly generics: readonly string[];
}

const NAME_INDEX = new Map<string, NameEntry>();
/** Keys whose names folded to the same key but stand for different generics (must stay empty). */
export const NAME_CONFLICTS: string[] = [];
let maxKeyTokens = 1;
for (const v of VOCABULARY) {
  const tokens = nameTokens(v.name);
  if (tokens.length === 0) {
    NAME_CONFLICTS.push(`${v.name}: folds to nothing`);
    continue;
  }
  const key = tokens.join(" ");
  const generics = [...new Set(v.generics)].sort();
  const existing = NAME_INDEX.get(key);
  if (existing !== undefined) {
    if (existing.generics.join("|") !== generics.join("|")) {
      NAME_CONFLICTS.push(`${v.name}: "${key}" is already ${existing.generics.join("+")}`);
    }
    continue;
  }
  NAME_INDEX.set(key, { key, generics });
  maxKeyTokens = Math.max(maxKeyTokens, tokens.length);
}
export const MAX_KEY_TOKENS = maxKeyTokens;

export function lookupKey(key: string): NameEntry | undefined {
  return NAME_INDEX.get(key);
}

/** Keys of at least 6 characters, bucketed by length, for typo-tolerant lookup. */
const FUZZY_MIN = 6;
const FUZZY_BUCKETS = new Map<number, NameEntry[]>();
for (const e of NAME_INDEX.values()) {
  if (e.key.length < FUZZY_MIN) continue;
  const b = FUZZY_BUCKETS.get(e.key.length) ?? [];
  b.push(e);
  FUZZY_BUCKETS.set(e.key.length, b);
}

export function fuzzyCandidates(length: number): readonly NameEntry[] {
  if (length < FUZZY_MIN) return [];
  return [
    ...(FUZZY_BUCKETS.get(length - 1) ?? []),
    ...(FUZZY_BUCKETS.get(length) ?? []),
    ...(FUZZY_BUCKETS.get(length + 1) ?? []),
  ];
}

export const FUZZY_MIN_LENGTH = FUZZY_MIN;

/** Number of distinct lookup keys (names) in the vocabulary. */
export const NAME_COUNT = NAME_INDEX.size;
