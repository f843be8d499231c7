/**
 * Deterministic red-flag triage, run on every message before anything else (no model: the same text always
 * gets the same answer, and a model never sees an emergency). When in doubt it fires: a false alarm costs a
 * sentence, a miss can cost a life. Pure: no I/O.
 *
 * The text is normalised first (normalizeForTriage): case, accents, curly quotes, apostrophes ("can't" →
 * "cant"), punctuation, letters repeated for emphasis ("diiie"), digits standing for letters ("su1c1de")
 * and words split by spaces ("coll apsed", "c o l l a p s e d", "be hosh") are undone, so the patterns
 * below are written against plain lower-case words separated by single spaces. English plus the
 * transliterated (Roman script) Hindi/Urdu and Punjabi our Indian and Pakistani cities write. The scripts
 * speech recognition writes once a caller switches language are read too (domain/shared/transliterate.ts):
 * Hindi in Devanagari and Punjabi in Gurmukhi through their Roman spelling, which some patterns list as well
 * ("chaahta", "men", "aawaaz", "darad", "goleean"); Urdu in Arabic script through a word table giving the
 * Roman spelling of the words the patterns need (Urdu writes too few vowels to transliterate); Tamil and
 * Telugu, which are not Hindi, by phrases of their own in their own script (NATIVE_PATTERNS). Where a word
 * alone has an everyday meaning ("khoon ki jaanch" is a blood test, "daura" a tour, "blue" a colour,
 * "இரத்த பரிசோதனை" a blood test) the pattern is a phrase; bot/redflags.test.ts keeps a corpus of phrasings
 * that must and must not fire.
 */
import { phoneRegionOf } from "../domain/shared/phone.js";
import { devanagariToLatin, gurmukhiToLatin, urduToLatin } from "../domain/shared/transliterate.js";

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
const PILLS = String.raw`(?:pills?|tablets?|tabs|capsules?|caps|meds|medicines?|medication|sleeping|gol(?:i|ee)(?:y?[ao]a?n?)?|dawaa?i(?:yan)?|dawaa?)`;
/** A dangerous quantity: a number from 10 (not a dose like "10 mg"), "too many", "a whole strip"… */
const MANY = String.raw`(?:\d{2,}(?! ?(?:mg|mcg|ml|g|gm|grams?|units?|iu)\b)|too many|so many|a lot of|lots of|whole|entire|a bottle of|the bottle of|a strip of|a handful of|handful of|dozens of|twenty|thirty|forty|fifty|hundred|bahut sari|bahut saari|saari|sari|saar(?:i|ee)a?a?n|poori|puri|poora|pura)`;
const UNCONSCIOUS = String.raw`un ?c[aoi]n[cs]?[sc]?h?[iu]?[ou]?u?s`;
const HINDI_NOT = String.raw`(?:nahi|nahin|nhi|nai|nahee|na)`;
/** "is …ing" in Hindi/Urdu and Punjabi ("raha", Punjabi "riha"/"reha"). */
const ING = String.raw`(?:rahe|raha|rahi|rhe|rha|rhi|riha|reha|rihi|rehi)`;
/** "wants to" in Hindi/Urdu ("chahta") and Punjabi ("chaunda", "chahunda"). */
const WANTS = String.raw`(?:chaa?hta|chaa?hti|chaa?hte|chaa?h?un?d[aie])`;
const CHEST = String.raw`(?:chest|chst|chesst|seene|sine|seena|seeney|chaati|chhati|chati|chhaati)`;
const CHEST_PAIN = String.raw`(?:pain|pian|pains|hurts?|hurting|tight|tightness|pressure|crushing|heavy|heaviness|squeez\w*|dara?dh?|bhaari|bhari|jalan|peed|peerh)`;
const BREATHLESS = String.raw`(?:${BREATHE}|breathless\w*|short of breath|shortness of breath|sob|sweat\w*|arm|jaw|saa?ns|sans|swas|saah|pasina|paseena|baazu|baju|haath)`;
const BABY = String.raw`(?:baby|babys|babies|infant|newborn|new born|toddler|bacha|bachha|bachcha|bacche|bachi|bachhi|munna|munni|baccha)`;
/** Who a message is about, when a pattern needs a person (not "my phone is about to die"). */
const FAMILY = String.raw`(?:(?:my|his|her|our) )?(?:father|mother|dad|daddy|mom|mum|mummy|mama|papa|son|daughter|husband|wife|baby|child|kid|brother|sister|grandma|grandpa|grandmother|grandfather|granny|friend|uncle|aunt|boy|girl|patient)`;
/** Words of a medical test or reading, not of blood being lost ("blood test", "blood sugar"). */
const BLOOD = String.raw`blood(?! (?:sugar|pressure|tests?|reports?|work|group|count|levels?|donation|bank|results?))`;

const PATTERNS: [RedFlag, RegExp[]][] = [
  [
    "cardiac",
    [
      /\bhe?art ?att?ac?k\b/,
      /\bhaa?ra?t ?att?aik\b/,
      /\bcardiac arrest\b/,
      re(String.raw`\b${CHEST}\b.{0,40}\b${CHEST_PAIN}\b.{0,80}\b${BREATHLESS}\b`),
      re(String.raw`\b${BREATHLESS}\b.{0,80}\b${CHEST}\b.{0,40}\b${CHEST_PAIN}\b`),
      re(String.raw`\bcrushing\b.{0,20}\b${CHEST}\b`),
      /\bdil (?:ka|da) (?:daura|dora|doura)\b/,
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
      /\b(?:lakwa|lakva|laqwa|laqva|falij|faalij|falaj|adha?rang)\b/,
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
      re(
        String.raw`\b(?:khoon|khun|lahu|lahoo)\b.{0,20}\b(?:(?:beh|bah)(?:na|ta|ti|te|ne)?|nikal\w*|ruk (?:nahi|nahin|nhi|nai)|band (?:nahi|nahin|nhi)|${HINDI_NOT} ruk\w*|aa ${ING}|[wv]agg?(?:da|di|de|na)?)\b`,
      ),
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
        String.raw`\b(?:saa?ns|sans|swas|swaas|shwas|shwaas|saa?nse|saah)\b.{0,12}\b(?:${HINDI_NOT}|ruk|band|atak|ukhad|ghut)\w*`,
      ),
      /\b(?:saa?ns|sans|swas|shwas|saah) (?:lene|lena|lain|laina|laine)\b.{0,15}\b(?:taklif|takleef|takleeph|taklef|dikkat|dikat|pareshani|pareshaani|mushkil|problem|aukh\w*|okh\w*)\b/,
      // Punjabi: breathing is hard ("saah aukha").
      /\bsaah\b.{0,20}\b(?:aukh|okh)\w*/,
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
      re(String.raw`\bhosh (?:(?:me|mein|men|mai|main|wicch|vich|wich) )?(?:${HINDI_NOT}|kho|gum)\b`),
      re(String.raw`\b(?:uth|utth|jag|jaag) ${HINDI_NOT} ${ING}\b`),
      // Punjabi: "does not get up" ("utthda nahin"), unconscious ("besurat").
      re(String.raw`\b(?:uth|utth|jag|jaag)(?:da|di|de) ${HINDI_NOT}\b`),
      /\bbesura?t\b/,
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
      re(String.raw`\b${BABY}\b.{0,40}\b(?:neela|neeli|nila|nili|kala|kaali) (?:pad|ho|pai)\w*`),
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
      /\bmar (?:jana|jaana|jaun|jau|jaunga|jaungi|jaaun|jaaunga|jaaungi|jaa?waa?n)\b/,
      re(String.raw`\bmarna (?:${WANTS}|hai|chaa?hiye)\b`),
      /\bmar (?:jane|jaane) (?:ka|ki) (?:mann|man|dil|irada)\b/,
      /\b(?:khud ?kushi|khudkhushi|khud ?kashi|aa?ta?ma? ?hatt?i?y?a)\b/,
      re(String.raw`\b(?:jeena|jina|jeene|jine|zinda) (?:rehna |rahna )?${HINDI_NOT} (?:${WANTS}|hai)\b`),
      /\b(?:jeene|jine) (?:ka|ki) (?:mann|man|dil|ichha|iccha|wajah) (?:nahi|nahin|nhi|nai)\b/,
      /\bzindagi (?:khatam|khatm|khtm|se tang)\b/,
      /\b(?:aa?pni|aa?pna) (?:jaan|jan) (?:le|lena|de|dena|dunga|dungi|lunga|lungi|lai|lain|laini|la?waa?n?ga|la?waa?n?gi)\b/,
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
      /\b(?:zeher|zehar|zahar|zaher|jeher|jehar|jahar|zehr|zahir|zehir)\b/,
      re(
        String.raw`\b(?:${MANY}|n(?:ee|i)nd (?:ki|di|dee?a?a?n|diyan))\b.{0,15}\b${PILLS}\b.{0,20}\b(?:kha|khaa|le|pi)\w* ?(?:li|liya|lia|lin|gaya|gayi|gai|gye|gaye|gae|gia|lai|laee?a?a?n|laiyan)\b`,
      ),
      // Pesticide spray, drunk ("spray pi li"): in Punjab the commonest poisoning.
      /\b(?:spray|spre|sapre|saprea|sapray)\b.{0,10}\bpi (?:li|liya|lia|lai|gaya|gayi|gia|gai)\b/,
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
      /(?<!(?:dil|heart) (?:ka|da) )\b(?:daura|dora|doura|daure|dore) (?:pad|pada|padaa|padi|padna|aaya|aya|aa|pai|pi?ya|pia)\w*/,
      /\bjhatk\w* (?:aa|lag|aane|lagne)\w*/,
      // Punjabi: a fit with clenched teeth ("dandal pai gayi").
      /\bdandal (?:pai|pe|pa|pad)\w*/,
    ],
  ],
  [
    "critical",
    [
      re(
        String.raw`\b(?:i|im|i am|he|hes|she|shes|they|we|${FAMILY})\b (?:is |am |are |feel like im |feel like i am )?(?:dying|going to die|gonna die|about to die)\b(?! (?:to|of|for|laughing)\b)`,
      ),
      re(String.raw`\bmar ${ING} (?:hai|hain|hoon|hu|hun|han|haan|ne)\b`),
    ],
  ],
];

// --- Tamil and Telugu, read in their own script ----------------------------------------------------------

/**
 * A pattern over Tamil or Telugu as normaliseNative leaves it. These languages are not Hindi, so there is
 * no Roman reading to share; the phrases are written in the script speech recognition writes. Words take
 * suffixes ("மாரடைப்பால்", "గుండెపోటుతో"), so a pattern anchors only the start of a word (START) and
 * reads a phrase as a prefix; JavaScript's \b knows only ASCII letters.
 */
const native = (source: string): RegExp =>
  new RegExp(source.normalize("NFC").replaceAll("START", START), "u");
const START = String.raw`(?<![\p{L}\p{M}])`;

/** Tamil: chest (நெஞ்சு, மார்பு), pain (வலி), breath (மூச்சு), sweat (வியர்வை). */
const TA_CHEST_PAIN = String.raw`START(?:(?:நெஞ்சு|நெஞ்சில்|மார்பு|மார்பில்) ?வலி)`;
const TA_BREATH = String.raw`START(?:மூச்சு|வியர்)`;
/** Tamil "blood" with its case ending, not "இரத்த அழுத்தம்" (blood pressure) or "இரத்த பரிசோதனை" (blood test). */
const TA_BLOOD = String.raw`START(?:இ?ரத்தம்|இ?ரத்தப்போக்கு)`;
/** Telugu: chest (ఛాతీ, ఛాతి), heart (గుండె), pain (నొప్పి), breath (ఊపిరి, not ఊపిరితిత్తులు lungs; శ్వాస). */
const TE_CHEST_PAIN = String.raw`START(?:ఛాతీ|ఛాతి|ఛాతిలో|ఛాతీలో|గుండె|గుండెలో)(?: ?నొప్పి)`;
const TE_BREATH = String.raw`START(?:ఊపిరి(?!తిత్తు)|శ్వాస|చెమట)`;

const NATIVE_PATTERNS: Partial<Record<RedFlag, RegExp[]>> = {
  cardiac: [
    native(String.raw`START(?:மாரடைப்பு|ஹார்ட் ?அட்டாக்|இதயம் நின்று)`),
    native(String.raw`${TA_CHEST_PAIN}.{0,80}${TA_BREATH}`),
    native(String.raw`${TA_BREATH}.{0,80}${TA_CHEST_PAIN}`),
    native(String.raw`START(?:గుండెపోటు|గుండె పోటు|హార్ట్ ?అటాక్|హార్ట్ ?ఎటాక్|గుండె ఆగి)`),
    native(String.raw`${TE_CHEST_PAIN}.{0,80}${TE_BREATH}`),
    native(String.raw`${TE_BREATH}.{0,80}${TE_CHEST_PAIN}`),
  ],
  stroke: [
    native(String.raw`START(?:பக்கவாதம்|பக்க வாதம்|ஸ்ட்ரோக்|வாய் கோணி|முகம் கோணி)`),
    native(String.raw`START(?:పక్షవాతం|పక్షవాత|స్ట్రోక్|మూతి వంకర|ముఖం వంకర)`),
  ],
  bleeding: [
    // Blood that will not stop, a lot of it, or vomited.
    native(
      String.raw`${TA_BLOOD}.{0,15}(?:நிற்கவில்லை|நிற்கல|நிக்கல|நிக்கவில்லை|நிற்காமல்|நிக்காம|கொட்டு|வழிந்து கொண்டே)`,
    ),
    native(String.raw`START(?:நிறைய|அதிக|அதிகமா|அதிகமாக|ரொம்ப) ${TA_BLOOD}`),
    native(String.raw`START(?:இ?ரத்த வாந்தி|இ?ரத்தம் வாந்தி)`),
    native(String.raw`START(?:రక్తం|రక్తస్రావం).{0,15}(?:ఆగడం లేదు|ఆగట్లేదు|ఆగడంలేదు|ఆగటం లేదు|ఆగకుండా|కారుతూనే)`),
    native(String.raw`START(?:చాలా|ఎక్కువ|విపరీతంగా|బాగా) (?:రక్తం|రక్తస్రావం)`),
    native(String.raw`START(?:రక్తం వాంతి|రక్తపు వాంతి|రక్తం కక్కు)`),
  ],
  not_breathing: [
    native(String.raw`START(?:மூச்சு).{0,15}(?:முடியவில்லை|முடியல|விடவில்லை|விடல|இல்லை|திணற|நின்று|நின்னு|நின்ற)`),
    native(
      String.raw`START(?:ఊపిరి(?!తిత్తు)|శ్వాస).{0,20}(?:ఆడటం లేదు|ఆడడం లేదు|ఆడట్లేదు|ఆడటంలేదు|ఆడక|లేదు|ఆగి|తీసుకోలే|అందటం లేదు|అందడం లేదు)`,
    ),
  ],
  unconscious: [
    // Fainted, or lost (இழந்), without (இல்லை, இல்லாம, இன்றி) consciousness (சுய நினைவு).
    native(String.raw`START(?:மயக்கம்|மயக்கமா|மயங்கி|நினைவிழந்|(?:சுய ?)?நினை(?:வு|வை) ?(?:இழந்|இல்லை|இல்லாம|இன்றி))`),
    native(String.raw`STARTస్పృహ.{0,10}(?:కోల్పోయ|లేదు|లేక|తప్పి|తప్ప)`),
    native(String.raw`START(?:సొమ్మసిల్ల|సొమ్మసిల్లి)`),
  ],
  infant: [
    native(String.raw`START(?:குழந்தை|பாப்பா).{0,40}(?:நீலமா|நீல நிற|நீலமாக|மூச்சு விடவில்லை|மூச்சு இல்லை|அசைவில்லை)`),
    native(String.raw`START(?:బిడ్డ|పాప|బాబు|శిశువు).{0,40}(?:నీలం|నీలంగా|ఊపిరి ఆడటం లేదు|ఊపిరి లేదు|కదలటం లేదు|కదలడం లేదు)`),
  ],
  suicide: [
    native(String.raw`START(?:தற்கொலை|சாக வேண்டும்|சாகணும்|சாக விரும்பு|உயிரை மாய்த்)`),
    native(String.raw`START(?:ఆత్మహత్య|చనిపోవాలని|చచ్చిపోవాలని|చావాలని)`),
  ],
  poisoning: [
    // விஷம் is poison; விஷயம் ("a matter") is not, so the ending is part of the word.
    native(String.raw`(?<!உணவு )START(?:விஷம்|விஷத்த|நஞ்சு)`),
    native(String.raw`START(?:பூச்சிக்கொல்லி|பூச்சி மருந்து|எலி மருந்து|எலி பேஸ்ட்).{0,20}(?:குடி|சாப்பிட்ட|விழுங்)`),
    native(
      String.raw`START(?:நிறைய|அதிக|எல்லா|தூக்க|ஒரு அட்டை) (?:மாத்திரை|மருந்து|டேப்லெட்).{0,30}(?:சாப்பிட்ட|விழுங்கி|விழுங்கிவிட்ட|போட்டுக்கொண்ட|போட்டுட்ட|எடுத்துக்கொண்ட|எடுத்துக் கொண்ட|குடித்)`,
    ),
    native(String.raw`START(?:విషం|విషాన్ని|విషము)`),
    native(String.raw`START(?:పురుగుల మందు|పురుగు మందు|ఎలుకల మందు).{0,20}(?:తాగ|తాగే|మింగ)`),
    native(
      String.raw`START(?:చాలా|ఎక్కువ|నిద్ర|మొత్తం) (?:మాత్రలు|మాత్రల|టాబ్లెట్లు|టాబ్లెట్స్).{0,30}(?:మింగ|వేసుకున్న|వేసుకుంది|వేసేసుకు|తినేశ|తిన్న)`,
    ),
  ],
  anaphylaxis: [
    native(String.raw`START(?:தொண்டை|நாக்கு|உதடு) (?:வீங்கி|வீக்கம்)`),
    native(String.raw`START(?:గొంతు|నాలుక|పెదవులు) (?:వాచి|వాపు|ఉబ్బి)`),
  ],
  seizure: [native(String.raw`START(?:வலிப்பு|ஃபிட்ஸ்|பிட்ஸ்)`), native(String.raw`START(?:ఫిట్స్|మూర్ఛ)`)],
};

// Tamil (U+0B80–U+0BFF) and Telugu (U+0C00–U+0C7F) are adjacent blocks.
const TAMIL_OR_TELUGU = /[\u0B80-\u0C7F]/;

/**
 * Tamil and Telugu as their patterns read them: composed (NFC), lower case for any English among them,
 * punctuation as single spaces. Not normalizeForTriage, which decomposes and drops the vowel signs these
 * scripts are written with.
 */
export function normaliseNative(text: string): string {
  return text
    .normalize("NFC")
    .toLowerCase()
    .replace(/[\u200B-\u200D]/g, "")
    .replace(/[^\p{L}\p{M}\p{N}]+/gu, " ")
    .trim();
}

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

/** Devanagari (Hindi), Gurmukhi (Punjabi) or Arabic script (Urdu), which have a Roman reading. */
const READ_IN_ROMAN = /[\u0900-\u097F\u0A00-\u0A7F\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]/;

/**
 * The red flags this text raises, most urgent first; empty when none. What speech recognition writes once a
 * caller speaks Hindi (Devanagari), Punjabi (Gurmukhi) or Urdu (Arabic script) is also read in its Roman
 * spelling, which the patterns are written in, one script after the other so a message mixing them is read
 * whole; Tamil and Telugu are read in their own script. A flag raised by any reading counts.
 */
export function redFlags(text: string): RedFlag[] {
  const readings = [normalizeForTriage(text)];
  if (READ_IN_ROMAN.test(text)) {
    readings.push(normalizeForTriage(urduToLatin(gurmukhiToLatin(devanagariToLatin(text)))));
  }
  const texts = readings.filter((t) => t !== "");
  const nativeText = TAMIL_OR_TELUGU.test(text) ? normaliseNative(text) : "";
  if (texts.length === 0 && nativeText === "") return [];
  return PATTERNS.filter(
    ([flag, res]) =>
      res.some((r) => texts.some((t) => r.test(t))) ||
      (nativeText !== "" && (NATIVE_PATTERNS[flag] ?? []).some((r) => r.test(nativeText))),
  ).map(([flag]) => flag);
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
