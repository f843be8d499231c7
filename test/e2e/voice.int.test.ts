import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { conversations, patients } from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../app.js";
import { careTeamAppointment, signUp, verifiedDoctor, type Session } from "../factories.js";
import { createHmac } from "node:crypto";
import { FakeOpenAI } from "../fakes/openai.js";
import { signedWebhook, startFakeTwilio, type FakeTwilio } from "../fakes/twilio.js";
import { settle } from "../settle.js";
import { SMS_NUMBER, SMS_SID, SMS_TOKEN, smsEnv } from "../sms.js";
import { RelayCaller } from "../voice.js";

/** The phone line over ConversationRelay: a real WebSocket, the scripted model, the local Twilio REST fake. */

const BASE = "http://healthlink.test";
const HANDOFF = "+14155550199";
const API_KEY_SID = "SK" + "1".repeat(32);
const API_KEY_SECRET = "voice_api_key_secret_0123456789";
const APP_SID = "AP" + "2".repeat(32);
let t: TestApp;
let twilio: FakeTwilio;
let llm: FakeOpenAI;
let origin: string;
let meera: number;
let meeraSession: Session;

beforeAll(async () => {
  twilio = await startFakeTwilio(SMS_SID, SMS_TOKEN);
  llm = await FakeOpenAI.start();
  t = await buildTestApp({
    env: {
      ...smsEnv(twilio),
      VOICE_HANDOFF_NUMBER: HANDOFF,
      OPENAI_API_KEY: "test",
      OPENAI_BASE_URL: llm.baseUrl,
      LLM_MODEL: "fake-model",
      LLM_TIMEOUT_MS: "20000",
      LLM_MAX_RETRIES: "0",
      TWILIO_API_KEY_SID: API_KEY_SID,
      TWILIO_API_KEY_SECRET: API_KEY_SECRET,
      TWILIO_TWIML_APP_SID: APP_SID,
    },
  });
  origin = await t.app.listen({ port: 0, host: "127.0.0.1" });
  meeraSession = await verifiedDoctor(t, { name: "Dr Meera Shah", specialty: "Dentist", city: "Delhi" });
  meera = meeraSession.doctorId!;
});
afterAll(async () => {
  await t.close();
  await twilio.close();
  await llm.close();
});

/** A patient whose account has this phone and date of birth. */
async function patient(phone: string, dob: string) {
  const s = await signUp(t, "patient", { name: "Asha Verma", phone });
  await t.database.db.update(patients).set({ dateOfBirth: dob }).where(eq(patients.id, s.patientId!));
  return s;
}

async function storedMessages(callSid: string) {
  const store = t.services.conversations;
  const identity = await store.identity("voice", callSid);
  const conversation = await store.conversationFor(identity, "voice");
  const [row] = await t.database.db.select().from(conversations).where(eq(conversations.id, conversation.id));
  const history = await store.historyAfter(conversation.id, 0);
  return {
    conversation: row!,
    messages: history.map((m) => ({ direction: m.direction, text: m.text ?? "" })),
  };
}

describe("calls in", () => {
  it("answers a signed call with ConversationRelay TwiML and refuses a forged one", async () => {
    const params = {
      CallSid: "CA" + "0".repeat(32),
      From: "+919812300001",
      To: SMS_NUMBER,
      CallStatus: "ringing",
    };
    const ok = await t.app.inject({
      method: "POST",
      ...signedWebhook(SMS_TOKEN, BASE, "/webhooks/twilio/voice", params),
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain(
      '<Connect action="http://healthlink.test/webhooks/twilio/voice/action" method="POST">',
    );
    expect(ok.body).toMatch(
      /<ConversationRelay url="ws:\/\/healthlink.test\/voice\/relay" welcomeGreeting="[^"]+" language="en-US" interruptible="any" dtmfDetection="true"\/>/,
    );
    const forged = signedWebhook("wrong-token", BASE, "/webhooks/twilio/voice", params);
    expect((await t.app.inject({ method: "POST", ...forged })).statusCode).toBe(403);
  });

  it("refuses a relay upgrade that is unsigned or signed for another URL", async () => {
    await expect(RelayCaller.dial(origin, SMS_TOKEN, "+919812300002", { signature: null })).rejects.toThrow(
      /refused 403/,
    );
    await expect(
      RelayCaller.dial(origin, SMS_TOKEN, "+919812300002", { relayUrl: "ws://evil.test/voice/relay" }),
    ).rejects.toThrow(/refused 403/);
    const caller = await RelayCaller.dial(origin, SMS_TOKEN, "+919812300002");
    caller.close();
  });
});

describe("a known caller", () => {
  it("says nothing of the patient before the date of birth, then books a dentist by voice and texts the payment link", async () => {
    const phone = "+919812300010";
    await patient(phone, "1988-04-12");
    llm.reset();
    const caller = await RelayCaller.dial(origin, SMS_TOKEN, phone);

    const asked = await caller.say("What appointments do I have?");
    expect(asked).toMatch(/date of birth/);
    expect(asked).not.toMatch(/Asha/);
    expect(await caller.say("May 1st, 1990")).toMatch(/doesn't match/);
    // Nothing reached the model, and no tool ran for an unverified caller.
    expect(llm.requests).toHaveLength(0);

    // Once verified, the question asked first is answered without asking again.
    llm.answer({ text: "You have no upcoming appointments." });
    const ok = await caller.say("the twelfth of April nineteen eighty-eight");
    expect(ok).toBe("Thank you, you're verified. You have no upcoming appointments.");
    expect(JSON.stringify(llm.requests[0]!.messages.at(-1))).toMatch(/What appointments do I have\?/);
    llm.reset();

    // The answer streams token by token as the scripted model writes it.
    llm.answer(
      { toolCalls: [{ name: "search_doctors", args: { query: "dentist", city: "Delhi" } }] },
      { text: "Dr Meera Shah is a dentist in Delhi. Shall I look for a time?", tokenMs: 5 },
    );
    const from = caller.frames.length;
    const found = await caller.say("I need a dentist in Delhi");
    // (A search slower than 700 ms is preceded by the spoken filler.)
    expect(found).toMatch(
      /^(One moment while I check that\. )?Dr Meera Shah is a dentist in Delhi\. Shall I look for a time\?$/,
    );
    expect(caller.tokens(from).length).toBeGreaterThan(5);
    // The model was told it speaks on the phone.
    expect(JSON.stringify(llm.requests[0]!.messages[0])).toMatch(/on the phone/);
    expect(llm.requests[0]!.stream).toBe(true);

    const time = (await t.services.scheduling.daySlots(meera, "2030-01-08")).slots[0]!.appointment_time;
    llm.answer(
      { toolCalls: [{ name: "book_appointment", args: { doctor_id: meera, date: "2030-01-08", time } }] },
      { text: "Please confirm." },
    );
    const summary = await caller.say("Yes, the first time on January eighth");
    expect(summary).toMatch(/Say one or two, or press the number\./);
    expect(summary).not.toMatch(/#|\*|https?:/);

    const booked = await caller.press("1");
    expect(booked).toMatch(/I've sent the link to your phone by text message\./);
    expect(booked).not.toMatch(/https?:|#\d/);
    await settle(t.jobs);
    const texts = twilio.to(phone).map((m) => m.body ?? "");
    expect(texts.join("\n")).toMatch(/Pay .*\n.*https?:\/\/\S+/);

    const stored = await storedMessages(caller.sid);
    expect(stored.conversation.channel).toBe("voice");
    expect(stored.messages.filter((m) => m.direction === "in").map((m) => m.text)).toContain(
      "I need a dentist in Delhi",
    );
    expect(stored.messages.map((m) => m.text)).toContain(
      "Dr Meera Shah is a dentist in Delhi. Shall I look for a time?",
    );
    caller.close();
  });

  it("offers a person after three wrong dates of birth", async () => {
    const phone = "+919812300011";
    await patient(phone, "1975-09-01");
    const caller = await RelayCaller.dial(origin, SMS_TOKEN, phone);
    await caller.say("hello");
    await caller.say("January 1st 1970");
    await caller.say("February 2nd 1971");
    const third = await caller.say("March 3rd 1972");
    expect(third).toMatch(
      /person from our team can help you\. One, Talk to a person\. Say one, or press the number\./,
    );
    const from = caller.frames.length;
    await caller.press("1");
    const end = await caller.waitFor((f) => f.type === "end", from);
    expect(JSON.parse(caller.frames[end]!.handoffData!)).toEqual({ reason: "person", language: "en-US" });
  });

  it("stops at an interruption and keeps only what the caller heard", async () => {
    const phone = "+919812300012";
    await patient(phone, "1990-05-31");
    const caller = await RelayCaller.dial(origin, SMS_TOKEN, phone);
    await caller.say("hi");
    await caller.say("31 May 1990");
    llm.reset();
    llm.answer({
      text: "Here is a long answer about dentists in Delhi that goes on and on for a while so you can talk over it.",
      tokenMs: 40,
    });
    const from = caller.frames.length;
    caller.send({ type: "prompt", voicePrompt: "Tell me about dentists", last: true });
    await caller.waitFor((f) => f.type === "text", from);
    await caller.waitFor((f) => f.type === "text", from + 2);
    const heard = caller.tokens(from).join("");
    caller.send({ type: "interrupt", utteranceUntilInterrupt: heard, durationUntilInterruptMs: 900 });
    await new Promise((r) => setTimeout(r, 600));
    const after = caller.tokens(from).join("");
    expect(after.length).toBeLessThan(60);
    expect(caller.frames.slice(from).some((f) => f.last === true)).toBe(false);

    // The next prompt is answered as usual, and the history holds what was heard only.
    llm.answer({ text: "Sure." });
    expect(await caller.say("Never mind")).toBe("Sure.");
    const stored = await storedMessages(caller.sid);
    expect(stored.messages.map((m) => m.text)).toContain(`${heard.trim()}…`);
    expect(stored.messages.map((m) => m.text).join("\n")).not.toMatch(/talk over it/);
  });

  it("answers an emergency at once without the model and hands the call to a person", async () => {
    const caller = await RelayCaller.dial(origin, SMS_TOKEN, "+919812300013");
    llm.reset();
    const from = caller.frames.length;
    const said = await caller.say("My father is having a heart attack");
    expect(said).toMatch(/Call 112 now/);
    const end = await caller.waitFor((f) => f.type === "end", from);
    expect(JSON.parse(caller.frames[end]!.handoffData!)).toEqual({ reason: "emergency", language: "en-US" });
    expect(llm.requests).toHaveLength(0);

    const action = await t.app.inject({
      method: "POST",
      ...signedWebhook(SMS_TOKEN, BASE, "/webhooks/twilio/voice/action", {
        CallSid: caller.sid,
        SessionStatus: "ended",
        HandoffData: caller.frames[end]!.handoffData!,
      }),
    });
    expect(action.body).toContain(`<Dial callerId="${SMS_NUMBER}">${HANDOFF}</Dial>`);
    const stored = await storedMessages(caller.sid);
    expect(stored.conversation.flagged).toBe(true);
  });

  it("hands a caller who switched to Hindi to a person in Hindi, the callback too", async () => {
    const caller = await RelayCaller.dial(origin, SMS_TOKEN, "+919812300015");
    expect(await caller.say("Can we speak Hindi?")).toBe("ज़रूर, अब हम हिंदी में बात करेंगे।");
    const from = caller.frames.length;
    expect(await caller.say("I want to talk to a person")).toBe(
      "हम अभी आपको हमारी टीम के किसी सदस्य से जोड़ रहे हैं।",
    );
    const end = await caller.waitFor((f) => f.type === "end", from);
    const handoffData = caller.frames[end]!.handoffData!;
    expect(JSON.parse(handoffData)).toEqual({ reason: "person", language: "hi-IN" });
    const action = await t.app.inject({
      method: "POST",
      ...signedWebhook(SMS_TOKEN, BASE, "/webhooks/twilio/voice/action", {
        CallSid: caller.sid,
        SessionStatus: "ended",
        HandoffData: handoffData,
      }),
    });
    expect(action.body).toContain(
      `<Say language="hi-IN">कृपया लाइन पर बने रहिए, हम आपको जोड़ रहे हैं।</Say><Dial callerId="${SMS_NUMBER}">${HANDOFF}</Dial>`,
    );
    caller.close();
  });

  it("ends a session without hand-off data with goodbye, and records the call's status", async () => {
    const caller = await RelayCaller.dial(origin, SMS_TOKEN, "+919812300014");
    await caller.say("hello");
    const action = await t.app.inject({
      method: "POST",
      ...signedWebhook(SMS_TOKEN, BASE, "/webhooks/twilio/voice/action", {
        CallSid: caller.sid,
        SessionStatus: "completed",
      }),
    });
    expect(action.body).toMatch(/Goodbye\.<\/Say><Hangup\/>/);
    const status = await t.app.inject({
      method: "POST",
      ...signedWebhook(SMS_TOKEN, BASE, "/webhooks/twilio/voice/status", {
        CallSid: caller.sid,
        CallStatus: "completed",
        CallDuration: "42",
      }),
    });
    expect(status.statusCode).toBe(204);
    const stored = await storedMessages(caller.sid);
    expect(stored.conversation.state).toMatchObject({ call: { status: "completed", durationSeconds: 42 } });
  });
});

describe("doctors call patients from the browser", () => {
  it("gives doctors (not patients) a token with a VoiceGrant for the TwiML app", async () => {
    const patientSession = await signUp(t, "patient");
    const refused = await t.app.inject({
      method: "GET",
      url: "/api/voice/token",
      headers: patientSession.headers,
    });
    expect(refused.statusCode).toBe(403);
    const res = await t.app.inject({ method: "GET", url: "/api/voice/token", headers: meeraSession.headers });
    expect(res.statusCode).toBe(200);
    const { token, identity } = res.json<{ token: string; identity: string }>();
    const [header, payload, signature] = token.split(".");
    expect(createHmac("sha256", API_KEY_SECRET).update(`${header}.${payload}`).digest("base64url")).toBe(
      signature,
    );
    const claims = JSON.parse(Buffer.from(payload!, "base64url").toString("utf8")) as {
      iss: string;
      sub: string;
      grants: {
        identity: string;
        voice: { outgoing: { application_sid: string }; incoming?: { allow: boolean } };
      };
    };
    expect(claims.iss).toBe(API_KEY_SID);
    expect(claims.sub).toBe(SMS_SID);
    expect(claims.grants.identity).toBe(identity);
    expect(identity).toBe(`staff_${meeraSession.userId}`);
    expect(claims.grants.voice.outgoing.application_sid).toBe(APP_SID);
    expect(claims.grants.voice.incoming?.allow ?? false).toBe(false);
  });

  it("dials the patient of the doctor's own appointment from the clinic number, and nobody else's", async () => {
    const phone = "+919812300030";
    const p = await patient(phone, "1980-01-01");
    const appointmentId = await careTeamAppointment(t, meera, p.patientId!);
    const outbound = (from: string, id: number) =>
      t.app.inject({
        method: "POST",
        ...signedWebhook(SMS_TOKEN, BASE, "/webhooks/twilio/voice/outbound", {
          CallSid: "CA" + "3".repeat(32),
          From: from,
          To: "",
          appointment_id: String(id),
        }),
      });
    const ok = await outbound(`client:staff_${meeraSession.userId}`, appointmentId);
    expect(ok.body).toContain(`<Dial callerId="${SMS_NUMBER}"><Number>${phone}</Number></Dial>`);
    const other = await verifiedDoctor(t, { name: "Dr Other" });
    const refused = await outbound(`client:staff_${other.userId}`, appointmentId);
    expect(refused.body).toMatch(/<Say>This call cannot be placed\.<\/Say><Hangup\/>/);
    expect(refused.body).not.toContain(phone);
    const forged = signedWebhook("nope", BASE, "/webhooks/twilio/voice/outbound", { From: "client:staff_1" });
    expect((await t.app.inject({ method: "POST", ...forged })).statusCode).toBe(403);

    const page = await t.app.inject({ method: "GET", url: "/voice/call" });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-security-policy"]).toMatch(/script-src 'self'/);
    const sdk = await t.app.inject({ method: "GET", url: "/voice/sdk.js" });
    expect(sdk.statusCode).toBe(200);
    expect(sdk.body).toContain("Device");
  });
});
