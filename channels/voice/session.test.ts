import { describe, expect, it } from "vitest";
import type { OutboundMessage } from "../../bot/types.js";
import type { RelayOut } from "./protocol.js";
import { choicesPrompt, spoken, spokenChoice, spokenChoices } from "./render.js";
import { FILLER, RelaySession, type VoicePorts } from "./session.js";

const SID = "CA" + "a".repeat(32);

function session(
  run: VoicePorts["runTurn"],
  kept: { conversationId: number; ids: number[]; heard: string }[] = [],
): { frames: RelayOut[]; s: RelaySession } {
  const frames: RelayOut[] = [];
  const ports: VoicePorts = {
    runTurn: run,
    textCaller: () => Promise.resolve(),
    keepHeard: (conversationId, ids, heard) => {
      kept.push({ conversationId, ids, heard });
      return Promise.resolve();
    },
    now: () => new Date(),
    language: "en-US",
    log: { warn: () => undefined },
  };
  const s = new RelaySession((f) => frames.push(f), ports);
  s.receive(JSON.stringify({ type: "setup", callSid: SID, from: "+919812300001", to: "+14155550100" }));
  return { frames, s };
}

async function until(pred: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !pred(); i++) await new Promise((r) => setTimeout(r, 10));
}

describe("RelaySession", () => {
  it("says a short filler first when a tool runs longer than 700 ms, then streams the answer", async () => {
    const { frames, s } = session(async (_inbound, _ctx, stream) => {
      stream!.tool("search_doctors");
      await new Promise((r) => setTimeout(r, 900));
      stream!.token("Found ");
      stream!.token("one.");
      return [{ text: "Found one.", id: 1 }];
    });
    s.receive(JSON.stringify({ type: "prompt", voicePrompt: "find a dentist", last: true }));
    await until(() => frames.some((f) => f.type === "text" && f.last));
    const tokens = frames.flatMap((f) => (f.type === "text" ? [f.token] : []));
    expect(tokens).toEqual([FILLER, "Found ", "one.", ""]);
  });

  it("says no filler when the tool is quick", async () => {
    const { frames, s } = session(async (_inbound, _ctx, stream) => {
      stream!.tool("search_doctors");
      stream!.token("Quick.");
      return [{ text: "Quick.", id: 1 }];
    });
    s.receive(JSON.stringify({ type: "prompt", voicePrompt: "find a dentist", last: true }));
    await until(() => frames.some((f) => f.type === "text" && f.last));
    await new Promise((r) => setTimeout(r, 800));
    expect(frames.flatMap((f) => (f.type === "text" ? [f.token] : []))).toEqual(["Quick.", ""]);
  });

  it("turns a spoken choice into the digit the engine reads", async () => {
    let seen = "";
    const { frames, s } = session(async (inbound) => {
      seen = inbound.text;
      return [];
    });
    s.receive(JSON.stringify({ type: "prompt", voicePrompt: "Option two.", last: true }));
    await until(() => frames.length > 0);
    expect(seen).toBe("2");
    expect(spokenChoice("the third one")).toBe("3");
    expect(spokenChoice("book a dentist")).toBe("book a dentist");
  });

  it("keeps only what was heard when the caller talks over an answer already sent", async () => {
    const kept: { conversationId: number; ids: number[]; heard: string }[] = [];
    const { frames, s } = session(async (_inbound, _ctx, stream) => {
      stream!.token("Dr Meera Shah is free on Monday. ");
      stream!.token("She is also free on Tuesday.");
      return [
        { text: "Dr Meera Shah is free on Monday. She is also free on Tuesday.", id: 7, conversationId: 3 },
      ];
    }, kept);
    s.receive(JSON.stringify({ type: "prompt", voicePrompt: "when is she free", last: true }));
    await until(() => frames.some((f) => f.type === "text" && f.last));
    // All of it heard: nothing changes.
    s.receive(
      JSON.stringify({
        type: "interrupt",
        utteranceUntilInterrupt: "Dr Meera Shah is free on Monday. She is also free on Tuesday",
      }),
    );
    await new Promise((r) => setTimeout(r, 20));
    expect(kept).toEqual([]);

    s.receive(JSON.stringify({ type: "prompt", voicePrompt: "when is she free", last: true }));
    await until(() => frames.filter((f) => f.type === "text" && f.last).length === 2);
    s.receive(
      JSON.stringify({ type: "interrupt", utteranceUntilInterrupt: "Dr Meera Shah is free on Monday." }),
    );
    await until(() => kept.length > 0);
    expect(kept).toEqual([{ conversationId: 3, ids: [7], heard: "Dr Meera Shah is free on Monday." }]);
  });

  it("switches the call's language when a prompt is heard in another language, and when the engine says so", async () => {
    const seen: (string | undefined)[] = [];
    const { frames, s } = session(async (inbound) => {
      seen.push(inbound.language);
      return inbound.text === "can we speak Tamil"
        ? [{ text: "சரி, இனி தமிழில் பேசலாம்.", language: "ta-IN" }]
        : [{ text: "ठीक है।" }];
    });
    s.receive(JSON.stringify({ type: "prompt", voicePrompt: "hello", lang: "en-IN", last: true }));
    await until(() => frames.some((f) => f.type === "text" && f.last));
    expect(frames.some((f) => f.type === "language")).toBe(false);
    s.receive(JSON.stringify({ type: "prompt", voicePrompt: "नमस्ते", lang: "hi-IN", last: true }));
    await until(() => frames.filter((f) => f.type === "text" && f.last).length === 2);
    s.receive(
      JSON.stringify({ type: "prompt", voicePrompt: "can we speak Tamil", lang: "hi-IN", last: true }),
    );
    await until(() => frames.filter((f) => f.type === "text" && f.last).length === 3);
    expect(seen).toEqual(["en-IN", "hi-IN", "hi-IN"]);
    const switches = frames.filter((f) => f.type === "language");
    expect(switches).toEqual([
      { type: "language", ttsLanguage: "hi-IN", transcriptionLanguage: "hi-IN" },
      { type: "language", ttsLanguage: "ta-IN", transcriptionLanguage: "ta-IN" },
    ]);
    // The switch comes before the words said in the new language.
    const i = frames.findIndex((f) => f.type === "language" && f.ttsLanguage === "ta-IN");
    expect(frames[i + 1]).toMatchObject({ type: "text", token: "சரி, இனி தமிழில் பேசலாம்." });
  });

  it("in Hindi: reads a Hindi choice answer as its digit, and says the filler and the apology in Hindi", async () => {
    const seen: string[] = [];
    const { frames, s } = session(async (inbound, _ctx, stream) => {
      seen.push(inbound.text);
      if (inbound.text === "fail") throw new Error("down");
      stream!.tool("search_doctors");
      await new Promise((r) => setTimeout(r, 800));
      return [{ text: "ठीक है।", id: 1 }];
    });
    const lasts = () => frames.filter((f) => f.type === "text" && f.last).length;
    s.receive(JSON.stringify({ type: "prompt", voicePrompt: "दूसरा वाला", lang: "hi-IN", last: true }));
    await until(() => lasts() === 1);
    s.receive(JSON.stringify({ type: "prompt", voicePrompt: "fail", lang: "hi-IN", last: true }));
    await until(() => lasts() === 2);
    expect(seen).toEqual(["2", "fail"]);
    const tokens = frames.flatMap((f) => (f.type === "text" ? [f.token] : []));
    expect(tokens).toEqual([
      "एक पल रुकिए, अभी देखते हैं। ",
      "ठीक है।",
      "",
      "माफ़ कीजिए, हमारी तरफ़ से कुछ गड़बड़ हो गई। कृपया फिर से बोलिए।",
    ]);
  });
});

describe("the voice render profile", () => {
  it("says dates, times and money naturally, drops links and ids, reads choices", () => {
    const m: OutboundMessage = {
      text: "Booked: **Dr Meera Shah** on 2030-01-08 at 14:30 (ticket #12). Fee INR 500.00. See https://x.test/pay",
      links: [{ label: "Pay", url: "https://x.test/pay" }],
      choices: [
        { id: "a", label: "Yes" },
        { id: "b", label: "No" },
        { id: "c", label: "Later" },
      ],
    };
    expect(spoken(m)).toBe(
      "Booked: Dr Meera Shah on Tuesday, January 8th at 2:30 PM. Fee 500 rupees. See " +
        "I've sent the link to your phone by text message. " +
        "One, Yes. Two, No. Three, Later. Say one, two or three, or press the number.",
    );
  });

  it("reads choices and texted links in the call's language", () => {
    const choices = [
      { id: "find", label: "डॉक्टर खोजें" },
      { id: "appointments", label: "मेरे अपॉइंटमेंट" },
      { id: "human", label: "किसी व्यक्ति से बात करें" },
    ];
    expect(spokenChoices(choices, "hi-IN")).toBe(
      "एक, डॉक्टर खोजें। दो, मेरे अपॉइंटमेंट। तीन, किसी व्यक्ति से बात करें। " + "एक, दो या तीन बोलिए, या नंबर दबाइए।",
    );
    expect(
      spoken({ text: "भुगतान करें।", links: [{ label: "Pay", url: "https://x.test" }] }, { language: "hi-IN" }),
    ).toBe("भुगतान करें। मैंने लिंक आपके फ़ोन पर मैसेज से भेज दिया है।");
    expect(choicesPrompt(1, "hi-IN")).toBe("एक बोलिए, या नंबर दबाइए।");
    expect(choicesPrompt(2, "ur-IN")).toBe("ایک یا دو کہیے، یا نمبر دبائیے۔");
    expect(choicesPrompt(3, "ta-IN")).toBe(
      "ஒன்று, இரண்டு அல்லது மூன்று என்று சொல்லுங்கள், அல்லது அந்த எண்ணை அழுத்துங்கள்.",
    );
    // English stays as it was, and a language we do not speak is English.
    expect(choicesPrompt(2)).toBe("Say one or two, or press the number.");
    expect(choicesPrompt(2, "fr-FR")).toBe("Say one or two, or press the number.");
  });

  it.each([
    ["एक", "1"],
    ["दो", "2"],
    ["तीन", "3"],
    ["पाँच", "5"],
    ["नौ", "9"],
    ["ek", "1"],
    ["do", "2"],
    ["teen", "3"],
    ["दो नंबर", "2"],
    ["दूसरा वाला", "2"],
    ["option teen", "3"],
    ["३", "3"],
    ["two", "2"],
    ["मुझे दो डॉक्टर चाहिए", "मुझे दो डॉक्टर चाहिए"],
    ["सात दिन", "सात दिन"],
  ])("hears %s in a Hindi call as %s", (said, digit) => {
    expect(spokenChoice(said, "hi-IN")).toBe(digit);
  });

  it("hears a language's number words only in a call in that language", () => {
    expect(spokenChoice("do", "en-US")).toBe("do");
    expect(spokenChoice("दो")).toBe("दो");
    expect(spokenChoice("ரெண்டு", "ta-IN")).toBe("2");
    expect(spokenChoice("రెండు", "te-IN")).toBe("2");
    expect(spokenChoice("ਦੋ", "pa-IN")).toBe("2");
    expect(spokenChoice("دو", "ur-IN")).toBe("2");
  });
});
