import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { and, desc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  appointments,
  channelIdentities,
  conversationMessages,
  notificationsOutbox,
  users,
} from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../app.js";
import { signUp, uniqueEmail, verifiedDoctor } from "../factories.js";
import { Tab, type Frame } from "../web-chat.js";

/** The web chat end to end over a real socket: a signed-in patient books; a visitor is onboarded and verified. */

let t: TestApp;
let base: string;

beforeAll(async () => {
  t = await buildTestApp();
  for (const name of ["Dr Meera Shah", "Dr Arjun Mehta", "Dr Kavya Iyer"])
    await verifiedDoctor(t, { name, specialty: "Dentist", city: "Delhi" });
  await t.app.listen({ port: 0, host: "127.0.0.1" });
  base = `127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await t.close();
});

const text = (frames: Frame[]) => frames.map((f) => f.text).join("\n");
const buttons = (frames: Frame[]) => frames.flatMap((f) => f.buttons ?? []);

describe("GET /chat", () => {
  it("serves the page", async () => {
    const res = await t.app.inject({ method: "GET", url: "/chat" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/text\/html/);
    expect(res.body).toContain("/chat/ws");
    expect(res.body).toContain('aria-live="polite"');
  });
});

describe("the socket", () => {
  it("refuses a missing or wrong token", async () => {
    for (const q of ["", "access_token=nope", "visitor_token=unknown"]) {
      const tab = new Tab(base, q);
      await tab.until((f) => f.some((x) => x.type === "error"));
      expect(tab.frames[0]).toEqual({ type: "error", code: "UNAUTHENTICATED" });
      await tab.until(() => tab.closed);
    }
  });

  it("a signed-in patient books a dentist in Delhi, and a reconnecting tab catches up", async () => {
    const s = await signUp(t, "patient");
    const tab = new Tab(base, `access_token=${encodeURIComponent(s.token)}`);
    await tab.ready();
    const menu = await tab.say("hi");
    expect(buttons(menu).map((b) => b.label)).toEqual([
      "1. Find a doctor",
      "2. My appointments",
      "3. Medicines",
      "4. Lab tests",
      "5. My results",
      "6. Talk to a human",
    ]);
    await tab.say("Find a doctor", "find");
    expect(text(await tab.say("dentist"))).toMatch(/city/);
    const list = await tab.say("Delhi");
    const doc = buttons(list).find((b) => b.id.startsWith("doc:"))!;
    const days = await tab.say(doc.label, doc.id);
    const day = buttons(days)[0]!;
    const slots = await tab.say(day.label, day.id);
    const slot = buttons(slots)[0]!;
    const summary = await tab.say(slot.label, slot.id);
    expect(buttons(summary).map((b) => b.id)).toEqual(["confirm", "change"]);
    const done = await tab.say("Confirm", "confirm");
    expect(text(done)).toMatch(/Request sent to the doctor/);
    expect(done.flatMap((m) => m.links ?? []).map((l) => l.url)).toEqual([expect.stringMatching(/\/pay\//)]);
    const rows = await t.database.db
      .select()
      .from(appointments)
      .where(eq(appointments.patientId, s.patientId!));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.doctorId).toBe(Number(doc.id.slice(4)));

    // The same message id again: answered once.
    const again = randomUUID();
    await tab.say("menu", undefined, again);
    const before = tab.frames.length;
    tab.ws.send(JSON.stringify({ type: "message", id: again, text: "menu" }));
    await new Promise((r) => setTimeout(r, 300));
    expect(tab.frames.slice(before).filter((f) => f.type === "message")).toEqual([]);

    // A new tab asks for what it missed after the first reply it had.
    const firstId = menu[0]!.id!;
    tab.close();
    const tab2 = new Tab(base, `access_token=${encodeURIComponent(s.token)}`);
    await tab2.ready();
    tab2.ws.send(JSON.stringify({ type: "resume", after: firstId }));
    await tab2.until((f) => f.some((x) => x.type === "message" && /Request sent/.test(x.text ?? "")));
    const resent = tab2.frames.filter((f) => f.type === "message");
    expect(resent.every((f) => f.id! > firstId)).toBe(true);
    tab2.close();
  });

  it("records delivery, and a signed-out session's socket is closed", async () => {
    const s = await signUp(t, "patient");
    const tab = new Tab(base, `access_token=${encodeURIComponent(s.token)}`);
    await tab.ready();
    const menu = await tab.say("hi");
    const [msg] = await t.database.db
      .select()
      .from(conversationMessages)
      .where(eq(conversationMessages.id, menu[0]!.id!));
    expect(msg).toMatchObject({ direction: "out", sendAttempts: 1, sendError: null });
    expect(msg!.deliveredAt).not.toBeNull();

    const out = await t.app.inject({ method: "POST", url: "/api/auth/logout", headers: s.headers });
    expect(out.statusCode).toBeLessThan(300);
    tab.ws.send(JSON.stringify({ type: "message", id: randomUUID(), text: "2" }));
    await tab.until(() => tab.closed);
    expect(tab.frames.at(-1)).toEqual({ type: "error", code: "UNAUTHENTICATED" });
  });

  it("onboards a visitor: consent, name, birth date, email, the code from the outbox, verified", async () => {
    const res = await t.app.inject({ method: "POST", url: "/chat/session" });
    expect(res.statusCode).toBe(201);
    const { token } = res.json<{ token: string }>();
    const tab = new Tab(base, `visitor_token=${encodeURIComponent(token)}`);
    await tab.ready();
    const consent = await tab.say("hi");
    expect(text(consent)).toMatch(/terms of service and privacy/);
    await tab.say("1");
    await tab.say("Asha Verma");
    await tab.say("1992-04-15");
    const email = uniqueEmail("visitor");
    expect(text(await tab.say(email))).toMatch(/6-digit code/);
    const [row] = await t.database.db
      .select()
      .from(notificationsOutbox)
      .where(eq(notificationsOutbox.template, "chat.verification_code"))
      .orderBy(desc(notificationsOutbox.id))
      .limit(1);
    // The code goes to the address itself: no account exists for it until the person proves it is theirs.
    expect(row).toMatchObject({ userId: null, toAddress: email, channel: "email" });
    expect(await t.database.db.select().from(users).where(eq(users.email, email))).toHaveLength(0);
    const code = String((row!.data as { code: string }).code);
    const verified = await tab.say(code);
    expect(text(verified)).toMatch(/verified/);
    expect(buttons(verified).map((b) => b.id)).toEqual([
      "find",
      "appointments",
      "medicines",
      "labs",
      "results",
      "human",
    ]);
    const [account] = await t.database.db.select().from(users).where(eq(users.email, email));
    expect(account).toMatchObject({ role: "patient", name: "Asha Verma" });
    const [identity] = await t.database.db
      .select()
      .from(channelIdentities)
      .where(and(eq(channelIdentities.channel, "web"), eq(channelIdentities.userId, account!.id)));
    expect(identity!.verifiedAt).not.toBeNull();
    expect(identity!.externalId).not.toContain(token); // only the hash is kept
    expect(text(await tab.say("2"))).toMatch(/no upcoming appointments/);
    tab.close();
  });

  it("a page that resumes from the start gets both sides of its history, its own messages as mine frames", async () => {
    const s = await signUp(t, "patient");
    const tab = new Tab(base, `access_token=${encodeURIComponent(s.token)}`);
    await tab.ready();
    const id = randomUUID();
    const reply = await tab.say("menu", undefined, id);
    // The stored message is acknowledged by its id (until then the page would send it again).
    expect(tab.frames).toContainEqual({ type: "ack", id });
    tab.close();
    const tab2 = new Tab(base, `access_token=${encodeURIComponent(s.token)}`);
    await tab2.ready();
    tab2.ws.send(JSON.stringify({ type: "resume", after: 0 }));
    await tab2.until((f) => f.some((x) => x.type === "message" && x.id === reply[0]!.id));
    const history = tab2.frames.filter((f) => f.type === "mine" || f.type === "message");
    expect(history[0]).toMatchObject({ type: "mine", ref: id, text: "menu" });
    expect(history[0]!.id!).toBeLessThan(reply[0]!.id!);
    expect(history.slice(1).map((f) => f.text)).toEqual(reply.map((f) => f.text));
    tab2.close();
  });
});
