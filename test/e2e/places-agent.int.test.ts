import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../app.js";
import { verifiedDoctor } from "../factories.js";
import { FakeOpenAI } from "../fakes/openai.js";
import { startFakeTwilio, type FakeTwilio } from "../fakes/twilio.js";
import { patientOnSms, sms, smsEnv, SMS_SID, SMS_TOKEN } from "../sms.js";

/**
 * "Dentist near Vikas Puri" typed to the agent (against the local OpenAI-compatible fake): search_doctors
 * resolves the place through the same places service as the guided mode (the bundled gazetteer here) and
 * lists the nearest doctors with their distance; an unknown place gets a clear answer.
 */

let t: TestApp;
let fake: FakeTwilio;
let llm: FakeOpenAI;

beforeAll(async () => {
  fake = await startFakeTwilio(SMS_SID, SMS_TOKEN);
  llm = await FakeOpenAI.start();
  t = await buildTestApp({
    env: {
      ...smsEnv(fake),
      OPENAI_API_KEY: "test",
      OPENAI_BASE_URL: llm.baseUrl,
      LLM_MODEL: "fake-model",
      LLM_TIMEOUT_MS: "2000",
      LLM_MAX_RETRIES: "0",
    },
  });
  // From the west of Delhi to its centre.
  for (const [name, latitude, longitude] of [
    ["Dr Central", 28.6315, 77.2167],
    ["Dr Janak Puri", 28.6219, 77.0878],
    ["Dr Vikas Puri", 28.6406, 77.0707],
  ] as const)
    await verifiedDoctor(t, { name, specialty: "Dentist", city: "Delhi", latitude, longitude });
});
afterAll(async () => {
  await t.close();
  await fake.close();
  await llm.close();
});

/** A model that reads the tools' answers back to the person (so the reply is what the tool found). */
const readBack = () => llm.respondWith((request) => ({ text: llm.toolResults(request).join("\n") }));

describe("the agent searches near a typed place", () => {
  it("near Vikas Puri: the nearest dentists first, each with its distance", async () => {
    const phone = "+919876500301";
    await patientOnSms(t, phone, { name: "Mei Lin" });
    llm.reset();
    llm.answer({ toolCalls: [{ name: "search_doctors", args: { query: "dentist", near: "Vikas Puri" } }] });
    readBack();
    const reply = await sms(t, fake, phone, "I need a dentist near Vikas Puri");
    const lines = reply.split("\n").filter((l) => l.startsWith("doctor "));
    // Within 10 km, nearest first: Connaught Place (about 15 km away) is not listed.
    expect(lines.map((l) => /Dr [A-Za-z ]+/.exec(l)?.[0]?.trim())).toEqual([
      "Dr Vikas Puri",
      "Dr Janak Puri",
    ]);
    expect(lines[0]).toMatch(/0\.\d km away from Vikas Puri/);
    expect(lines[1]).toMatch(/2\.\d km away from Vikas Puri/);
  });

  it("an unknown place: a clear answer, no doctors and no crash", async () => {
    const phone = "+919876500302";
    await patientOnSms(t, phone, { name: "Ravi Kumar" });
    llm.reset();
    llm.answer({ toolCalls: [{ name: "search_doctors", args: { query: "dentist", near: "Xyzzyville" } }] });
    readBack();
    const reply = await sms(t, fake, phone, "dentist near Xyzzyville");
    expect(reply).toMatch(/I don't know where "Xyzzyville" is/);
    expect(reply).not.toMatch(/doctor \d+:/);
  });
});
