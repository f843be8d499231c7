import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { patients } from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../app.js";
import { signUp, verifiedDoctor } from "../factories.js";
import { signedWebhook, startFakeTwilio, type FakeTwilio } from "../fakes/twilio.js";
import { settle } from "../settle.js";
import { SMS_NUMBER, SMS_SID, SMS_TOKEN, smsEnv } from "../sms.js";
import { callSid } from "../voice.js";

/**
 * VOICE_MODE=gather with no model configured (the guided menus): each <Gather> result is one turn of the same
 * engine, answered with <Say> and the next <Gather>; an unknown caller onboards with a code texted to the
 * calling number and read back; numbered choices are read out and answered with keys.
 */

const BASE = "http://healthlink.test";
const HANDOFF = "+14155550199";
let t: TestApp;
let twilio: FakeTwilio;

beforeAll(async () => {
  twilio = await startFakeTwilio(SMS_SID, SMS_TOKEN);
  t = await buildTestApp({
    env: {
      ...smsEnv(twilio),
      VOICE_MODE: "gather",
      VOICE_HANDOFF_NUMBER: HANDOFF,
      NOTIFY_RELAY_INTERVAL_MS: "50",
    },
  });
  await verifiedDoctor(t, { name: "Dr Meera Shah", specialty: "Dentist", city: "Delhi" });
});
afterAll(async () => {
  await t.close();
  await twilio.close();
});

/** One <Gather> result posted as Twilio posts it (to `path`, the last <Gather>'s action); the TwiML answer. */
async function gather(
  sid: string,
  from: string,
  input: { speech?: string; digits?: string },
  path = "/webhooks/twilio/voice/gather",
): Promise<string> {
  const params: Record<string, string> = { CallSid: sid, From: from, To: SMS_NUMBER, AccountSid: SMS_SID };
  if (input.speech !== undefined) params.SpeechResult = input.speech;
  if (input.digits !== undefined) params.Digits = input.digits;
  const res = await t.app.inject({
    method: "POST",
    ...signedWebhook(SMS_TOKEN, BASE, path, params),
  });
  expect(res.statusCode).toBe(200);
  return res.body;
}

/** The words of the <Say> inside the <Gather>. */
function said(twiml: string): string {
  return /<Gather[^>]*><Say[^>]*>([^<]*)<\/Say><\/Gather>/.exec(twiml)?.[1]?.replace(/&apos;/g, "'") ?? "";
}

describe("gather mode", () => {
  it("answers a call with a <Gather> of speech and keys", async () => {
    const res = await t.app.inject({
      method: "POST",
      ...signedWebhook(SMS_TOKEN, BASE, "/webhooks/twilio/voice", {
        CallSid: callSid(),
        From: "+919812300020",
      }),
    });
    expect(res.body).toMatch(
      /<Gather input="speech dtmf" action="http:\/\/healthlink.test\/webhooks\/twilio\/voice\/gather" method="POST" speechTimeout="auto" language="en-US"><Say language="en-US">[^<]+<\/Say><\/Gather>/,
    );
    const forged = signedWebhook("nope", BASE, "/webhooks/twilio/voice/gather", { CallSid: callSid() });
    expect((await t.app.inject({ method: "POST", ...forged })).statusCode).toBe(403);
  });

  it("onboards an unknown caller with a code texted to the calling number, then reads the menu and takes keys", async () => {
    const phone = "+919812300021";
    const sid = callSid();
    const consent = said(await gather(sid, phone, { speech: "Hello" }));
    expect(consent).toMatch(/agree to our terms/);
    expect(consent).toMatch(/One, I agree\. Two, No, thanks\. Say one or two, or press the number\./);
    expect(consent).not.toMatch(/https?:/);
    expect(said(await gather(sid, phone, { digits: "1" }))).toMatch(/full name/);
    expect(said(await gather(sid, phone, { speech: "Ravi Kumar" }))).toMatch(/date of birth/);
    const codeAsked = said(await gather(sid, phone, { speech: "the fifth of March nineteen ninety" }));
    expect(codeAsked).toMatch(/I've sent a 6-digit code to/);
    await settle(t.jobs, ["notify.deliver", "notify.deliver_many", "chat.drain", "chat.send"]);
    // The code leaves through the notification outbox, whose relay runs on its own interval.
    const code = await vi.waitFor(
      () => {
        const sms = twilio
          .to(phone)
          .map((m) => m.body ?? "")
          .join("\n");
        const found = /\b(\d{6})\b/.exec(sms)?.[1];
        if (found === undefined) throw new Error("no code texted yet");
        return found;
      },
      { timeout: 10_000, interval: 20 },
    );
    const spoken = code
      .split("")
      .map((d) => ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"][Number(d)])
      .join(" ");
    const menu = said(await gather(sid, phone, { speech: spoken }));
    expect(menu).toMatch(/verified/);
    expect(menu).toMatch(
      /One, Find a doctor\. Two, My appointments\..* Say one, two, .* or press the number\./,
    );
    // Keys answer the choices read out: 2 is "My appointments"; 6 ("Talk to a human") hands the call on.
    expect(said(await gather(sid, phone, { digits: "2" }))).toMatch(/appointments/i);
    const human = await gather(sid, phone, { digits: "6" });
    expect(human).toContain(`<Dial callerId="${SMS_NUMBER}">${HANDOFF}</Dial>`);
  });

  it("switches the call's language when the caller asks, and keeps it on the next <Gather>", async () => {
    const sid = callSid();
    const phone = "+919812300024";
    const hindi = await gather(sid, phone, { speech: "Can we speak Hindi?" });
    expect(hindi).toContain(
      '<Gather input="speech dtmf" action="http://healthlink.test/webhooks/twilio/voice/gather?lang=hi-IN" method="POST" speechTimeout="auto" language="hi-IN"><Say language="hi-IN">',
    );
    expect(said(hindi)).toBe("ज़रूर, अब हम हिंदी में बात करेंगे।");
    // The next result goes to that action URL (signed with its query, as Twilio signs it): still Hindi.
    const next = await gather(sid, phone, { speech: "Hello" }, "/webhooks/twilio/voice/gather?lang=hi-IN");
    expect(next).toMatch(
      /<Gather [^>]*action="[^"]*\?lang=hi-IN"[^>]*language="hi-IN"><Say language="hi-IN">/,
    );
    // A language we do not speak in the URL is ignored: the line's own language.
    const odd = await gather(
      callSid(),
      "+919812300025",
      { speech: "Hello" },
      "/webhooks/twilio/voice/gather?lang=xx-XX",
    );
    expect(odd).toMatch(
      /<Gather [^>]*action="http:\/\/healthlink.test\/webhooks\/twilio\/voice\/gather"[^>]*language="en-US">/,
    );
  });

  it('verifies a known caller who switched to Hindi in Hindi, inside <Say language="hi-IN">', async () => {
    const sid = callSid();
    const phone = "+919812300026";
    const s = await signUp(t, "patient", { name: "Asha Verma", phone });
    await t.database.db
      .update(patients)
      .set({ dateOfBirth: "1988-04-12" })
      .where(eq(patients.id, s.patientId!));
    const hindi = "/webhooks/twilio/voice/gather?lang=hi-IN";
    await gather(sid, phone, { speech: "Can we speak Hindi?" });
    const asked = await gather(sid, phone, { speech: "नमस्ते" }, hindi);
    expect(asked).toContain(
      '<Say language="hi-IN">सुरक्षा के लिए, कृपया पहले अपनी जन्म तिथि बताइए।</Say></Gather><Say language="hi-IN">कुछ सुनाई नहीं दिया। नमस्ते।</Say>',
    );
    expect(said(await gather(sid, phone, { speech: "5 मार्च 1970" }, hindi))).toBe(
      "यह तारीख हमारे रिकॉर्ड से मेल नहीं खाती। कृपया अपनी जन्म तिथि फिर से बताइए।",
    );
    const menu = await gather(sid, phone, { speech: "१२ अप्रैल १९८८" }, hindi);
    expect(menu).toMatch(/<Say language="hi-IN">धन्यवाद, आपकी पहचान की पुष्टि हो गई है। बताइए/);
    expect(said(menu)).toMatch(
      /^धन्यवाद, आपकी पहचान की पुष्टि हो गई है। बताइए, आज हम आपकी क्या मदद कर सकते हैं\? एक, डॉक्टर खोजें। दो, मेरे अपॉइंटमेंट।.* बोलिए, या नंबर दबाइए।$/,
    );
    // Nothing heard: asked again in Hindi.
    expect(said(await gather(sid, phone, { speech: "" }, hindi))).toBe(
      "माफ़ कीजिए, समझ नहीं आया। कृपया फिर से बोलिए।",
    );
  });

  it("hands the call to a person with <Dial> when asked", async () => {
    const res = await gather(callSid(), "+919812300022", { speech: "Can I talk to a person please" });
    expect(res).toContain(`<Dial callerId="${SMS_NUMBER}">${HANDOFF}</Dial>`);
    expect(res).not.toContain("<Gather");
  });

  it("answers an emergency with the emergency number, then <Dial>", async () => {
    const res = await gather(callSid(), "+919812300023", { speech: "my mother is not breathing" });
    expect(res).toMatch(/<Say language="en-US">[^<]*Call 112 now[^<]*<\/Say><Dial/);
  });
});
