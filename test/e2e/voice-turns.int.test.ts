import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { conversations, patients } from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../app.js";
import { signUp, verifiedDoctor } from "../factories.js";
import { FakeOpenAI } from "../fakes/openai.js";
import { startFakeTwilio, type FakeTwilio } from "../fakes/twilio.js";
import { SMS_SID, SMS_TOKEN, smsEnv } from "../sms.js";
import { RelayCaller } from "../voice.js";

/**
 * The phone line's turns over the ConversationRelay stand-in (a real WebSocket) with the scripted model:
 * switching language, an emergency said in Hindi or Urdu, keeping only what the caller heard, and a request made
 * before verification.
 */

let t: TestApp;
let twilio: FakeTwilio;
let llm: FakeOpenAI;
let origin: string;

beforeAll(async () => {
  twilio = await startFakeTwilio(SMS_SID, SMS_TOKEN);
  llm = await FakeOpenAI.start();
  t = await buildTestApp({
    env: {
      ...smsEnv(twilio),
      OPENAI_API_KEY: "test",
      OPENAI_BASE_URL: llm.baseUrl,
      LLM_MODEL: "fake-model",
      LLM_TIMEOUT_MS: "20000",
      LLM_MAX_RETRIES: "0",
    },
  });
  origin = await t.app.listen({ port: 0, host: "127.0.0.1" });
  await verifiedDoctor(t, { name: "Dr Meera Shah", specialty: "Dentist", city: "Delhi" });
});
afterAll(async () => {
  await t.close();
  await twilio.close();
  await llm.close();
});

/** A caller whose number belongs to a patient with this date of birth, verified on the call. */
async function verifiedCaller(phone: string): Promise<RelayCaller> {
  const s = await signUp(t, "patient", { name: "Asha Verma", phone });
  await t.database.db
    .update(patients)
    .set({ dateOfBirth: "1988-04-12" })
    .where(eq(patients.id, s.patientId!));
  const caller = await RelayCaller.dial(origin, SMS_TOKEN, phone);
  await caller.say("hello");
  expect(await caller.say("April 12th, 1988")).toMatch(/verified/);
  return caller;
}

async function stored(callSid: string) {
  const store = t.services.conversations;
  const identity = await store.identity("voice", callSid);
  const conversation = await store.conversationFor(identity, "voice");
  const [row] = await t.database.db.select().from(conversations).where(eq(conversations.id, conversation.id));
  const history = await store.historyAfter(conversation.id, 0);
  return {
    state: row!.state,
    messages: history.map((m) => ({ direction: m.direction, text: m.text ?? "" })),
  };
}

/** The system prompt the model was given in a request. */
const systemOf = (i: number) => String(llm.requests[i]!.messages[0]!.content);

describe("language", () => {
  it("switches to Hindi when the caller asks, and the agent answers in Hindi from then on", async () => {
    const caller = await verifiedCaller("+919812300101");
    llm.reset();
    const from = caller.frames.length;
    const confirmed = await caller.say("Can we speak Hindi?");
    expect(confirmed).toBe("ज़रूर, अब हम हिंदी में बात करेंगे।");
    const switched = caller.frames.slice(from).find((f) => f.type === "language");
    expect(switched).toEqual({ type: "language", ttsLanguage: "hi-IN", transcriptionLanguage: "hi-IN" });
    // The switch reaches Twilio before the words said in Hindi.
    expect(caller.frames.indexOf(switched!)).toBeLessThan(
      caller.frames.findIndex((f, i) => i >= from && f.type === "text"),
    );
    expect(llm.requests).toHaveLength(0);
    expect((await stored(caller.sid)).state).toMatchObject({ language: "hi-IN" });

    // Speech recognition now listens in Hindi (the stand-in sends lang hi-IN): no new switch, Hindi answers.
    llm.answer({ text: "डॉक्टर मीरा शाह दिल्ली में दंत चिकित्सक हैं।" });
    const next = caller.frames.length;
    expect(await caller.say("मुझे दांत के डॉक्टर चाहिए")).toBe("डॉक्टर मीरा शाह दिल्ली में दंत चिकित्सक हैं।");
    expect(systemOf(0)).toMatch(/answer only in Hindi/);
    expect(caller.frames.slice(next).some((f) => f.type === "language")).toBe(false);
    caller.close();
  });

  it("follows the language speech recognition heard a prompt in", async () => {
    const caller = await verifiedCaller("+919812300102");
    llm.reset();
    llm.answer({ text: "சரி." });
    const from = caller.frames.length;
    expect(await caller.say("எனக்கு பல் மருத்துவர் வேண்டும்", "ta-IN")).toBe("சரி.");
    expect(caller.frames.slice(from).find((f) => f.type === "language")).toEqual({
      type: "language",
      ttsLanguage: "ta-IN",
      transcriptionLanguage: "ta-IN",
    });
    expect(systemOf(0)).toMatch(/answer only in Tamil/);
    expect((await stored(caller.sid)).state).toMatchObject({ language: "ta-IN" });
    caller.close();
  });

  it("asks a caller who switched to Hindi for the date of birth in Hindi, reads a Hindi date, and reads the menu in Hindi", async () => {
    const phone = "+919812300106";
    const s = await signUp(t, "patient", { name: "Asha Verma", phone });
    await t.database.db
      .update(patients)
      .set({ dateOfBirth: "1988-04-12" })
      .where(eq(patients.id, s.patientId!));
    llm.reset();
    const caller = await RelayCaller.dial(origin, SMS_TOKEN, phone);
    expect(await caller.say("Can we speak Hindi?")).toBe("ज़रूर, अब हम हिंदी में बात करेंगे।");
    expect(caller.frames.find((f) => f.type === "language")).toEqual({
      type: "language",
      ttsLanguage: "hi-IN",
      transcriptionLanguage: "hi-IN",
    });
    // From here on speech recognition listens in Hindi (the stand-in sends lang hi-IN).
    expect(await caller.say("नमस्ते")).toBe("सुरक्षा के लिए, कृपया पहले अपनी जन्म तिथि बताइए।");
    expect(await caller.say("5 मार्च 1970")).toBe(
      "यह तारीख हमारे रिकॉर्ड से मेल नहीं खाती। कृपया अपनी जन्म तिथि फिर से बताइए।",
    );
    expect(await caller.say("पता नहीं")).toBe(
      "माफ़ कीजिए, तारीख समझ नहीं आई। कृपया अपनी जन्म तिथि बताइए, जैसे 12 अप्रैल 1988।",
    );
    expect(await caller.say("मेरी जन्म तिथि 12 अप्रैल 1988 है")).toBe(
      "धन्यवाद, आपकी पहचान की पुष्टि हो गई है। बताइए, आज हम आपकी क्या मदद कर सकते हैं? " +
        "एक, डॉक्टर खोजें। दो, मेरे अपॉइंटमेंट। तीन, दवाइयाँ। चार, लैब टेस्ट। पाँच, मेरी रिपोर्ट। " +
        "छह, मेरे रिकॉर्ड के बारे में पूछें। सात, किसी व्यक्ति से बात करें। " +
        "एक, दो, तीन, चार, पाँच, छह या सात बोलिए, या नंबर दबाइए।",
    );
    // A Hindi number word answers the menu (the same choice ids): "दो" is "My appointments".
    const appointments = await caller.say("दो");
    expect(appointments).toMatch(/appointments\. एक, डॉक्टर खोजें। दो, मेरे अपॉइंटमेंट।/);
    expect(llm.requests).toHaveLength(0);
    const { state, messages } = await stored(caller.sid);
    expect(state).toMatchObject({ language: "hi-IN" });
    expect(state).toHaveProperty("choices.0", { id: "find", label: "डॉक्टर खोजें" });
    expect(messages.filter((m) => m.direction === "in").map((m) => m.text)).toContain("2");
    caller.close();
  });
});

describe("an emergency said in the caller's language", () => {
  // Speech recognition writes the language's own script once the call switched (the stand-in sends its lang).
  it.each([
    {
      language: "Hindi",
      tag: "hi-IN",
      phone: "+919812300108",
      confirm: "ज़रूर, अब हम हिंदी में बात करेंगे।",
      said: "मेरे पिता बेहोश हो गए हैं और साँस नहीं ले रहे",
    },
    {
      language: "Urdu",
      tag: "ur-IN",
      phone: "+919812300109",
      confirm: "ضرور، اب ہم اردو میں بات کریں گے۔",
      said: "میرے والد بے ہوش ہو گئے ہیں اور سانس نہیں لے رہے",
    },
  ])(
    "in $language is answered at once without the model and the call is handed to a person",
    async ({ language, tag, phone, confirm, said }) => {
      const caller = await RelayCaller.dial(origin, SMS_TOKEN, phone);
      expect(await caller.say(`Can we speak ${language}?`)).toBe(confirm);
      llm.reset();
      const from = caller.frames.length;
      expect(await caller.say(said)).toMatch(/Call 112 now/);
      const end = await caller.waitFor((f) => f.type === "end", from);
      expect(JSON.parse(caller.frames[end]!.handoffData!)).toEqual({ reason: "emergency", language: tag });
      expect(llm.requests).toHaveLength(0);
      caller.close();
    },
  );
});

describe("hearing", () => {
  it("keeps only what was heard when the caller talks over an answer whose audio was still playing", async () => {
    const caller = await verifiedCaller("+919812300103");
    llm.reset();
    const answer = "Dr Meera Shah is free on Monday morning. She is also free on Tuesday afternoon.";
    llm.answer({ text: answer, tokenMs: 1 });
    expect(await caller.say("When is Dr Meera Shah free?")).toBe(answer);
    // All of it was generated and sent; Twilio was still speaking when the caller cut in.
    caller.send({
      type: "interrupt",
      utteranceUntilInterrupt: "Dr Meera Shah is free on Monday morning.",
      durationUntilInterruptMs: 2100,
    });
    llm.answer({ text: "Monday it is." });
    expect(await caller.say("Monday please")).toBe("Monday it is.");

    const texts = (await stored(caller.sid)).messages.map((m) => m.text);
    expect(texts).toContain("Dr Meera Shah is free on Monday morning.…");
    expect(texts.join("\n")).not.toMatch(/Tuesday/);
    // The model's history holds what the caller heard, not the whole answer.
    expect(JSON.stringify(llm.requests[1]!.messages)).not.toMatch(/Tuesday/);
    expect(JSON.stringify(llm.requests[1]!.messages)).toMatch(/free on Monday morning/);
    caller.close();
  });

  it("keeps the whole answer when the caller heard all of it", async () => {
    const caller = await verifiedCaller("+919812300104");
    llm.reset();
    llm.answer({ text: "You have no upcoming appointments." });
    expect(await caller.say("Do I have appointments?")).toBe("You have no upcoming appointments.");
    caller.send({ type: "interrupt", utteranceUntilInterrupt: "You have no upcoming appointments" });
    llm.answer({ text: "Goodbye." });
    await caller.say("Thanks, bye");
    expect((await stored(caller.sid)).messages.map((m) => m.text)).toContain(
      "You have no upcoming appointments.",
    );
    caller.close();
  });
});

describe("a request made before the date of birth", () => {
  it("is carried out right after verification, without asking again", async () => {
    const phone = "+919812300105";
    const s = await signUp(t, "patient", { name: "Asha Verma", phone });
    await t.database.db
      .update(patients)
      .set({ dateOfBirth: "1988-04-12" })
      .where(eq(patients.id, s.patientId!));
    llm.reset();
    const caller = await RelayCaller.dial(origin, SMS_TOKEN, phone);
    expect(await caller.say("I want to book a dentist tomorrow")).toMatch(/date of birth/);
    expect(llm.requests).toHaveLength(0);

    llm.answer(
      { toolCalls: [{ name: "search_doctors", args: { query: "dentist" } }] },
      { text: "Dr Meera Shah is a dentist in Delhi. Shall I look for a time tomorrow?" },
    );
    const answer = await caller.say("April 12th 1988");
    expect(answer).toMatch(
      /^Thank you, you're verified\. (One moment while I check that\. )?Dr Meera Shah is a dentist in Delhi\. Shall I look for a time tomorrow\?$/,
    );
    expect(answer).not.toMatch(/How can I help/);
    // The model was asked the caller's first request (and never saw the date of birth).
    expect(JSON.stringify(llm.requests[0]!.messages.at(-1))).toMatch(/I want to book a dentist tomorrow/);
    expect(JSON.stringify(llm.requests)).not.toMatch(/1988/);
    const { state } = await stored(caller.sid);
    expect(state).not.toHaveProperty("onboarding.request");
    caller.close();
  });

  it("in Hindi: the caller hears they are verified in Hindi once, before the answer", async () => {
    const phone = "+919812300107";
    const s = await signUp(t, "patient", { name: "Asha Verma", phone });
    await t.database.db
      .update(patients)
      .set({ dateOfBirth: "1988-04-12" })
      .where(eq(patients.id, s.patientId!));
    llm.reset();
    const caller = await RelayCaller.dial(origin, SMS_TOKEN, phone);
    await caller.say("Can we speak Hindi?");
    expect(await caller.say("मुझे कल दांत के डॉक्टर से मिलना है")).toBe(
      "सुरक्षा के लिए, कृपया पहले अपनी जन्म तिथि बताइए।",
    );
    llm.answer({ text: "डॉक्टर मीरा शाह दिल्ली में दंत चिकित्सक हैं।" });
    expect(await caller.say("१२ अप्रैल १९८८")).toBe(
      "धन्यवाद, आपकी पहचान की पुष्टि हो गई है। डॉक्टर मीरा शाह दिल्ली में दंत चिकित्सक हैं।",
    );
    expect(JSON.stringify(llm.requests[0]!.messages.at(-1))).toMatch(/मुझे कल दांत के डॉक्टर से मिलना है/);
    caller.close();
  });
});
