/** Citations for every rule in the curated dataset. See SOURCES.md for the review status. */
export const SOURCES = {
  onc: "ONC high-priority DDI list (Phansalkar S et al. J Am Med Inform Assoc 2012;19(5):735-743)",
  fda_label: "FDA-approved prescribing information (drug label)",
  fda_safety: "FDA Drug Safety Communication",
  bnf: "British National Formulary (BNF), Appendix 1: Interactions",
  crediblemeds: "CredibleMeds QTdrugs list (known risk of TdP)",
  acr_contrast: "ACR Manual on Contrast Media; metformin prescribing information",
  allergy_practice: "AAAAI/ACAAI Drug Allergy Practice Parameter Update (2022)",
  strom_2003: "Strom BL et al. N Engl J Med 2003;349:1628-1635 (sulfonamide cross-reactivity)",
  patient_record: "Patient's recorded allergy list",
  therapeutic_duplication: "Therapeutic duplication rule (same generic or same therapeutic class)",
} as const;

export type SourceId = keyof typeof SOURCES;
