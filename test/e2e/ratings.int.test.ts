import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appointments, doctorReviews, doctors, notificationsOutbox } from "../../db/schema/index.js";
import { parseRatingReply } from "../../bot/middleware/ratings.js";
import { buildTestApp, TEST_NOW, type TestApp } from "../app.js";
import { signUp, verifiedDoctor, type Session } from "../factories.js";
import { startFakeTelegram, type FakeTelegram } from "../fakes/telegram.js";
import { MESSAGE_QUEUES, settle } from "../settle.js";

/**
 * Ratings are real: a completed visit → the patient is asked on their channel (the notifications outbox → the
 * fake Telegram Bot API) → they answer "5 very kind" (or press a button) → the rating is stored and the
 * doctor's reviews_count, rating and recommendation_percent are the patients' figures, replacing the seeded ones.
 */

const SECRET = "test_webhook_secret_0123456789";
const QUEUES = ["notify.deliver", "notify.deliver_many", ...MESSAGE_QUEUES];
let t: TestApp;
let fake: FakeTelegram;
let dr: Session & { doctorId: number };
let nextChat = 7100;
let updateId = 3000;
let slot = 0;

beforeAll(async () => {
  fake = await startFakeTelegram();
  t = await buildTestApp({
    env: {
      TELEGRAM_BOT_TOKEN: "123456:test-token",
      TELEGRAM_WEBHOOK_SECRET: SECRET,
      TELEGRAM_API_ROOT: fake.url,
      NOTIFY_RELAY_INTERVAL_MS: "50",
    },
  });
  dr = await verifiedDoctor(t, { name: "Dr Meera Shah", timeZone: "UTC" });
  // The demo seed's figures: not patients' ratings (ratings_from_patients stays false).
  await t.database.db
    .update(doctors)
    .set({ reviewsCount: 120, rating: 4.8, recommendationPercent: 97 })
    .where(eq(doctors.id, dr.doctorId));
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

const store = () => t.app.hub.engine.conversations;

async function patientOnTelegram(name: string): Promise<Session & { chatId: number }> {
  const s = await signUp(t, "patient", { name });
  const chatId = ++nextChat;
  const identity = await store().identity("telegram", String(chatId));
  await store().linkIdentity(identity.id, s.userId, t.clock.now());
  return { ...s, chatId };
}

const sentTo = (chatId: number) =>
  fake
    .sent("sendMessage")
    .filter((c) => Number(c.params.chat_id) === chatId)
    .map((c) => ({
      text: String(c.params.text),
      buttons: (
        (typeof c.params.reply_markup === "string"
          ? (JSON.parse(c.params.reply_markup) as { inline_keyboard?: { callback_data?: string }[][] })
          : ((c.params.reply_markup ?? {}) as { inline_keyboard?: { callback_data?: string }[][] })
        ).inline_keyboard ?? []
      )
        .flat()
        .map((b) => b.callback_data),
    }));

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function webhook(update: Record<string, unknown>) {
  return t.app.inject({
    method: "POST",
    url: "/webhooks/telegram",
    headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET },
    payload: JSON.stringify(update),
  });
}

async function say(chatId: number, text: string): Promise<string[]> {
  const before = sentTo(chatId).length;
  const res = await webhook({
    update_id: ++updateId,
    message: {
      message_id: updateId,
      date: 1,
      from: { id: chatId, is_bot: false, first_name: "P" },
      chat: { id: chatId, type: "private", first_name: "P" },
      text,
    },
  });
  expect(res.statusCode).toBe(200);
  await settle(t.jobs, QUEUES);
  return sentTo(chatId)
    .slice(before)
    .map((s) => s.text);
}

async function press(chatId: number, data: string): Promise<string[]> {
  const before = sentTo(chatId).length;
  const res = await webhook({
    update_id: ++updateId,
    callback_query: {
      id: `cb${updateId}`,
      from: { id: chatId, is_bot: false, first_name: "P" },
      chat_instance: "x",
      data,
      message: { message_id: 1, date: 1, chat: { id: chatId, type: "private", first_name: "P" }, text: "…" },
    },
  });
  expect(res.statusCode).toBe(200);
  await settle(t.jobs, QUEUES);
  return sentTo(chatId)
    .slice(before)
    .map((s) => s.text);
}

/** A confirmed appointment that started an hour before now, completed by the doctor through the API. */
async function completedVisit(p: Session): Promise<number> {
  slot += 1;
  const startsAt = new Date(TEST_NOW.getTime() - slot * 3 * 3_600_000);
  const [row] = await t.database.db
    .insert(appointments)
    .values({
      doctorId: dr.doctorId,
      patientId: p.patientId!,
      startsAt,
      endsAt: new Date(startsAt.getTime() + 30 * 60_000),
      status: "confirmed",
      mode: "video",
      patientName: "Test Patient",
    })
    .returning({ id: appointments.id });
  const res = await t.app.inject({
    method: "POST",
    url: `/api/appointments/${row!.id}/complete`,
    headers: dr.headers,
  });
  expect(res.statusCode, res.body).toBe(200);
  return row!.id;
}

async function doctorFigures() {
  const res = await t.app.inject({ method: "GET", url: `/api/view/doctor/?id=${dr.doctorId}` });
  expect(res.statusCode).toBe(200);
  const { doctor } = res.json<{
    doctor: { reviews_count: number; rating: number; recommendation_percent: number; ratings_source: string };
  }>();
  return {
    reviews_count: doctor.reviews_count,
    rating: doctor.rating,
    recommendation_percent: doctor.recommendation_percent,
    source: doctor.ratings_source,
  };
}

describe("ratings after a visit", () => {
  it("asks the patient on Telegram, understands '5 very kind', and the doctor's figures become patients' figures", async () => {
    expect(await doctorFigures()).toEqual({
      reviews_count: 120,
      rating: 4.8,
      recommendation_percent: 97,
      source: "seeded",
    });
    const asha = await patientOnTelegram("Asha Verma");
    const id = await completedVisit(asha);

    // The request goes through the outbox to her channel, with 1–5 as buttons.
    const ask = await waitFor("the rating request on Telegram", async () =>
      sentTo(asha.chatId).find((m) => /How was your visit with Dr Meera Shah/.test(m.text)),
    );
    expect(ask.buttons).toEqual([1, 2, 3, 4, 5].map((n) => `rating:${id}:${n}`));
    const [request] = await t.database.db
      .select()
      .from(notificationsOutbox)
      .where(eq(notificationsOutbox.idempotencyKey, `review:${id}:request`));
    expect(request).toMatchObject({ template: "review.request", userId: asha.userId });

    const reply = await say(asha.chatId, "5 very kind");
    expect(reply.join("\n")).toMatch(/Thank you for your rating/);
    const [review] = await t.database.db
      .select()
      .from(doctorReviews)
      .where(eq(doctorReviews.appointmentId, id));
    expect(review).toMatchObject({ rating: 5, comment: "very kind", channel: "telegram" });

    // Seeded figures replaced, not mixed: one rating of 5.
    expect(await doctorFigures()).toEqual({
      reviews_count: 1,
      rating: 5,
      recommendation_percent: 100,
      source: "patients",
    });
    const [row] = await t.database.db
      .select({ real: doctors.ratingsFromPatients })
      .from(doctors)
      .where(eq(doctors.id, dr.doctorId));
    expect(row!.real).toBe(true);

    // Rated once: the request's choices are gone, so a later "4" is an ordinary message.
    const later = await say(asha.chatId, "4");
    expect(later.join("\n")).not.toMatch(/Thank you for your rating/);
    expect(await doctorFigures()).toMatchObject({ reviews_count: 1 });
  }, 60_000);

  it("takes a button press as the rating, and averages patients' ratings", async () => {
    const ravi = await patientOnTelegram("Ravi Kumar");
    const id = await completedVisit(ravi);
    await waitFor("the rating request", async () =>
      sentTo(ravi.chatId).find((m) => /How was your visit/.test(m.text)),
    );
    const reply = await press(ravi.chatId, `rating:${id}:2`);
    expect(reply.join("\n")).toMatch(/sorry it was not better/);
    // Ratings 5 and 2: average 3.5, one of two would recommend.
    expect(await doctorFigures()).toEqual({
      reviews_count: 2,
      rating: 3.5,
      recommendation_percent: 50,
      source: "patients",
    });
  }, 60_000);

  it("does not take a menu number for a rating once the patient moved on to the menu", async () => {
    const mei = await patientOnTelegram("Mei Lin");
    const id = await completedVisit(mei);
    await waitFor("the rating request", async () =>
      sentTo(mei.chatId).find((m) => /How was your visit/.test(m.text)),
    );
    await say(mei.chatId, "menu");
    const answer = await say(mei.chatId, "3");
    expect(answer.join("\n")).not.toMatch(/Thank you for your rating/);
    const [review] = await t.database.db
      .select()
      .from(doctorReviews)
      .where(eq(doctorReviews.appointmentId, id));
    expect(review!.rating).toBeNull();
    expect(await doctorFigures()).toMatchObject({ reviews_count: 2 });
  }, 60_000);
});

describe("a rating reply", () => {
  it("is a digit from 1 to 5, optionally with a comment", () => {
    expect(parseRatingReply("5")).toEqual({ rating: 5 });
    expect(parseRatingReply(" 4 great doctor ")).toEqual({ rating: 4, comment: "great doctor" });
    expect(parseRatingReply("3/5, ok")).toEqual({ rating: 3, comment: "ok" });
    expect(parseRatingReply("5 stars! very kind")).toEqual({ rating: 5, comment: "very kind" });
    expect(parseRatingReply("45")).toBeUndefined();
    expect(parseRatingReply("2.5")).toBeUndefined();
    expect(parseRatingReply("6")).toBeUndefined();
    expect(parseRatingReply("book a visit")).toBeUndefined();
  });
});
