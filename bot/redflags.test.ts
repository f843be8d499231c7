import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  countryOf,
  emergencyNumber,
  isEmergencyAnswer,
  emergencyText,
  normaliseNative,
  normalizeForTriage,
  redFlags,
  type RedFlag,
} from "./redflags.js";

const positives: [string, RedFlag][] = [
  ["I have chest pain and I can't catch my breath", "cardiac"],
  ["my chest feels tight and I'm breathless", "cardiac"],
  ["Chest pressure spreading to my left arm", "cardiac"],
  ["I think my dad is having a heart attack", "cardiac"],
  ["chest pian and short of breath", "cardiac"],
  ["hart atack i think", "cardiac"],
  ["papa ko dil ka daura pada hai", "cardiac"],
  ["seene mein dard aur saans phool rahi hai", "cardiac"],
  ["her face is drooping on one side", "stroke"],
  ["he has slurred speech since an hour", "stroke"],
  ["sudden weakness on one side of the body", "stroke"],
  ["one-sided weakness in my arm", "stroke"],
  ["I can't move my arm suddenly", "stroke"],
  ["I think grandpa had a stroke", "stroke"],
  ["dadi ko lakwa maar gaya", "stroke"],
  ["unka muh tedha ho gaya hai", "stroke"],
  ["the bleeding won't stop", "bleeding"],
  ["there is heavy bleeding from the cut", "bleeding"],
  ["she is vomiting blood", "bleeding"],
  ["blood everywhere, he cut his leg", "bleeding"],
  ["khoon ruk nahi raha", "bleeding"],
  ["sir se bahut khoon beh raha hai", "bleeding"],
  ["khoon ki ulti ho rahi hai", "bleeding"],
  ["my baby is not breathing", "not_breathing"],
  ["My father collapsed and isn't breathing.", "not_breathing"],
  ["I CAN’T BREATHE", "not_breathing"],
  ["he can't breath", "not_breathing"],
  ["she cant brethe properly", "not_breathing"],
  ["my father has no pulse", "not_breathing"],
  ["gasping for air and turning blue", "not_breathing"],
  ["his lips are blue", "not_breathing"],
  ["she is choking on food", "not_breathing"],
  ["mere papa saans nahi le rahe", "not_breathing"],
  ["maa ko saans lene mein taklif ho rahi hai", "not_breathing"],
  ["mera dum ghut raha hai", "not_breathing"],
  ["he collapsed in the kitchen", "unconscious"],
  ["coll apsed", "unconscious"],
  ["C O L L A P S E D on the floor", "unconscious"],
  ["grandma is unconscious", "unconscious"],
  ["grandma is unconcious!!", "unconscious"],
  ["he passed out and won't wake up", "unconscious"],
  ["my husband is not responding", "unconscious"],
  ["dadi behosh ho gayi", "unconscious"],
  ["nana be hosh hain", "unconscious"],
  ["papa hosh mein nahi hain", "unconscious"],
  ["bhai uth nahi raha", "unconscious"],
  ["my baby is limp and blue", "infant"],
  ["the newborn looks very floppy", "infant"],
  ["my baby's not breathing", "infant"],
  ["bacha neela pad gaya", "infant"],
  ["I want to kill myself", "suicide"],
  ["I've been having suicidal thoughts", "suicide"],
  ["thinking about sucide", "suicide"],
  ["I keep cutting myself", "suicide"],
  ["I just want to die", "suicide"],
  ["i wanna die", "suicide"],
  ["I don't want to live anymore", "suicide"],
  ["i wanna diiie", "suicide"],
  ["k1ll mys3lf", "suicide"],
  ["there's no reason to live", "suicide"],
  ["main mar jana chahta hoon", "suicide"],
  ["mujhe marna hai", "suicide"],
  ["khudkushi ke khayal aa rahe hain", "suicide"],
  ["ab jeena nahi chahta", "suicide"],
  ["my son took too many pills", "poisoning"],
  ["i took 30 sleeping pills", "poisoning"],
  ["she swallowed a whole strip of tablets", "poisoning"],
  ["I think it's an overdose", "poisoning"],
  ["she swallowed bleach", "poisoning"],
  ["o v e r d o s e", "poisoning"],
  ["usne zeher kha liya", "poisoning"],
  ["neend ki goliyan kha li", "poisoning"],
  ["my throat is swelling after a peanut", "anaphylaxis"],
  ["severe allergic reaction to a bee sting", "anaphylaxis"],
  ["anaphylaxis", "anaphylaxis"],
  ["he is having a seizure", "seizure"],
  ["my son had a siezure", "seizure"],
  ["my daughter is convulsing", "seizure"],
  ["bhai ko mirgi ka daura pada", "seizure"],
  ["she is fitting again", "seizure"],
  ["please help my father is dying", "critical"],
  ["I feel like I'm going to die", "critical"],
];

/** Hindi as speech recognition writes it on a call (Devanagari), read through its Roman spelling. */
const devanagariPositives: [string, RedFlag][] = [
  ["दिल का दौरा पड़ा है", "cardiac"],
  ["सीने में दर्द है और साँस नहीं आ रही", "cardiac"],
  ["छाती में दर्द और पसीना आ रहा है", "cardiac"],
  ["पापा को हार्ट अटैक आया है", "cardiac"],
  ["दादी को लकवा मार गया", "stroke"],
  ["उनका मुँह टेढ़ा हो गया है", "stroke"],
  ["आवाज़ लड़खड़ा रही है", "stroke"],
  ["बहुत खून बह रहा है", "bleeding"],
  ["खून रुक नहीं रहा", "bleeding"],
  ["खून की उल्टी हो रही है", "bleeding"],
  ["सीने में दर्द है और साँस नहीं आ रही", "not_breathing"],
  ["मेरे पापा साँस नहीं ले रहे", "not_breathing"],
  ["माँ को सांस लेने में तकलीफ हो रही है", "not_breathing"],
  ["मेरा दम घुट रहा है", "not_breathing"],
  ["मेरे पिता बेहोश हो गए हैं", "unconscious"],
  ["पापा होश में नहीं हैं", "unconscious"],
  ["भाई उठ नहीं रहा", "unconscious"],
  ["बच्चा नीला पड़ गया", "infant"],
  ["मैं आत्महत्या करना चाहता हूँ", "suicide"],
  ["मैं मरना चाहता हूँ", "suicide"],
  ["अब जीना नहीं चाहती", "suicide"],
  ["ख़ुदकुशी के ख़याल आ रहे हैं", "suicide"],
  ["उसने नींद की बहुत सारी गोलियाँ खा लीं", "poisoning"],
  ["उसने ज़हर खा लिया", "poisoning"],
  ["उसने जहर खा लिया", "poisoning"],
  ["उसने 30 गोलियाँ खा लीं", "poisoning"],
  ["गला सूज गया है", "anaphylaxis"],
  ["भाई को मिर्गी का दौरा पड़ा", "seizure"],
  ["पापा मर रहे हैं", "critical"],
  // Mixed scripts, as a transcript or a typed message can be.
  ["papa बेहोश हो गए", "unconscious"],
];

/** Everyday requests that share words with emergencies; none may trigger the emergency answer. */
const negatives = [
  "my father's appointment",
  "I want to book a dentist in Delhi",
  "menu",
  "2",
  "I have a mild headache since yesterday",
  "can I reschedule my appointment?",
  "my skin is itchy",
  "I need a cardiologist for a check-up",
  "what are the clinic's opening hours",
  "fever and cough for three days",
  "Dr Asha Rao",
  "back pain when I sit",
  "yes",
  "I need a dentist for my toothache",
  "my blood test results",
  "when will my blood test report be ready",
  "my blood sugar is 180 after lunch",
  "breathing exercises for yoga",
  "I have no breathing problems",
  "I died laughing",
  "pill refill",
  "I need a refill of my blood pressure pills",
  "I took my pills this morning",
  "can I take 2 tablets of paracetamol?",
  "I have taken 10 mg tablets daily for a month",
  "my chest x-ray report",
  "I had food poisoning last week, can I see a doctor?",
  "what a stroke of luck",
  "the app is not responding",
  "I can't wake up early for a 7 am slot",
  "I don't want to live in Delhi anymore",
  "my phone is about to die",
  "I want to diet, is there a nutritionist?",
  "my baby has a mild cold",
  "the pill is blue",
  "khoon ki jaanch ki report kab milegi",
  "mujhe dil ke doctor chahiye",
  "doctor sahab ka daura kab hai",
  "mujhe daant ka doctor chahiye",
  "saans ki exercise sikhni hai",
  "maine dawai kha li",
  "I'm dying to know my results",
  "the dress is fitting nicely",
  "my battery is going to die",
  "meri saas nahi maanti",
];

/** The same, in Devanagari. */
const devanagariNegatives = [
  "मुझे खून की जांच करवानी है",
  "खून की जांच की रिपोर्ट कब मिलेगी",
  "मुझे दिल के डॉक्टर से मिलना है",
  "सीने की जांच के लिए अपॉइंटमेंट",
  "मेरी दवाई खत्म हो गई है",
  "कल का अपॉइंटमेंट बदलना है",
  "नमस्ते",
  "डॉक्टर साहब का दौरा कब है",
  "मेरी सास नहीं मानती",
  "साँस की एक्सरसाइज़ सीखनी है",
  "मुझे दांत के डॉक्टर चाहिए",
  "१२ अप्रैल १९८८",
];

/**
 * The other languages a caller can switch the phone line to, as speech recognition writes them: Urdu in
 * Arabic script and Punjabi in Gurmukhi (read through their Roman spelling), Tamil and Telugu (read in their
 * own script).
 */
const otherScriptPositives: [string, string, RedFlag][] = [
  ["Urdu", "دل کا دورہ پڑا ہے", "cardiac"],
  ["Urdu", "سینے میں درد ہے اور سانس نہیں آ رہی", "cardiac"],
  ["Urdu", "سینے میں درد ہے اور سانس نہیں آ رہی", "not_breathing"],
  ["Urdu", "اس کا دم گھٹ رہا ہے", "not_breathing"],
  ["Urdu", "میرے والد بے ہوش ہو گئے ہیں", "unconscious"],
  ["Urdu", "امی بےہوش ہیں", "unconscious"],
  ["Urdu", "بہت خون بہہ رہا ہے", "bleeding"],
  ["Urdu", "خون رک نہیں رہا", "bleeding"],
  ["Urdu", "میں خودکشی کرنا چاہتا ہوں", "suicide"],
  ["Urdu", "میں مرنا چاہتی ہوں", "suicide"],
  ["Urdu", "اس نے زہر کھا لیا", "poisoning"],
  // Typed on an Arabic keyboard: ي ك ه for ی ک ہ/ھ.
  ["Urdu", "اس نے زهر كها ليا", "poisoning"],
  ["Urdu", "اس نے نیند کی بہت ساری گولیاں کھا لیں", "poisoning"],
  ["Urdu", "ابو کو فالج ہو گیا ہے", "stroke"],
  ["Urdu", "بھائی کو مرگی کا دورہ پڑا", "seizure"],
  ["Urdu", "بچہ نیلا پڑ گیا", "infant"],
  ["Urdu", "گلا سوج گیا ہے", "anaphylaxis"],
  ["Urdu", "ابو مر رہے ہیں", "critical"],
  ["Punjabi", "ਦਿਲ ਦਾ ਦੌਰਾ ਪਿਆ ਹੈ", "cardiac"],
  ["Punjabi", "ਹਾਰਟ ਅਟੈਕ ਆਇਆ ਹੈ", "cardiac"],
  ["Punjabi", "ਛਾਤੀ ਵਿੱਚ ਦਰਦ ਹੈ ਤੇ ਸਾਹ ਨਹੀਂ ਆ ਰਿਹਾ", "cardiac"],
  ["Punjabi", "ਛਾਤੀ ਵਿੱਚ ਦਰਦ ਹੈ ਤੇ ਸਾਹ ਨਹੀਂ ਆ ਰਿਹਾ", "not_breathing"],
  ["Punjabi", "ਮਾਂ ਨੂੰ ਸਾਹ ਲੈਣ ਵਿੱਚ ਤਕਲੀਫ਼ ਹੋ ਰਹੀ ਹੈ", "not_breathing"],
  ["Punjabi", "ਪਿਤਾ ਜੀ ਬੇਹੋਸ਼ ਹੋ ਗਏ ਹਨ", "unconscious"],
  ["Punjabi", "ਉਹ ਉੱਠ ਨਹੀਂ ਰਿਹਾ", "unconscious"],
  ["Punjabi", "ਖ਼ੂਨ ਨਹੀਂ ਰੁਕ ਰਿਹਾ", "bleeding"],
  ["Punjabi", "ਬਹੁਤ ਖ਼ੂਨ ਵਗ ਰਿਹਾ ਹੈ", "bleeding"],
  ["Punjabi", "ਮੈਂ ਮਰ ਜਾਣਾ ਚਾਹੁੰਦਾ ਹਾਂ", "suicide"],
  ["Punjabi", "ਮੈਂ ਮਰਨਾ ਚਾਹੁੰਦੀ ਹਾਂ", "suicide"],
  ["Punjabi", "ਉਹ ਖ਼ੁਦਕੁਸ਼ੀ ਕਰਨ ਦੀ ਗੱਲ ਕਰ ਰਿਹਾ ਹੈ", "suicide"],
  ["Punjabi", "ਉਸ ਨੇ ਜ਼ਹਿਰ ਖਾ ਲਿਆ", "poisoning"],
  ["Punjabi", "ਉਸ ਨੇ ਨੀਂਦ ਦੀਆਂ ਗੋਲੀਆਂ ਖਾ ਲਈਆਂ", "poisoning"],
  ["Punjabi", "ਬਾਪੂ ਜੀ ਨੂੰ ਅਧਰੰਗ ਹੋ ਗਿਆ", "stroke"],
  ["Punjabi", "ਭਰਾ ਨੂੰ ਮਿਰਗੀ ਦਾ ਦੌਰਾ ਪਿਆ", "seizure"],
  ["Punjabi", "ਬੱਚਾ ਨੀਲਾ ਪੈ ਗਿਆ", "infant"],
  ["Punjabi", "ਗਲਾ ਸੁੱਜ ਗਿਆ ਹੈ", "anaphylaxis"],
  ["Tamil", "அப்பாவுக்கு மாரடைப்பு வந்துவிட்டது", "cardiac"],
  ["Tamil", "நெஞ்சு வலி, மூச்சு விட முடியவில்லை", "cardiac"],
  ["Tamil", "நெஞ்சு வலி, மூச்சு விட முடியவில்லை", "not_breathing"],
  ["Tamil", "அம்மா மயங்கி விழுந்துவிட்டார்", "unconscious"],
  ["Tamil", "அவர் நினைவு இழந்து கிடக்கிறார்", "unconscious"],
  ["Tamil", "நான் தற்கொலை செய்ய போகிறேன்", "suicide"],
  ["Tamil", "அவன் விஷம் குடித்துவிட்டான்", "poisoning"],
  ["Tamil", "அவள் நிறைய மாத்திரை சாப்பிட்டுவிட்டாள்", "poisoning"],
  ["Tamil", "இரத்தம் நிற்கவில்லை", "bleeding"],
  ["Tamil", "நிறைய ரத்தம் போகுது", "bleeding"],
  ["Tamil", "தாத்தாவுக்கு பக்கவாதம் வந்திருக்கு", "stroke"],
  ["Tamil", "தம்பிக்கு வலிப்பு வருது", "seizure"],
  ["Tamil", "குழந்தை நீலமாக மாறிவிட்டது", "infant"],
  ["Telugu", "నాన్నకు గుండెపోటు వచ్చింది", "cardiac"],
  ["Telugu", "ఛాతీ నొప్పిగా ఉంది, ఊపిరి ఆడటం లేదు", "cardiac"],
  ["Telugu", "ఛాతీ నొప్పిగా ఉంది, ఊపిరి ఆడటం లేదు", "not_breathing"],
  ["Telugu", "అమ్మ స్పృహ కోల్పోయింది", "unconscious"],
  ["Telugu", "నేను ఆత్మహత్య చేసుకోవాలనుకుంటున్నాను", "suicide"],
  ["Telugu", "అతను విషం తాగాడు", "poisoning"],
  ["Telugu", "ఆమె చాలా మాత్రలు మింగేసింది", "poisoning"],
  ["Telugu", "రక్తం ఆగడం లేదు", "bleeding"],
  ["Telugu", "చాలా రక్తం పోతోంది", "bleeding"],
  ["Telugu", "తాతయ్యకు పక్షవాతం వచ్చింది", "stroke"],
  ["Telugu", "తమ్ముడికి ఫిట్స్ వస్తున్నాయి", "seizure"],
  ["Telugu", "పాప నీలంగా మారిపోయింది", "infant"],
];

/** Everyday requests in those languages that share words with emergencies. */
const otherScriptNegatives: [string, string][] = [
  ["Urdu", "مجھے خون کا ٹیسٹ کروانا ہے"],
  ["Urdu", "خون کی جانچ کی رپورٹ کب ملے گی"],
  ["Urdu", "مجھے دل کے ڈاکٹر سے ملنا ہے"],
  ["Urdu", "میری دوائی ختم ہو گئی ہے"],
  ["Urdu", "کل کی اپوائنٹمنٹ بدلنی ہے"],
  ["Urdu", "السلام علیکم"],
  ["Urdu", "ڈاکٹر صاحب کا دورہ کب ہے"],
  ["Urdu", "میری ساس نہیں مانتی"],
  ["Urdu", "سانس کی ورزش سیکھنی ہے"],
  ["Punjabi", "ਮੈਨੂੰ ਖ਼ੂਨ ਦੀ ਜਾਂਚ ਕਰਵਾਉਣੀ ਹੈ"],
  ["Punjabi", "ਦਿਲ ਦੇ ਡਾਕਟਰ ਨਾਲ ਮਿਲਣਾ ਹੈ"],
  ["Punjabi", "ਮੇਰੀ ਦਵਾਈ ਖ਼ਤਮ ਹੋ ਗਈ ਹੈ"],
  ["Punjabi", "ਕੱਲ੍ਹ ਦੀ ਅਪੌਇੰਟਮੈਂਟ ਬਦਲਣੀ ਹੈ"],
  ["Punjabi", "ਸਤ ਸ੍ਰੀ ਅਕਾਲ"],
  ["Punjabi", "ਡਾਕਟਰ ਸਾਹਿਬ ਦਾ ਦੌਰਾ ਕਦੋਂ ਹੈ"],
  ["Punjabi", "ਸਾਹ ਦੀ ਕਸਰਤ ਸਿੱਖਣੀ ਹੈ"],
  ["Tamil", "எனக்கு இரத்த பரிசோதனை செய்ய வேண்டும்"],
  ["Tamil", "இதய மருத்துவரிடம் அப்பாயிண்ட்மெண்ட் வேண்டும்"],
  ["Tamil", "என் மாத்திரை தீர்ந்துவிட்டது"],
  ["Tamil", "நாளைய அப்பாயிண்ட்மெண்ட்டை மாற்ற வேண்டும்"],
  ["Tamil", "வணக்கம்"],
  ["Tamil", "எனக்கு அதிக இரத்த அழுத்தம் இருக்கிறது"],
  ["Tamil", "இந்த விஷயம் பற்றி கேட்க வேண்டும்"],
  ["Tamil", "மூச்சுப் பயிற்சி கற்றுக்கொள்ள வேண்டும்"],
  ["Tamil", "தூக்க மாத்திரை சாப்பிடலாமா?"],
  ["Tamil", "அவர் சுயநினைவுடன் இருக்கிறார்"],
  ["Telugu", "నాకు రక్త పరీక్ష చేయించుకోవాలి"],
  ["Telugu", "గుండె డాక్టర్ అపాయింట్‌మెంట్ కావాలి"],
  ["Telugu", "నా మందులు అయిపోయాయి"],
  ["Telugu", "రేపటి అపాయింట్‌మెంట్ మార్చాలి"],
  ["Telugu", "నమస్కారం"],
  ["Telugu", "నాకు రక్తపోటు ఎక్కువగా ఉంది"],
  ["Telugu", "ఈ విషయం గురించి అడగాలి"],
  ["Telugu", "ఊపిరితిత్తుల డాక్టర్ కావాలి"],
];

describe("red flags", () => {
  it.each(positives)("flags %j as %s", (text, flag) => {
    expect(redFlags(text)).toContain(flag);
  });

  it.each(negatives)("does not flag %j", (text) => {
    expect(redFlags(text)).toEqual([]);
  });

  it.each(devanagariPositives)("flags Hindi in Devanagari %j as %s", (text, flag) => {
    expect(redFlags(text)).toContain(flag);
  });

  it.each(devanagariNegatives)("does not flag Hindi in Devanagari %j", (text) => {
    expect(redFlags(text)).toEqual([]);
  });

  it.each(otherScriptPositives)("flags %s %j as %s", (_language, text, flag) => {
    expect(redFlags(text)).toContain(flag);
  });

  it.each(otherScriptNegatives)("does not flag %s %j", (_language, text) => {
    expect(redFlags(text)).toEqual([]);
  });

  it("reads Tamil and Telugu in their own script, which normalizeForTriage would take apart", () => {
    // Their vowel signs are marks, not letters: the triage normaliser drops them.
    expect(normalizeForTriage("மூச்சு")).not.toBe("மூச்சு");
    expect(normaliseNative("  ఊపిరి   ఆడటం లేదు!! ")).toBe("ఊపిరి ఆడటం లేదు");
    // Decomposed vowel signs (ொ as ெ + ா) read as the composed ones.
    expect(redFlags("அவன் விஷம் குடித்துவிட்டான்".normalize("NFD"))).toContain("poisoning");
    expect(redFlags("అమ్మ స్పృహ కోల్పోయింది, call 112")).toContain("unconscious");
  });

  it("errs on the side of safety for past events told with the same words", () => {
    // Better a needless emergency answer than a missed one.
    expect(redFlags("I had chest pain and shortness of breath last year, am I fine now?")).toContain(
      "cardiac",
    );
  });

  it("reads case, punctuation, emphasis, split words and look-alike digits as the plain words", () => {
    expect(normalizeForTriage("He CAN'T   breathe!!!")).toBe("he cant breathe");
    expect(normalizeForTriage("coll apsed")).toBe("collapsed");
    expect(normalizeForTriage("c o l l a p s e d")).toBe("collapsed");
    expect(normalizeForTriage("be hosh")).toBe("behosh");
    expect(normalizeForTriage("su1c1de")).toBe("suicide");
    expect(normalizeForTriage("pleeease help")).toBe("please help");
    expect(normalizeForTriage("baby’s lips")).toBe("baby lips");
    // Ordinary words next to each other stay apart; numbers stay numbers.
    expect(normalizeForTriage("I took 30 pills at 10:30")).toBe("i took 30 pills at 10 30");
  });

  it("recognises its own emergency answer, which the agent's context leaves out", () => {
    expect(isEmergencyAnswer(emergencyText(["suicide", "poisoning"], "112"))).toBe(true);
    expect(isEmergencyAnswer("Dr Meera Shah has free times tomorrow.")).toBe(false);
  });

  it("never throws on arbitrary text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000 }), (text) => {
        expect(Array.isArray(redFlags(text))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe("emergency number", () => {
  const numbers = { IN: "112", PK: "1122", US: "911", DEFAULT: "112" };
  it("comes from the city, else the phone prefix, else the default", () => {
    expect(emergencyNumber(numbers, countryOf({ city: "Lahore" }))).toBe("1122");
    expect(emergencyNumber(numbers, countryOf({ city: null, phone: "+1 415 555 0100" }))).toBe("911");
    expect(emergencyNumber(numbers, countryOf({ city: "Delhi", phone: "+1 415 555 0100" }))).toBe("112");
    expect(emergencyNumber(numbers, countryOf({ city: "Atlantis", phone: null }))).toBe("112");
    expect(emergencyNumber(numbers, countryOf({ phone: "+92 300 1234567" }))).toBe("1122");
    // The region is the number's own (libphonenumber), not a prefix guess: +1 416 is Canada.
    expect(countryOf({ phone: "+1 416 555 0123" })).toBe("CA");
    expect(countryOf({ phone: "98765 43210" })).toBeUndefined();
  });
});
