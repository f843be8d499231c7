import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { devanagariToLatin } from "./transliterate.js";

describe("devanagariToLatin", () => {
  it.each([
    // The word-final "a" is not said; long vowels are doubled inside a word.
    ["दर्द", "dard"],
    ["सीने", "seene"],
    ["साँस", "saans"],
    ["सांस", "saans"],
    ["बेहोश", "behosh"],
    ["खून", "khoon"],
    ["दिल", "dil"],
    ["दौरा", "daura"],
    // A long vowel at the end of a word is written short; anusvara and candrabindu are "n".
    ["की", "ki"],
    ["नहीं", "nahin"],
    ["हूँ", "hun"],
    ["गोलियाँ", "goliyan"],
    ["हैं", "hain"],
    // The "a" between syllables that Hindi does not say.
    ["उसने", "usne"],
    ["करना", "karna"],
    ["समझना", "samajhna"],
    ["धड़कन", "dhadkan"],
    // It stays where it is said.
    ["न", "na"],
    ["मित्र", "mitra"],
    ["आत्महत्या", "aatmahatya"],
    ["नमस्ते", "namaste"],
    // Nukta letters, precomposed or not, and ज्ञ.
    ["ज़हर", "zahar"],
    ["\u095B\u0939\u0930", "zahar"],
    ["ख़ुदकुशी", "khudkushi"],
    ["पड़ा", "pada"],
    ["टेढ़ा", "tedha"],
    ["फ़ोन", "fon"],
    ["ज्ञान", "gyaan"],
    // A vowel letter alone is a word and stays long.
    ["आ", "aa"],
    ["ऋषि", "rishi"],
  ])("%s → %s", (hindi, latin) => {
    expect(devanagariToLatin(hindi)).toBe(latin);
  });

  it("reads sentences, digits and dandas, and leaves other text as it is", () => {
    expect(devanagariToLatin("सीने में दर्द है और साँस नहीं आ रही।")).toBe(
      "seene men dard hai aur saans nahin aa rahi.",
    );
    expect(devanagariToLatin("१२ अप्रैल १९८८")).toBe("12 aprail 1988");
    expect(devanagariToLatin("papa बेहोश हो गए, help!")).toBe("papa behosh ho gae, help!");
    expect(devanagariToLatin("Café 42 — ok")).toBe("Café 42 — ok");
  });

  it("never throws and leaves no Devanagari behind", () => {
    const devanagari = fc
      .array(fc.integer({ min: 0x0900, max: 0x097f }), { maxLength: 60 })
      .map((codes) => String.fromCodePoint(...codes));
    fc.assert(
      fc.property(devanagari, (text) => {
        expect(devanagariToLatin(text)).not.toMatch(/[\u0900-\u097F]/);
      }),
      { numRuns: 300 },
    );
  });
});
