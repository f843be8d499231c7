import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notificationsOutbox, nurseAssignments } from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../../test/app.js";
import { careTeamAppointment, signInAs, signUp, verifiedDoctor, type Session } from "../../test/factories.js";
import { settle } from "../../test/settle.js";
import { startFakeTelegram, type FakeTelegram } from "../../test/fakes/telegram.js";
import { PNG_1X1 } from "../../test/multipart.js";

/**
 * Secure messages outside visits: a patient and a doctor of their care team exchange messages in threads,
 * with read state per person, attachments from the patient's own documents, notifications on each side (the
 * patient's on Telegram, with a Reply button that works from the chat), and 404 to everyone else.
 */
const SECRET = "test_webhook_secret_0123456789";
let t: TestApp;
let tg: FakeTelegram;
let dr: Session & { doctorId: number };
let asha: Session & { patientId: number; chatId: number };
let updateId = 9000;

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
  dr = await verifiedDoctor(t, { name: "Dr Meera Shah" });
  const s = await signUp(t, "patient", { name: "Asha Verma" });
  const store = t.app.hub.engine.conversations;
  const identity = await store.identity("telegram", "810001");
  await store.linkIdentity(identity.id, s.userId, t.clock.now());
  asha = { ...s, patientId: s.patientId!, chatId: 810001 };
  await careTeamAppointment(t, dr.doctorId, asha.patientId);
});
afterAll(async () => {
  await t.close();
  await tg.close();
});

type Headers = Record<string, string>;
const api = (method: "GET" | "POST", url: string, headers?: Headers, payload?: unknown) =>
  t.app.inject({ method, url, ...(headers ? { headers } : {}), ...(payload ? { payload } : {}) });

const sentTo = (chatId: number) =>
  tg
    .sent("sendMessage")
    .filter((c) => Number(c.params.chat_id) === chatId)
    .map((c) => ({
      text: String(c.params.text),
      markup: (typeof c.params.reply_markup === "string"
        ? JSON.parse(c.params.reply_markup)
        : (c.params.reply_markup ?? {})) as {
        inline_keyboard?: { text: string; callback_data?: string }[][];
      },
    }));

async function waitFor<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function telegram(update: Record<string, unknown>): Promise<void> {
  const res = await t.app.inject({
    method: "POST",
    url: "/webhooks/telegram",
    headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET },
    payload: JSON.stringify({ update_id: ++updateId, ...update }),
  });
  expect(res.statusCode).toBe(200);
  await settle(t.jobs);
}
const from = { id: 810001, is_bot: false, first_name: "Asha" };
const chat = { id: 810001, type: "private", first_name: "Asha" };

describe("secure messages", () => {
  it("a patient and their doctor exchange messages with read state, attachments and notifications", async () => {
    const doc = await t.services.records.uploadDocument(
      { userId: asha.userId, role: "patient", patientId: asha.patientId, channel: "api" },
      { bytes: PNG_1X1, title: "Rash photo" },
    );
    const created = await api("POST", "/api/messages/threads", asha.headers, {
      doctor_id: dr.doctorId,
      subject: "Rash after the new cream",
      text: "The rash is spreading, photo attached.",
      document_id: doc.id,
    });
    expect(created.statusCode, created.body).toBe(201);
    const threadId = created.json().thread.id as number;
    expect(created.json().message).toMatchObject({ sender_role: "patient", document_id: doc.id });

    // The doctor is notified without patient data; their list shows one unread.
    const doctorNote = await waitFor("the doctor's notification", async () => {
      const [row] = await t.database.db
        .select()
        .from(notificationsOutbox)
        .where(
          and(
            eq(notificationsOutbox.userId, dr.userId),
            eq(notificationsOutbox.template, "message.received"),
          ),
        );
      return row?.status === "sent" ? row : undefined;
    });
    expect(JSON.stringify(doctorNote.data)).not.toMatch(/rash/i);
    let list = await api("GET", "/api/messages/threads", dr.headers);
    expect(list.json().threads).toMatchObject([
      { id: threadId, unread: 1, subject: "Rash after the new cream" },
    ]);
    expect((await api("GET", "/api/messages/threads", asha.headers)).json().threads[0].unread).toBe(0);

    // Reading marks it read for the doctor only.
    const read = await api("GET", `/api/messages/threads/${threadId}`, dr.headers);
    expect(read.statusCode).toBe(200);
    expect(read.json().messages).toHaveLength(1);
    list = await api("GET", "/api/messages/threads", dr.headers);
    expect(list.json().threads[0].unread).toBe(0);

    // The doctor answers: the patient's Telegram chat gets it, with a Reply button.
    const answer = await api("POST", `/api/messages/threads/${threadId}/messages`, dr.headers, {
      text: "Stop the cream and send a photo tomorrow.",
      document_id: doc.id,
    });
    expect(answer.statusCode, answer.body).toBe(201);
    const note = await waitFor("the patient's notification", () =>
      sentTo(asha.chatId).find((m) => m.text.includes("Stop the cream")),
    );
    expect(note.text).toBe("Dr Meera Shah sent you a message: Stop the cream and send a photo tomorrow.");
    const button = note.markup.inline_keyboard?.flat().find((b) => /Reply/.test(b.text));
    expect(button?.callback_data).toBeDefined();
    expect((await api("GET", "/api/messages/threads", asha.headers)).json().threads[0].unread).toBe(1);

    // "messages" in the chat lists the unread one; "Reply" then the text answers in the thread.
    await telegram({ message: { message_id: updateId, date: 1, from, chat, text: "messages" } });
    expect(sentTo(asha.chatId).some((m) => /Dr Meera Shah — Rash after the new cream/.test(m.text))).toBe(
      true,
    );
    await telegram({
      callback_query: {
        id: `cb${updateId}`,
        from,
        chat_instance: "x",
        data: button!.callback_data,
        message: { message_id: 1, date: 1, chat, text: "…" },
      },
    });
    expect(sentTo(asha.chatId).at(-1)?.text).toMatch(/Type your reply/);
    await telegram({ message: { message_id: updateId, date: 1, from, chat, text: "OK, I stopped it." } });
    expect(sentTo(asha.chatId).at(-1)?.text).toMatch(/^Sent\./);
    const thread = await api("GET", `/api/messages/threads/${threadId}`, dr.headers);
    expect(
      thread.json().messages.map((m: { sender_role: string; text: string }) => [m.sender_role, m.text]),
    ).toEqual([
      ["patient", "The rash is spreading, photo attached."],
      ["doctor", "Stop the cream and send a photo tomorrow."],
      ["patient", "OK, I stopped it."],
    ]);
    // The patient read the doctor's answer through the chat's list.
    expect((await api("GET", "/api/messages/threads", asha.headers)).json().threads[0].unread).toBe(0);
  });

  it("refuses someone else's document and doctors outside the care team; 404 to strangers", async () => {
    const other = await signUp(t, "patient", { name: "Someone Else" });
    await careTeamAppointment(t, dr.doctorId, other.patientId!);
    const theirs = await t.services.records.uploadDocument(
      { userId: other.userId, role: "patient", patientId: other.patientId!, channel: "api" },
      { bytes: PNG_1X1, title: "Not Asha's" },
    );
    const refused = await api("POST", "/api/messages/threads", asha.headers, {
      doctor_id: dr.doctorId,
      subject: "Question",
      text: "See this",
      document_id: theirs.id,
    });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error.code).toBe("INVALID_DOCUMENT");

    const stranger = await verifiedDoctor(t, { name: "Dr Nobody" });
    const notMine = await api("POST", "/api/messages/threads", asha.headers, {
      doctor_id: stranger.doctorId,
      subject: "Hi",
      text: "Hello",
    });
    expect(notMine.statusCode).toBe(404);
    const notMyPatient = await api("POST", "/api/messages/threads", stranger.headers, {
      patient_id: asha.patientId,
      subject: "Hi",
      text: "Hello",
    });
    expect(notMyPatient.statusCode).toBe(404);

    const ok = await api("POST", "/api/messages/threads", dr.headers, {
      patient_id: asha.patientId,
      subject: "Your results",
      text: "All normal.",
    });
    expect(ok.statusCode, ok.body).toBe(201);
    const id = ok.json().thread.id as number;
    const nurse = await signInAs(t, "nurse");
    const admin = await signInAs(t, "admin");
    for (const who of [other, stranger, nurse, admin]) {
      expect((await api("GET", `/api/messages/threads/${id}`, who.headers)).statusCode).toBe(404);
      expect(
        (await api("POST", `/api/messages/threads/${id}/messages`, who.headers, { text: "hi" })).statusCode,
      ).toBe(404);
      const threads = (await api("GET", "/api/messages/threads", who.headers)).json().threads as {
        id: number;
      }[];
      expect(threads.map((x) => x.id)).not.toContain(id);
    }
    expect((await api("GET", `/api/messages/threads/${id}`)).statusCode).toBe(401);
    expect((await api("GET", "/api/messages/threads/999999", asha.headers)).statusCode).toBe(404);

    // A nurse assigned to the doctor reads and answers.
    await t.database.db.insert(nurseAssignments).values({ nurseUserId: nurse.userId, doctorId: dr.doctorId });
    expect((await api("GET", `/api/messages/threads/${id}`, nurse.headers)).statusCode).toBe(200);
    const byNurse = await api("POST", `/api/messages/threads/${id}/messages`, nurse.headers, {
      text: "The doctor asks you to book a follow-up.",
    });
    expect(byNurse.statusCode).toBe(201);
    expect(byNurse.json().message.sender_role).toBe("nurse");
  });
});
