export {
  checkMedicationSafety,
  blocksPrescribing,
  unacknowledgedBlockingAlerts,
  findInteraction,
} from "./check.js";
export { normalizeDrug, resolveAllergy, type ResolvedAllergy } from "./normalize.js";
export { damerauLevenshtein, foldText } from "./text.js";
export { DRUG_CLASSES, type DrugClass } from "./classes.js";
export { INTERACTIONS, type InteractionRule } from "./interactions.js";
export { ALLERGY_GROUPS, type AllergyGroup, type CrossReactivity } from "./allergies.js";
export { GENERICS, VOCABULARY, type VocabularyEntry } from "./vocabulary.js";
export { SOURCES, type SourceId } from "./sources.js";
export * from "./types.js";
