import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labBookings, payments } from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../app.js";
import { FakeOpenAI } from "../fakes/openai.js";
import { startFakeTwilio, type FakeTwilio } from "../fakes/twilio.js";
import { withCatalog } from "../orders.js";
import { patientOnSms, payPath, sms, smsEnv } from "../sms.js";

/**
 * The home lab test journey over SMS with the agent (against the local OpenAI-compatible fake): the model's
 * tools only prepare; the booking is made when the person confirms, checked in the database at each step.
 */

let t: TestApp;
let fake: FakeTwilio;
let llm: FakeOpenAI;

beforeAll(async () => {
  fake = await startFakeTwilio("AC0123456789abcdef0123456789abcdef", "twilio_test_auth_token_0123456789");
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
  await withCatalog(t);
});
afterAll(async () => {
  await t.close();
  await fake.close();
  await llm.close();
});

const bookingsOf = (patientId: number) =>
  t.database.db.select().from(labBookings).where(eq(labBookings.patientId, patientId));

describe("lab tests with the agent over SMS", () => {
  it("Lena asks for a blood count at home on Saturday: preparation shown, address on file, booked only on her yes", async () => {
    const phone = "+919876500201";
    const lena = await patientOnSms(t, phone, { name: "Lena Das", address: "Flat 4, 12 Main Road, Delhi" });

    llm.reset();
    llm.answer(
      { toolCalls: [{ name: "find_lab_tests", args: { query: "blood count" } }] },
      {
        toolCalls: [{ name: "book_lab_test", args: { test: "CBC", date: "2030-01-12", collection: "home" } }],
      },
      { text: "Here is the summary." },
    );
    const summary = await sms(t, fake, phone, "Book a blood count at home on Saturday morning");
    // The model saw the catalog's answer (with the preparation) from the tool, not from its own memory.
    const toolResults = llm.toolResults(llm.requests[1]!);
    expect(toolResults.join("\n")).toMatch(
      /test CBC: Complete Blood Count, ₹350\.00; sample whole blood; home collection available; preparation: No special preparation needed\./,
    );
    expect(summary).toMatch(
      /Book Complete Blood Count on Sat 12 Jan, sample taken at home \(Flat 4, 12 Main Road, Delhi\)\. Preparation: No special preparation needed\. Price: ₹350\.00\./,
    );
    expect(summary).toMatch(/1\. Confirm\n2\. Change/);
    expect(await bookingsOf(lena.patientId)).toHaveLength(0);

    // "yes" is the engine's, not the model's: no model call, the booking is made.
    const calls = llm.requests.length;
    const done = await sms(t, fake, phone, "yes");
    expect(llm.requests.length).toBe(calls);
    expect(done).toMatch(/Booked: Complete Blood Count on Sat 12 Jan; the sample is taken at home/);
    const [booking] = await bookingsOf(lena.patientId);
    expect(booking).toMatchObject({
      appointmentDate: "2030-01-12",
      collection: "home",
      address: "Flat 4, 12 Main Road, Delhi",
      status: "scheduled",
      paymentStatus: "unpaid",
    });
    const [payment] = await t.database.db
      .select()
      .from(payments)
      .where(eq(payments.referenceId, booking!.id));
    expect(payment).toMatchObject({ purpose: "lab_booking", status: "requires_payment" });
    expect(payPath(done)).toBe(`/pay/${payment!.checkoutToken}`);
  });

  it("without an address on file the tool asks for one; the typed address is booked after the yes", async () => {
    const phone = "+919876500202";
    const ravi = await patientOnSms(t, phone, { name: "Ravi Kumar" });
    llm.reset();
    llm.answer(
      {
        toolCalls: [
          { name: "book_lab_test", args: { test: "blood count", date: "2030-01-09", collection: "home" } },
        ],
      },
      { text: "Where should the sample be taken?" },
    );
    expect(await sms(t, fake, phone, "blood count at home on wednesday")).toMatch(/Where should the sample/);
    expect(llm.toolResults(llm.requests[1]!).join("\n")).toMatch(/No address on file/);
    expect(await bookingsOf(ravi.patientId)).toHaveLength(0);

    llm.reset();
    llm.answer(
      {
        toolCalls: [
          {
            name: "book_lab_test",
            args: { test: "CBC", date: "2030-01-09", collection: "home", address: "22 Park Street, Kolkata" },
          },
        ],
      },
      { text: "Please confirm." },
    );
    const summary = await sms(t, fake, phone, "22 Park Street, Kolkata");
    expect(summary).toMatch(/sample taken at home \(22 Park Street, Kolkata\)/);
    expect(await bookingsOf(ravi.patientId)).toHaveLength(0);
    await sms(t, fake, phone, "1");
    const [booking] = await bookingsOf(ravi.patientId);
    expect(booking).toMatchObject({ address: "22 Park Street, Kolkata", appointmentDate: "2030-01-09" });
  });
});
