import { languageOf } from "./language.js";
import type { Turn } from "./turn.js";

/** The main menu's choice ids, in the order offered (bot/guided/menu.ts). */
export const MENU_IDS = [
  "find",
  "appointments",
  "medicines",
  "labs",
  "results",
  "ask_records",
  "human",
] as const;
export type MenuId = (typeof MENU_IDS)[number];

/**
 * The platform's own sentences on the phone, in one language of bot/language.ts (what the agent says follows
 * the language through its prompt instead). English is the text every other channel shows.
 */
export interface Phrases {
  // Caller verification (bot/middleware/identity.ts) and the main menu (bot/guided/menu.ts).
  dobFirst: string;
  /** The example is a date in the form speech recognition writes it in the language (parseSpokenDate reads it). */
  dobNotCaught: string;
  dobMismatch: string;
  dobLastMismatch: string;
  cannotVerify: string;
  verified: string;
  howCanIHelp: string;
  connecting: string;
  talkToPerson: string;
  menu: Record<MenuId, string>;
  // The phone line itself (channels/voice).
  filler: string;
  sorry: string;
  notCaught: string;
  noInput: string;
  linksBySms: string;
  /** Said by the call webhooks themselves: the end of a call, and a hand-off to a person (or none free). */
  goodbye: string;
  holdConnecting: string;
  noPerson: string;
  /**
   * One to nine: the first word of each is said when choices are read out; the others are further ways a
   * caller says it (romanized, colloquial, ordinal), heard only.
   */
  numbers: readonly (readonly string[])[];
  /** "Say one, two or three, or press the number." around the list of number words. */
  choicesPrompt: (list: string) => string;
  or: string;
  comma: string;
  stop: string;
}

/** Hindi and Urdu share their numbers when written in Latin letters. */
const ROMAN_HINDUSTANI = [
  ["ek", "pehla", "pahla"],
  ["do", "doosra", "dusra"],
  ["teen", "tin", "teesra", "tisra"],
  ["char", "chaar", "chautha"],
  ["panch", "paanch"],
  ["chhah", "chhe", "che", "chah"],
  ["saat", "sat"],
  ["aath", "ath"],
  ["nau"],
];
const withRoman = (native: string[][]) => native.map((n, i) => [...n, ...ROMAN_HINDUSTANI[i]!]);

const en: Phrases = {
  dobFirst: "To protect your privacy, please tell me your date of birth first.",
  dobNotCaught:
    "I didn't catch a date. Please say your date of birth, for example April twelfth, nineteen eighty-eight.",
  dobMismatch: "That doesn't match our records. Please say your date of birth again.",
  dobLastMismatch: "I'm sorry, that doesn't match our records. A person from our team can help you.",
  cannotVerify: "I can't verify you on this call. A person from our team can help you.",
  verified: "Thank you, you're verified.",
  howCanIHelp: "How can I help you today?",
  connecting: "I'm connecting you with a person from our team now.",
  talkToPerson: "Talk to a person",
  menu: {
    find: "Find a doctor",
    appointments: "My appointments",
    medicines: "Medicines",
    labs: "Lab tests",
    results: "My results",
    ask_records: "Ask about my records",
    human: "Talk to a human",
  },
  filler: "One moment while I check that.",
  sorry: "Sorry, something went wrong on our side. Please say that again.",
  notCaught: "Sorry, I didn't catch that. Please say it again.",
  noInput: "I didn't hear anything. Goodbye.",
  linksBySms: "I've sent the link to your phone by text message.",
  goodbye: "Thank you for calling HealthLink. Goodbye.",
  holdConnecting: "Please hold while I connect you.",
  noPerson: "No one from our team can take the call right now. We will call you back. Goodbye.",
  numbers: [["one"], ["two"], ["three"], ["four"], ["five"], ["six"], ["seven"], ["eight"], ["nine"]],
  choicesPrompt: (list) => `Say ${list}, or press the number.`,
  or: "or",
  comma: ",",
  stop: ".",
};

const hi: Phrases = {
  dobFirst: "सुरक्षा के लिए, कृपया पहले अपनी जन्म तिथि बताइए।",
  dobNotCaught: "माफ़ कीजिए, तारीख समझ नहीं आई। कृपया अपनी जन्म तिथि बताइए, जैसे 12 अप्रैल 1988।",
  dobMismatch: "यह तारीख हमारे रिकॉर्ड से मेल नहीं खाती। कृपया अपनी जन्म तिथि फिर से बताइए।",
  dobLastMismatch: "माफ़ कीजिए, यह तारीख हमारे रिकॉर्ड से मेल नहीं खाती। हमारी टीम का कोई सदस्य आपकी मदद कर सकता है।",
  cannotVerify: "हम इस कॉल पर आपकी पहचान की पुष्टि नहीं कर सकते। हमारी टीम का कोई सदस्य आपकी मदद कर सकता है।",
  verified: "धन्यवाद, आपकी पहचान की पुष्टि हो गई है।",
  howCanIHelp: "बताइए, आज हम आपकी क्या मदद कर सकते हैं?",
  connecting: "हम अभी आपको हमारी टीम के किसी सदस्य से जोड़ रहे हैं।",
  talkToPerson: "किसी व्यक्ति से बात करें",
  menu: {
    find: "डॉक्टर खोजें",
    appointments: "मेरे अपॉइंटमेंट",
    medicines: "दवाइयाँ",
    labs: "लैब टेस्ट",
    results: "मेरी रिपोर्ट",
    ask_records: "मेरे रिकॉर्ड के बारे में पूछें",
    human: "किसी व्यक्ति से बात करें",
  },
  filler: "एक पल रुकिए, अभी देखते हैं।",
  sorry: "माफ़ कीजिए, हमारी तरफ़ से कुछ गड़बड़ हो गई। कृपया फिर से बोलिए।",
  notCaught: "माफ़ कीजिए, समझ नहीं आया। कृपया फिर से बोलिए।",
  noInput: "कुछ सुनाई नहीं दिया। नमस्ते।",
  linksBySms: "मैंने लिंक आपके फ़ोन पर मैसेज से भेज दिया है।",
  goodbye: "HealthLink को कॉल करने के लिए धन्यवाद। नमस्ते।",
  holdConnecting: "कृपया लाइन पर बने रहिए, हम आपको जोड़ रहे हैं।",
  noPerson: "अभी हमारी टीम का कोई सदस्य कॉल नहीं ले सकता। हम आपको वापस कॉल करेंगे। नमस्ते।",
  numbers: withRoman([
    ["एक", "पहला", "पहली", "पहले"],
    ["दो", "दूसरा", "दूसरी", "दूसरे"],
    ["तीन", "तीसरा", "तीसरी", "तीसरे"],
    ["चार", "चौथा", "चौथी", "चौथे"],
    ["पाँच", "पांच"],
    ["छह", "छः", "छे"],
    ["सात"],
    ["आठ"],
    ["नौ"],
  ]),
  choicesPrompt: (list) => `${list} बोलिए, या नंबर दबाइए।`,
  or: "या",
  comma: ",",
  stop: "।",
};

const ur: Phrases = {
  dobFirst: "حفاظت کے لیے، براہ کرم پہلے اپنی تاریخ پیدائش بتائیں۔",
  dobNotCaught: "معاف کیجیے، تاریخ سمجھ نہیں آئی۔ براہ کرم اپنی تاریخ پیدائش بتائیں، جیسے 12 اپریل 1988۔",
  dobMismatch: "یہ تاریخ ہمارے ریکارڈ سے نہیں ملتی۔ براہ کرم اپنی تاریخ پیدائش دوبارہ بتائیں۔",
  dobLastMismatch:
    "معاف کیجیے، یہ تاریخ ہمارے ریکارڈ سے نہیں ملتی۔ ہماری ٹیم کا کوئی رکن آپ کی مدد کر سکتا ہے۔",
  cannotVerify: "ہم اس کال پر آپ کی تصدیق نہیں کر سکتے۔ ہماری ٹیم کا کوئی رکن آپ کی مدد کر سکتا ہے۔",
  verified: "شکریہ، آپ کی تصدیق ہو گئی ہے۔",
  howCanIHelp: "بتائیے، آج ہم آپ کی کیا مدد کر سکتے ہیں؟",
  connecting: "ہم ابھی آپ کو ہماری ٹیم کے کسی رکن سے ملا رہے ہیں۔",
  talkToPerson: "کسی شخص سے بات کریں",
  menu: {
    find: "ڈاکٹر تلاش کریں",
    appointments: "میری اپوائنٹمنٹس",
    medicines: "دوائیں",
    labs: "لیب ٹیسٹ",
    results: "میری رپورٹس",
    ask_records: "میرے ریکارڈ کے بارے میں پوچھیں",
    human: "کسی شخص سے بات کریں",
  },
  filler: "ایک لمحہ رکیے، ابھی دیکھتے ہیں۔",
  sorry: "معاف کیجیے، ہماری طرف سے کچھ خرابی ہو گئی۔ براہ کرم دوبارہ کہیے۔",
  notCaught: "معاف کیجیے، سمجھ نہیں آیا۔ براہ کرم دوبارہ کہیے۔",
  noInput: "کچھ سنائی نہیں دیا۔ خدا حافظ۔",
  linksBySms: "میں نے لنک آپ کے فون پر میسج کر دیا ہے۔",
  goodbye: "HealthLink کو کال کرنے کا شکریہ۔ خدا حافظ۔",
  holdConnecting: "براہِ کرم لائن پر رہیے، ہم آپ کو ملا رہے ہیں۔",
  noPerson: "ابھی ہماری ٹیم کا کوئی رکن کال نہیں لے سکتا۔ ہم آپ کو واپس کال کریں گے۔ خدا حافظ۔",
  numbers: withRoman([
    ["ایک", "پہلا", "پہلی"],
    ["دو", "دوسرا", "دوسری"],
    ["تین", "تیسرا", "تیسری"],
    ["چار", "چوتھا", "چوتھی"],
    ["پانچ"],
    ["چھ"],
    ["سات"],
    ["آٹھ"],
    ["نو"],
  ]),
  choicesPrompt: (list) => `${list} کہیے، یا نمبر دبائیے۔`,
  or: "یا",
  comma: "،",
  stop: "۔",
};

const pa: Phrases = {
  dobFirst: "ਸੁਰੱਖਿਆ ਲਈ, ਕਿਰਪਾ ਕਰਕੇ ਪਹਿਲਾਂ ਆਪਣੀ ਜਨਮ ਤਰੀਕ ਦੱਸੋ।",
  dobNotCaught: "ਮਾਫ਼ ਕਰਨਾ, ਤਰੀਕ ਸਮਝ ਨਹੀਂ ਆਈ। ਕਿਰਪਾ ਕਰਕੇ ਆਪਣੀ ਜਨਮ ਤਰੀਕ ਦੱਸੋ, ਜਿਵੇਂ 12 ਅਪ੍ਰੈਲ 1988।",
  dobMismatch: "ਇਹ ਤਰੀਕ ਸਾਡੇ ਰਿਕਾਰਡ ਨਾਲ ਨਹੀਂ ਮਿਲਦੀ। ਕਿਰਪਾ ਕਰਕੇ ਆਪਣੀ ਜਨਮ ਤਰੀਕ ਦੁਬਾਰਾ ਦੱਸੋ।",
  dobLastMismatch: "ਮਾਫ਼ ਕਰਨਾ, ਇਹ ਤਰੀਕ ਸਾਡੇ ਰਿਕਾਰਡ ਨਾਲ ਨਹੀਂ ਮਿਲਦੀ। ਸਾਡੀ ਟੀਮ ਦਾ ਕੋਈ ਮੈਂਬਰ ਤੁਹਾਡੀ ਮਦਦ ਕਰ ਸਕਦਾ ਹੈ।",
  cannotVerify: "ਅਸੀਂ ਇਸ ਕਾਲ 'ਤੇ ਤੁਹਾਡੀ ਪੁਸ਼ਟੀ ਨਹੀਂ ਕਰ ਸਕਦੇ। ਸਾਡੀ ਟੀਮ ਦਾ ਕੋਈ ਮੈਂਬਰ ਤੁਹਾਡੀ ਮਦਦ ਕਰ ਸਕਦਾ ਹੈ।",
  verified: "ਧੰਨਵਾਦ, ਤੁਹਾਡੀ ਪੁਸ਼ਟੀ ਹੋ ਗਈ ਹੈ।",
  howCanIHelp: "ਦੱਸੋ, ਅੱਜ ਅਸੀਂ ਤੁਹਾਡੀ ਕੀ ਮਦਦ ਕਰ ਸਕਦੇ ਹਾਂ?",
  connecting: "ਅਸੀਂ ਹੁਣੇ ਤੁਹਾਨੂੰ ਸਾਡੀ ਟੀਮ ਦੇ ਕਿਸੇ ਮੈਂਬਰ ਨਾਲ ਜੋੜ ਰਹੇ ਹਾਂ।",
  talkToPerson: "ਕਿਸੇ ਵਿਅਕਤੀ ਨਾਲ ਗੱਲ ਕਰੋ",
  menu: {
    find: "ਡਾਕਟਰ ਲੱਭੋ",
    appointments: "ਮੇਰੀਆਂ ਅਪੌਇੰਟਮੈਂਟਾਂ",
    medicines: "ਦਵਾਈਆਂ",
    labs: "ਲੈਬ ਟੈਸਟ",
    results: "ਮੇਰੀਆਂ ਰਿਪੋਰਟਾਂ",
    ask_records: "ਮੇਰੇ ਰਿਕਾਰਡ ਬਾਰੇ ਪੁੱਛੋ",
    human: "ਕਿਸੇ ਵਿਅਕਤੀ ਨਾਲ ਗੱਲ ਕਰੋ",
  },
  filler: "ਇੱਕ ਪਲ ਰੁਕੋ, ਹੁਣੇ ਦੇਖਦੇ ਹਾਂ।",
  sorry: "ਮਾਫ਼ ਕਰਨਾ, ਸਾਡੇ ਵੱਲੋਂ ਕੁਝ ਗੜਬੜ ਹੋ ਗਈ। ਕਿਰਪਾ ਕਰਕੇ ਦੁਬਾਰਾ ਕਹੋ।",
  notCaught: "ਮਾਫ਼ ਕਰਨਾ, ਸਮਝ ਨਹੀਂ ਆਇਆ। ਕਿਰਪਾ ਕਰਕੇ ਦੁਬਾਰਾ ਕਹੋ।",
  noInput: "ਕੁਝ ਸੁਣਾਈ ਨਹੀਂ ਦਿੱਤਾ। ਸਤ ਸ੍ਰੀ ਅਕਾਲ।",
  linksBySms: "ਅਸੀਂ ਲਿੰਕ ਤੁਹਾਡੇ ਫ਼ੋਨ 'ਤੇ ਮੈਸੇਜ ਰਾਹੀਂ ਭੇਜ ਦਿੱਤਾ ਹੈ।",
  goodbye: "HealthLink ਨੂੰ ਕਾਲ ਕਰਨ ਲਈ ਧੰਨਵਾਦ। ਸਤ ਸ੍ਰੀ ਅਕਾਲ।",
  holdConnecting: "ਕਿਰਪਾ ਕਰਕੇ ਲਾਈਨ 'ਤੇ ਰਹੋ, ਅਸੀਂ ਤੁਹਾਨੂੰ ਜੋੜ ਰਹੇ ਹਾਂ।",
  noPerson: "ਇਸ ਵੇਲੇ ਸਾਡੀ ਟੀਮ ਦਾ ਕੋਈ ਮੈਂਬਰ ਕਾਲ ਨਹੀਂ ਲੈ ਸਕਦਾ। ਅਸੀਂ ਤੁਹਾਨੂੰ ਵਾਪਸ ਕਾਲ ਕਰਾਂਗੇ। ਸਤ ਸ੍ਰੀ ਅਕਾਲ।",
  numbers: [
    ["ਇੱਕ", "ਪਹਿਲਾ", "ਪਹਿਲੀ", "ikk", "ik"],
    ["ਦੋ", "ਦੂਜਾ", "ਦੂਜੀ", "do", "dooja"],
    ["ਤਿੰਨ", "ਤੀਜਾ", "ਤੀਜੀ", "tinn", "teen", "teeja"],
    ["ਚਾਰ", "ਚੌਥਾ", "ਚੌਥੀ", "char", "chaar"],
    ["ਪੰਜ", "panj"],
    ["ਛੇ", "chhe"],
    ["ਸੱਤ", "satt", "sat"],
    ["ਅੱਠ", "atth", "ath"],
    ["ਨੌਂ", "ਨੌ", "naun"],
  ],
  choicesPrompt: (list) => `${list} ਬੋਲੋ, ਜਾਂ ਨੰਬਰ ਦਬਾਓ।`,
  or: "ਜਾਂ",
  comma: ",",
  stop: "।",
};

const ta: Phrases = {
  dobFirst: "உங்கள் பாதுகாப்புக்காக, முதலில் உங்கள் பிறந்த தேதியைச் சொல்லுங்கள்.",
  dobNotCaught: "மன்னிக்கவும், தேதி புரியவில்லை. உங்கள் பிறந்த தேதியைச் சொல்லுங்கள், உதாரணமாக 12 ஏப்ரல் 1988.",
  dobMismatch: "இந்தத் தேதி எங்கள் பதிவுகளுடன் பொருந்தவில்லை. உங்கள் பிறந்த தேதியை மீண்டும் சொல்லுங்கள்.",
  dobLastMismatch: "மன்னிக்கவும், இந்தத் தேதி எங்கள் பதிவுகளுடன் பொருந்தவில்லை. எங்கள் குழுவில் ஒருவர் உங்களுக்கு உதவுவார்.",
  cannotVerify: "இந்த அழைப்பில் உங்களைச் சரிபார்க்க முடியவில்லை. எங்கள் குழுவில் ஒருவர் உங்களுக்கு உதவுவார்.",
  verified: "நன்றி, நீங்கள் சரிபார்க்கப்பட்டீர்கள்.",
  howCanIHelp: "இன்று உங்களுக்கு எப்படி உதவலாம்?",
  connecting: "இப்போது உங்களை எங்கள் குழுவில் ஒருவருடன் இணைக்கிறோம்.",
  talkToPerson: "ஒரு நபருடன் பேசுங்கள்",
  menu: {
    find: "மருத்துவரைத் தேடுங்கள்",
    appointments: "என் சந்திப்புகள்",
    medicines: "மருந்துகள்",
    labs: "ஆய்வகப் பரிசோதனைகள்",
    results: "என் பரிசோதனை முடிவுகள்",
    ask_records: "என் பதிவுகள் பற்றிக் கேளுங்கள்",
    human: "ஒரு நபருடன் பேசுங்கள்",
  },
  filler: "ஒரு நிமிடம், சரிபார்க்கிறேன்.",
  sorry: "மன்னிக்கவும், எங்கள் பக்கம் ஏதோ தவறு நடந்துவிட்டது. தயவுசெய்து மீண்டும் சொல்லுங்கள்.",
  notCaught: "மன்னிக்கவும், எனக்குப் புரியவில்லை. தயவுசெய்து மீண்டும் சொல்லுங்கள்.",
  noInput: "எதுவும் கேட்கவில்லை. நன்றி, வணக்கம்.",
  linksBySms: "இணைப்பை உங்கள் ஃபோனுக்குக் குறுஞ்செய்தியாக அனுப்பியுள்ளேன்.",
  goodbye: "HealthLink-ஐ அழைத்ததற்கு நன்றி. வணக்கம்.",
  holdConnecting: "தயவுசெய்து காத்திருங்கள், உங்களை இணைக்கிறோம்.",
  noPerson: "இப்போது எங்கள் குழுவில் யாரும் அழைப்பை ஏற்க முடியவில்லை. நாங்கள் உங்களைத் திரும்ப அழைப்போம். வணக்கம்.",
  numbers: [
    ["ஒன்று", "ஒண்ணு", "முதல்", "முதலாவது", "onnu", "ondru"],
    ["இரண்டு", "ரெண்டு", "இரண்டாவது", "rendu", "irandu"],
    ["மூன்று", "மூணு", "மூன்றாவது", "moonu", "moondru"],
    ["நான்கு", "நாலு", "நான்காவது", "naalu", "naangu"],
    ["ஐந்து", "அஞ்சு", "anju", "ainthu"],
    ["ஆறு", "aaru"],
    ["ஏழு", "ezhu"],
    ["எட்டு", "ettu"],
    ["ஒன்பது", "onbathu", "onbadhu"],
  ],
  choicesPrompt: (list) => `${list} என்று சொல்லுங்கள், அல்லது அந்த எண்ணை அழுத்துங்கள்.`,
  or: "அல்லது",
  comma: ",",
  stop: ".",
};

const te: Phrases = {
  dobFirst: "మీ భద్రత కోసం, ముందుగా మీ పుట్టిన తేదీ చెప్పండి.",
  dobNotCaught: "క్షమించండి, తేదీ అర్థం కాలేదు. దయచేసి మీ పుట్టిన తేదీ చెప్పండి, ఉదాహరణకు 12 ఏప్రిల్ 1988.",
  dobMismatch: "ఈ తేదీ మా రికార్డులతో సరిపోలడం లేదు. దయచేసి మీ పుట్టిన తేదీ మళ్ళీ చెప్పండి.",
  dobLastMismatch: "క్షమించండి, ఈ తేదీ మా రికార్డులతో సరిపోలడం లేదు. మా బృందంలో ఒకరు మీకు సహాయం చేస్తారు.",
  cannotVerify: "ఈ కాల్ ద్వారా మిమ్మల్ని ధృవీకరించలేకపోతున్నాం. మా బృందంలో ఒకరు మీకు సహాయం చేస్తారు.",
  verified: "ధన్యవాదాలు, మీ ధృవీకరణ పూర్తయింది.",
  howCanIHelp: "ఈరోజు మీకు ఎలా సహాయం చేయగలం?",
  connecting: "ఇప్పుడు మిమ్మల్ని మా బృందంలో ఒకరితో కలుపుతున్నాం.",
  talkToPerson: "ఒక వ్యక్తితో మాట్లాడండి",
  menu: {
    find: "డాక్టర్ కోసం వెతకండి",
    appointments: "నా అపాయింట్మెంట్లు",
    medicines: "మందులు",
    labs: "ల్యాబ్ పరీక్షలు",
    results: "నా రిపోర్టులు",
    ask_records: "నా రికార్డుల గురించి అడగండి",
    human: "ఒక వ్యక్తితో మాట్లాడండి",
  },
  filler: "ఒక్క క్షణం, చూస్తున్నాను.",
  sorry: "క్షమించండి, మా వైపు ఏదో పొరపాటు జరిగింది. దయచేసి మళ్ళీ చెప్పండి.",
  notCaught: "క్షమించండి, అర్థం కాలేదు. దయచేసి మళ్ళీ చెప్పండి.",
  noInput: "ఏమీ వినిపించలేదు. నమస్కారం.",
  linksBySms: "లింక్ మీ ఫోనుకు మెసేజ్ ద్వారా పంపాను.",
  goodbye: "HealthLink కి కాల్ చేసినందుకు ధన్యవాదాలు. నమస్కారం.",
  holdConnecting: "దయచేసి లైన్‌లో ఉండండి, మిమ్మల్ని కలుపుతున్నాం.",
  noPerson: "ప్రస్తుతం మా బృందంలో ఎవరూ కాల్ తీసుకోలేరు. మేము మీకు తిరిగి కాల్ చేస్తాం. నమస్కారం.",
  numbers: [
    ["ఒకటి", "మొదటి", "మొదటిది", "okati"],
    ["రెండు", "రెండవ", "రెండోది", "rendu"],
    ["మూడు", "మూడవ", "మూడోది", "moodu", "mudu"],
    ["నాలుగు", "నాలుగవ", "naalugu", "nalugu"],
    ["ఐదు", "అయిదు", "aidu", "ayidu"],
    ["ఆరు", "aaru"],
    ["ఏడు", "edu", "yedu"],
    ["ఎనిమిది", "enimidi"],
    ["తొమ్మిది", "tommidi"],
  ],
  choicesPrompt: (list) => `${list} అని చెప్పండి, లేదా ఆ నంబర్ నొక్కండి.`,
  or: "లేదా",
  comma: ",",
  stop: ".",
};

const PHRASES: Record<string, Phrases> = { en, hi, ur, pa, ta, te };

/** The phrases of a BCP-47 tag's language; English for any language we do not speak (or none). */
export function phrasesFor(tag: string | undefined): Phrases {
  return PHRASES[languageOf(tag)?.code ?? "en"] ?? en;
}

/** The phrases a turn answers with: the phone's language (the conversation's, else the line's); English elsewhere. */
export function turnPhrases(turn: Turn): Phrases {
  if (turn.inbound.channel !== "voice") return en;
  return phrasesFor(turn.state.language ?? turn.deps.config.voice?.language);
}
