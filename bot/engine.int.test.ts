import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  appointments,
  channelIdentities,
  consents,
  conversationMessages,
  conversations,
  notificationsOutbox,
  supportTickets,
  toolCalls,
  users,
} from "../db/schema/index.js";
import { buildTestApp, TEST_NOW, type TestApp } from "../test/app.js";
import { signUp, uniqueEmail, verifiedDoctor, type Session } from "../test/factories.js";
import type { Brain } from "./turn.js";
import { Engine } from "./engine.js";
import { GuidedBrain } from "./guided/machine.js";
import type { InboundMessage, OutboundMessage } from "./types.js";

let t: TestApp;
let engine: Engine;
const brainCalls: string[] = [];
let dentists: number[] = [];

const spyBrain: Brain = {
  name: "spy",
  respond: async (turn) => {
    brainCalls.push(turn.input.text);
    await new GuidedBrain().respond(turn);
  },
};

beforeAll(async () => {
  t = await buildTestApp();
  engine = new Engine({
    services: t.services,
    clock: t.clock,
    config: t.config,
    brain: spyBrain,
  });
  dentists = [];
  for (const [name, fee] of [
    ["Dr Meera Shah", 40000],
    ["Dr Arjun Mehta", 60000],
    ["Dr Kavya Iyer", 50000],
  ] as const) {
    dentists.push(
      (await verifiedDoctor(t, { name, specialty: "Dentist", city: "Delhi", feeMinor: fee })).doctorId,
    );
  }
  await verifiedDoctor(t, { name: "Dr Sunil Rao", specialty: "General Physician", city: "Delhi" });
  await verifiedDoctor(t, { name: "Dr Mumbai Dent", specialty: "Dentist", city: "Mumbai" });
});
afterAll(async () => {
  await t.close();
});

function inbound(who: string, text: string, extra: Partial<InboundMessage> = {}): InboundMessage {
  return {
    channel: "web",
    externalUserId: who,
    text,
    providerMessageId: randomUUID(),
    receivedAt: t.clock.now(),
    ...extra,
  };
}

/** A chat participant: a signed-in patient (verified by their token) or a visitor. */
function chatter(session?: Session) {
  const who = session ? `user:${session.userId}` : `visitor:${randomUUID()}`;
  const ctx = session ? { verifiedUserId: session.userId } : {};
  return {
    who,
    send: (text: string, extra: Partial<InboundMessage> = {}) =>
      engine.handleTurn(inbound(who, text, extra), ctx),
  };
}

const last = (out: OutboundMessage[]) => out[out.length - 1]!;
const choiceIds = (out: OutboundMessage[]) => last(out).choices?.map((c) => c.id) ?? [];
const allText = (out: OutboundMessage[]) => out.map((m) => m.text).join("\n");

async function appointmentsOf(patientId: number) {
  return t.database.db.select().from(appointments).where(eq(appointments.patientId, patientId));
}

/** Walks the guided booking up to the confirmation summary; returns the chosen doctor id. */
async function upToConfirm(c: ReturnType<typeof chatter>, slotIndex = 1): Promise<number> {
  expect(choiceIds(await c.send("menu"))).toEqual([
    "find",
    "appointments",
    "medicines",
    "labs",
    "results",
    "human",
  ]);
  expect(allText(await c.send("1"))).toMatch(/specialty/i);
  expect(allText(await c.send("dentist"))).toMatch(/city/i);
  const list = await c.send("Delhi");
  const docs = choiceIds(list).filter((id) => id.startsWith("doc:"));
  expect(docs.length).toBe(3);
  expect(allText(list)).not.toContain("Mumbai Dent");
  expect(last(list).choices![0]!.label).toMatch(/first free/);
  const doctorId = Number(docs[0]!.slice(4));
  const days = await c.send("1");
  expect(choiceIds(days)).toHaveLength(5);
  expect(choiceIds(days)[0]).toBe("day:2030-01-07");
  const slots = await c.send("1");
  expect(choiceIds(slots)[0]).toMatch(/^slot:\d{4}-\d\d-\d\d \d\d:\d\d [AP]M$/);
  // Eight times a page: later ones are behind "Later times".
  let page = slots;
  let index = slotIndex;
  while (index > 8) {
    page = await c.send(String(choiceIds(page).indexOf("slots:more") + 1));
    index -= 8;
  }
  expect(choiceIds(page)[index - 1]).toMatch(/^slot:/);
  const summary = await c.send(String(index));
  expect(choiceIds(summary)).toEqual(["confirm", "change"]);
  expect(allText(summary)).toMatch(/Book Dr .* at .*Fee/);
  return doctorId;
}

describe("fees in the guided mode", () => {
  it("lists a yen fee without decimals and a dinar fee with three, and the summary quotes the same", async () => {
    await verifiedDoctor(t, {
      name: "Dr Kenji Sato",
      specialty: "Orthodontist",
      city: "Tokyo",
      feeMinor: 5000,
      currency: "JPY",
    });
    await verifiedDoctor(t, {
      name: "Dr Fatima Sabah",
      specialty: "Orthodontist",
      city: "Tokyo",
      feeMinor: 15_250,
      currency: "KWD",
    });
    const c = chatter(await signUp(t, "patient"));
    await c.send("menu");
    await c.send("1");
    await c.send("orthodontist");
    const list = last(await c.send("Tokyo")).choices!;
    const label = (name: string) => list.find((x) => x.label.includes(name))!.label;
    // 5000 minor units of yen are ¥5,000 (not ¥50); 15250 fils are KWD 15.250 (not 152.50).
    expect(label("Kenji")).toMatch(/\), JP¥5,000, rating/);
    expect(label("Fatima")).toMatch(/\), KWD\s15\.250, rating/);

    await c.send(String(list.findIndex((x) => x.label.includes("Fatima")) + 1));
    await c.send("1");
    const summary = await c.send("1");
    expect(choiceIds(summary)).toEqual(["confirm", "change"]);
    expect(allText(summary)).toMatch(/Book Dr Fatima Sabah .* Fee: KWD\s15\.250\./);
  });
});

describe("onboarding a visitor", () => {
  it("asks consent first, stores it with time and version, then name, birth date, contact and a one-time code", async () => {
    const c = chatter();
    const hello = await c.send("hi");
    expect(allText(hello)).toMatch(/terms of service and privacy/);
    expect(choiceIds(hello)).toEqual(["agree", "decline"]);
    // Nothing else is reachable before consent.
    expect(choiceIds(await c.send("Find a doctor"))).toEqual(["agree", "decline"]);
    expect(allText(await c.send("1"))).toMatch(/full name/);
    const [identity] = await t.database.db
      .select()
      .from(channelIdentities)
      .where(eq(channelIdentities.externalId, c.who));
    const [consent] = await t.database.db
      .select()
      .from(consents)
      .where(eq(consents.identityId, identity!.id));
    expect(consent).toMatchObject({ kind: "terms_privacy", version: t.config.bot.termsVersion });
    expect(consent!.acceptedAt.toISOString()).toBe(TEST_NOW.toISOString());

    expect(allText(await c.send("Asha Verma"))).toMatch(/date of birth/);
    expect(allText(await c.send("31/02/1990"))).toMatch(/couldn't read/);
    expect(allText(await c.send("31/05/1990"))).toMatch(/mobile number .* or email/);
    const email = uniqueEmail("asha");
    expect(allText(await c.send(email))).toMatch(/6-digit code/);
    const [row] = await t.database.db
      .select()
      .from(notificationsOutbox)
      .where(eq(notificationsOutbox.template, "chat.verification_code"))
      .orderBy(notificationsOutbox.id);
    // Sent to the address itself: no account is made for a contact before its owner proves it.
    expect(row).toMatchObject({ userId: null, toAddress: email });
    expect(await t.database.db.select().from(users).where(eq(users.email, email))).toHaveLength(0);
    const code = String((row!.data as { code: string }).code);
    expect(code).toMatch(/^\d{6}$/);
    const wrong = code === "000000" ? "111111" : "000000";
    expect(allText(await c.send(wrong))).toMatch(/not right. 4 attempts left/);
    const done = await c.send(code);
    expect(allText(done)).toMatch(/verified/);
    expect(choiceIds(done)).toEqual(["find", "appointments", "medicines", "labs", "results", "human"]);

    const [account] = await t.database.db.select().from(users).where(eq(users.email, email));
    expect(account).toMatchObject({ role: "patient", name: "Asha Verma" });
    const [linked] = await t.database.db
      .select()
      .from(channelIdentities)
      .where(eq(channelIdentities.id, identity!.id));
    expect(linked!.userId).toBe(account!.id);
    expect(linked!.verifiedAt).not.toBeNull();
    const [c2] = await t.database.db.select().from(consents).where(eq(consents.identityId, identity!.id));
    expect(c2!.userId).toBe(account!.id);
    // Now a patient: "My appointments" works.
    expect(allText(await c.send("2"))).toMatch(/no upcoming appointments/);
  });

  it("links a visitor to the existing account of that contact after the code, and locks out after 5 wrong codes", async () => {
    const existing = await signUp(t, "patient", { phone: "+919876500001" });
    const c = chatter();
    await c.send("hello");
    await c.send("I agree");
    await c.send("Ravi Kumar");
    await c.send("1985-01-02");
    const sent = await c.send("+91 98765 00001");
    expect(allText(sent)).toMatch(/code/);
    for (let i = 0; i < 4; i++) await c.send("999999");
    expect(allText(await c.send("999998"))).toMatch(/too many times/);
    const again = await c.send("+919876500001");
    expect(allText(again)).toMatch(/6-digit code/);
    const rows = await t.database.db
      .select()
      .from(notificationsOutbox)
      .where(
        and(
          eq(notificationsOutbox.userId, existing.userId),
          eq(notificationsOutbox.template, "chat.verification_code"),
        ),
      )
      .orderBy(notificationsOutbox.id);
    expect(rows).toHaveLength(2);
    const code = String((rows[1]!.data as { code: string }).code);
    expect(allText(await c.send(code))).toMatch(/verified/);
    const [linked] = await t.database.db
      .select()
      .from(channelIdentities)
      .where(eq(channelIdentities.externalId, c.who));
    expect(linked!.userId).toBe(existing.userId);
  });

  it('finds the account registered as "98765 43210" from "+91 98765-43210" or "9876543210" typed in the chat', async () => {
    const reg = await t.app.inject({
      method: "POST",
      url: "/api/auth/register",
      payload: {
        role: "patient",
        name: "Meena Pillai",
        email: uniqueEmail("meena"),
        password: "s3cure-enough",
        phone: "98765 43210",
      },
    });
    expect(reg.statusCode, reg.body).toBe(201);
    const registered = reg.json().user as { id: number; phone: string };
    // Stored in E.164 with DEFAULT_PHONE_REGION (IN), not as typed.
    expect(registered.phone).toBe("+919876543210");
    const [row] = await t.database.db.select().from(users).where(eq(users.id, registered.id));
    expect(row!.phone).toBe("+919876543210");

    const codes = () =>
      t.database.db
        .select()
        .from(notificationsOutbox)
        .where(
          and(
            eq(notificationsOutbox.userId, registered.id),
            eq(notificationsOutbox.template, "chat.verification_code"),
          ),
        )
        .orderBy(notificationsOutbox.id);
    for (const typed of ["+91 98765-43210", "9876543210"]) {
      const c = chatter();
      await c.send("hello");
      await c.send("I agree");
      await c.send("Meena Pillai");
      await c.send("1988-02-03");
      // The code goes to the registered account (not to a new address, and never to +98, Iran).
      expect(allText(await c.send(typed))).toMatch(/6-digit code to \+919876543210\./);
      const sent = await codes();
      const code = String((sent.at(-1)!.data as { code: string }).code);
      expect(allText(await c.send(code))).toMatch(/verified/);
      const [linked] = await t.database.db
        .select()
        .from(channelIdentities)
        .where(eq(channelIdentities.externalId, c.who));
      expect(linked!.userId, typed).toBe(registered.id);
    }
    expect(await codes()).toHaveLength(2);
    expect(await t.database.db.select().from(users).where(eq(users.phone, "+919876543210"))).toHaveLength(1);
  });

  it("does not accept a code after 10 minutes", async () => {
    const c = chatter();
    await c.send("hi");
    await c.send("1");
    await c.send("Old Code");
    await c.send("1970-03-03");
    await c.send(uniqueEmail("late"));
    t.clock.advance(11 * 60_000);
    try {
      expect(allText(await c.send("123456"))).toMatch(/expired/);
    } finally {
      t.clock.set(TEST_NOW);
    }
  });
});

describe("red flags", () => {
  it("are answered with the emergency number before identity, consent or the brain", async () => {
    brainCalls.length = 0;
    const visitor = chatter();
    const out = await visitor.send("my husband has chest pain and can't breathe properly");
    expect(allText(out)).toMatch(/Call 112 now/);
    expect(choiceIds(out)).toContain("human_urgent");
    expect(brainCalls).toEqual([]);

    const pk = await signUp(t, "patient", { phone: "+923001234567" });
    const p = chatter(pk);
    const out2 = await p.send("I want to kill myself");
    expect(allText(out2)).toMatch(/Call 1122 now/);
    expect(brainCalls).toEqual([]);
    const ticket = await p.send("1");
    expect(allText(ticket)).toMatch(/team to contact you right away/);
    const [tk] = await t.database.db
      .select()
      .from(supportTickets)
      .where(eq(supportTickets.userId, pk.userId));
    expect(tk).toMatchObject({ urgent: true, status: "open" });
    const [conv] = await t.database.db
      .select()
      .from(conversations)
      .where(eq(conversations.userId, pk.userId));
    expect(conv!.flagged).toBe(true);
    expect(brainCalls).toEqual([]);
  });

  it("ordinary messages reach the brain", async () => {
    brainCalls.length = 0;
    const p = chatter(await signUp(t, "patient"));
    await p.send("my father's appointment");
    expect(brainCalls).toEqual(["my father's appointment"]);
  });
});

describe("one conversation per person", () => {
  it("is shared by the person's identities on every channel", async () => {
    const s = await signUp(t, "patient");
    await chatter(s).send("menu");
    await chatter(s).send("1");
    // The same person, proven on another channel (e.g. Telegram, later), continues the same conversation.
    const out = await engine.handleTurn(
      { ...inbound("telegram-4242", "dentist"), channel: "telegram" },
      { verifiedUserId: s.userId },
    );
    expect(allText(out)).toMatch(/city/);
    const convs = await t.database.db.select().from(conversations).where(eq(conversations.userId, s.userId));
    expect(convs).toHaveLength(1);
    expect(convs[0]!.channel).toBe("telegram");
  });

  it("answers unknown input with the menu", async () => {
    const c = chatter(await signUp(t, "patient"));
    const out = await c.send("blue elephants");
    expect(allText(out)).toMatch(/didn't get that/);
    expect(choiceIds(out)).toEqual(["find", "appointments", "medicines", "labs", "results", "human"]);
    expect(allText(await c.send("Talk to a human"))).toMatch(/team to get back to you/);
  });
});

describe("guided booking", () => {
  it("finds a dentist in Delhi, picks a day and a slot, confirms, and books exactly once", async () => {
    const s = await signUp(t, "patient");
    const c = chatter(s);
    const doctorId = await upToConfirm(c);
    expect(await appointmentsOf(s.patientId!)).toHaveLength(0); // nothing before confirmation
    const done = await c.send("yes");
    expect(allText(done)).toMatch(/Request sent to the doctor/);
    // The doctor charges a fee: the reply carries the payment link (the sandbox's test-mode page).
    expect(done.flatMap((m) => m.links ?? []).map((l) => l.url)).toEqual([
      expect.stringMatching(/\/pay\/[A-Za-z0-9_-]+$/),
    ]);
    let rows = await appointmentsOf(s.patientId!);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ doctorId, status: "pending" });
    expect(dentists).toContain(doctorId);
    // "yes" again books nothing.
    const again = await c.send("yes");
    expect(allText(again)).not.toMatch(/Request sent/);
    rows = await appointmentsOf(s.patientId!);
    expect(rows).toHaveLength(1);

    // Everything is stored: messages in and out, tool calls.
    const [conv] = await t.database.db.select().from(conversations).where(eq(conversations.userId, s.userId));
    const msgs = await t.database.db
      .select()
      .from(conversationMessages)
      .where(eq(conversationMessages.conversationId, conv!.id));
    expect(msgs.filter((m) => m.direction === "in")).toHaveLength(9);
    expect(msgs.filter((m) => m.direction === "out").length).toBeGreaterThanOrEqual(9);
    const calls = await t.database.db.select().from(toolCalls).where(eq(toolCalls.conversationId, conv!.id));
    const book = calls.find((x) => x.name === "book_appointment");
    expect(book).toMatchObject({ error: null, idempotencyKey: `conv:${conv!.id}:action:1` });
    expect(calls.map((x) => x.name)).toEqual(
      expect.arrayContaining(["search_doctors", "free_days", "day_slots", "get_doctor", "book_appointment"]),
    );
  });

  it("the same confirmation delivered twice at once books once and answers once", async () => {
    const s = await signUp(t, "patient");
    const c = chatter(s);
    await upToConfirm(c, 3);
    const dup = inbound(c.who, "yes");
    const [a, b] = await Promise.all([
      engine.handleTurn(dup, { verifiedUserId: s.userId }),
      engine.handleTurn({ ...dup }, { verifiedUserId: s.userId }),
    ]);
    expect([a.length > 0, b.length > 0].sort()).toEqual([false, true]);
    expect(await appointmentsOf(s.patientId!)).toHaveLength(1);
  });

  it("two different 'yes' messages at once still book once", async () => {
    const s = await signUp(t, "patient");
    const c = chatter(s);
    await upToConfirm(c, 4);
    await Promise.all([c.send("yes"), c.send("1")]);
    expect(await appointmentsOf(s.patientId!)).toHaveLength(1);
  });

  it("an expired pending action does nothing", async () => {
    const s = await signUp(t, "patient");
    const c = chatter(s);
    await upToConfirm(c, 5);
    t.clock.advance(10 * 60_000 + 1);
    try {
      const out = await c.send("yes");
      expect(allText(out)).toMatch(/expired, so I did nothing/);
      expect(await appointmentsOf(s.patientId!)).toHaveLength(0);
    } finally {
      t.clock.set(TEST_NOW);
    }
  });

  it('"menu" at any point returns the menu and drops a pending action', async () => {
    const s = await signUp(t, "patient");
    const c = chatter(s);
    await c.send("menu");
    await c.send("1");
    expect(choiceIds(await c.send("menu"))).toEqual([
      "find",
      "appointments",
      "medicines",
      "labs",
      "results",
      "human",
    ]);
    await upToConfirm(c, 6);
    expect(choiceIds(await c.send("MENU"))).toEqual([
      "find",
      "appointments",
      "medicines",
      "labs",
      "results",
      "human",
    ]);
    await c.send("yes");
    expect(await appointmentsOf(s.patientId!)).toHaveLength(0);
  });

  it('"Change" goes back to choosing the day', async () => {
    const s = await signUp(t, "patient");
    const c = chatter(s);
    await upToConfirm(c, 7);
    const out = await c.send("2");
    expect(choiceIds(out)[0]).toBe("day:2030-01-07");
    expect(await appointmentsOf(s.patientId!)).toHaveLength(0);
  });
});

describe("my appointments", () => {
  let asha: Session;
  let appointmentId: number;

  it("lists, cancels after confirmation", async () => {
    asha = await signUp(t, "patient");
    const c = chatter(asha);
    await upToConfirm(c, 8);
    await c.send("yes");
    const [appt] = await appointmentsOf(asha.patientId!);
    appointmentId = appt!.id;
    await c.send("menu");
    const list = await c.send("2");
    expect(choiceIds(list)).toEqual([`appt:${appointmentId}`, "menu"]);
    const detail = await c.send("1");
    expect(choiceIds(detail)).toEqual(["reschedule", "cancel", "menu"]);
    const summary = await c.send("Cancel");
    expect(allText(summary)).toMatch(/Cancel your appointment with Dr/);
    expect((await appointmentsOf(asha.patientId!))[0]!.status).toBe("pending");
    const done = await c.send("1");
    expect(allText(done)).toMatch(/Cancelled/);
    expect((await appointmentsOf(asha.patientId!))[0]!.status).toBe("cancelled");
  });

  it("reschedules after confirmation", async () => {
    const s = await signUp(t, "patient");
    const c = chatter(s);
    await upToConfirm(c, 9);
    await c.send("yes");
    await c.send("menu");
    await c.send("2");
    await c.send("1");
    expect(choiceIds(await c.send("Reschedule"))[0]).toBe("day:2030-01-07");
    await c.send("2"); // the second day
    const summary = await c.send("1");
    expect(allText(summary)).toMatch(/Move your appointment/);
    await c.send("yes");
    const [row] = await appointmentsOf(s.patientId!);
    expect(row!.startsAt.toISOString()).toBe("2030-01-08T03:30:00.000Z"); // 09:00 in Delhi
  });

  it("another patient typing that appointment's id sees and changes nothing", async () => {
    const other = await signUp(t, "patient");
    const c = chatter(other);
    await c.send("menu");
    const out = await c.send(`show appointment #${appointmentId}`);
    expect(allText(out)).toMatch(/couldn't find that/);
    expect(allText(out)).not.toMatch(/Dr (Meera|Arjun|Kavya)/);
    expect(choiceIds(out)).toEqual(["find", "appointments", "medicines", "labs", "results", "human"]);
    await c.send("cancel");
    await c.send("yes");
    await c.send("reschedule");
    // A forged button id is not an offered choice either.
    await c.send("", { choice: `appt:${appointmentId}` });
    await c.send("", { choice: "cancel" });
    expect(await appointmentsOf(other.patientId!)).toHaveLength(0);
    const [row] = await t.database.db.select().from(appointments).where(eq(appointments.id, appointmentId));
    expect(row!.status).toBe("cancelled");
    expect(row!.patientId).toBe(asha.patientId);
  });
});
