import { and, eq, like } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  appointments,
  conversationMessages,
  medicationDoses,
  notificationsOutbox,
  patients,
  scheduledReminders,
} from "../../db/schema/index.js";
import { enqueueNotification } from "../../domain/notifications/outbox.js";
import { dueSecond, reminderKey, type ReminderJob } from "../../domain/notifications/reminders.js";
import { buildTestApp, TEST_NOW, type TestApp } from "../app.js";
import { careTeamAppointment, signUp, verifiedDoctor, type Session } from "../factories.js";
import { startFakeTelegram, type FakeTelegram } from "../fakes/telegram.js";
import { MESSAGE_QUEUES, settle } from "../settle.js";

/**
 * Notifications end to end: outbox rows written by the domain → relay → notify.deliver → the person's
 * channel (the fake Telegram Bot API, the web chat); reminders as delayed BullMQ jobs; answers to them.
 */

const SECRET = "test_webhook_secret_0123456789";
const QUEUES = ["notify.deliver", "notify.deliver_many", "reminder.due", ...MESSAGE_QUEUES];
let t: TestApp;
let fake: FakeTelegram;
let dr: Session & { doctorId: number };
let nextChat = 9100;
let updateId = 5000;

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
  dr = await verifiedDoctor(t, { name: "Dr Meera Shah", timeZone: "Asia/Kolkata" });
});
afterEach(() => {
  t.clock.set(TEST_NOW);
  t.relay.start(); // no-op unless a test paused it
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

const store = () => t.app.hub.engine.conversations;

/** A patient in Kolkata with a verified Telegram identity; returns the chat id too. */
async function patientOnTelegram(name = "Mei Lin"): Promise<Session & { patientId: number; chatId: number }> {
  const s = await signUp(t, "patient", { name });
  await t.database.db.update(patients).set({ timeZone: "Asia/Kolkata" }).where(eq(patients.userId, s.userId));
  const chatId = ++nextChat;
  const identity = await store().identity("telegram", String(chatId));
  await store().linkIdentity(identity.id, s.userId, t.clock.now());
  return { ...s, patientId: s.patientId!, chatId };
}

async function linkWeb(userId: number): Promise<void> {
  const identity = await store().identity("web", `user:${userId}`);
  await store().linkIdentity(identity.id, userId, t.clock.now());
}

const textsTo = (chatId: number): string[] =>
  fake
    .sent("sendMessage")
    .filter((c) => Number(c.params.chat_id) === chatId)
    .map((c) => String(c.params.text));

async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined> | T | undefined,
  ms = 5000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function outboxRow(key: string) {
  const [row] = await t.database.db
    .select()
    .from(notificationsOutbox)
    .where(eq(notificationsOutbox.idempotencyKey, key));
  return row;
}

/** Waits until the outbox row of this key is no longer pending/sending and its delivery jobs are done. */
async function delivered(key: string) {
  const row = await waitFor(`outbox ${key}`, async () => {
    const r = await outboxRow(key);
    return r && r.status !== "pending" && r.status !== "sending" ? r : undefined;
  });
  await settle(t.jobs, QUEUES);
  return row;
}

function api(
  s: { headers: Record<string, string> },
  method: "POST" | "PATCH" | "GET",
  url: string,
  payload?: object,
) {
  return t.app.inject({ method, url, headers: s.headers, ...(payload ? { payload } : {}) });
}

async function bookAndAccept(
  p: Session,
  date: string,
  time: string,
): Promise<{ id: number; startsAt: Date }> {
  const booked = await api(p, "POST", "/api/book/appointment/", {
    doctor_id: dr.doctorId,
    appointment_date: date,
    appointment_time: time,
  });
  expect(booked.statusCode, booked.body).toBe(201);
  const id = booked.json<{ appointment: { id: number } }>().appointment.id;
  const acc = await api(dr, "POST", "/api/accept/appointment/request/", { request_id: id });
  expect(acc.statusCode, acc.body).toBe(200);
  const [row] = await t.database.db.select().from(appointments).where(eq(appointments.id, id));
  return { id, startsAt: row!.startsAt };
}

/** The keys of an appointment's pending reminders, by due time. */
async function queuedReminders(appointmentId: number): Promise<string[]> {
  const rows = await t.services.reminders.rows.ofEntities("appointment", [appointmentId]);
  return rows.filter((r) => r.status === "pending").map((r) => r.key);
}

function telegramUpdate(chatId: number, body: { text?: string; data?: string }): Record<string, unknown> {
  updateId += 1;
  const from = { id: chatId, is_bot: false, first_name: "Mei" };
  const chat = { id: chatId, type: "private", first_name: "Mei" };
  if (body.data !== undefined)
    return {
      update_id: updateId,
      callback_query: {
        id: `cb${updateId}`,
        from,
        chat_instance: "x",
        data: body.data,
        message: { message_id: 1, date: 1, chat, text: "…" },
      },
    };
  return { update_id: updateId, message: { message_id: updateId, date: 1, from, chat, text: body.text } };
}

/** A message from the patient on Telegram; resolves with what the bot answered. */
async function say(chatId: number, body: { text?: string; data?: string }): Promise<string> {
  const before = textsTo(chatId).length;
  const res = await t.app.inject({
    method: "POST",
    url: "/webhooks/telegram",
    headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET },
    payload: JSON.stringify(telegramUpdate(chatId, body)),
  });
  expect(res.statusCode).toBe(200);
  await settle(t.jobs, QUEUES);
  return textsTo(chatId).slice(before).join("\n");
}

describe("events reach the person on their channel", () => {
  it("the doctor accepts through the API and the patient is told on Telegram", async () => {
    const mei = await patientOnTelegram();
    const { id } = await bookAndAccept(mei, "2030-01-09", "10:30 AM");
    const row = await delivered(await acceptedKey(id));
    expect(row).toMatchObject({
      status: "sent",
      deliveredChannel: "telegram",
      template: "appointment.accepted",
    });
    const text = await waitFor("telegram message", () =>
      textsTo(mei.chatId).find((m) => m.includes("Confirmed")),
    );
    expect(text).toContain("Dr Meera Shah");
    expect(text).toContain(`Appointment #${id}`);
  });

  it("goes to the preferred channel when the person has it, and falls back when it is opted out or missing", async () => {
    const p = await patientOnTelegram("Ravi Kumar");
    await linkWeb(p.userId);
    const set = await api(p, "PATCH", "/api/auth/me/notifications", {
      preferred_channel: "web",
      quiet_hours: "23:00-06:30",
    });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json()).toEqual({ preferred_channel: "web", quiet_hours: "23:00-06:30" });
    expect(
      (await api(p, "PATCH", "/api/auth/me/notifications", { quiet_hours: "25:00-06:00" })).statusCode,
    ).toBe(400);
    expect(
      (await api(p, "PATCH", "/api/auth/me/notifications", { preferred_channel: "pigeon" })).statusCode,
    ).toBe(400);

    const send = async (key: string) => {
      await enqueueNotification(t.database.db, {
        userId: p.userId,
        template: "prescription.issued",
        data: { doctor_name: "Meera Shah" },
        idempotencyKey: key,
      });
      return delivered(key);
    };
    // Preferred: web (no socket open: it waits in the conversation, which counts as delivered there).
    expect(await send(`t-pref-web:${p.userId}`)).toMatchObject({ status: "sent", deliveredChannel: "web" });
    expect(textsTo(p.chatId)).toHaveLength(0);

    // Preferred telegram, but the person sent STOP there → the web chat.
    await api(p, "PATCH", "/api/auth/me/notifications", { preferred_channel: "telegram" });
    await store().setOptOut("telegram", String(p.chatId), t.clock.now());
    expect(await send(`t-optout:${p.userId}`)).toMatchObject({ status: "sent", deliveredChannel: "web" });
    expect(textsTo(p.chatId)).toHaveLength(0);
    await store().setOptOut("telegram", String(p.chatId), null);

    // Preferred WhatsApp, which they never linked (and which is off) → their Telegram.
    await api(p, "PATCH", "/api/auth/me/notifications", { preferred_channel: "whatsapp" });
    expect(await send(`t-missing:${p.userId}`)).toMatchObject({
      status: "sent",
      deliveredChannel: "telegram",
    });
    await waitFor("telegram", () => textsTo(p.chatId).find((m) => m.includes("prescription")));

    // The message is in their conversation, as a notification the reply can refer to.
    const stored = await t.database.db
      .select()
      .from(conversationMessages)
      .where(and(eq(conversationMessages.channel, "web"), like(conversationMessages.text, "%prescription%")));
    expect(stored.length).toBeGreaterThanOrEqual(2);
  });

  it("fails with NO_CHANNEL when nothing can carry it, and EMAIL_NOT_CONFIGURED for email", async () => {
    await enqueueNotification(t.database.db, {
      toAddress: "+919800000001",
      channel: "sms",
      template: "chat.verification_code",
      data: { code: "123456" },
      idempotencyKey: "t-no-sms",
    });
    expect(await delivered("t-no-sms")).toMatchObject({ status: "failed", lastError: "NO_CHANNEL" });

    const p = await signUp(t, "patient");
    const forgot = await t.app.inject({
      method: "POST",
      url: "/api/auth/password/forgot",
      payload: { email: p.email },
    });
    expect(forgot.statusCode).toBe(202);
    const row = await waitFor("reset row", async () => {
      const [r] = await t.database.db
        .select()
        .from(notificationsOutbox)
        .where(
          and(
            eq(notificationsOutbox.userId, p.userId),
            eq(notificationsOutbox.template, "auth.password_reset"),
          ),
        );
      return r && r.status === "failed" ? r : undefined;
    });
    expect(row.lastError).toBe("EMAIL_NOT_CONFIGURED");
  });
});

/** The accepted event's outbox key (its appointment_events id is part of it). */
async function acceptedKey(appointmentId: number): Promise<string> {
  const row = await waitFor("accepted row", async () => {
    const [r] = await t.database.db
      .select()
      .from(notificationsOutbox)
      .where(like(notificationsOutbox.idempotencyKey, `appointment:${appointmentId}:accepted:%`));
    return r;
  });
  return row.idempotencyKey;
}

describe("appointment reminders", () => {
  it("fire at their time from a delayed job, once, and a second run of the job sends nothing more", async () => {
    const mei = await patientOnTelegram();
    // 09:00 in Kolkata on the 8th is 03:30Z: the 24-hour reminder is due 2 s after "now".
    t.clock.set(new Date("2030-01-07T03:29:58Z"));
    const { id, startsAt } = await bookAndAccept(mei, "2030-01-08", "09:00 AM");
    const due = new Date(startsAt.getTime() - 24 * 3_600_000);
    const key = reminderKey("appointment", id, "24h", due);
    expect(await queuedReminders(id)).toEqual([
      key,
      reminderKey("appointment", id, "2h", new Date(startsAt.getTime() - 2 * 3_600_000)),
    ]);
    expect(await outboxRow(key)).toBeUndefined();

    const row = await delivered(key);
    expect(row).toMatchObject({
      status: "sent",
      deliveredChannel: "telegram",
      template: "reminder.appointment",
    });
    const reminder = textsTo(mei.chatId).filter((m) => m.startsWith("Reminder"));
    expect(reminder).toHaveLength(1);
    expect(reminder[0]).toContain("on Tue 8 Jan, 09:00 AM");

    // The reminder is marked fired, linked to its outbox row.
    const [fired] = await t.database.db
      .select()
      .from(scheduledReminders)
      .where(eq(scheduledReminders.key, key));
    expect(fired).toMatchObject({ status: "fired", outboxId: row.id });
    // The second's due job again (at-least-once delivery): nothing pending, nothing new.
    expect(await t.services.reminders.dispatchDue(dueSecond(due))).toBe(0);
    // The reminder fired by hand again: same outbox row, nothing new sent.
    const job: ReminderJob = {
      kind: "appointment",
      entityId: id,
      slot: "24h",
      dueAt: due.toISOString(),
      eventAt: startsAt.toISOString(),
    };
    expect(await t.services.reminders.fire(job)).toBe(row.id);
    expect(await t.services.reminders.fire(job)).toBe(row.id);
    await settle(t.jobs, QUEUES);
    expect(textsTo(mei.chatId).filter((m) => m.startsWith("Reminder"))).toHaveLength(1);
  });

  it("are moved out of the patient's quiet hours (to their end, or earlier when the end is after the visit)", async () => {
    const p = await patientOnTelegram();
    const { id, startsAt } = await bookAndAccept(p, "2030-01-08", "09:30 AM");
    expect(startsAt.toISOString()).toBe("2030-01-08T04:00:00.000Z");
    // 09:30 Kolkata on the 8th → 2h before is 07:30, outside 22:00-07:00; the 24h one is 09:30 the day before.
    expect(await queuedReminders(id)).toEqual([
      reminderKey("appointment", id, "24h", new Date("2030-01-07T04:00:00Z")),
      reminderKey("appointment", id, "2h", new Date("2030-01-08T02:00:00Z")),
    ]);
    // Quiet hours 05:00-08:00: the 2h reminder (07:30) moves to 08:00; with 05:00-09:45 the end is after
    // the visit, so it goes just before 05:00 instead.
    await api(p, "PATCH", "/api/auth/me/notifications", { quiet_hours: "05:00-08:00" });
    await t.services.reminders.syncAppointment(id);
    expect(await queuedReminders(id)).toContain(
      reminderKey("appointment", id, "2h", new Date("2030-01-08T02:30:00Z")),
    );
    await api(p, "PATCH", "/api/auth/me/notifications", { quiet_hours: "05:00-09:45" });
    await t.services.reminders.syncAppointment(id);
    expect(await queuedReminders(id)).toContain(
      reminderKey("appointment", id, "2h", new Date("2030-01-07T23:29:00Z")),
    );
  });

  it("of a cancelled appointment never fire; a rescheduled one's fire at the new time only", async () => {
    const a = await patientOnTelegram("Omar Farouk");
    const b = await patientOnTelegram("Lena Berg");
    // Each reminder's delay is computed from the manual clock when it is scheduled: 24h + 2 s ahead.
    const cancelFlow = async () => {
      const appt = await bookAndAccept(a, "2030-01-08", "10:00 AM");
      const res = await api(a, "POST", "/api/cancel/appointment/", { appointment_id: appt.id });
      expect(res.statusCode, res.body).toBe(200);
      return appt;
    };
    // The manual clock jumps half an hour below: the relay's sweep of overdue reminders would see the first
    // booking's reminder as 30 minutes late before the reschedule cancels it. No real clock jumps: paused.
    await t.relay.stop();
    t.clock.set(new Date("2030-01-07T04:29:58Z"));
    const cancelled = await cancelFlow();
    expect(await queuedReminders(cancelled.id)).toEqual([]);
    const cancelledRows = await t.services.reminders.rows.ofEntities("appointment", [cancelled.id]);
    expect(cancelledRows.map((r) => r.status)).toEqual(["cancelled", "cancelled"]);

    t.clock.set(new Date("2030-01-07T04:59:58Z")); // the 10:30 slot's 24h reminder: 2 s away
    const moved = await bookAndAccept(b, "2030-01-08", "10:30 AM");
    const oldDue = new Date(moved.startsAt.getTime() - 24 * 3_600_000);
    t.clock.set(new Date("2030-01-07T05:29:58Z")); // moved to 11:00: its 24h reminder is 2 s away
    const res = await api(dr, "POST", "/api/reschedule/appointment/", {
      appointment_id: moved.id,
      appointment_date: "2030-01-08",
      appointment_time: "11:00 AM",
    });
    expect(res.statusCode, res.body).toBe(200);
    const newStart = new Date("2030-01-08T05:30:00Z");
    const newKey = reminderKey("appointment", moved.id, "24h", new Date(newStart.getTime() - 24 * 3_600_000));
    expect(await queuedReminders(moved.id)).toEqual([
      newKey,
      reminderKey("appointment", moved.id, "2h", new Date(newStart.getTime() - 2 * 3_600_000)),
    ]);
    await delivered(newKey);
    await waitFor("reminder", () => textsTo(b.chatId).find((m) => m.includes("11:00")));

    // Past the old due times: nothing was written or sent for them.
    await new Promise((r) => setTimeout(r, 500));
    await settle(t.jobs, QUEUES);
    const rows = await t.database.db
      .select()
      .from(notificationsOutbox)
      .where(like(notificationsOutbox.idempotencyKey, "reminder:appointment:%"));
    expect(
      rows
        .map((r) => r.idempotencyKey)
        .filter((k) => [cancelled.id, moved.id].includes(Number(k.split(":")[2])) && k !== newKey),
    ).toEqual([]);
    // Even a stale job that escaped removal sends nothing: the appointment is not at that time any more.
    const stale: ReminderJob = {
      kind: "appointment",
      entityId: moved.id,
      slot: "24h",
      dueAt: oldDue.toISOString(),
      eventAt: moved.startsAt.toISOString(),
    };
    expect(await t.services.reminders.fire(stale)).toBeUndefined();
    const gone: ReminderJob = {
      kind: "appointment",
      entityId: cancelled.id,
      slot: "24h",
      dueAt: oldDue.toISOString(),
      eventAt: cancelled.startsAt.toISOString(),
    };
    expect(await t.services.reminders.fire(gone)).toBeUndefined();
    expect(textsTo(a.chatId).filter((m) => m.startsWith("Reminder"))).toEqual([]);
    expect(textsTo(b.chatId).filter((m) => m.startsWith("Reminder"))).toHaveLength(1);
  });
});

describe("answers to reminders", () => {
  async function remindOf(
    p: { chatId: number },
    appointmentId: number,
    startsAt: Date,
    hours = 2,
  ): Promise<void> {
    const before = textsTo(p.chatId).length;
    await t.services.reminders.fire({
      kind: "appointment",
      entityId: appointmentId,
      slot: `${hours}h`,
      dueAt: new Date(startsAt.getTime() - hours * 3_600_000).toISOString(),
      eventAt: startsAt.toISOString(),
    });
    await waitFor("reminder", () =>
      textsTo(p.chatId)
        .slice(before)
        .find((m) => m.startsWith("Reminder")),
    );
    await settle(t.jobs, QUEUES);
  }

  it("Confirm records that the patient will come", async () => {
    const p = await patientOnTelegram();
    const { id, startsAt } = await bookAndAccept(p, "2030-01-10", "11:00 AM");
    await remindOf(p, id, startsAt);
    const reply = await say(p.chatId, { data: `reminder.confirm:${id}` });
    expect(reply).toContain("you're confirmed");
    const [row] = await t.database.db.select().from(appointments).where(eq(appointments.id, id));
    expect(row!.patientConfirmedAt?.toISOString()).toBe(t.clock.now().toISOString());
  });

  it("Cancel asks for confirmation, then cancels; another patient's id is not taken from a forged button", async () => {
    const p = await patientOnTelegram();
    const other = await patientOnTelegram("Yusuf Ali");
    const theirs = await bookAndAccept(other, "2030-01-10", "12:00 PM");
    const { id, startsAt } = await bookAndAccept(p, "2030-01-10", "11:30 AM");
    await remindOf(p, id, startsAt);

    // A forged button with someone else's appointment is not one of the offered choices: nothing happens.
    await say(p.chatId, { data: `reminder.cancel:${theirs.id}` });
    await remindOf(p, id, startsAt, 24); // the next reminder offers the choices again
    const ask = await say(p.chatId, { text: "Cancel" });
    expect(ask).toContain("Cancel your appointment with Dr Meera Shah");
    const [still] = await t.database.db.select().from(appointments).where(eq(appointments.id, id));
    expect(still!.status).toBe("confirmed");
    const done = await say(p.chatId, { text: "yes" });
    expect(done).toContain("Cancelled");
    const [after] = await t.database.db.select().from(appointments).where(eq(appointments.id, id));
    expect(after!.status).toBe("cancelled");
    const [untouched] = await t.database.db.select().from(appointments).where(eq(appointments.id, theirs.id));
    expect(untouched!.status).toBe("confirmed");
  });

  it("a medication reminder answered 'taken' records the dose, and adherence shows it", async () => {
    const p = await patientOnTelegram();
    await careTeamAppointment(t, dr.doctorId, p.patientId);
    t.clock.set(new Date("2030-01-07T03:00:00Z")); // 08:30 in Kolkata
    const rx = await api(dr, "POST", "/api/doctor/prescriptions/", {
      patient_id: p.patientId,
      items: [{ medicine_name: "Metformin", dose: "500 mg", frequency: "twice daily", duration_days: 5 }],
    });
    expect(rx.statusCode, rx.body).toBe(201);
    const doses = await t.database.db
      .select()
      .from(medicationDoses)
      .where(eq(medicationDoses.patientId, p.patientId))
      .orderBy(medicationDoses.scheduledAt);
    const first = doses[0]!;
    const job: ReminderJob = {
      kind: "medication",
      entityId: first.id,
      slot: "dose",
      dueAt: first.scheduledAt.toISOString(),
      eventAt: first.scheduledAt.toISOString(),
    };
    // Queued by the prescription's issue (the next 7 days), keyed by the dose.
    const queued = await t.services.reminders.rows.ofEntities(
      "medication",
      doses.map((d) => d.id),
    );
    expect(queued.filter((r) => r.status === "pending").map((r) => r.key)).toContain(
      reminderKey("medication", first.id, "dose", first.scheduledAt),
    );

    t.clock.set(first.scheduledAt);
    await t.services.reminders.fire(job);
    const text = await waitFor("dose reminder", () => textsTo(p.chatId).find((m) => m.includes("Metformin")));
    expect(text).toContain("Did you take it?");
    const reply = await say(p.chatId, { text: "taken" });
    expect(reply).toContain("Noted: taken");
    const [dose] = await t.database.db.select().from(medicationDoses).where(eq(medicationDoses.id, first.id));
    expect(dose).toMatchObject({ status: "taken", channel: "telegram" });
    const adherence = await api(p, "GET", "/api/patient/adherence/");
    expect(adherence.statusCode).toBe(200);
    expect(adherence.json()).toMatchObject({ items: [expect.objectContaining({ taken: 1 })] });
    // The dose answered, its reminder job (if it ran again) sends nothing.
    expect(await t.services.reminders.fire({ ...job, slot: "dose-again" })).toBeUndefined();
  });
});

describe("reminder dispatch in batches", () => {
  it("one due job sends every reminder of its second that still holds, skips the stale, never the cancelled", async () => {
    const p = await patientOnTelegram("Asha Rao");
    const kept = await bookAndAccept(p, "2030-01-11", "10:00 AM");
    const stale = await bookAndAccept(p, "2030-01-11", "11:00 AM");
    const cancelled = await bookAndAccept(p, "2030-01-11", "12:00 PM");
    const due = new Date("2030-01-07T06:00:00Z");
    const keys = await t.services.reminders.schedule(
      [kept, stale, cancelled].map((a) => ({
        kind: "appointment",
        entityId: a.id,
        slot: "batch",
        dueAt: due,
        eventAt: a.startsAt.toISOString(),
      })),
    );
    const res = await api(p, "POST", "/api/cancel/appointment/", { appointment_id: cancelled.id });
    expect(res.statusCode, res.body).toBe(200);
    // Moved behind the scheduler's back: the reminder no longer matches the appointment.
    await t.database.db
      .update(appointments)
      .set({ startsAt: new Date(stale.startsAt.getTime() + 10 * 60_000) })
      .where(eq(appointments.id, stale.id));

    t.clock.set(due);
    expect(await t.services.reminders.dispatchDue(due.getTime())).toBe(2);
    const rows = await t.database.db
      .select()
      .from(scheduledReminders)
      .where(eq(scheduledReminders.slot, "batch"));
    const status = (key: string) => rows.find((r) => r.key === key)?.status;
    expect([status(keys[0]!), status(keys[1]!), status(keys[2]!)]).toEqual(["fired", "skipped", "cancelled"]);
    await delivered(keys[0]!);
    expect(await outboxRow(keys[1]!)).toBeUndefined();
    expect(await outboxRow(keys[2]!)).toBeUndefined();
    // The same second's job again: nothing pending, nothing sent twice.
    expect(await t.services.reminders.dispatchDue(due.getTime())).toBe(0);
    await settle(t.jobs, QUEUES);
    expect(textsTo(p.chatId).filter((m) => m.startsWith("Reminder"))).toHaveLength(1);
  });

  it("a reminder whose due job was lost (Redis flushed) is sent by the relay's sweep once 30 s overdue", async () => {
    const p = await patientOnTelegram("Ravi Menon");
    const appt = await bookAndAccept(p, "2030-01-12", "10:00 AM");
    t.clock.set(new Date("2030-01-07T07:00:00Z"));
    const lost = (ago: number, slot: string) => {
      const dueAt = new Date(t.clock.now().getTime() - ago);
      return {
        key: reminderKey("appointment", appt.id, slot, dueAt),
        kind: "appointment",
        entityId: appt.id,
        slot,
        dueAt,
        eventAt: appt.startsAt,
      };
    };
    // Rows alone, as if their reminder.due jobs had vanished: one a minute late, one 10 s late.
    const late = lost(60_000, "lost");
    const recent = lost(10_000, "recent");
    await t.services.reminders.rows.upsert([late, recent]);
    // What the relay's "reminders" sweep runs every few seconds.
    await t.services.reminders.sweepOverdue(t.clock.now());
    const row = await delivered(late.key);
    expect(row).toMatchObject({
      status: "sent",
      deliveredChannel: "telegram",
      template: "reminder.appointment",
    });
    // The 10-second-late one may still get its own due job: left pending.
    expect(await t.services.reminders.rows.byKey(recent.key)).toMatchObject({ status: "pending" });
  });
});
