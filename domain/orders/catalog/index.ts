export { MEDICINES } from "./medicines.js";
export { LAB_TESTS, findAnalyte } from "./lab-tests.js";
export { searchCatalog, type SearchableItem, type SearchResult } from "./search.js";
export { flagResult, referenceRange, type ResultFlag, type Sex } from "./flag.js";
export * from "./types.js";
