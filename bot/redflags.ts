/**
 * Deterministic red-flag triage, run on every message before anything else (no model: the same text always
 * gets the same answer, and a model never sees an emergency). When in doubt it fires: a false alarm costs a
 * sentence, a miss can cost a life. Pure: no I/O.
 *
 * The text is normalised first (normalizeForTriage): case, accents, curly quotes, apostrophes ("can't" →
 * "cant"), punctuation, letters repeated for emphasis ("diiie"), digits standing for letters ("su1c1de")
 * and words split by spaces ("coll apsed", "c o l l a p s e d", "be hosh") are undone, so the patterns
 * below are written against plain lower-case words separated by single spaces. English plus the
 * transliterated (Roman script) Hindi/Urdu our Indian and Pakistani cities write; Hindi in Devanagari is
 * read through its Roman spelling (domain/shared/transliterate.ts), which some patterns list as well
 * ("chaahta", "men", "aawaaz"). Where a word alone has an everyday meaning ("khoon ki jaanch" is a blood
 * test, "daura" a tour, "blue" a colour) the pattern is a phrase; bot/redflags.test.ts keeps a corpus of
 * phrasings that must and must not fire.
 */
import { phoneRegionOf } from "../domain/shared/phone.js";
import { devanagariToLatin } from "../domain/shared/transliterate.js";

export type RedFlag =
  | "cardiac"
  | "stroke"
  | "bleeding"
  | "not_breathing"
  | "unconscious"
  | "infant"
  | "suicide"
  | "poisoning"
  | "anaphylaxis"
  | "seizure"
  /** Someone says a person is dying, without saying how. */
  | "critical";

// --- word families (regex sources; groups do not capture) ----------------------------------------------

const re = (source: string): RegExp => new RegExp(source);

/** breathe and its usual misspellings: breath, breathe, breathing, breathin, breating, breth, breething… */
const BREATHE = String.raw`br(?:ea|e|ee|a|eah)(?:th|t|ht)(?:e|es|ing|in|ng|s)?`;
/** Not / cannot / stopped / struggling to …, before "breathe". */
const NOT = String.raw`(?:not|isnt|aint|stopped|cant|can t|can not|cannot|cnt|couldnt|could not|unable to|struggling to|struggle to|hard to|difficult to|difficulty|trouble|wont|will not|doesnt|does not|didnt|did not)`;
/** Not what breathing is about in ordinary requests ("breathing exercises", "no breathing problems"). */
const NOT_AN_EMERGENCY_BREATH = String.raw`(?! (?:problems?|issues?|exercises?|techniques?|through (?:the|my|his|her) (?:nose|mouth)))`;
const PILLS = String.raw`(?:pills?|tablets?|tabs|capsules?|caps|meds|medicines?|medication|sleeping|goliy[ao]n?|goli|dawaa?i(?:yan)?|dawaa?)`;
/** A dangerous quantity: a number from 10 (not a dose like "10 mg"), "too many", "a whole strip"… */
const MANY = String.raw`(?:\d{2,}(?! ?(?:mg|mcg|ml|g|gm|grams?|units?|iu)\b)|too many|so many|a lot of|lots of|whole|entire|a bottle of|the bottle of|a strip of|a handful of|handful of|dozens of|twenty|thirty|forty|fifty|hundred|bahut sari|bahut saari|saari|sari|poori|puri)`;
const UNCONSCIOUS = String.raw`un ?c[aoi]n[cs]?[sc]?h?[iu]?[ou]?u?s`;
const HINDI_NOT = String.raw`(?:nahi|nahin|nhi|nai|nahee|na)`;
const CHEST = String.raw`(?:chest|chst|chesst|seene|sine|seena|seeney|chaati|chhati|chati|chhaati)`;
const CHEST_PAIN = String.raw`(?:pain|pian|pains|hurts?|hurting|tight|tightness|pressure|crushing|heavy|heaviness|squeez\w*|dard|dardh|bhaari|bhari|jalan)`;
const BREATHLESS = String.raw`(?:${BREATHE}|breathless\w*|short of breath|shortness of breath|sob|sweat\w*|arm|jaw|saa?ns|sans|swas|pasina|paseena|baazu|baju|haath)`;
const BABY = String.raw`(?:baby|babys|babies|infant|newborn|new born|toddler|bacha|bachha|bachcha|bacche|bachi|bachhi|munna|munni)`;
/** Who a message is about, when a pattern needs a person (not "my phone is about to die"). */
const FAMILY = String.raw`(?:(?:my|his|her|our) )?(?:father|mother|dad|daddy|mom|mum|mummy|mama|papa|son|daughter|husband|wife|baby|child|kid|brother|sister|grandma|grandpa|grandmother|grandfather|granny|friend|uncle|aunt|boy|girl|patient)`;
/** Words of a medical test or reading, not of blood being lost ("blood test", "blood sugar"). */
const BLOOD = String.raw`blood(?! (?:sugar|pressure|tests?|reports?|work|group|count|levels?|donation|bank|results?))`;

const PATTERNS: [RedFlag, RegExp[]][] = [
  [
    "cardiac",
    [
      /\bhe?art ?att?ac?k\b/,
      /\bhaa?rt ?att?aik\b/,
      /\bcardiac arrest\b/,
      re(String.raw`\b${CHEST}\b.{0,40}\b${CHEST_PAIN}\b.{0,80}\b${BREATHLESS}\b`),
      re(String.raw`\b${BREATHLESS}\b.{0,80}\b${CHEST}\b.{0,40}\b${CHEST_PAIN}\b`),
      re(String.raw`\bcrushing\b.{0,20}\b${CHEST}\b`),
      /\bdil ka (?:daura|dora|doura)\b/,
      /\b(?:heart|dil) (?:ruk|band ho)\w*/,
    ],
  ],
  [
    "stroke",
    [
      /\bstroke?\b(?! of (?:luck|genius|midnight))/,
      /\bface\b.{0,20}\b(?:droop\w*|fallen|numb|crooked|twisted)\b/,
      /\bdroop\w*\b.{0,20}\bface\b/,
      /\bslurr\w*\b.{0,20}\b(?:speech|words|talk\w*|speak\w*)\b/,
      /\b(?:one ?sided|one side|left side|right side|half (?:of )?(?:the|his|her|my) body)\b.{0,30}\b(?:weak\w*|numb\w*|paraly[sz]\w*|cant move)\b/,
      /\b(?:weak\w*|numb\w*|paraly[sz]\w*)\b.{0,30}\b(?:on )?(?:one|the left|the right) side\b/,
      /\b(?:cant|cannot|can not|unable to) (?:move|lift|feel) (?:my|his|her|their) (?:arm|leg|face|hand)\b/,
      /\b(?:suddenly|sudden)\b.{0,20}\b(?:cant|cannot|unable to) (?:speak|talk|see)\b/,
      /\b(?:lakwa|lakva|laqwa|laqva|falij|faalij|falaj)\b/,
      /\b(?:muh|munh|moonh|mooh|mu) (?:tedha|terha|tedhi|terhi|tircha|latak)\w*/,
      /\b(?:zubaan|zuban|jubaan|juban|awaaz|aawaz|aawaaz) (?:ladkhad|lad khad|ladakhd|atak)\w*/,
      /\bek (?:taraf|taraph|side|hissa)\b.{0,20}\b(?:kamzori|kamjori|sunn|sun|kaam nahi)\b/,
    ],
  ],
  [
    "bleeding",
    [
      re(
        String.raw`\b(?:bleeding|bleed|${BLOOD})\b.{0,40}\b(?:wont|will not|doesnt|does not|not|cant|cannot|isnt)\b.{0,10}\bstop`,
      ),
      re(
        String.raw`\b(?:heavy|heavily|severe|severely|lots of|a lot of|profuse\w*|spurting|gushing|pouring|so much|too much)\b.{0,15}\b(?:bleed\w*|bleding|${BLOOD})\b`,
      ),
      /\b(?:bleed\w*|bleding) (?:heavily|badly|profusely|a lot|everywhere|non ?stop)\b/,
      /\b(?:vomiting|coughing|throwing up|puking|spitting) (?:up )?blood\b/,
      /\bblood everywhere\b/,
      /\blost (?:a lot of|so much|too much|lots of) blood\b/,
      /\b(?:khoon|khun) (?:ki |ke )?(?:ulti|ultiyan|ultian)\b/,
      /\b(?:khoon|khun|lahu|lahoo)\b.{0,20}\b(?:(?:beh|bah)(?:na|ta|ti|te|ne)?|nikal\w*|ruk (?:nahi|nahin|nhi|nai)|band (?:nahi|nahin|nhi)|aa (?:raha|rahi|rha|rhi))\b/,
    ],
  ],
  [
    "not_breathing",
    [
      re(String.raw`\b${NOT} (?:be )?${BREATHE}\b${NOT_AN_EMERGENCY_BREATH}`),
      re(String.raw`\b${BREATHE} (?:has )?(?:stopped|stop)\b`),
      /\bno (?:pulse|heart ?beat)\b(?! ?ox)/,
      /\b(?:pulse|heart ?beat) (?:is )?(?:gone|not there|stopped)\b/,
      /\bcant (?:find|feel) (?:a |his |her |the )?(?:pulse|heart ?beat)\b/,
      /\bgasp(?:ing|ed|s)?\b/,
      /\bchok(?:ing|ed|es)\b/,
      /\bsuffocat\w*/,
      /\b(?:turning|turned|gone|going|went|goes)(?: all| very| a bit)? blue\b/,
      /\b(?:lips?|face|skin|fingers|nails)\b(?: (?:is|are|look|looks|have|has))?(?: turned| gone| going)?(?: all| very| a bit)? blue\b/,
      /\bblue (?:lips?|face)\b/,
      re(
        String.raw`\b(?:saa?ns|sans|swas|swaas|shwas|shwaas|saa?nse)\b.{0,12}\b(?:${HINDI_NOT}|ruk|band|atak|ukhad|ghut)\w*`,
      ),
      /\b(?:saa?ns|sans|swas|shwas) (?:lene|lena)\b.{0,15}\b(?:taklif|takleef|takleeph|taklef|dikkat|dikat|pareshani|pareshaani|mushkil|problem)\b/,
      /\b(?:dum|dam) ghut\w*/,
    ],
  ],
  [
    "unconscious",
    [
      re(String.raw`\b${UNCONSCIOUS}\b`),
      /\bunrespon\w*/,
      /\b(?:he|she|they|hes|shes|baby|dad|mom|mum|father|mother|papa|mummy|grandma|grandpa|child|son|daughter|husband|wife)\b.{0,15}\bnot responding\b/,
      /\bcoll?aps\w*/,
      /\bpassed out\b/,
      /\bblacked out\b/,
      /\bfaint(?:ed|s)\b/,
      /\b(?:wont|will not|doesnt|isnt|not) wak(?:e|ing) up\b/,
      /\b(?:cant|cannot|can not) wake (?:him|her|them|my \w+)\b/,
      /\b(?:be ?hoo?shi?|behos)\b/,
      re(String.raw`\bhosh (?:(?:me|mein|men|mai|main) )?(?:${HINDI_NOT}|kho|gum)\b`),
      re(String.raw`\b(?:uth|utth|jag|jaag) ${HINDI_NOT} (?:rahe|raha|rahi|rhe|rha|rhi)\b`),
      /\bgir (?:pade|pada|padi|gaye|gaya|gayi) (?:aur|or|and)\b.{0,20}\b(?:uth|hosh|bol)\w*/,
    ],
  ],
  [
    "infant",
    [
      re(
        String.raw`\b${BABY}\b.{0,40}\b(?:is|turning|turned|gone|going|went|looks?|became|has gone|feels?)(?: all| very| a bit| so)? (?:limp|floppy|blue|grey|gray|purple)\b`,
      ),
      re(
        String.raw`\b${BABY}\b.{0,40}\b(?:not breathing|${NOT} ${BREATHE}|unresponsive|wont wake|cant wake|not waking|not moving)\b`,
      ),
      re(String.raw`\b${BABY}\b.{0,40}\b(?:neela|neeli|nila|nili|kala|kaali) (?:pad|ho)\w*`),
      re(String.raw`\b${BABY}\b.{0,40}\b(?:hil|hila) ${HINDI_NOT}\b`),
    ],
  ],
  [
    "suicide",
    [
      /\bsu[ie]{0,2}[cs]{1,2}id\w*/,
      /\bkill(?:ing)? (?:my|him|her|them|your) ?sel(?:f|ves)\b/,
      /\b(?:end|ending|take|taking) (?:my|his|her) (?:own )?life\b/,
      /\bend (?:it all|everything)\b/,
      /\b(?:want|wanna|wana|wanted|wants|ready|trying|try|plan\w*|wish) (?:to )?(?:die|be dead|end it|end my life)\b/,
      /\bwish (?:i|he|she) (?:was|were|had) (?:dead|died|never been born)\b/,
      /\bbetter off dead\b/,
      /\b(?:dont|do not|dnt|no longer|doesnt|does not|never) (?:want|wanna|wish|feel like) (?:to )?(?:live|be alive|wake up|exist)\b(?! (?:in|at|near|here|there|abroad|on|by|with|early|late|before)\b)/,
      /\b(?:no|not any|nothing to) (?:reason|point) (?:to|in|of) (?:live|living|life)\b/,
      /\bno reason to live\b/,
      /\bself ?harm\w*/,
      /\b(?:hurt|hurting|harm|harming|cut|cutting|burn|burning) (?:my|him|her) ?self\b/,
      /\b(?:cut|slit|slash)\w* (?:my|his|her) wrists?\b/,
      /\bhang (?:my|him|her) ?self\b/,
      // Hindi/Urdu: "I want to die", suicide, "I don't want to live", "take my own life".
      /\bmar (?:jana|jaana|jaun|jau|jaunga|jaungi|jaaun|jaaunga|jaaungi)\b/,
      /\bmarna (?:chaa?hta|chaa?hti|chaa?hte|hai|chaa?hiye)\b/,
      /\bmar (?:jane|jaane) (?:ka|ki) (?:mann|man|dil|irada)\b/,
      /\b(?:khud ?kushi|khudkhushi|khud ?kashi|aatm ?hatya|atm ?hatya|aatmahatya|atmahatya)\b/,
      re(
        String.raw`\b(?:jeena|jina|jeene|jine|zinda) (?:rehna |rahna )?${HINDI_NOT} (?:chaa?hta|chaa?hti|chaa?hte|hai)\b`,
      ),
      /\b(?:jeene|jine) (?:ka|ki) (?:mann|man|dil|ichha|iccha|wajah) (?:nahi|nahin|nhi|nai)\b/,
      /\bzindagi (?:khatam|khatm|khtm|se tang)\b/,
      /\b(?:apni|apna) (?:jaan|jan) (?:le|lena|de|dena|dunga|dungi|lunga|lungi)\b/,
      /\bkhud ko (?:maar|mar|khatam|khtm|nuksan|nuksaan|chot)\w*/,
    ],
  ],
  [
    "poisoning",
    [
      /\bo[vw][ae]r ?do[szj]\w*/,
      /(?<!food )\bpois[oe]n\w*/,
      re(
        String.raw`\b(?:took|taken|swallowed|ate|eaten|drank|drunk|consumed|popped)\b.{0,20}\b${MANY}\b.{0,25}\b${PILLS}\b`,
      ),
      /\ball (?:of )?(?:my|the|his|her) (?:pills|tablets|meds|medicines|sleeping pills) (?:at once|together|in one go)\b/,
      /\b(?:took|taken|swallowed|ate|eaten|drank|drunk|consumed)\b.{0,20}\b(?:bleach|pesticide|insecticide|kerosene|rat poison|phenyl|harpic|detergent|antifreeze|weed killer)\b/,
      /\b(?:drank|drunk|swallowed) (?:some |the )?acid\b/,
      /\b(?:zeher|zehar|zahar|zaher|jeher|jehar|jahar|zehr)\b/,
      re(
        String.raw`\b(?:${MANY}|neend ki|nind ki)\b.{0,15}\b${PILLS}\b.{0,20}\b(?:kha|khaa|le|pi)\w* ?(?:li|liya|lia|lin|gaya|gayi|gai|gye|gaye|gae)\b`,
      ),
      /\b(?:chuhe maar|choohe maar|chuha maar|keetnashak|keetnaashak|keet nashak|tezaab|tezab)\b/,
    ],
  ],
  [
    "anaphylaxis",
    [
      /\banaphyla\w*/,
      /\b(?:throat|tongue|lips?|face|mouth)\b (?:is |are |feels? |has |have |getting |started )?(?:swell\w*|swollen|closing|tight\w*)\b/,
      /\bswollen (?:throat|tongue|lips?)\b/,
      /\b(?:severe|bad)\b.{0,10}\ballergic reaction\b/,
      re(String.raw`\ballergic reaction\b.{0,60}\b(?:${BREATHE}|swell\w*|swollen)\b`),
      /\b(?:gala|gale|zubaan|zuban|honth|hont|chehra) (?:(?:me|mein|men|mai|main) )?(?:sooj|sujh|suj|sujan|soojan)\w*/,
    ],
  ],
  [
    "seizure",
    [
      /\bs(?:ei|ie)z(?:ure|ures|ing|ed|er|ers)\b/,
      /\bconvuls\w*/,
      /\b(?:he|she|hes|shes|baby|son|daughter|child|is|was|keeps|started|been) fitting\b(?! (?:well|nicely|properly|fine|perfectly|room|into|in|on)\b)/,
      /\b(?:having|getting|got|had|has) (?:a )?fits?\b/,
      /\bepilep\w* (?:fit|attack|seizure)\b/,
      /\b(?:mirgi|mirgee|mirghi)\b/,
      /(?<!dil ka |heart ka )\b(?:daura|dora|doura) (?:pad|pada|padaa|padi|padna|aaya|aya|aa)\w*/,
      /\bjhatk\w* (?:aa|lag|aane|lagne)\w*/,
    ],
  ],
  [
    "critical",
    [
      re(
        String.raw`\b(?:i|im|i am|he|hes|she|shes|they|we|${FAMILY})\b (?:is |am |are |feel like im |feel like i am )?(?:dying|going to die|gonna die|about to die)\b(?! (?:to|of|for|laughing)\b)`,
      ),
      /\bmar (?:raha|rahi|rahe|rha|rhi|rhe) (?:hai|hain|hoon|hu|hun)\b/,
    ],
  ],
];

/**
 * Words the normaliser re-joins when a message splits them with spaces ("coll apsed", "be hosh",
 * "o v e r d o s e"): a run of adjacent tokens is joined when the joined word is one of these and none of
 * the tokens is one by itself (so ordinary words stay apart).
 */
const JOINABLE =
  /^(?:coll?aps\w*|uncon\w*|unrespons\w*|suicid\w*|overdos\w*|seiz\w*|convuls\w*|breath\w*|bleed\w*|poison\w*|suffocat\w*|behoo?sh|khudkushi|aatmahatya|atmahatya|zeh[ae]r|anaphyla\w*|heartattack|stroke|mirgi|lakwa)$/;

const LEET: Record<string, string> = { "0": "o", "1": "i", "3": "e", "@": "a", $: "s" };

/**
 * The text as the patterns read it: lower case without accents, a possessive "'s" dropped and other
 * apostrophes removed ("can't" → "cant"), a digit or symbol between letters read as the letter it stands
 * for ("su1c1de"), other punctuation as spaces, a letter repeated 3+ times once ("diiie" → "die"), words
 * split by spaces re-joined, single spaces.
 */
export function normalizeForTriage(text: string): string {
  const plain = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]+/g, "")
    .toLowerCase()
    .replace(/[’‘`´ʼ]/g, "'")
    .replace(/(\p{L})'s\b/gu, "$1")
    .replace(/(\p{L})'(\p{L})/gu, "$1$2")
    .replace(/(?<=\p{L})[013@$]+(?=\p{L})/gu, (m) => [...m].map((c) => LEET[c] ?? c).join(""))
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .replace(/(\p{L})\1{2,}/gu, "$1")
    .trim();
  const tokens = plain === "" ? [] : plain.split(" ");
  const out: string[] = [];
  for (let i = 0; i < tokens.length;) {
    let joined = 0;
    for (let j = Math.min(tokens.length - 1, i + 12); j > i && joined === 0; j--) {
      const run = tokens.slice(i, j + 1);
      const word = run.join("");
      if (word.length <= 24 && JOINABLE.test(word) && !run.some((w) => JOINABLE.test(w))) {
        out.push(word);
        joined = run.length;
      }
    }
    if (joined === 0) out.push(tokens[i++]!);
    else i += joined;
  }
  return out.join(" ");
}

const DEVANAGARI = /[\u0900-\u097F]/;

/**
 * The red flags this text raises, most urgent first; empty when none. Hindi in Devanagari (what speech
 * recognition writes once a caller speaks Hindi) is also read in its Roman spelling, which the patterns are
 * written in; a flag raised by either reading counts.
 */
export function redFlags(text: string): RedFlag[] {
  const readings = [normalizeForTriage(text)];
  if (DEVANAGARI.test(text)) readings.push(normalizeForTriage(devanagariToLatin(text)));
  const texts = readings.filter((t) => t !== "");
  if (texts.length === 0) return [];
  return PATTERNS.filter(([, res]) => res.some((r) => texts.some((t) => r.test(t)))).map(([flag]) => flag);
}

const CITY_COUNTRY: Record<string, string> = {
  delhi: "IN",
  "new delhi": "IN",
  mumbai: "IN",
  bengaluru: "IN",
  bangalore: "IN",
  chennai: "IN",
  kolkata: "IN",
  hyderabad: "IN",
  pune: "IN",
  karachi: "PK",
  lahore: "PK",
  islamabad: "PK",
  london: "GB",
  "new york": "US",
};

/** The person's country from their profile city, else their phone number's region; undefined when unknown. */
export function countryOf(profile: { city?: string | null; phone?: string | null }): string | undefined {
  const city = profile.city?.trim().toLowerCase();
  if (city && CITY_COUNTRY[city]) return CITY_COUNTRY[city];
  return phoneRegionOf(profile.phone);
}

export function emergencyNumber(
  numbers: Readonly<Record<string, string>>,
  country: string | undefined,
): string {
  return (country && numbers[country]) || numbers.DEFAULT || "112";
}

const ADVICE: Record<RedFlag, string> = {
  cardiac: "Chest pain with breathlessness can be a heart attack.",
  stroke: "Face drooping, slurred speech or weakness on one side can be a stroke; every minute counts.",
  bleeding: "Press firmly on the wound with a clean cloth and keep pressing.",
  not_breathing: "If the person is not breathing, start chest compressions if you know how.",
  unconscious:
    "If the person is breathing, lay them on their side; if not, start chest compressions if you know how.",
  infant:
    "A baby who is blue, limp or not breathing needs help now: keep the baby on its back and call while you check its breathing.",
  suicide:
    "You are not alone, and you deserve help right now. If you are in danger, please stay with someone you trust.",
  poisoning: "Do not try to make the person vomit. Keep the packet or bottle to show the responders.",
  anaphylaxis: "If there is an adrenaline auto-injector (EpiPen), use it now.",
  seizure: "Move things away from the person, do not hold them down or put anything in their mouth.",
  critical: "Stay with the person, keep them warm, and tell the responders what happened.",
};

/** How every emergency answer begins (the agent's context leaves these answers out: see isEmergencyAnswer). */
const EMERGENCY_LEAD = "This may be an emergency.";

/** True for a stored reply that is an emergency answer (emergencyText), which the model must never see. */
export function isEmergencyAnswer(text: string): boolean {
  return text.startsWith(EMERGENCY_LEAD);
}

export function emergencyText(flags: RedFlag[], number: string): string {
  const advice = flags.map((f) => ADVICE[f]).join(" ");
  return (
    `${EMERGENCY_LEAD} Call ${number} now, or go to the nearest emergency department. ` +
    `${advice} I can't help with emergencies in this chat, but I can connect you with a person.`
  );
}
