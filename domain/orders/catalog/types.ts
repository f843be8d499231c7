export const MEDICINE_FORMS = [
  "tablet",
  "capsule",
  "syrup",
  "suspension",
  "drops",
  "injection",
  "cream",
  "ointment",
  "gel",
  "lotion",
  "inhaler",
  "respules",
  "spray",
  "sachet",
  "powder",
  "solution",
  "pen",
] as const;
export type MedicineForm = (typeof MEDICINE_FORMS)[number];

export interface Medicine {
  /** Stable id derived from generic, strength and form. */
  readonly id: string;
  /** Generic name; combinations join components with " + " (each resolvable by normalizeDrug). */
  readonly generic: string;
  /** Display name, e.g. "Paracetamol 500 mg tablet". */
  readonly name: string;
  readonly brands: readonly string[];
  readonly strength: string;
  readonly form: MedicineForm;
  /** Units in one pack (tablets in a strip, ml in a bottle, grams in a tube, doses in an inhaler). */
  readonly packSize: number;
  readonly packUnit: string;
  /** Price of one pack in minor units (paise). */
  readonly priceMinor: number;
  readonly currency: "INR";
  readonly prescriptionOnly: boolean;
  readonly category: string;
}

export type SampleType = "blood" | "serum" | "plasma" | "whole blood" | "urine" | "stool" | "swab" | "sputum";

export interface Analyte {
  readonly code: string;
  readonly name: string;
  readonly unit: string;
  /** Reference range (adult; male where sex-specific). Either bound may be absent. */
  readonly low?: number;
  readonly high?: number;
  /** Female reference range where it differs. */
  readonly female?: { readonly low?: number; readonly high?: number };
  /** Critical (panic) limits: a value below criticalLow or above criticalHigh is critical. */
  readonly criticalLow?: number;
  readonly criticalHigh?: number;
}

export interface LabTest {
  readonly code: string;
  readonly name: string;
  readonly synonyms: readonly string[];
  readonly category: string;
  readonly sampleType: SampleType;
  readonly preparation: string;
  readonly priceMinor: number;
  readonly currency: "INR";
  readonly turnaroundHours: number;
  readonly homeCollection: boolean;
  readonly analytes: readonly Analyte[];
}
