import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nurseAssignments, patients } from "../../db/schema/index.js";
import { buildTestApp, TEST_NOW, type TestApp } from "../app.js";
import { signInAs, signUp, verifiedDoctor, type Session } from "../factories.js";
import { settle } from "../settle.js";
import { startFakeTelegram, type FakeTelegram } from "../fakes/telegram.js";

/**
 * Chat consultations end to end: a `chat` appointment; during its window the patient's Telegram messages go
 * to the doctor's visit thread (GET /api/visits/{id}/messages) and the doctor's replies (POST) reach the
 * patient's Telegram chat through the notifications outbox (fake Bot API). Outside the window the assistant
 * answers; red flags are still answered first; the end tells the patient.
 */
const SECRET = "test_webhook_secret_0123456789";
const MIN = 60_000;
const DAY = "2030-01-08";

let t: TestApp;
let tg: FakeTelegram;
let dr: Session & { doctorId: number };
let updateId = 5000;
let nextChat = 700_000;

beforeAll(async () => {
  tg = await startFakeTelegram();
  t = await buildTestApp({
    env: {
      TELEGRAM_BOT_TOKEN: "123456:test-token",
      TELEGRAM_WEBHOOK_SECRET: SECRET,
      TELEGRAM_API_ROOT: tg.url,
      NOTIFY_RELAY_INTERVAL_MS: "50",
    },
  });
  dr = await verifiedDoctor(t, { name: "Dr Meera Shah", autoAccept: true, feeMinor: 0 });
  const put = await t.app.inject({
    method: "PUT",
    url: "/api/doctor/profile/",
    headers: dr.headers,
    payload: { modes: ["in_person", "video", "chat"] },
  });
  expect(put.statusCode, put.body).toBe(200);
});
afterAll(async () => {
  await t.close();
  await tg.close();
});

async function patientOnTelegram(name: string): Promise<Session & { patientId: number; chatId: number }> {
  const s = await signUp(t, "patient", { name });
  await t.database.db.update(patients).set({ timeZone: "Asia/Kolkata" }).where(eq(patients.userId, s.userId));
  const chatId = ++nextChat;
  const store = t.app.hub.engine.conversations;
  const identity = await store.identity("telegram", String(chatId));
  await store.linkIdentity(identity.id, s.userId, t.clock.now());
  return { ...s, patientId: s.patientId!, chatId };
}

async function bookChat(
  who: Session,
  time: string,
): Promise<{ id: number; starts_at: string; ends_at: string }> {
  t.clock.set(TEST_NOW);
  const res = await t.app.inject({
    method: "POST",
    url: "/api/book/appointment/",
    headers: who.headers,
    payload: { doctor_id: dr.doctorId, appointment_date: DAY, appointment_time: time, mode: "chat" },
  });
  expect(res.statusCode, res.body).toBe(201);
  const a = res.json().appointment;
  expect(a).toMatchObject({ mode: "chat", status: "confirmed" });
  return a;
}

const at = (iso: string, offsetMinutes: number) =>
  t.clock.set(new Date(Date.parse(iso) + offsetMinutes * MIN));

const sentTo = (chatId: number): string[] =>
  tg
    .sent("sendMessage")
    .filter((c) => Number(c.params.chat_id) === chatId)
    .map((c) => String(c.params.text));

/** The patient writes on Telegram; resolves with what the bot answered in that turn. */
async function write(chatId: number, text: string): Promise<string[]> {
  const before = sentTo(chatId).length;
  updateId += 1;
  const res = await t.app.inject({
    method: "POST",
    url: "/webhooks/telegram",
    headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET },
    payload: JSON.stringify({
      update_id: updateId,
      message: {
        message_id: updateId,
        date: 1,
        from: { id: chatId, is_bot: false, first_name: "Asha" },
        chat: { id: chatId, type: "private", first_name: "Asha" },
        text,
      },
    }),
  });
  expect(res.statusCode).toBe(200);
  await settle(t.jobs);
  return sentTo(chatId).slice(before);
}

async function waitFor<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const messages = (s: Session, visitId: number, query = "") =>
  t.app.inject({ method: "GET", url: `/api/visits/${visitId}/messages${query}`, headers: s.headers });
const postMessage = (s: Session, visitId: number, text: string) =>
  t.app.inject({
    method: "POST",
    url: `/api/visits/${visitId}/messages`,
    headers: s.headers,
    payload: { text },
  });

describe("a chat consultation over Telegram", () => {
  it("routes the patient's messages to the visit thread in the window and the doctor's replies back", async () => {
    const asha = await patientOnTelegram("Asha Verma");
    const a = await bookChat(asha, "10:00 AM");

    // Before the window: the assistant answers (the guided menu), nothing reaches a visit.
    at(a.starts_at, -60);
    const early = await write(asha.chatId, "hello doctor, my knee hurts");
    expect(early.join("\n")).not.toMatch(/chat visit/);
    expect(early.length).toBeGreaterThan(0);

    // In the window: the message goes to the doctor's thread; the first one is acknowledged.
    at(a.starts_at, -5);
    const first = await write(asha.chatId, "My knee hurts when I climb stairs");
    expect(first.join("\n")).toMatch(/chat visit with Dr Meera Shah is open/);
    const second = await write(asha.chatId, "Since two weeks");
    expect(second).toEqual([]);

    // The doctor joins (the visit's id), reads the thread: the patient is told the doctor is there.
    const join = await t.app.inject({
      method: "POST",
      url: `/api/appointments/${a.id}/visit/join`,
      headers: dr.headers,
    });
    expect(join.statusCode, join.body).toBe(200);
    const visitId = join.json().visit.id as number;
    const list = await messages(dr, visitId);
    expect(list.statusCode, list.body).toBe(200);
    const body = list.json();
    expect(body.messages.map((m: { text: string }) => m.text)).toEqual([
      "My knee hurts when I climb stairs",
      "Since two weeks",
    ]);
    expect(body.messages[0]).toMatchObject({ role: "patient", channel: "telegram" });
    await waitFor("the opening notice", () =>
      sentTo(asha.chatId).some((m) => /Dr Meera Shah is here for your chat visit/.test(m)),
    );

    // The doctor's reply arrives in the patient's Telegram chat.
    const reply = await postMessage(dr, visitId, "Please rest it and use ice for 2 days.");
    expect(reply.statusCode, reply.body).toBe(201);
    expect(reply.json().message).toMatchObject({ role: "doctor", channel: "api" });
    await waitFor("the doctor's reply on Telegram", () =>
      sentTo(asha.chatId).some((m) => m === "Dr Meera Shah: Please rest it and use ice for 2 days."),
    );

    // Paging: after the first message.
    const firstId = body.messages[0].id as number;
    const page = await messages(asha, visitId, `?after=${firstId}&limit=2`);
    expect(page.statusCode).toBe(200);
    expect(page.json().messages.map((m: { text: string }) => m.text)).toEqual([
      "Since two weeks",
      "Please rest it and use ice for 2 days.",
    ]);
    expect(page.json().next_after).toBeGreaterThan(firstId);

    // A red flag is still answered first (and does not go to the doctor's thread).
    const urgent = await write(asha.chatId, "I have chest pain and can't breathe");
    expect(urgent.join("\n")).toMatch(/emergency|112|108|911/i);
    const after = (await messages(dr, visitId)).json().messages as { text: string }[];
    expect(after.map((m) => m.text)).not.toContain("I have chest pain and can't breathe");

    // The visit log shows both for the chat visit, started at the patient's first message.
    const log = await t.app.inject({
      method: "GET",
      url: `/api/appointments/${a.id}/visit`,
      headers: asha.headers,
    });
    expect(log.statusCode).toBe(200);
    expect(log.json().visit.mode).toBe("chat");
    expect(log.json().visit.started_at).not.toBeNull();
    expect(
      log
        .json()
        .visit.participants.map((p: { role: string }) => p.role)
        .sort(),
    ).toEqual(["doctor", "patient"]);

    // The doctor ends it: the patient is told; the appointment is completed; writing goes to the assistant.
    const end = await t.app.inject({
      method: "POST",
      url: `/api/visits/${visitId}/end`,
      headers: dr.headers,
    });
    expect(end.statusCode, end.body).toBe(200);
    await waitFor("the end notice", () =>
      sentTo(asha.chatId).some((m) => /chat visit with Dr Meera Shah has ended/.test(m)),
    );
    const appt = await t.app.inject({
      method: "GET",
      url: `/api/appointments/${a.id}/visit`,
      headers: dr.headers,
    });
    expect(appt.json().visit.status).toBe("ended");
    const ended = await postMessage(dr, visitId, "One more thing");
    expect(ended.statusCode).toBe(409);
    expect(ended.json().error.code).toBe("VISIT_ENDED");
    const later = await write(asha.chatId, "thanks");
    expect(later.length).toBeGreaterThan(0);
    const final = (await messages(dr, visitId)).json().messages as { text: string }[];
    expect(final.map((m) => m.text)).not.toContain("thanks");
  });

  it("after the window the patient's messages go to the assistant and the visit closes with a notice", async () => {
    const ravi = await patientOnTelegram("Ravi Kumar");
    const a = await bookChat(ravi, "11:00 AM");
    at(a.starts_at, 0);
    expect((await write(ravi.chatId, "Hello, I have a rash"))[0]).toMatch(/chat visit/);
    at(a.ends_at, 30);
    const out = await write(ravi.chatId, "Are you there?");
    expect(out.join("\n")).not.toMatch(/chat visit/);
    // The relay ends the visit whose window closed, and tells the patient.
    await waitFor("the end notice", () =>
      sentTo(ravi.chatId).some((m) => /chat visit with Dr Meera Shah has ended/.test(m)),
    );
    const join = await t.app.inject({
      method: "GET",
      url: `/api/appointments/${a.id}/visit`,
      headers: dr.headers,
    });
    const visitId = join.json().visit.id as number;
    expect(join.json().visit.status).toBe("ended");
    const late = await postMessage(dr, visitId, "Sorry I'm late");
    expect(late.statusCode).toBe(409);
    expect(late.json().error.code).toBe("VISIT_ENDED");
    const texts = ((await messages(dr, visitId)).json().messages as { text: string }[]).map((m) => m.text);
    expect(texts).toEqual(["Hello, I have a rash"]);
  });

  it("answers 404 to everyone but the two people and the doctor's nurse; the nurse reads only", async () => {
    const mina = await patientOnTelegram("Mina Das");
    const a = await bookChat(mina, "12:00 PM");
    at(a.starts_at, 0);
    await write(mina.chatId, "Hi doctor");
    const log = await t.app.inject({
      method: "GET",
      url: `/api/appointments/${a.id}/visit`,
      headers: mina.headers,
    });
    const visitId = log.json().visit.id as number;
    const stranger = await signUp(t, "patient");
    const otherDoctor = await verifiedDoctor(t, { name: "Dr Other" });
    const admin = await signInAs(t, "admin");
    const nurse = await signInAs(t, "nurse");
    for (const who of [stranger, otherDoctor, admin, nurse]) {
      expect((await messages(who, visitId)).statusCode).toBe(404);
      expect((await postMessage(who, visitId, "hi")).statusCode).toBe(404);
      expect(
        (await t.app.inject({ method: "POST", url: `/api/visits/${visitId}/end`, headers: who.headers }))
          .statusCode,
      ).toBe(404);
    }
    expect((await messages(mina, 999_999)).statusCode).toBe(404);
    expect((await t.app.inject({ method: "GET", url: `/api/visits/${visitId}/messages` })).statusCode).toBe(
      401,
    );
    await t.database.db.insert(nurseAssignments).values({ nurseUserId: nurse.userId, doctorId: dr.doctorId });
    expect((await messages(nurse, visitId)).statusCode).toBe(200);
    expect((await postMessage(nurse, visitId, "hi")).statusCode).toBe(403);
    // The patient writes through the API too: one thread.
    const own = await postMessage(mina, visitId, "Also a headache");
    expect(own.statusCode).toBe(201);
    const texts = ((await messages(dr, visitId)).json().messages as { text: string }[]).map((m) => m.text);
    expect(texts).toEqual(["Hi doctor", "Also a headache"]);
    // Outside the window the API refuses to write: 409 VISIT_NOT_OPEN.
    at(a.ends_at, 31);
    const closed = await postMessage(dr, visitId, "late");
    expect(closed.statusCode).toBe(409);
    expect(["VISIT_NOT_OPEN", "VISIT_ENDED"]).toContain(closed.json().error.code);
  });
});
