import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { AIMessage, fakeModel } from "langchain";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { conversations, labBookings, labResults, medicalRecords, toolCalls } from "../../db/schema/index.js";
import type { Actor } from "../../domain/shared/actor.js";
import { buildTestApp, type TestApp } from "../../test/app.js";
import { signUp, verifiedDoctor, type Session } from "../../test/factories.js";
import { FakeOpenAI } from "../../test/fakes/openai.js";
import { labTestId, prescribe, withCatalog } from "../../test/orders.js";
import { FallbackBrain } from "../brain.js";
import { Engine } from "../engine.js";
import { GuidedBrain } from "../guided/machine.js";
import type { OutboundMessage } from "../types.js";
import { AgentBrain } from "./brain.js";
import { nextWeekday } from "./tools/search-doctors.js";

let t: TestApp;
let fake: FakeOpenAI;
let priya: Session;
let meera: number;
let mondayOnly: number;

beforeAll(async () => {
  fake = await FakeOpenAI.start();
  t = await buildTestApp({
    env: {
      OPENAI_API_KEY: "test",
      OPENAI_BASE_URL: fake.baseUrl,
      LLM_MODEL: "fake-model",
      LLM_TIMEOUT_MS: "2000",
      LLM_MAX_RETRIES: "0",
    },
  });
  await withCatalog(t);
  meera = (await verifiedDoctor(t, { name: "Dr Meera Shah", specialty: "Dentist", city: "Delhi" })).doctorId;
  mondayOnly = (
    await verifiedDoctor(t, {
      name: "Dr Monday Dent",
      specialty: "Dentist",
      city: "Delhi",
      weekly: [{ isoDay: 1, start: "09:00", end: "12:00", slotMinutes: 30 }],
    })
  ).doctorId;
  const gp = await verifiedDoctor(t, { name: "Dr Sunil Rao", city: "Delhi" });

  // Priya: an active prescription, two records, a resulted lab test with a low value, an allergy.
  priya = await signUp(t, "patient", { name: "Priya Nair" });
  const actor: Actor = { userId: priya.userId, role: "patient", patientId: priya.patientId!, channel: "web" };
  await prescribe(t, {
    patientId: priya.patientId!,
    doctorId: gp.doctorId,
    createdByUserId: gp.userId,
    items: [{ medicine: "Amoxicillin", generics: ["amoxicillin"], strength: "500 mg", refills: 2 }],
  });
  await prescribe(t, {
    patientId: priya.patientId!,
    doctorId: gp.doctorId,
    createdByUserId: gp.userId,
    status: "completed",
    items: [{ medicine: "Oldmedicine", generics: ["old"] }],
  });
  await t.services.records.createSelfRecord(actor, {
    date: "2029-12-20",
    description: "Knee pain after running",
  });
  const [clinical] = await t.database.db
    .insert(medicalRecords)
    .values({
      patientId: priya.patientId!,
      kind: "clinical",
      authorUserId: gp.userId,
      recordDate: "2030-01-03",
      description: "Complete blood count results",
    })
    .returning({ id: medicalRecords.id });
  const [booking] = await t.database.db
    .insert(labBookings)
    .values({
      patientId: priya.patientId!,
      labTestId: await labTestId(t, "CBC"),
      testName: "Complete Blood Count",
      appointmentDate: "2030-01-02",
      collection: "lab",
      status: "resulted",
      paymentStatus: "paid",
      priceMinor: 40000,
      currency: "INR",
      bookedByUserId: priya.userId,
      recordId: clinical!.id,
      resultedAt: new Date("2030-01-03T10:00:00Z"),
    })
    .returning({ id: labBookings.id });
  await t.database.db.insert(labResults).values([
    {
      bookingId: booking!.id,
      patientId: priya.patientId!,
      name: "Hemoglobin",
      value: "10.1",
      unit: "g/dL",
      flag: "low",
      recordedByUserId: gp.userId,
    },
    {
      bookingId: booking!.id,
      patientId: priya.patientId!,
      name: "WBC",
      value: "7.2",
      unit: "10^9/L",
      flag: "normal",
      recordedByUserId: gp.userId,
    },
  ]);
  await t.services.records.addHistoryItem(actor, {
    kind: "allergy",
    name: "Penicillin",
    severity: "severe",
    reaction: "rash",
  });
});
afterAll(async () => {
  await t.close();
  await fake.close();
});
beforeEach(() => fake.reset());

function turnOf(engine: Engine) {
  return (session: Session, text: string) =>
    engine.handleTurn(
      {
        channel: "web",
        externalUserId: `user:${session.userId}`,
        text,
        providerMessageId: randomUUID(),
        receivedAt: t.clock.now(),
      },
      { verifiedUserId: session.userId },
    );
}

/** An engine whose agent is a scripted chat model. */
const withModel = (model: ReturnType<typeof fakeModel>) =>
  turnOf(
    new Engine({
      services: t.services,
      clock: t.clock,
      config: t.config,
      brain: new FallbackBrain(new AgentBrain({ model }), new GuidedBrain()),
    }),
  );

const allText = (out: OutboundMessage[]) => out.map((m) => m.text).join("\n");

async function callsOf(userId: number) {
  const [conv] = await t.database.db.select().from(conversations).where(eq(conversations.userId, userId));
  return t.database.db.select().from(toolCalls).where(eq(toolCalls.conversationId, conv!.id));
}

describe("the agent's health summary tool", () => {
  it("reads out the session's own prescriptions, records, lab flags and allergies, without ids", async () => {
    const model = fakeModel()
      .respondWithTools([{ name: "my_health_summary", args: {} }])
      .respond(new AIMessage("You take Amoxicillin 500 mg twice daily."));
    const out = await withModel(model)(priya, "what medicines am I on, and my latest results?");
    expect(allText(out)).toBe("You take Amoxicillin 500 mg twice daily.");

    // All of it, exactly: the completed prescription and the normal result are left out; no ids anywhere.
    expect(model.calls[1]!.messages.at(-1)!.text).toBe(
      [
        "Active prescriptions:",
        "- Amoxicillin 500 mg: 1 tablet, twice daily; refills left 2; by Dr Sunil Rao, valid until 2030-06-30",
        "Recent records:",
        "- 2030-01-03: Complete blood count results (Dr Sunil Rao)",
        "- 2029-12-20: Knee pain after running (you)",
        "Latest lab result: Complete Blood Count on 2030-01-03: flagged: Hemoglobin 10.1 g/dL (low)",
        "Allergies: Penicillin, severe, reaction: rash",
      ].join("\n"),
    );

    const calls = await callsOf(priya.userId);
    expect(calls.find((c) => c.name === "health_summary")).toMatchObject({ args: {}, error: null });
  });

  it("is the session's patient's only: another patient gets their own (empty) summary", async () => {
    const other = await signUp(t, "patient");
    const model = fakeModel()
      .respondWithTools([{ name: "my_health_summary", args: {} }])
      .respond(new AIMessage("You have nothing on file yet."));
    await withModel(model)(other, "show my prescriptions");
    expect(model.calls[1]!.messages.at(-1)!.text).toBe(
      "No active prescriptions.\nNo records yet.\nNo lab results yet.\nNo allergies recorded.",
    );
  });

  it("works over HTTP to an OpenAI-compatible model, and the tool takes no patient", async () => {
    fake.answer(
      { toolCalls: [{ name: "my_health_summary", args: { patient_id: 1 } }] },
      { text: "You are allergic to penicillin." },
    );
    const out = await turnOf(new Engine({ services: t.services, clock: t.clock, config: t.config }))(
      priya,
      "am I allergic to anything?",
    );
    expect(allText(out)).toBe("You are allergic to penicillin.");
    const tool = fake.requests[0]!.tools!.find((x) => x.function.name === "my_health_summary");
    expect(JSON.stringify(tool)).not.toMatch(/patient/i);
    expect(fake.toolResults(fake.requests[1]!).join("\n")).toContain("Penicillin, severe");
  });
});

describe("searching doctors free on a day", () => {
  it("resolves the coming weekday from today", () => {
    expect(nextWeekday("2030-01-07", "friday")).toBe("2030-01-11");
    expect(nextWeekday("2030-01-07", "monday")).toBe("2030-01-07");
    expect(nextWeekday("2030-01-12", "monday")).toBe("2030-01-14");
  });

  it("finds a dentist in Delhi free on Friday, not one who works Mondays only", async () => {
    const s = await signUp(t, "patient");
    const model = fakeModel()
      .respondWithTools([
        { name: "search_doctors", args: { query: "dentist", city: "Delhi", weekday: "friday" } },
      ])
      .respond(new AIMessage("Dr Meera Shah is free on Friday."));
    const out = await withModel(model)(s, "a dentist in Delhi free on Friday");
    expect(allText(out)).toBe("Dr Meera Shah is free on Friday.");
    const result = model.calls[1]!.messages.at(-1)!.text;
    expect(result).toContain(`doctor ${meera}: Dr Meera Shah`);
    expect(result).toContain("free times on 2030-01-11");
    expect(result).not.toContain("Dr Monday Dent");
    const calls = await callsOf(s.userId);
    expect(calls.map((c) => c.args)).toEqual([{ q: "dentist", city: "Delhi", date: "2030-01-11" }]);

    // On a Monday both are free; an explicit date works the same way.
    const monday = fakeModel()
      .respondWithTools([
        { name: "search_doctors", args: { query: "dentist", city: "Delhi", date: "2030-01-14" } },
      ])
      .respond(new AIMessage("Two dentists."));
    await withModel(monday)(s, "a dentist in Delhi on 14 January");
    const both = monday.calls[1]!.messages.at(-1)!.text;
    expect(both).toContain(`doctor ${mondayOnly}: Dr Monday Dent`);
    expect(both).toContain("Dr Meera Shah");
  });
});
