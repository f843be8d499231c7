import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { AIMessage, fakeModel, type BaseMessage, type ToolMessage } from "langchain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appointments, conversations, toolCalls } from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../../test/app.js";
import { signUp, verifiedDoctor, type Session } from "../../test/factories.js";
import { FallbackBrain } from "../brain.js";
import { Engine } from "../engine.js";
import { GuidedBrain } from "../guided/machine.js";
import type { OutboundMessage } from "../types.js";
import { AgentBrain } from "./brain.js";

let t: TestApp;
let meera: number;

beforeAll(async () => {
  t = await buildTestApp();
  meera = (await verifiedDoctor(t, { name: "Dr Meera Shah", specialty: "Dentist", city: "Delhi" })).doctorId;
  await verifiedDoctor(t, { name: "Dr Sunil Rao", specialty: "General Physician", city: "Delhi" });
});
afterAll(async () => {
  await t.close();
});

/** An engine whose agent is driven by a scripted chat model. */
function withModel(model: ReturnType<typeof fakeModel>, prompt?: () => Promise<string>) {
  const brain = new FallbackBrain(new AgentBrain({ model, prompt }), new GuidedBrain());
  const engine = new Engine({
    services: t.services,
    clock: t.clock,
    config: t.config,
    brain,
  });
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

const allText = (out: OutboundMessage[]) => out.map((m) => m.text).join("\n");
const contentOf = (m: BaseMessage | undefined) => m?.text ?? "";

async function callsOf(userId: number) {
  const [conv] = await t.database.db.select().from(conversations).where(eq(conversations.userId, userId));
  return t.database.db.select().from(toolCalls).where(eq(toolCalls.conversationId, conv!.id));
}

async function bookFor(session: Session, date: string): Promise<string> {
  const day = await t.services.scheduling.daySlots(meera, date);
  const time = day.slots[0]!.appointment_time;
  const model = fakeModel()
    .respondWithTools([{ name: "book_appointment", args: { doctor_id: meera, date, time } }])
    .respond(new AIMessage("Please confirm."));
  const send = withModel(model);
  await send(session, "book Meera");
  await send(session, "yes");
  return time;
}

describe("the agent with a scripted model", () => {
  it("searches through the recorded tool and answers with the model's text, under the given prompt", async () => {
    const s = await signUp(t, "patient");
    const model = fakeModel()
      .respondWithTools([{ name: "search_doctors", args: { query: "dentist", city: "Delhi" } }])
      .respond(new AIMessage("Dr Meera Shah sees patients in Delhi."));
    const out = await withModel(model, () => Promise.resolve("PROMPT v7"))(s, "a dentist in Delhi please");
    expect(allText(out)).toBe("Dr Meera Shah sees patients in Delhi.");
    expect(contentOf(model.calls[0]!.messages[0])).toMatch(/^PROMPT v7/);
    const calls = await callsOf(s.userId);
    expect(calls.map((c) => [c.name, c.args])).toEqual([["search_doctors", { q: "dentist", city: "Delhi" }]]);
    expect(contentOf(model.calls[1]!.messages.at(-1))).toContain("Dr Meera Shah");
    expect(contentOf(model.calls[1]!.messages.at(-1))).not.toContain("Sunil Rao");
  });

  it("gives a wrong tool call back to the model as an error it can correct, never with a stack", async () => {
    const s = await signUp(t, "patient");
    const model = fakeModel()
      .respondWithTools([
        { name: "search_doctors", args: { query: 42 } },
        { name: "no_such_tool", args: {} },
      ])
      .respond(new AIMessage("Which city are you in?"));
    const out = await withModel(model)(s, "a dentist please");
    expect(allText(out)).toBe("Which city are you in?");
    const results = model.calls[1]!.messages.slice(-2) as ToolMessage[];
    expect(results.map((m) => [m.name, m.status])).toEqual([
      ["search_doctors", "error"],
      ["no_such_tool", "error"],
    ]);
    expect(contentOf(results[0])).toMatch(/arguments of search_doctors are not valid/);
    expect(contentOf(results[1])).toMatch(/no_such_tool is not a valid tool, try one of \[search_doctors,/);
    for (const m of results) expect(contentOf(m)).not.toMatch(/\n\s+at /);
    expect(await callsOf(s.userId)).toEqual([]);
  });

  it("answers with the menu when the model keeps asking for tools past its calls", async () => {
    const s = await signUp(t, "patient");
    let model = fakeModel();
    for (let i = 0; i < 4; i++) model = model.respondWithTools([{ name: "my_appointments", args: {} }]);
    const brain = new FallbackBrain(new AgentBrain({ model, maxModelCalls: 3 }), new GuidedBrain());
    const engine = new Engine({ services: t.services, clock: t.clock, config: t.config, brain });
    const out = await engine.handleTurn(
      {
        channel: "web",
        externalUserId: `user:${s.userId}`,
        text: "my appointments",
        providerMessageId: randomUUID(),
        receivedAt: t.clock.now(),
      },
      { verifiedUserId: s.userId },
    );
    expect(model.calls).toHaveLength(3);
    // The guided menu answers instead (its first choice finds a doctor).
    expect(out.at(-1)?.choices?.map((c) => c.id)).toContain("find");
  });

  it("lists the session's own appointments and puts them in the context, from the domain", async () => {
    const s = await signUp(t, "patient");
    const time = await bookFor(s, "2030-01-08");
    const other = await signUp(t, "patient");
    await bookFor(other, "2030-01-11");

    const model = fakeModel()
      .respondWithTools([{ name: "my_appointments", args: {} }])
      .respond(new AIMessage("You see Dr Meera Shah on 8 January."));
    const out = await withModel(model)(s, "when is my appointment?");
    expect(allText(out)).toBe("You see Dr Meera Shah on 8 January.");
    expect(contentOf(model.calls[0]!.messages[0])).toContain(`2030-01-08 ${time}`);
    const result = contentOf(model.calls[1]!.messages.at(-1));
    expect(result).toContain("2030-01-08");
    expect(result).not.toContain("2030-01-11");
  });

  it("only prepares a booking: nothing is booked until the person says yes", async () => {
    const s = await signUp(t, "patient");
    const day = await t.services.scheduling.daySlots(meera, "2030-01-09");
    const time = day.slots[1]!.appointment_time;
    const model = fakeModel()
      .respondWithTools([{ name: "book_appointment", args: { doctor_id: meera, date: "2030-01-09", time } }])
      .respond(new AIMessage("Booked!"));
    const send = withModel(model);
    const summary = await send(s, "book Meera on the 9th");
    // The summary with Confirm / Change is the answer; the model's "Booked!" is not sent.
    expect(allText(summary)).toMatch(/^Book Dr Meera Shah/);
    expect(allText(summary)).not.toContain("Booked!");
    const mine = () =>
      t.database.db.select().from(appointments).where(eq(appointments.patientId, s.patientId!));
    expect(await mine()).toEqual([]);
    await send(s, "yes");
    expect(await mine()).toHaveLength(1);
    expect(model.callCount).toBe(2);
  });

  it("asked for another patient's appointment, gets nothing of it", async () => {
    const owner = await signUp(t, "patient");
    await bookFor(owner, "2030-01-10");
    const [theirs] = await t.database.db
      .select()
      .from(appointments)
      .where(eq(appointments.patientId, owner.patientId!));
    const s = await signUp(t, "patient");
    const model = fakeModel()
      .respondWithTools([{ name: "cancel_appointment", args: { appointment_id: theirs!.id } }])
      .respond(new AIMessage("I can't find that appointment."));
    const out = await withModel(model)(s, `cancel appointment ${theirs!.id}`);
    expect(allText(out)).toBe("I can't find that appointment.");
    expect(contentOf(model.calls[1]!.messages.at(-1))).toBe("Not found.");
  });

  it("shows a doctor's profile and prepares moving the person's own appointment, done only on yes", async () => {
    const s = await signUp(t, "patient");
    await bookFor(s, "2030-01-14");
    const [mine] = await t.database.db
      .select()
      .from(appointments)
      .where(eq(appointments.patientId, s.patientId!));
    const day = await t.services.scheduling.daySlots(meera, "2030-01-15");
    const time = day.slots[2]!.appointment_time;
    const model = fakeModel()
      .respondWithTools([{ name: "doctor_details", args: { doctor_id: meera } }])
      .respondWithTools([
        { name: "reschedule_appointment", args: { appointment_id: mine!.id, date: "2030-01-15", time } },
      ])
      .respond(new AIMessage("Please confirm."));
    const send = withModel(model);
    const summary = await send(s, "move my Meera appointment to the 15th");
    expect(contentOf(model.calls[1]!.messages.at(-1))).toMatch(/Dr Meera Shah, Dentist/);
    expect(allText(summary)).toMatch(/^Move your appointment with Dr Meera Shah to .* at /);
    const now = async () =>
      (await t.database.db.select().from(appointments).where(eq(appointments.id, mine!.id)))[0]!;
    const before = (await now()).startsAt.getTime();
    expect(before).toBe(mine!.startsAt.getTime());
    await send(s, "yes");
    expect((await now()).startsAt.getTime()).toBeGreaterThan(before + 12 * 3600_000);
  });

  it("replays a list of messages against a prompt text and returns the answers", async () => {
    const model = fakeModel()
      .respondWithTools([{ name: "search_doctors", args: { query: "dentist", city: "Delhi" } }])
      .respond(new AIMessage("Dr Meera Shah, in Delhi."))
      .respond(new AIMessage("You're welcome."));
    const brain = new AgentBrain({ model });
    const answers = await brain.replay(t.services, "REPLAY PROMPT", ["dentist in Delhi?", "thanks"]);
    expect(answers).toEqual(["Dr Meera Shah, in Delhi.", "You're welcome."]);
    expect(contentOf(model.calls[0]!.messages[0])).toBe("REPLAY PROMPT");
    expect(model.calls[2]!.messages.map((m) => m.type)).toEqual(["system", "human", "ai", "human"]);
  });
});
