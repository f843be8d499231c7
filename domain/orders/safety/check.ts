import type { AllergyGroup } from "./allergies.js";
import { DRUG_CLASSES } from "./classes.js";
import { INTERACTIONS, type InteractionRule } from "./interactions.js";
import { allergyGroupMembers, normalizeDrug, resolveAllergy, type ResolvedAllergy } from "./normalize.js";
import { expandRefs } from "./registry.js";
import { SOURCES, type SourceId } from "./sources.js";
import { foldText } from "./text.js";
import {
  severityRank,
  type AlertType,
  type SafetyAlert,
  type SafetyCheckInput,
  type SafetyCheckResult,
  type Severity,
} from "./types.js";

interface CompiledRule {
  readonly rule: InteractionRule;
  readonly order: number;
  readonly a: ReadonlySet<string>;
  readonly b: ReadonlySet<string>;
}

const COMPILED: readonly CompiledRule[] = INTERACTIONS.map((rule, order) => ({
  rule,
  order,
  a: expandRefs(rule.a),
  b: expandRefs(rule.b),
}));

/** Rules indexed by generic, so a pair only looks at rules mentioning one of its drugs. */
const RULES_BY_GENERIC = new Map<string, CompiledRule[]>();
for (const c of COMPILED) {
  for (const g of new Set([...c.a, ...c.b])) {
    const list = RULES_BY_GENERIC.get(g) ?? [];
    list.push(c);
    RULES_BY_GENERIC.set(g, list);
  }
}

const DUPLICATE_CLASSES = DRUG_CLASSES.filter((c) => c.duplicate !== undefined).map((c, order) => ({
  cls: c,
  order,
  members: expandRefs([c.id]),
}));

const sourceText = (ids: readonly SourceId[]): string => ids.map((id) => SOURCES[id]).join("; ");
const slug = (s: string): string => s.replace(/\s+/g, "-");
const pairKey = (x: string, y: string): string => [x, y].map(slug).sort().join("+");

/** The most severe interaction rule for two different generics (ties: first listed). */
export function findInteraction(x: string, y: string): InteractionRule | undefined {
  if (x === y) return undefined;
  let best: CompiledRule | undefined;
  for (const c of RULES_BY_GENERIC.get(x) ?? []) {
    const hit = (c.a.has(x) && c.b.has(y)) || (c.a.has(y) && c.b.has(x));
    if (!hit) continue;
    if (
      best === undefined ||
      severityRank(c.rule.severity) < severityRank(best.rule.severity) ||
      (c.rule.severity === best.rule.severity && c.order < best.order)
    ) {
      best = c;
    }
  }
  return best?.rule;
}

interface Item {
  readonly name: string;
  readonly origin: "proposed" | "active";
  readonly generics: readonly string[];
}

function label(item: Item, generic: string): string {
  const typed = item.name.trim();
  return foldText(typed) === generic ? generic : `${typed} (${generic})`;
}

const cmp = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);

const TYPE_ORDER: Record<AlertType, number> = { allergy: 0, interaction: 1, duplicate: 2 };

function compareAlerts(x: SafetyAlert, y: SafetyAlert): number {
  return (
    severityRank(x.severity) - severityRank(y.severity) ||
    TYPE_ORDER[x.type] - TYPE_ORDER[y.type] ||
    (x.id < y.id ? -1 : x.id > y.id ? 1 : 0)
  );
}

class AlertSet {
  private readonly byId = new Map<string, SafetyAlert>();
  add(alert: SafetyAlert): void {
    const prev = this.byId.get(alert.id);
    // The same finding reached through different names: keep one, chosen independently of input order.
    if (prev === undefined || alert.message < prev.message) this.byId.set(alert.id, alert);
  }
  sorted(): SafetyAlert[] {
    return [...this.byId.values()].sort(compareAlerts);
  }
}

function checkPair(p: Item, q: Item, out: AlertSet): void {
  for (const g of p.generics) {
    for (const h of q.generics) {
      const names = [
        [g, label(p, g)],
        [h, label(q, h)],
      ]
        .sort((m, n) => cmp(m[0] ?? "", n[0] ?? "") || cmp(m[1] ?? "", n[1] ?? ""))
        .map((m) => m[1])
        .join(" + ");
      if (g === h) {
        out.add({
          id: `dup:same:${slug(g)}`,
          severity: "major",
          type: "duplicate",
          message: `${names}: the same medicine (${g}) twice; risk of double dosing — stop one if it replaces the other`,
          source: SOURCES.therapeutic_duplication,
          drugs: [g],
        });
        continue;
      }
      const rule = findInteraction(g, h);
      if (rule !== undefined) {
        out.add({
          id: `ddi:${rule.id}:${pairKey(g, h)}`,
          severity: rule.severity,
          type: "interaction",
          message: `${names}: ${rule.message}`,
          source: sourceText(rule.sources),
          drugs: [g, h].sort(),
        });
      }
      let dup: (typeof DUPLICATE_CLASSES)[number] | undefined;
      for (const d of DUPLICATE_CLASSES) {
        if (!d.members.has(g) || !d.members.has(h)) continue;
        const sev = d.cls.duplicate?.severity ?? "moderate";
        const bestSev = dup?.cls.duplicate?.severity ?? "minor";
        if (dup === undefined || severityRank(sev) < severityRank(bestSev)) dup = d;
      }
      if (dup?.cls.duplicate !== undefined) {
        out.add({
          id: `dup:${dup.cls.id}:${pairKey(g, h)}`,
          severity: dup.cls.duplicate.severity,
          type: "duplicate",
          message: `${names}: ${dup.cls.duplicate.message}`,
          source: SOURCES.therapeutic_duplication,
          drugs: [g, h].sort(),
        });
      }
    }
  }
}

interface AllergyFinding {
  readonly key: string;
  readonly severity: Severity;
  readonly priority: number;
  readonly message: string;
  readonly sources: readonly SourceId[];
  readonly allergy: ResolvedAllergy;
}

const CROSS_MEMBERS = new Map<string, ReadonlySet<string>>();
function crossMembers(group: AllergyGroup, crossId: string, refs: readonly string[]): ReadonlySet<string> {
  const key = `${group.id}~${crossId}`;
  let set = CROSS_MEMBERS.get(key);
  if (set === undefined) {
    set = expandRefs(refs);
    CROSS_MEMBERS.set(key, set);
  }
  return set;
}

function allergyFindings(generic: string, allergy: ResolvedAllergy): AllergyFinding[] {
  const found: AllergyFinding[] = [];
  if (allergy.generics.includes(generic)) {
    found.push({
      key: slug(generic),
      severity: "contraindicated",
      priority: 0,
      message: `recorded allergy to ${generic}`,
      sources: ["patient_record"],
      allergy,
    });
  }
  for (const group of allergy.groups) {
    if (allergyGroupMembers(group.id).has(generic)) {
      found.push({
        key: group.id,
        severity: group.memberSeverity,
        priority: 1,
        message: group.message,
        sources: group.sources,
        allergy,
      });
      continue;
    }
    const cross = (group.crossReactive ?? []).find((c) => crossMembers(group, c.id, c.refs).has(generic));
    if (cross !== undefined) {
      found.push({
        key: `${group.id}~${cross.id}`,
        severity: cross.severity,
        priority: 2,
        message: cross.message,
        sources: group.sources,
        allergy,
      });
    }
  }
  return found;
}

function compareFindings(x: AllergyFinding, y: AllergyFinding): number {
  return (
    severityRank(x.severity) - severityRank(y.severity) ||
    x.priority - y.priority ||
    (x.key < y.key ? -1 : x.key > y.key ? 1 : 0) ||
    (x.allergy.text < y.allergy.text ? -1 : x.allergy.text > y.allergy.text ? 1 : 0)
  );
}

function resolveItems(names: readonly string[], origin: Item["origin"], unrecognized: string[]): Item[] {
  const items: Item[] = [];
  for (const name of names) {
    const n = normalizeDrug(name);
    if (n === undefined) {
      if (!unrecognized.includes(name)) unrecognized.push(name);
      continue;
    }
    items.push({ name, origin, generics: n.generics });
  }
  return items;
}

/**
 * Checks proposed medicines against each other, against the patient's active medicines and against
 * recorded allergies, and for therapeutic duplication. Pure and deterministic: the same inputs (in
 * any order) give the same alert ids; alerts are sorted most severe first.
 */
export function checkMedicationSafety(input: SafetyCheckInput): SafetyCheckResult {
  const unrecognized: string[] = [];
  const proposed = resolveItems(input.proposed, "proposed", unrecognized);
  const active = resolveItems(input.active, "active", unrecognized);
  const unrecognizedAllergies: string[] = [];
  const allergies: ResolvedAllergy[] = [];
  for (const text of input.allergies) {
    const a = resolveAllergy(text);
    if (a === undefined) {
      if (!unrecognizedAllergies.includes(text)) unrecognizedAllergies.push(text);
    } else {
      allergies.push(a);
    }
  }

  const out = new AlertSet();
  for (let i = 0; i < proposed.length; i++) {
    const p = proposed[i];
    if (p === undefined) continue;
    for (let j = i + 1; j < proposed.length; j++) {
      const q = proposed[j];
      if (q !== undefined) checkPair(p, q, out);
    }
    for (const q of active) checkPair(p, q, out);
    for (const g of p.generics) {
      const findings = allergies.flatMap((a) => allergyFindings(g, a)).sort(compareFindings);
      const best = findings[0];
      if (best === undefined) continue;
      out.add({
        id: `allergy:${best.key}:${slug(g)}`,
        severity: best.severity,
        type: "allergy",
        message: `${label(p, g)}: recorded allergy "${best.allergy.text.trim()}": ${best.message}`,
        source: sourceText(best.sources),
        drugs: [g],
      });
    }
  }
  return { alerts: out.sorted(), unrecognized, unrecognizedAllergies };
}

/** True when any alert is contraindicated or major: prescribing needs an explicit acknowledgement. */
export function blocksPrescribing(alerts: readonly SafetyAlert[]): boolean {
  return alerts.some((a) => a.severity === "contraindicated" || a.severity === "major");
}

/** Blocking alerts (contraindicated or major) whose ids the prescriber has not acknowledged. */
export function unacknowledgedBlockingAlerts(
  alerts: readonly SafetyAlert[],
  acknowledgedIds: Iterable<string>,
): SafetyAlert[] {
  const ack = new Set(acknowledgedIds);
  return alerts.filter((a) => (a.severity === "contraindicated" || a.severity === "major") && !ack.has(a.id));
}
