import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { devanagariToLatin, gurmukhiToLatin, urduToLatin, westernDigits } from "./transliterate.js";

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

describe("gurmukhiToLatin", () => {
  it.each([
    // Read as the Devanagari twin of each letter, with the same rules.
    ["ਬੇਹੋਸ਼", "behosh"],
    ["ਸਾਹ", "saah"],
    ["ਦਿਲ ਦਾ ਦੌਰਾ", "dil da daura"],
    ["ਖੁਦਕੁਸ਼ੀ", "khudkushi"],
    ["ਛਾਤੀ", "chhaati"],
    ["ਤਕਲੀਫ਼", "takleef"],
    // Tippi and bindi are "n".
    ["ਨਹੀਂ", "nahin"],
    ["ਚਾਹੁੰਦਾ", "chaahunda"],
    ["ਪੰਜਾਬੀ", "panjaabi"],
    // Addak doubles the next consonant (its first letter) and keeps the "a" before it.
    ["ਬੱਚਾ", "baccha"],
    ["ਉੱਠ", "utth"],
    ["ਪੱਕਾ", "pakka"],
    ["ਆਤਮਹੱਤਿਆ", "aatamhattia"],
    // Nukta letters, precomposed or as letter plus nukta.
    ["ਖ਼ੂਨ", "khoon"],
    ["\u0A16\u0A3C\u0A42\u0A28", "khoon"],
    ["ਜ਼ਹਿਰ", "zahir"],
    ["\u0A38\u0A3C\u0A3E\u0A39", "shaah"],
    ["\u0A36\u0A3E\u0A39", "shaah"],
    ["ਗ਼ਮ", "gham"],
    ["ਫ਼ੋਨ", "fon"],
    ["ਲ਼ਾ", "la"],
    ["ਪੀੜ", "peed"],
    // Vowel bearers with a sign are that vowel.
    ["\u0A73\u0A41\u0A39", "uh"],
    ["\u0A72\u0A3F\u0A39", "ih"],
  ])("%s → %s", (punjabi, latin) => {
    expect(gurmukhiToLatin(punjabi)).toBe(latin);
  });

  it("reads sentences and digits, and leaves other text as it is", () => {
    expect(gurmukhiToLatin("ਸਾਹ ਨਹੀਂ ਆ ਰਿਹਾ।")).toBe("saah nahin aa riha.");
    expect(gurmukhiToLatin("੧੨ ਅਪ੍ਰੈਲ")).toBe("12 aprail");
    expect(gurmukhiToLatin("papa ਬੇਹੋਸ਼ ਹੋ ਗਏ, help!")).toBe("papa behosh ho gae, help!");
    expect(gurmukhiToLatin("Café 42 — ok")).toBe("Café 42 — ok");
  });

  it("never throws and leaves no Gurmukhi or Devanagari behind", () => {
    const gurmukhi = fc
      .array(fc.integer({ min: 0x0a00, max: 0x0a7f }), { maxLength: 60 })
      .map((codes) => String.fromCodePoint(...codes));
    fc.assert(
      fc.property(gurmukhi, (text) => {
        expect(gurmukhiToLatin(text)).not.toMatch(/[\u0900-\u097F\u0A00-\u0A7F]/);
      }),
      { numRuns: 300 },
    );
  });
});

describe("urduToLatin", () => {
  it("reads the words it knows in the Roman spelling, word by word", () => {
    expect(urduToLatin("سینے میں درد ہے اور سانس نہیں آ رہی۔")).toBe(
      "seene mein dard hai aur saans nahi aa rahi۔",
    );
    expect(urduToLatin("دل کا دورہ پڑا")).toBe("dil ka daura pada");
    expect(urduToLatin("بےہوش")).toBe("behosh");
    expect(urduToLatin("بے ہوش")).toBe("be hosh");
    expect(urduToLatin("خودکشی")).toBe("khudkushi");
    expect(urduToLatin("نیند کی گولیاں کھا لیں")).toBe("neend ki goliyan kha lin");
  });

  it("makes Arabic letter variants, harakat and joiners Urdu first", () => {
    // Arabic ي ك ه as an Arabic keyboard types them; ه stands for ہ or for the ھ of aspirates.
    expect(urduToLatin("زهر كها ليا")).toBe("zehar kha liya");
    expect(urduToLatin("دِل")).toBe("dil");
    expect(urduToLatin("بے\u200Cہوش")).toBe("behosh");
    // Presentation forms (NFKC) and Urdu digits.
    expect(urduToLatin("\uFEE7\uFEF4\uFEE8\uFEAA")).toBe("neend");
    expect(urduToLatin("۳۰ گولیاں")).toBe("30 goliyan");
  });

  it("leaves words it does not know, and text in other scripts, as they are", () => {
    expect(urduToLatin("والد صاحب")).toBe("والد صاحب");
    expect(urduToLatin("papa دل")).toBe("papa dil");
    expect(urduToLatin("Café 42")).toBe("Café 42");
  });
});

describe("westernDigits", () => {
  it("reads the digits of each supported script as ASCII digits", () => {
    expect(westernDigits("०१२३४५६७८९ ੦੧੨੩੪੫੬੭੮੯ ௦௧௨௩௪௫௬௭௮௯ ౦౧౨౩౪౫౬౭౮౯ ٠١٢٣٤٥٦٧٨٩ ۰۱۲۳۴۵۶۷۸۹")).toBe(
      Array(6).fill("0123456789").join(" "),
    );
  });
});
