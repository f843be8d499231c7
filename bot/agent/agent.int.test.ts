import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { appointments, conversations, supportTickets, toolCalls } from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../../test/app.js";
import { signInAs, signUp, verifiedDoctor, type Session } from "../../test/factories.js";
import { FakeOpenAI, type ChatRequest } from "../../test/fakes/openai.js";
import { MAX_TOOL_CALLS_PER_TURN } from "./brain.js";
import { Engine } from "../engine.js";
import type { InboundMessage, OutboundMessage } from "../types.js";

let t: TestApp;
let fake: FakeOpenAI;
let engine: Engine;
let meera: number;

beforeAll(async () => {
  fake = await FakeOpenAI.start();
  t = await buildTestApp({
    env: {
      OPENAI_API_KEY: "test",
      OPENAI_BASE_URL: fake.baseUrl,
      LLM_MODEL: "fake-model",
      LLM_TIMEOUT_MS: "300",
      LLM_MAX_RETRIES: "0",
    },
  });
  engine = new Engine({ services: t.services, clock: t.clock, config: t.config });
  meera = (await verifiedDoctor(t, { name: "Dr Meera Shah", specialty: "Dentist", city: "Delhi" })).doctorId;
  await verifiedDoctor(t, { name: "Dr Mumbai Dent", specialty: "Dentist", city: "Mumbai" });
});
afterAll(async () => {
  await t.close();
  await fake.close();
});
beforeEach(() => fake.reset());

function chatter(session: Session) {
  const who = `user:${session.userId}`;
  return {
    send: (text: string, extra: Partial<InboundMessage> = {}) =>
      engine.handleTurn(
        {
          channel: "web",
          externalUserId: who,
          text,
          providerMessageId: randomUUID(),
          receivedAt: t.clock.now(),
          ...extra,
        },
        { verifiedUserId: session.userId },
      ),
  };
}

const allText = (out: OutboundMessage[]) => out.map((m) => m.text).join("\n");
const choiceIds = (out: OutboundMessage[]) => out[out.length - 1]?.choices?.map((c) => c.id) ?? [];
const MENU = ["find", "appointments", "medicines", "labs", "results", "human"];

function systemText(request: ChatRequest): string {
  const content = request.messages[0]!.content;
  return typeof content === "string" ? content : JSON.stringify(content);
}

async function conversationOf(userId: number) {
  const [row] = await t.database.db.select().from(conversations).where(eq(conversations.userId, userId));
  return row!;
}

async function firstFreeTime(date: string): Promise<string> {
  const day = await t.services.scheduling.daySlots(meera, date);
  return day.slots[0]!.appointment_time;
}

describe("the agent behind the chat, over HTTP to an OpenAI-compatible model", () => {
  it("is chosen when an LLM is configured, with the guided mode behind it", () => {
    expect(engine.deps.brain.name).toBe("agent+guided");
  });

  it("speaks with the prompt version an admin activated, and an admin can replay a conversation against a draft", async () => {
    const admin = await signInAs(t, "admin");
    const draft = await t.app.inject({
      method: "POST",
      url: "/api/admin/prompts",
      headers: admin.headers,
      payload: { name: "assistant", text: "You are the HealthLink test assistant, version Zebra." },
    });
    expect(draft.statusCode).toBe(201);
    const id = draft.json().prompt.id as number;
    const activated = await t.app.inject({
      method: "POST",
      url: `/api/admin/prompts/${id}/activate`,
      headers: admin.headers,
    });
    expect(activated.statusCode).toBe(200);
    fake.answer({ text: "Hello from Zebra." });
    const s = await signUp(t, "patient");
    expect(allText(await chatter(s).send("hello there"))).toBe("Hello from Zebra.");
    expect(systemText(fake.requests[0]!)).toContain("version Zebra");

    fake.reset();
    fake.answer({ text: "Replayed answer." });
    const conv = await conversationOf(s.userId);
    const replay = await t.app.inject({
      method: "POST",
      url: `/api/admin/prompts/${id}/replay`,
      headers: admin.headers,
      payload: { conversation_id: conv.id },
    });
    expect(replay.statusCode).toBe(200);
    expect(JSON.stringify(replay.json())).toContain("Replayed answer.");
    expect(systemText(fake.requests[0]!)).toContain("version Zebra");
  });

  it("searches dentists through the tool with the session's patient, and answers with the model's text", async () => {
    const s = await signUp(t, "patient");
    fake.answer(
      { toolCalls: [{ name: "search_doctors", args: { query: "dentist", city: "Delhi" } }] },
      { text: "Dr Meera Shah is a dentist in Delhi with free times from tomorrow." },
    );
    const out = await chatter(s).send("I need a dentist in Delhi");
    expect(allText(out)).toBe("Dr Meera Shah is a dentist in Delhi with free times from tomorrow.");

    expect(fake.requests).toHaveLength(2);
    const first = fake.requests[0]!;
    expect(first.model).toBe("fake-model");
    // The context: the system prompt with the person's open items, then the person's message.
    expect(first.messages[0]).toMatchObject({ role: "system" });
    expect(systemText(first)).toMatch(/no upcoming appointments/);
    expect(first.messages[first.messages.length - 1]).toMatchObject({
      role: "user",
      content: "I need a dentist in Delhi",
    });
    // No tool lets the model name a patient.
    expect(first.tools!.map((x) => x.function.name)).toEqual(
      expect.arrayContaining(["search_doctors", "free_slots", "book_appointment", "my_appointments"]),
    );
    expect(JSON.stringify(first.tools)).not.toMatch(/patient/i);
    const results = fake.toolResults(fake.requests[1]!);
    expect(results.join("\n")).toContain("Dr Meera Shah");
    expect(results.join("\n")).not.toContain("Mumbai");

    const conv = await conversationOf(s.userId);
    const calls = await t.database.db.select().from(toolCalls).where(eq(toolCalls.conversationId, conv.id));
    expect(calls.map((c) => c.name)).toContain("search_doctors");

    // The next turn carries the conversation so far.
    fake.answer({ text: "Anything else?" });
    await chatter(s).send("thanks");
    const roles = fake.requests[2]!.messages.map((m) => m.role);
    expect(roles).toEqual(["system", "user", "assistant", "user"]);
  });

  it("prepares a booking and books nothing until the person says yes", async () => {
    const s = await signUp(t, "patient");
    const time = await firstFreeTime("2030-01-08");
    fake.answer(
      { toolCalls: [{ name: "free_slots", args: { doctor_id: meera, date: "2030-01-08" } }] },
      { toolCalls: [{ name: "book_appointment", args: { doctor_id: meera, date: "2030-01-08", time } }] },
      { text: "Please confirm the booking." },
    );
    const summary = await chatter(s).send("Book Dr Meera Shah on 8 January, first free time");
    expect(allText(summary)).toMatch(/Book Dr Meera Shah .*2030-01-08.* at .*Fee/);
    expect(choiceIds(summary)).toEqual(["confirm", "change"]);
    expect(fake.toolResults(fake.requests[2]!).join("\n")).toMatch(/must confirm/);
    expect(
      await t.database.db.select().from(appointments).where(eq(appointments.patientId, s.patientId!)),
    ).toEqual([]);

    const done = await chatter(s).send("yes");
    expect(allText(done)).toMatch(/Dr Meera Shah on Tue 8 Jan at 09:00 AM/);
    // "yes" was the pending middleware's: the model was not asked.
    expect(fake.requests).toHaveLength(3);
    const booked = await t.database.db
      .select()
      .from(appointments)
      .where(eq(appointments.patientId, s.patientId!));
    expect(booked).toHaveLength(1);
  });

  it("lists, books and shows times on the patient's clock when the doctor works in another zone", async () => {
    // Dr Dubai works 09:00–17:00 Dubai time: 10:30 AM to 06:30 PM in Kolkata, 06:00 PM to 02:00 AM in Auckland.
    const dubai = (
      await verifiedDoctor(t, { name: "Dr Dubai Derm", specialty: "Dermatologist", timeZone: "Asia/Dubai" })
    ).doctorId;
    const s = await signUp(t, "patient");
    const profile = await t.app.inject({
      method: "PUT",
      url: "/api/patient/profile/",
      headers: { authorization: `Bearer ${s.token}` },
      payload: { time_zone: "Asia/Kolkata" },
    });
    expect(profile.statusCode).toBe(200);
    fake.answer(
      { toolCalls: [{ name: "free_slots", args: { doctor_id: dubai, date: "2030-01-08" } }] },
      // The model books the time as listed: the patient's 10:30 AM, which is the doctor's 09:00.
      {
        toolCalls: [
          { name: "book_appointment", args: { doctor_id: dubai, date: "2030-01-08", time: "10:30 AM" } },
        ],
      },
      { text: "Please confirm." },
    );
    const summary = await chatter(s).send("Dr Dubai on the 8th, as early as possible");
    const listed = fake.toolResults(fake.requests[1]!).join("\n");
    expect(listed).toMatch(
      /^Free times on 2030-01-08 \(the person's time, Asia\/Kolkata\): 10:30 AM, 11:00 AM, /,
    );
    expect(listed).toMatch(/06:00 PM$/);
    expect(allText(summary)).toMatch(/Book Dr Dubai Derm on Tue 8 Jan \(2030-01-08\) at 10:30 AM/);
    await chatter(s).send("yes");
    const [row] = await t.database.db
      .select()
      .from(appointments)
      .where(eq(appointments.patientId, s.patientId!));
    expect(row!.startsAt.toISOString()).toBe("2030-01-08T05:00:00.000Z");

    fake.answer({ toolCalls: [{ name: "my_appointments", args: {} }] }, { text: "You have one." });
    await chatter(s).send("what are my appointments?");
    expect(fake.toolResults(fake.requests.at(-1)!).join("\n")).toMatch(/Dr Dubai Derm, 2030-01-08 10:30 AM/);
  });

  it("gathers a patient's day from two of the doctor's days when their clocks are far apart", async () => {
    const dubai = (
      await verifiedDoctor(t, { name: "Dr Far Derm", specialty: "Dermatologist", timeZone: "Asia/Dubai" })
    ).doctorId;
    const s = await signUp(t, "patient");
    await t.app.inject({
      method: "PUT",
      url: "/api/patient/profile/",
      headers: { authorization: `Bearer ${s.token}` },
      payload: { time_zone: "Pacific/Auckland" },
    });
    // Auckland is 9 hours ahead of Dubai in January: the patient's 9 January holds the doctor's 8 January
    // from 03:00 PM (midnight in Auckland) and the doctor's 9 January from 09:00 AM (06:00 PM in Auckland).
    fake.answer(
      { toolCalls: [{ name: "free_slots", args: { doctor_id: dubai, date: "2030-01-09" } }] },
      {
        toolCalls: [
          { name: "book_appointment", args: { doctor_id: dubai, date: "2030-01-09", time: "12:30 AM" } },
        ],
      },
      { text: "Please confirm." },
    );
    await chatter(s).send("Dr Far on the 9th just after midnight");
    const listed = fake.toolResults(fake.requests[1]!).join("\n");
    expect(listed).toMatch(/: 12:00 AM, 12:30 AM, 01:00 AM, 01:30 AM, 06:00 PM, /);
    await chatter(s).send("yes");
    const [row] = await t.database.db
      .select()
      .from(appointments)
      .where(eq(appointments.patientId, s.patientId!));
    // The doctor's 8 January at 03:30 PM in Dubai.
    expect(row!.startsAt.toISOString()).toBe("2030-01-08T11:30:00.000Z");
  });

  it("quotes fees in each currency's own decimals: yen without any, dinars with three", async () => {
    const kenji = (
      await verifiedDoctor(t, {
        name: "Dr Kenji Sato",
        specialty: "Orthodontist",
        city: "Tokyo",
        feeMinor: 5000,
        currency: "JPY",
      })
    ).doctorId;
    const fatima = (
      await verifiedDoctor(t, {
        name: "Dr Fatima Sabah",
        specialty: "Orthodontist",
        city: "Tokyo",
        feeMinor: 15_250,
        currency: "KWD",
      })
    ).doctorId;
    const s = await signUp(t, "patient");
    const time = (await t.services.scheduling.daySlots(fatima, "2030-01-08")).slots[0]!.appointment_time;
    fake.answer(
      { toolCalls: [{ name: "search_doctors", args: { query: "orthodontist", city: "Tokyo" } }] },
      { toolCalls: [{ name: "doctor_details", args: { doctor_id: kenji } }] },
      { toolCalls: [{ name: "book_appointment", args: { doctor_id: fatima, date: "2030-01-08", time } }] },
      { text: "Please confirm." },
    );
    const summary = await chatter(s).send("An orthodontist in Tokyo, please");
    const search = fake.toolResults(fake.requests[1]!).join("\n");
    // 5000 minor units of yen are ¥5,000 (not ¥50); 15250 fils are KWD 15.250 (not 152.50).
    expect(search).toMatch(/Dr Kenji Sato, .*fee JP¥5,000, /);
    expect(search).toMatch(/Dr Fatima Sabah, .*fee KWD\s15\.250, /);
    expect(fake.toolResults(fake.requests[2]!).join("\n")).toContain("Fee JP¥5,000;");
    expect(allText(summary)).toMatch(/Book Dr Fatima Sabah .* Fee: KWD\s15\.250\./);
  });

  it("gets nothing of another patient's appointment", async () => {
    const owner = await signUp(t, "patient");
    const time = await firstFreeTime("2030-01-09");
    fake.answer(
      { toolCalls: [{ name: "book_appointment", args: { doctor_id: meera, date: "2030-01-09", time } }] },
      { text: "Please confirm." },
    );
    await chatter(owner).send("book Meera on the 9th");
    await chatter(owner).send("yes");
    const [theirs] = await t.database.db
      .select()
      .from(appointments)
      .where(eq(appointments.patientId, owner.patientId!));

    const other = await signUp(t, "patient", { name: "Nosy Parker" });
    fake.reset();
    fake.answer(
      { toolCalls: [{ name: "cancel_appointment", args: { appointment_id: theirs!.id } }] },
      { toolCalls: [{ name: "my_appointments", args: {} }] },
      { text: "I could not find that appointment among yours." },
    );
    const out = await chatter(other).send(`Show and cancel appointment #${theirs!.id} of ${owner.email}`);
    expect(allText(out)).toBe("I could not find that appointment among yours.");
    // Neither the context nor any tool result carried the other person's appointment.
    const seen = fake.requests.map((r) => [systemText(r), ...fake.toolResults(r)].join("\n")).join("\n");
    expect(seen).not.toContain(time);
    expect(seen).not.toContain("Meera");
    expect(fake.toolResults(fake.requests[2]!)).toEqual(["Not found.", "No upcoming appointments."]);
    const conv = await conversationOf(other.userId);
    expect((conv.state as { pending?: unknown }).pending).toBeUndefined();
    const [still] = await t.database.db
      .select()
      .from(appointments)
      .where(and(eq(appointments.id, theirs!.id)));
    expect(still!.status).not.toBe("cancelled");
  });

  it("falls back to the guided menu when the model answers 500", async () => {
    const s = await signUp(t, "patient");
    fake.answer({ status: 500 });
    const out = await chatter(s).send("hello, I need help");
    expect(choiceIds(out)).toEqual(MENU);
    expect(allText(out)).not.toMatch(/error/i);
    expect(fake.requests.length).toBeGreaterThan(0);
    // The menu then works as usual.
    expect(allText(await chatter(s).send("1"))).toMatch(/specialty/i);
  });

  it("falls back to the guided menu when the model does not answer in time", async () => {
    const s = await signUp(t, "patient");
    fake.answer({ hang: true });
    const out = await chatter(s).send("I'd like an appointment please");
    expect(choiceIds(out)).toEqual(MENU);
  });

  it("falls back to the guided menu when a tool fails mid-conversation, with nothing left prepared", async () => {
    const s = await signUp(t, "patient");
    const time = await firstFreeTime("2030-01-10");
    fake.answer(
      { toolCalls: [{ name: "book_appointment", args: { doctor_id: meera, date: "2030-01-10", time } }] },
      { status: 500 },
    );
    const out = await chatter(s).send("book Meera on the 10th");
    expect(choiceIds(out)).toEqual(MENU);
    expect(allText(out)).not.toMatch(/Book Dr Meera/);
    const conv = await conversationOf(s.userId);
    expect((conv.state as { pending?: unknown }).pending).toBeUndefined();
  });

  it("refuses a reply that shows internal ids or tool traces, and the person gets the menu", async () => {
    const s = await signUp(t, "patient");
    fake.answer({ text: 'Here you go: {"patient_id": 12, "tool_call": "search"}' });
    const out = await chatter(s).send("what do you know about me");
    expect(choiceIds(out)).toEqual(MENU);
    expect(allText(out)).not.toMatch(/patient_id|tool_call/);
  });

  it("never sends red-flag messages to the model", async () => {
    const s = await signUp(t, "patient");
    const out = await chatter(s).send("I have chest pain and can't breathe");
    expect(allText(out)).toMatch(/Call 112 now/);
    expect(fake.requests).toEqual([]);
  });

  it("never shows an earlier emergency message or its emergency answer to the model on a later turn", async () => {
    const s = await signUp(t, "patient");
    const c = chatter(s);
    fake.answer({ text: "Hello, how can I help?" });
    await c.send("hello there");
    for (const emergency of ["I want to kill myself", "my father has no pulse", "coll apsed"]) {
      expect(allText(await c.send(emergency))).toMatch(/Call 112 now/);
    }
    expect(fake.requests).toHaveLength(1);

    fake.answer({ text: "Dr Meera Shah is a dentist in Delhi." });
    await c.send("I need a dentist in Delhi");
    expect(fake.requests).toHaveLength(2);
    const seen = JSON.stringify(fake.requests[1]!.messages);
    // The ordinary history is there; the emergencies and the answers to them are not.
    expect(seen).toContain("hello there");
    expect(seen).toContain("Hello, how can I help?");
    expect(seen).not.toMatch(/kill myself|pulse|apsed|emergency|Call 112/i);
  });

  it("refuses the tool calls of a turn past the cap with a tool error, opens one ticket for thirty requests, and still answers", async () => {
    const s = await signUp(t, "patient");
    const thirty = Array.from({ length: 30 }, (_, i) => ({
      name: "talk_to_human",
      args: { reason: `r${i}` },
    }));
    fake.answer({ toolCalls: thirty }, { text: "A member of our team will contact you here." });
    const out = await chatter(s).send("I want to talk to a person");
    expect(allText(out)).toBe("A member of our team will contact you here.");

    const conv = await conversationOf(s.userId);
    const tickets = await t.database.db
      .select()
      .from(supportTickets)
      .where(eq(supportTickets.conversationId, conv.id));
    expect(tickets).toHaveLength(1);
    const calls = await t.database.db.select().from(toolCalls).where(eq(toolCalls.conversationId, conv.id));
    expect(calls).toHaveLength(MAX_TOOL_CALLS_PER_TURN);
    // The model saw an answer to every call: the allowed ones name the same ticket, the rest are refused.
    const results = fake.toolResults(fake.requests[1]!);
    expect(results).toHaveLength(30);
    expect(results.filter((r) => r.includes(`ticket ${tickets[0]!.id}`))).toHaveLength(
      MAX_TOOL_CALLS_PER_TURN,
    );
    expect(results.filter((r) => /limit exceeded/i.test(r))).toHaveLength(30 - MAX_TOOL_CALLS_PER_TURN);
  });

  it("returns the open hand-off ticket to a second request, makes it urgent on an urgent one, and opens a new one once it is answered", async () => {
    const s = await signUp(t, "patient");
    const c = chatter(s);
    fake.answer({ toolCalls: [{ name: "talk_to_human", args: {} }] }, { text: "Done." });
    await c.send("can a person call me?");
    fake.answer({ toolCalls: [{ name: "talk_to_human", args: {} }] }, { text: "Done again." });
    await c.send("please, a person");
    const conv = await conversationOf(s.userId);
    const rows = () =>
      t.database.db.select().from(supportTickets).where(eq(supportTickets.conversationId, conv.id));
    const [first, ...others] = await rows();
    expect(others).toEqual([]);
    expect(fake.toolResults(fake.requests[3]!).join()).toContain(`ticket ${first!.id}`);
    expect(first).toMatchObject({ status: "open", urgent: false });

    // The emergency answer's "Connect me with a person" on the same conversation: the same ticket, now urgent.
    expect(choiceIds(await c.send("my father has no pulse"))).toEqual(["human_urgent", "menu"]);
    const urgent = await c.send("1");
    expect(allText(urgent)).toContain(`ticket #${first!.id}`);
    expect(await rows()).toEqual([expect.objectContaining({ id: first!.id, urgent: true, status: "open" })]);

    await t.database.db
      .update(supportTickets)
      .set({ status: "answered" })
      .where(eq(supportTickets.id, first!.id));
    fake.answer({ toolCalls: [{ name: "talk_to_human", args: {} }] }, { text: "Asked again." });
    await c.send("I need a person again");
    const after = await rows();
    expect(after).toHaveLength(2);
    expect(after.filter((r) => r.status === "open")).toHaveLength(1);
  });
});
