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
  return westernDigits(text)
    .replace(PRECOMPOSED_NUKTA, (c) => c.normalize("NFD"))
    .replace(WORD, transliterateWord)
    .replace(/[\u0964\u0965\u0970]/g, ".");
}

/**
 * The zero of each script whose digits speech recognition may write: Devanagari, Gurmukhi, Tamil, Telugu,
 * Arabic-Indic and Urdu's (extended Arabic-Indic).
 */
const ZEROS = [0x966, 0xa66, 0xbe6, 0xc66, 0x660, 0x6f0];

/** Digits of the scripts above as ASCII digits ("१२" → "12"); everything else unchanged. */
export function westernDigits(text: string): string {
  return text.replace(
    /[\u0966-\u096f\u0a66-\u0a6f\u0be6-\u0bef\u0c66-\u0c6f\u0660-\u0669\u06f0-\u06f9]/g,
    (d) => {
      const c = d.charCodeAt(0);
      return String(c - ZEROS.find((z) => c >= z && c <= z + 9)!);
    },
  );
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
  // स़ and ल़ are not Hindi; they are how Gurmukhi's ਸ਼ and ਲ਼ decompose.
  स: "sh",
  ल: "l",
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

const VIRAMA = "\u094D";
const NUKTA = "\u093C";
const NASALS = new Set(["\u0901", "\u0902"]); // candrabindu, anusvara
const VISARGA = "\u0903";
/** Gurmukhi's addak, which gurmukhiToLatin leaves in the Devanagari it reads: the next consonant is doubled. */
const ADDAK = "\u0A71";

/** क़ ख़ ग़ ज़ ड़ ढ़ फ़ य़ ऩ ऱ ऴ as one code point each: read as the letter plus a nukta. */
const PRECOMPOSED_NUKTA = /[\u0929\u0931\u0934\u0958-\u095F]/g;

/**
 * A run of Devanagari letters and signs; zero-width (non-)joiners inside a word are only spelling hints, and
 * an addak is left there by gurmukhiToLatin.
 */
const WORD = /[\u0900-\u0963\u0971-\u097F](?:[\u0900-\u0963\u0971-\u097F\u200C\u200D]|\u0A71)*/g;

interface Sound {
  latin: string;
  vowel: boolean;
  /** The inherent "a" of a consonant, which may go unsaid. */
  schwa?: boolean;
  /** A vowel written as a sign on a consonant (not as a letter of its own). */
  sign?: boolean;
  /** Anusvara, candrabindu or visarga: they colour the vowel before them. */
  coda?: boolean;
  /** A consonant doubled by Gurmukhi's addak, which closes the syllable before it. */
  geminate?: boolean;
}

function transliterateWord(word: string): string {
  const sounds: Sound[] = [];
  const chars = [...word];
  let doubled = false;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    const consonant = CONSONANTS[c];
    if (c === ADDAK) {
      doubled = true;
      continue;
    }
    if (consonant !== undefined) {
      const start = sounds.length;
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
      // Gurmukhi's addak: the consonant is said twice, written with its first letter doubled ("ਉੱਠ" utth).
      if (doubled) {
        sounds[start] = {
          latin: sounds[start]!.latin[0]! + sounds[start]!.latin,
          vowel: false,
          geminate: true,
        };
      }
      doubled = false;
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
    if (consonant === undefined) doubled = false;
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
    if (
      sounds[p]!.schwa &&
      before.vowel &&
      !consonant.vowel &&
      !next.vowel &&
      !next.coda &&
      !next.geminate &&
      vowel.vowel
    ) {
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

/**
 * Punjabi in Gurmukhi → the same everyday Latin spelling ("ਸਾਹ ਨਹੀਂ ਆ ਰਿਹਾ" → "saah nahin aa riha"). Unicode
 * lays Gurmukhi out parallel to Devanagari (one block of 0x80 code points, 0x100 further on), and the two
 * scripts spell the sounds the same way, so each letter is read as its Devanagari twin and then through
 * devanagariToLatin. Gurmukhi's own signs: tippi and bindi are "n" (as anusvara), addak doubles the next
 * consonant ("ਬੱਚਾ" baccha), the vowel bearers ੳ and ੲ with a vowel sign are that vowel, and the nukta
 * letters (ਸ਼ ਖ਼ ਗ਼ ਜ਼ ਫ਼ ਲ਼, precomposed or not) read sh, kh, gh, z, f, l. Gurmukhi digits become 0-9; other text
 * is unchanged. Pure.
 */
export function gurmukhiToLatin(text: string): string {
  if (!GURMUKHI.test(text)) return text;
  const devanagari = text
    .replace(BEARER_WITH_SIGN, (m) => BEARERS[m] ?? m)
    .replace(/[\u0A00-\u0A7F]/g, (c) => {
      const own = GURMUKHI_SIGNS[c];
      if (own !== undefined) return own;
      return String.fromCodePoint(c.codePointAt(0)! - 0x100);
    });
  return devanagariToLatin(devanagari).replace(/\u0A71/g, "");
}

const GURMUKHI = /[\u0A00-\u0A7F]/;

/** ੳ and ੲ carry the vowel signs that have no letter of their own in Gurmukhi's order of typing. */
const BEARERS: Record<string, string> = {
  "\u0A73\u0A41": "उ",
  "\u0A73\u0A42": "ऊ",
  "\u0A73\u0A4B": "ओ",
  "\u0A72\u0A3F": "इ",
  "\u0A72\u0A40": "ई",
  "\u0A72\u0A47": "ए",
};
const BEARER_WITH_SIGN = /\u0A73[\u0A41\u0A42\u0A4B]|\u0A72[\u0A3F\u0A40\u0A47]/g;

/** Gurmukhi signs that are not their Devanagari twin 0x100 code points back. */
const GURMUKHI_SIGNS: Record<string, string> = {
  "\u0A70": "\u0902", // tippi: a nasal, as anusvara
  "\u0A02": "\u0902", // bindi
  "\u0A01": "\u0901", // adak bindi
  "\u0A71": "\u0A71", // addak: kept for devanagariToLatin, which doubles the next consonant
  "\u0A72": "अ", // a bearer without a sign
  "\u0A73": "उ",
  "\u0A74": "", // ੴ, a religious symbol
  "\u0A75": "\u094D\u092F", // yakash: a subjoined ya
  "\u0A51": "", // udaat
  "\u0A76": ".", // abbreviation sign
};

/**
 * Urdu in Arabic script → the Roman Urdu spelling of the words the triage patterns read ("سانس نہیں آ رہی"
 * → "saans nahi aa rahi"). Urdu leaves most short vowels unwritten, so a letter-by-letter reading cannot say
 * "dil" for دل or "dard" for درد; a word table can, for the few hundred words that matter. Letter variants
 * are made one first (Arabic ي ى → ی, ك → ک, ه ۀ ة → ہ, tatweel, harakat, zero-width joiners dropped; a word
 * not in the table is also tried with ه read as the ھ of aspirates, as Arabic keyboards type both with ه).
 * Words not in the table stay as they are; Urdu and Arabic digits become 0-9. Pure.
 */
export function urduToLatin(text: string): string {
  if (!ARABIC.test(text)) return text;
  return westernDigits(text.normalize("NFKC"))
    .replace(/[\u064B-\u065F\u0670\u0640\u200B-\u200D]/g, "")
    .replace(/[يى]/g, "ی")
    .replace(/ك/g, "ک")
    .replace(/[ۀۂة]/g, "ہ")
    .replace(/[\u0621-\u063A\u0641-\u064A\u066E-\u06D3\u06D5\u06FA-\u06FF\u0750-\u077F]+/g, readUrduWord);
}

const ARABIC = /[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]/;

function readUrduWord(word: string): string {
  const plain = word.replace(/ه/g, "ہ");
  return URDU_WORDS[plain] ?? URDU_WORDS[word.replace(/ه/g, "ھ")] ?? plain;
}

/**
 * Urdu words → the Roman spelling bot/redflags.ts's patterns are written in (not always the most common one:
 * "bacche" for بچے because the patterns say so). Grouped by what they are needed for.
 */
const URDU_WORDS: Record<string, string> = {
  // Small words the phrases are made of.
  کا: "ka",
  کی: "ki",
  کے: "ke",
  کو: "ko",
  میں: "mein",
  سے: "se",
  اور: "aur",
  نہیں: "nahi",
  نہ: "na",
  ہے: "hai",
  ہیں: "hain",
  ہوں: "hoon",
  ہو: "ho",
  تھا: "tha",
  تھی: "thi",
  تھے: "the",
  آ: "aa",
  رہا: "raha",
  رہی: "rahi",
  رہے: "rahe",
  گیا: "gaya",
  گئی: "gayi",
  گئے: "gaye",
  گیی: "gayi",
  لیا: "liya",
  لی: "li",
  لیں: "lin",
  لے: "le",
  لینے: "lene",
  لینا: "lena",
  دے: "de",
  دینا: "dena",
  بہت: "bahut",
  ساری: "saari",
  سارے: "saari",
  پوری: "poori",
  پورا: "poori",
  ایک: "ek",
  طرف: "taraf",
  اپنی: "apni",
  اپنا: "apna",
  خود: "khud",
  پڑا: "pada",
  پڑی: "padi",
  پڑے: "pade",
  پڑ: "pad",
  ہارٹ: "heart",
  اٹیک: "attack",
  اٹیکک: "attack",
  // Heart and chest.
  دل: "dil",
  دورہ: "daura",
  دورا: "daura",
  دورے: "daure",
  سینے: "seene",
  سینہ: "seena",
  چھاتی: "chhaati",
  درد: "dard",
  بھاری: "bhaari",
  جلن: "jalan",
  پسینہ: "paseena",
  پسینے: "paseena",
  بازو: "baazu",
  ہاتھ: "haath",
  رک: "ruk",
  بند: "band",
  // Breath.
  سانس: "saans",
  سانسیں: "saanse",
  دم: "dum",
  گھٹ: "ghut",
  گھٹنے: "ghutne",
  اٹک: "atak",
  اکھڑ: "ukhad",
  تکلیف: "taklif",
  دقت: "dikkat",
  دشواری: "dikkat",
  مشکل: "mushkil",
  پریشانی: "pareshani",
  // Consciousness.
  بےہوش: "behosh",
  بے: "be",
  ہوش: "hosh",
  کھو: "kho",
  گم: "gum",
  اٹھ: "uth",
  جاگ: "jaag",
  گر: "gir",
  بول: "bol",
  // Stroke.
  فالج: "falij",
  لقوہ: "laqwa",
  منہ: "munh",
  ٹیڑھا: "tedha",
  ٹیڑھی: "tedhi",
  زبان: "zubaan",
  آواز: "awaaz",
  لڑکھڑا: "ladkhad",
  کمزوری: "kamzori",
  سن: "sunn",
  // Blood.
  خون: "khoon",
  لہو: "lahu",
  بہہ: "beh",
  بہ: "beh",
  بہنا: "behna",
  بہتا: "behta",
  نکل: "nikal",
  الٹی: "ulti",
  الٹیاں: "ultiyan",
  // Children.
  بچہ: "bacha",
  بچے: "bacche",
  بچی: "bachi",
  نیلا: "neela",
  نیلی: "neeli",
  ہل: "hil",
  ہلا: "hila",
  // Wanting to die.
  مر: "mar",
  مرنا: "marna",
  جانا: "jana",
  جاؤں: "jaun",
  جانے: "jaane",
  چاہتا: "chahta",
  چاہتی: "chahti",
  چاہتے: "chahte",
  خودکشی: "khudkushi",
  کشی: "kushi",
  جینا: "jeena",
  جینے: "jeene",
  زندہ: "zinda",
  رہنا: "rehna",
  زندگی: "zindagi",
  ختم: "khatam",
  جان: "jaan",
  مار: "maar",
  من: "mann",
  ارادہ: "irada",
  // Poison and pills.
  زہر: "zehar",
  کھا: "kha",
  پی: "pi",
  گولیاں: "goliyan",
  گولی: "goli",
  گولیوں: "goliyon",
  دوائی: "dawai",
  دوا: "dawa",
  دوائیاں: "dawaiyan",
  نیند: "neend",
  تیزاب: "tezaab",
  چوہے: "choohe",
  // Swelling.
  گلا: "gala",
  گلے: "gale",
  ہونٹ: "honth",
  چہرہ: "chehra",
  سوج: "sooj",
  سوجن: "soojan",
  // Fits.
  مرگی: "mirgi",
  جھٹکے: "jhatke",
};
