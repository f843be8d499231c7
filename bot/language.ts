/**
 * The languages a conversation can be switched to (the phone: speech recognition and the voice change with
 * it; the agent answers in it). Tags are BCP-47 as Twilio ConversationRelay takes them; English keeps the
 * configured VOICE_LANGUAGE's region. The names are those doctors list in their profiles.
 */
export interface SpokenLanguage {
  /** The primary language subtag ("hi"). */
  code: string;
  name: string;
  /** The tag used when the person asks for the language by name. */
  tag: string;
  /** Said when the conversation switches to it, in that language. */
  confirm: string;
}

export const LANGUAGES: readonly SpokenLanguage[] = [
  { code: "en", name: "English", tag: "en-IN", confirm: "Sure, let's speak English." },
  { code: "hi", name: "Hindi", tag: "hi-IN", confirm: "ज़रूर, अब हम हिंदी में बात करेंगे।" },
  { code: "ur", name: "Urdu", tag: "ur-IN", confirm: "ضرور، اب ہم اردو میں بات کریں گے۔" },
  { code: "pa", name: "Punjabi", tag: "pa-IN", confirm: "ਠੀਕ ਹੈ, ਹੁਣ ਅਸੀਂ ਪੰਜਾਬੀ ਵਿੱਚ ਗੱਲ ਕਰਾਂਗੇ।" },
  { code: "ta", name: "Tamil", tag: "ta-IN", confirm: "சரி, இனி தமிழில் பேசலாம்." },
  { code: "te", name: "Telugu", tag: "te-IN", confirm: "సరే, ఇకపై తెలుగులో మాట్లాడుదాం." },
];

/** Names a caller may use for each language (English words, transliterations, the language's own script). */
const NAMES: Record<string, string[]> = {
  en: ["english", "angrezi", "angreji"],
  hi: ["hindi", "हिंदी", "हिन्दी"],
  ur: ["urdu", "اردو"],
  pa: ["punjabi", "panjabi", "ਪੰਜਾਬੀ"],
  ta: ["tamil", "தமிழ்"],
  te: ["telugu", "తెలుగు"],
};

const NAME = Object.values(NAMES).flat().join("|");
const LANG = `(${NAME})`;
/**
 * "Can we speak Hindi?", "could you talk to me in Tamil", "switch to English", "Hindi please", "hindi mein
 * baat karo", "हिंदी में बात करें". Anchored at the start so "a dentist who speaks Hindi" is not a request.
 */
const ASKS = [
  new RegExp(
    String.raw`^(?:please\s+)?(?:can|could|shall|may|will|would)\s+(?:we|i|you)\s+(?:please\s+)?(?:speak|talk|continue|switch|change)\s+(?:(?:to|with)\s+me\s+)?(?:(?:to|in)\s+)?${LANG}(?=$|[\s.,!?])`,
    "iu",
  ),
  new RegExp(
    String.raw`^(?:please\s+)?(?:let'?s\s+)?(?:speak|talk|continue|switch|change)\s+(?:(?:to|with)\s+me\s+)?(?:(?:to|in)\s+)?${LANG}(?=$|[\s.,!?])`,
    "iu",
  ),
  new RegExp(String.raw`^(?:in\s+)?${LANG}(?:\s+please)?[\s.!?]*$`, "iu"),
  new RegExp(
    String.raw`(?:^|\s)${LANG}\s+(?:me|mein|main|mai|में)\s+(?:baat|bolo|boliye|bolie|bol|बात|बोलिए|बोलो)`,
    "iu",
  ),
];

/** The language of a BCP-47 tag we support ("hi-IN" → Hindi), or undefined. */
export function languageOf(tag: string | undefined): SpokenLanguage | undefined {
  const code = tag?.trim().toLowerCase().split(/[-_]/)[0];
  return LANGUAGES.find((l) => l.code === code);
}

/** The language a person asks to speak ("can we speak Hindi?"), or undefined when the text asks no such thing. */
export function askedLanguage(text: string): SpokenLanguage | undefined {
  const t = text.trim().replace(/\s+/g, " ");
  for (const re of ASKS) {
    const m = re.exec(t);
    const name = m?.[1]?.toLowerCase();
    if (!name) continue;
    const code = Object.entries(NAMES).find(([, names]) => names.includes(name))?.[0];
    return LANGUAGES.find((l) => l.code === code);
  }
  return undefined;
}

/** Two tags name the same language (their primary subtags match: en-US and en-IN do). */
export function sameLanguage(a: string | undefined, b: string | undefined): boolean {
  return languageOf(a)?.code !== undefined && languageOf(a)?.code === languageOf(b)?.code;
}
