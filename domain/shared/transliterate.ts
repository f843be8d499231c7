/**
 * Hindi in Devanagari → the Latin spelling people use when they type Hindi ("सीने में दर्द है" → "seene men
 * dard hai"), so that text speech recognition writes in Devanagari can be read by patterns written for
 * Roman Hindi (bot/redflags.ts). Hand-written and table-driven on purpose: a transliteration library is much
 * larger and aims at scholarly schemes ("sīne meṃ dard"), while all we need is the everyday spelling the
 * triage patterns already expect. Approximate by design: that spelling has no single standard.
 *
 * Consonants carry an inherent "a" that a virama removes; the "a" is not written where Hindi does not say
 * it: at the end of a word ("दर्द" dard, but "न" na and "मित्र" mitra) and between two syllables as in
 * "उसने" usne, "करना" karna. Long vowels are written doubled ("सीने" seene, "खून" khoon) except at the end of
 * a word ("का" ka, "की" ki, "हूँ" hun). Anusvara and candrabindu are "n", nukta letters their Urdu sound
 * ("ज़हर" zahar, "पड़ा" pada). Devanagari digits become 0-9, a danda a full stop; other text is unchanged.
 * Pure.
 */
export function devanagariToLatin(text: string): string {
  return text
    .replace(PRECOMPOSED_NUKTA, (c) => c.normalize("NFD"))
    .replace(WORD, transliterateWord)
    .replace(/[\u0964-\u096F\u0970]/g, (c) => SYMBOLS[c] ?? "");
}

const CONSONANTS: Record<string, string> = {
  क: "k",
  ख: "kh",
  ग: "g",
  घ: "gh",
  ङ: "n",
  च: "ch",
  छ: "chh",
  ज: "j",
  झ: "jh",
  ञ: "n",
  ट: "t",
  ठ: "th",
  ड: "d",
  ढ: "dh",
  ण: "n",
  त: "t",
  थ: "th",
  द: "d",
  ध: "dh",
  न: "n",
  प: "p",
  फ: "ph",
  ब: "b",
  भ: "bh",
  म: "m",
  य: "y",
  र: "r",
  ल: "l",
  ळ: "l",
  // "w" rather than "v": the Roman Hindi the patterns are written in spells "dawa", "awaaz", "lakwa".
  व: "w",
  श: "sh",
  ष: "sh",
  स: "s",
  ह: "h",
};

/** A consonant followed by a nukta: the sounds Hindi borrowed from Urdu and English. */
const WITH_NUKTA: Record<string, string> = {
  क: "q",
  ख: "kh",
  ग: "gh",
  ज: "z",
  ड: "d",
  ढ: "dh",
  फ: "f",
};

const VOWEL_SIGNS: Record<string, string> = {
  "\u093E": "aa", // ा
  "\u093F": "i", // ि
  "\u0940": "ee", // ी
  "\u0941": "u", // ु
  "\u0942": "oo", // ू
  "\u0943": "ri", // ृ
  "\u0944": "ree", // ॄ
  "\u0945": "e", // ॅ
  "\u0946": "e", // ॆ
  "\u0947": "e", // े
  "\u0948": "ai", // ै
  "\u0949": "o", // ॉ
  "\u094A": "o", // ॊ
  "\u094B": "o", // ो
  "\u094C": "au", // ौ
  "\u0962": "li", // ॢ
  "\u0963": "lee", // ॣ
};

const VOWELS: Record<string, string> = {
  अ: "a",
  आ: "aa",
  इ: "i",
  ई: "ee",
  उ: "u",
  ऊ: "oo",
  ऋ: "ri",
  ॠ: "ree",
  ऌ: "li",
  ऍ: "e",
  ऎ: "e",
  ए: "e",
  ऐ: "ai",
  ऑ: "o",
  ऒ: "o",
  ओ: "o",
  औ: "au",
  ॲ: "a",
};

/** Written short at the end of a word, as Roman Hindi does ("का" ka, "की" ki, "तू" tu). */
const FINAL_SHORT: Record<string, string> = { aa: "a", ee: "i", oo: "u" };

const SYMBOLS: Record<string, string> = {
  "\u0964": ".", // ।
  "\u0965": ".", // ॥
  "\u0970": ".", // ॰
  ...Object.fromEntries([..."०१२३४५६७८९"].map((d, i) => [d, String(i)])),
};

const VIRAMA = "\u094D";
const NUKTA = "\u093C";
const NASALS = new Set(["\u0901", "\u0902"]); // candrabindu, anusvara
const VISARGA = "\u0903";

/** क़ ख़ ग़ ज़ ड़ ढ़ फ़ य़ ऩ ऱ ऴ as one code point each: read as the letter plus a nukta. */
const PRECOMPOSED_NUKTA = /[\u0929\u0931\u0934\u0958-\u095F]/g;

/** A run of Devanagari letters and signs; zero-width (non-)joiners inside a word are only spelling hints. */
const WORD = /[\u0900-\u0963\u0971-\u097F][\u0900-\u0963\u0971-\u097F\u200C\u200D]*/g;

interface Sound {
  latin: string;
  vowel: boolean;
  /** The inherent "a" of a consonant, which may go unsaid. */
  schwa?: boolean;
  /** A vowel written as a sign on a consonant (not as a letter of its own). */
  sign?: boolean;
  /** Anusvara, candrabindu or visarga: they colour the vowel before them. */
  coda?: boolean;
}

function transliterateWord(word: string): string {
  const sounds: Sound[] = [];
  const chars = [...word];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    const consonant = CONSONANTS[c];
    if (consonant !== undefined) {
      // ज्ञ is said (and written) "gy": "ज्ञान" gyaan.
      if (c === "ज" && chars[i + 1] === VIRAMA && chars[i + 2] === "ञ") {
        sounds.push({ latin: "g", vowel: false });
        sounds.push({ latin: "y", vowel: false });
        i += 2;
      } else if (chars[i + 1] === NUKTA) {
        sounds.push({ latin: WITH_NUKTA[c] ?? consonant, vowel: false });
        i++;
      } else {
        sounds.push({ latin: consonant, vowel: false });
      }
      const after = chars[i + 1];
      if (after === VIRAMA) i++;
      else if (after !== undefined && VOWEL_SIGNS[after] !== undefined) {
        sounds.push({ latin: VOWEL_SIGNS[after], vowel: true, sign: true });
        i++;
      } else sounds.push({ latin: "a", vowel: true, schwa: true });
    } else if (VOWELS[c] !== undefined) {
      sounds.push({ latin: VOWELS[c], vowel: true });
    } else if (NASALS.has(c)) {
      sounds.push({ latin: "n", vowel: false, coda: true });
    } else if (c === VISARGA) {
      sounds.push({ latin: "h", vowel: false, coda: true });
    } else if (c === "ॐ") {
      sounds.push({ latin: "om", vowel: true });
    }
    // Anything else (a stray sign, avagraha, a joiner) is not said.
  }
  dropUnsaidSchwas(sounds);
  shortenFinalVowel(sounds);
  return sounds.map((s) => s.latin).join("");
}

function dropUnsaidSchwas(sounds: Sound[]): void {
  const n = sounds.length;
  const last = sounds[n - 1];
  // At the end of a word of more than one syllable, except after a cluster ending in y, r or w ("मित्र").
  if (last?.schwa && sounds.slice(0, -1).some((s) => s.vowel)) {
    const cluster = n >= 3 && !sounds[n - 3]!.vowel && ["y", "r", "w"].includes(sounds[n - 2]!.latin);
    if (!cluster) sounds.pop();
  }
  // Between syllables: vowel, consonant, a, consonant, vowel loses the "a" ("उसने" u-s-a-n-e → usne). Right
  // to left, as a dropped "a" closes the syllable before it ("समझना" samajhna, not samjhana).
  for (let p = sounds.length - 3; p >= 2; p--) {
    const [before, consonant, next, vowel] = [sounds[p - 2]!, sounds[p - 1]!, sounds[p + 1]!, sounds[p + 2]!];
    if (sounds[p]!.schwa && before.vowel && !consonant.vowel && !next.vowel && !next.coda && vowel.vowel) {
      sounds.splice(p, 1);
    }
  }
}

function shortenFinalVowel(sounds: Sound[]): void {
  let k = sounds.length - 1;
  while (k >= 0 && sounds[k]!.coda) k--;
  const final = sounds[k];
  if (!final?.vowel) return;
  // A vowel letter alone is a word of its own and stays long ("आ रहा" aa raha).
  if (final.sign || k > 0) final.latin = FINAL_SHORT[final.latin] ?? final.latin;
}
