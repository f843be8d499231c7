import type { AddressInfo } from "node:net";
import { and, asc, eq, like } from "drizzle-orm";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  appointments,
  doctorQualifications,
  doctors,
  messageThreads,
  notificationsOutbox,
  payments,
  threadMessages,
  visitMessages,
  visitNotes,
  visitParticipants,
  visits,
  withdrawals,
} from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../app.js";
import { axe, fitsWidth, launchChromium, settled } from "../browser.js";
import { ensureConsoleBuilt } from "../console-build.js";
import { careTeamAppointment, signUp, verifiedDoctor, type Session } from "../factories.js";
import { FakeOpenAI, type ChatRequest, type FakeReply } from "../fakes/openai.js";
import { FakeTranscription, wav } from "../fakes/transcription.js";
import { startFakeTwilio, type FakeTwilio } from "../fakes/twilio.js";
import { multipart, PNG_1X1 } from "../multipart.js";
import { SMS_SID, SMS_TOKEN, smsEnv } from "../sms.js";

/**
 * The doctor console's visits and the rest of the doctor's day in headless Chromium against a real app on a
 * port: the visits list, a chat consultation run in the console (sent, received by polling, ended), the drafted
 * note beside the transcript (fake transcription and fake LLM, as in visit-notes.int.test.ts) edited and signed;
 * secure messages; earnings and a withdrawal confirmed with the SMS PIN; the profile with its photo,
 * qualifications, phone (the code read from the outbox) and PIN; the Call button only when browser calling is
 * configured (the Twilio fake). axe-core on each screen, a 375 px phone without sideways scrolling.
 */

const WAIT = { timeout: 10_000 };
// 09:30 in Delhi on the test day (Monday 7 January 2030).
const MORNING = new Date("2030-01-07T04:00:00.000Z");
// 09:50 in Delhi: the 10:00 chat consultation is open (from 15 minutes before).
const OPEN = new Date("2030-01-07T04:20:00.000Z");

let t: TestApp;
let stt: FakeTranscription;
let llm: FakeOpenAI;
let base: string;
let browser: Browser;
let dr: Session & { doctorId: number };
let asha: Session & { patientId: number };
let ravi: Session & { patientId: number };

/** The fake model: a draft citing the transcript's own segment ids, one statement per section. */
function model(request: ChatRequest): FakeReply {
  const user = JSON.stringify(request.messages.at(-1)?.content ?? "");
  const ids = [...user.matchAll(/\[(\d+)\] doctor/g)].map((m) => Number(m[1]));
  const statements = [
    { section: "subjective", text: "Headaches for two weeks.", segment_ids: [ids[0]] },
    { section: "objective", text: "Blood pressure 150/95.", segment_ids: [ids[1]] },
    { section: "assessment", text: "Stage 2 hypertension.", segment_ids: [ids[1]] },
    { section: "plan", text: "Amlodipine 5 mg once daily.", segment_ids: [ids[2]] },
  ];
  return { text: "```json\n" + JSON.stringify({ statements }) + "\n```" };
}

async function call(s: Session, method: "GET" | "POST" | "PUT", url: string, payload?: object) {
  const res = await t.app.inject({ method, url, headers: s.headers, ...(payload ? { payload } : {}) });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json<Record<string, unknown>>();
}

async function book(s: Session, time: string, mode: "chat" | "audio" | "video"): Promise<number> {
  const body = (await call(s, "POST", "/api/book/appointment/", {
    doctor_id: dr.doctorId,
    appointment_date: "2030-01-07",
    appointment_time: time,
    mode,
  })) as { appointment: { id: number } };
  await call(dr, "POST", "/api/accept/appointment/request/", { request_id: body.appointment.id });
  return body.appointment.id;
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A past recorded video visit with Asha whose doctor's track is transcribed and drafted (as visit-notes does). */
async function recordedVisit(): Promise<{ visitId: number; appointmentId: number }> {
  const appointmentId = await careTeamAppointment(t, dr.doctorId, asha.patientId);
  const db = t.database.db;
  await db
    .update(appointments)
    .set({ mode: "video", patientName: "Asha Verma" })
    .where(eq(appointments.id, appointmentId));
  const [visit] = await db
    .insert(visits)
    .values({
      appointmentId,
      mode: "video",
      provider: "webrtc",
      room: `room-${appointmentId}`,
      status: "ended",
      endedAt: t.clock.now(),
    })
    .returning({ id: visits.id });
  const at = t.clock.now();
  const person = (userId: number, role: "doctor" | "patient") => ({
    visitId: visit!.id,
    userId,
    role,
    joinedAt: at,
    recordingConsentAt: at,
    recordingConsentVersion: "recording-v1",
  });
  await db.insert(visitParticipants).values([person(dr.userId, "doctor"), person(asha.userId, "patient")]);
  stt.answer("doctor-console", [
    { start: 0, end: 3, text: "You told me about headaches for two weeks." },
    { start: 9, end: 14, text: "Your blood pressure is 150 over 95, which is high." },
    { start: 15, end: 21, text: "I will start amlodipine 5 mg once a day." },
  ]);
  stt.answer("patient-console", [{ start: 4, end: 8, text: "Yes, mostly in the morning when I wake up." }]);
  // Both tracks (the draft waits for both people's recordings).
  for (const [who, marker] of [
    [dr, "doctor-console"],
    [asha, "patient-console"],
  ] as const) {
    const body = multipart({}, { filename: "mic.wav", contentType: "audio/wav", data: wav(marker) });
    const res = await t.app.inject({
      method: "POST",
      url: `/api/visits/${visit!.id}/audio`,
      headers: { ...who.headers, ...body.headers },
      payload: body.payload,
    });
    expect(res.statusCode, res.body).toBe(202);
  }
  const note = await waitFor("the draft", async () => {
    const res = await t.app.inject({
      method: "GET",
      url: `/api/visits/${visit!.id}/note`,
      headers: dr.headers,
    });
    const n = res.json<{ note?: { draft: { status: string } } }>().note;
    return n && n.draft.status !== "drafting" && n.draft.status !== "none" ? n : undefined;
  });
  expect(note).toMatchObject({ draft: { status: "ready" } });
  return { visitId: visit!.id, appointmentId };
}

beforeAll(async () => {
  ensureConsoleBuilt();
  [stt, llm] = await Promise.all([FakeTranscription.start(), FakeOpenAI.start()]);
  llm.respondWith(model);
  t = await buildTestApp({
    now: MORNING,
    env: {
      TRANSCRIPTION_BASE_URL: stt.baseUrl,
      TRANSCRIPTION_MODEL: "whisper-1",
      TRANSCRIPTION_API_KEY: "stt-test-key",
      OPENAI_API_KEY: "sk-test",
      OPENAI_BASE_URL: llm.baseUrl,
      LLM_MAX_RETRIES: "0",
    },
  });
  dr = await verifiedDoctor(t, { name: "Dr Meera Shah", feeMinor: 0 });
  await t.database.db
    .update(doctors)
    .set({ modes: ["in_person", "video", "audio", "chat"] })
    .where(eq(doctors.id, dr.doctorId));
  asha = (await signUp(t, "patient", { name: "Asha Verma" })) as Session & { patientId: number };
  ravi = (await signUp(t, "patient", { name: "Ravi Kumar" })) as Session & { patientId: number };
  await t.app.listen({ port: 0, host: "127.0.0.1" });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
  await Promise.all([stt?.close(), llm?.close()]);
});

/** A browser context at a time, and a page of the console with what it logs collected. */
async function open(
  at: Date,
  opts: { viewport?: { width: number; height: number } } = {},
  origin = base,
): Promise<{ context: BrowserContext; page: Page; logs: string[] }> {
  const context = await browser.newContext(opts);
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  await page.clock.setFixedTime(at);
  const logs: string[] = [];
  page.on("console", (m) => logs.push(m.text()));
  page.on("pageerror", (e) => logs.push(`pageerror: ${e.message}`));
  await page.goto(`${origin}/console`);
  return { context, page, logs };
}

async function signIn(page: Page, s: Session): Promise<void> {
  await page.getByRole("heading", { name: "Sign in to the HealthLink console" }).waitFor();
  await page.getByLabel("Email").fill(s.email);
  await page.getByLabel("Password").fill(s.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
}

let chatAppointment: number;
let audioAppointment: number;
let recorded: { visitId: number; appointmentId: number };

describe("visits in the doctor console", () => {
  it("lists the visits, runs a chat consultation (sent, received, ended) and hides Call without browser calling", async () => {
    chatAppointment = await book(asha, "10:00 AM", "chat");
    audioAppointment = await book(ravi, "11:00 AM", "audio");
    recorded = await recordedVisit();
    t.clock.set(OPEN);
    const { context, page, logs } = await open(OPEN);
    await signIn(page, dr);
    await page.getByRole("link", { name: "Visits" }).click();
    await page.getByRole("heading", { name: "Visits", level: 1 }).waitFor();
    await settled(page);
    const now = page.getByRole("region", { name: "In progress" });
    const upcoming = page.getByRole("region", { name: "Upcoming" });
    const ended = page.getByRole("region", { name: "Ended" });
    expect(await now.textContent()).toMatch(/10:00 AM.*Asha Verma.*Chat.*confirmed/);
    expect(await upcoming.textContent()).toMatch(/11:00 AM.*Ravi Kumar.*Audio/);
    expect(await ended.textContent()).toMatch(/Asha Verma.*Video.*completed/);
    expect(await axe(page)).toEqual([]);

    // The chat consultation: start it, write, the patient's answer arrives by polling, end it.
    await now.getByRole("link", { name: "Visit with Asha Verma" }).click();
    await page.getByRole("heading", { name: "Visit with Asha Verma", level: 1 }).waitFor();
    expect(page.url()).toBe(`${base}/console/visits/${chatAppointment}`);
    await page.getByRole("button", { name: "Start the chat consultation" }).click();
    const chat = page.getByRole("region", { name: "Chat" });
    await chat.getByLabel("Message to Asha Verma").fill("Good morning Asha, how are the headaches?");
    await chat.getByRole("button", { name: "Send" }).click();
    await chat.getByText("Good morning Asha, how are the headaches?").waitFor();
    const [visit] = await t.database.db
      .select()
      .from(visits)
      .where(eq(visits.appointmentId, chatAppointment));
    expect(visit).toMatchObject({ mode: "chat", status: "open" });
    const lines = () =>
      t.database.db
        .select({ role: visitMessages.senderRole, text: visitMessages.text, channel: visitMessages.channel })
        .from(visitMessages)
        .where(eq(visitMessages.visitId, visit!.id))
        .orderBy(asc(visitMessages.id));
    expect(await lines()).toEqual([
      { role: "doctor", text: "Good morning Asha, how are the headaches?", channel: "api" },
    ]);
    await call(asha, "POST", `/api/visits/${visit!.id}/messages`, {
      text: "Better since yesterday, thank you.",
    });
    await chat.getByText("Better since yesterday, thank you.").waitFor({ timeout: 15_000 });
    expect(await axe(page)).toEqual([]);
    await chat.getByRole("button", { name: "End the visit" }).click();
    await page.getByText("ended", { exact: true }).waitFor();
    const [after] = await t.database.db.select().from(visits).where(eq(visits.id, visit!.id));
    expect(after!.status).toBe("ended");
    expect(await page.getByRole("button", { name: "Send" }).count()).toBe(0);

    // Browser calling is not configured here: no Call button on the audio visit.
    await page.goto(`${base}/console/visits/${audioAppointment}`);
    await page.getByRole("heading", { name: "Visit with Ravi Kumar", level: 1 }).waitFor();
    // Too early to join (11:00, open from 10:45): the server's sentence, not a crash.
    await page.getByRole("button", { name: "Join the visit" }).click();
    await page
      .getByRole("alert")
      .filter({ hasText: "The visit opens 15 minutes before the start." })
      .waitFor();
    expect(await page.getByRole("button", { name: /^Call/ }).count()).toBe(0);
    expect(logs.filter((l) => /pageerror|eyJ/.test(l))).toEqual([]);
    await context.close();
  }, 120_000);

  it("shows the drafted note beside the transcript (stacked on a phone), edits it and signs it", async () => {
    const { context, page } = await open(OPEN, { viewport: { width: 1280, height: 900 } });
    await signIn(page, dr);
    await page.goto(`${base}/console/visits/${recorded.appointmentId}`);
    await page.getByRole("heading", { name: "Visit with Asha Verma", level: 1 }).waitFor();
    const transcript = page.getByRole("region", { name: "Transcript" });
    const note = page.getByRole("region", { name: "Note" });
    await transcript.getByText("Your blood pressure is 150 over 95, which is high.").waitFor();
    expect(await note.getByLabel("Assessment").inputValue()).toBe("Stage 2 hypertension.");
    expect(await note.getByLabel("Plan").inputValue()).toBe("Amlodipine 5 mg once daily.");
    // Two columns on a desktop.
    const [tBox, nBox] = [await transcript.boundingBox(), await note.boundingBox()];
    expect(nBox!.x).toBeGreaterThan(tBox!.x + tBox!.width - 1);
    expect(Math.abs(nBox!.y - tBox!.y)).toBeLessThan(2);
    expect(await axe(page)).toEqual([]);

    // Stacked on a phone, no sideways scrolling.
    await page.setViewportSize({ width: 375, height: 740 });
    const [tPhone, nPhone] = [await transcript.boundingBox(), await note.boundingBox()];
    expect(nPhone!.y).toBeGreaterThan(tPhone!.y + tPhone!.height - 1);
    expect(await fitsWidth(page)).toBe(true);
    await page.setViewportSize({ width: 1280, height: 900 });

    await note.getByLabel("Plan").fill("Amlodipine 5 mg once daily. Less salt. Review in 4 weeks.");
    await note.getByRole("button", { name: "Save the draft" }).click();
    await note.getByRole("status").filter({ hasText: "Draft saved." }).waitFor();
    await note.getByRole("button", { name: "Sign the note" }).click();
    await note.getByText("signed", { exact: true }).waitFor();
    const [row] = await t.database.db
      .select()
      .from(visitNotes)
      .where(eq(visitNotes.visitId, recorded.visitId));
    expect(row!.status).toBe("signed");
    expect(row!.sections).toMatchObject({
      assessment: "Stage 2 hypertension.",
      plan: "Amlodipine 5 mg once daily. Less salt. Review in 4 weeks.",
    });
    expect(row!.signedAt).not.toBeNull();
    await note.getByText("Amlodipine 5 mg once daily. Less salt. Review in 4 weeks.").waitFor();
    expect(await note.getByRole("button", { name: "Sign the note" }).count()).toBe(0);
    expect(await axe(page)).toEqual([]);
    await context.close();
  }, 90_000);
});

describe("secure messages in the doctor console", () => {
  it("starts a thread with a patient, shows the patient's answer and replies (the database has them)", async () => {
    const { context, page } = await open(OPEN);
    await signIn(page, dr);
    await page.getByRole("link", { name: "Messages" }).click();
    await page.getByRole("heading", { name: "Messages", level: 1 }).waitFor();
    await page.getByText("No messages yet.").waitFor();
    await page.getByRole("combobox", { name: "Patient" }).selectOption({ label: "Ravi Kumar" });
    await page.getByLabel("Subject").fill("Your blood test");
    await page.getByLabel("Message", { exact: true }).fill("Please come fasting on Friday.");
    expect(await axe(page)).toEqual([]);
    await page.getByRole("button", { name: "Send the message" }).click();
    await page.getByRole("heading", { name: "Your blood test", level: 1 }).waitFor();
    const [thread] = await t.database.db
      .select()
      .from(messageThreads)
      .where(and(eq(messageThreads.doctorId, dr.doctorId), eq(messageThreads.patientId, ravi.patientId)));
    expect(thread!.subject).toBe("Your blood test");
    expect(page.url()).toBe(`${base}/console/messages/${thread!.id}`);

    await call(ravi, "POST", `/api/messages/threads/${thread!.id}/messages`, {
      text: "Will do. Water is fine?",
    });
    await page.getByLabel("Reply").fill("Yes, water is fine.");
    await page.getByRole("button", { name: "Send the reply" }).click();
    await page.getByRole("status").filter({ hasText: "Reply sent." }).waitFor();
    await page.getByText("Yes, water is fine.").waitFor();
    await page.getByText("Will do. Water is fine?").waitFor();
    const texts = await t.database.db
      .select({ text: threadMessages.text })
      .from(threadMessages)
      .where(eq(threadMessages.threadId, thread!.id))
      .orderBy(asc(threadMessages.id));
    expect(texts.map((r) => r.text)).toEqual([
      "Please come fasting on Friday.",
      "Will do. Water is fine?",
      "Yes, water is fine.",
    ]);
    expect(await axe(page)).toEqual([]);

    // The list: the thread, newest first.
    await page.getByRole("link", { name: "All messages" }).click();
    await page.getByRole("link", { name: "Your blood test" }).waitFor();
    expect(await axe(page)).toEqual([]);
    await context.close();
  }, 90_000);
});

describe("the doctor's profile and earnings", () => {
  it("edits the profile, uploads a photo, lists qualifications, verifies the phone and sets the SMS PIN", async () => {
    const { context, page } = await open(OPEN);
    await signIn(page, dr);
    await page.getByRole("link", { name: "Profile" }).click();
    await page.getByRole("heading", { name: "Profile", level: 1 }).waitFor();
    await settled(page);
    expect(await axe(page)).toEqual([]);

    const details = page.getByRole("region", { name: "Details" });
    await details.getByLabel("Clinic name").fill("Shah Family Clinic");
    await details.getByLabel("Languages (separated by commas)").fill("English, Hindi");
    await details.getByRole("button", { name: "Save the profile" }).click();
    await details.getByRole("status").filter({ hasText: "Profile saved." }).waitFor();
    const [doc] = await t.database.db.select().from(doctors).where(eq(doctors.id, dr.doctorId));
    expect(doc!.clinicName).toBe("Shah Family Clinic");

    const photo = page.getByRole("region", { name: "Photo" });
    await photo
      .getByLabel(/A new photo/)
      .setInputFiles({ name: "me.png", mimeType: "image/png", buffer: PNG_1X1 });
    await photo.getByRole("button", { name: "Upload the photo" }).click();
    const img = page.getByRole("img", { name: "Profile photo of Dr Meera Shah" });
    await img.waitFor();
    await expect
      .poll(() =>
        img.evaluate((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth),
      )
      .toBe(1);

    const quals = page.getByRole("region", { name: "Qualifications" });
    await quals.getByRole("button", { name: "Add a qualification" }).click();
    const last = quals.getByRole("group").last();
    await last.getByLabel("Degree").fill("MD");
    await last.getByLabel("Institute").fill("AIIMS Delhi");
    await last.getByLabel("Year").fill("2012");
    await quals.getByRole("button", { name: "Save the qualifications" }).click();
    await quals.getByRole("status").filter({ hasText: "Qualifications saved." }).waitFor();
    const rows = await t.database.db
      .select()
      .from(doctorQualifications)
      .where(eq(doctorQualifications.doctorId, dr.doctorId));
    expect(rows.map((r) => r.degree)).toContain("MD");

    // The phone: a code goes out (read from the outbox, as the dev outbox shows it), then verified.
    const phone = page.getByRole("region", { name: "Phone for SMS commands" });
    await phone.getByLabel("Mobile number").fill("+91 98765 00042");
    await phone.getByRole("button", { name: "Send a code" }).click();
    await phone.getByRole("status").filter({ hasText: "A code was sent to +919876500042." }).waitFor();
    const [codeRow] = await t.database.db
      .select()
      .from(notificationsOutbox)
      .where(like(notificationsOutbox.idempotencyKey, `doctor-phone-code:${dr.doctorId}:%`));
    await phone.getByLabel("The code sent to your phone").fill((codeRow!.data as { code: string }).code);
    expect(await axe(page)).toEqual([]);
    await phone.getByRole("button", { name: "Verify the phone" }).click();
    await phone.getByRole("status").filter({ hasText: "Your phone is verified." }).waitFor();
    await phone.getByText("verified", { exact: true }).waitFor();

    const pin = page.getByRole("region", { name: "SMS PIN" });
    await pin.getByLabel("New PIN (4 to 8 digits)").fill("4321");
    await pin.getByLabel("Your password").fill(dr.password);
    await pin.getByRole("button", { name: "Set the PIN" }).click();
    await pin.getByRole("status").filter({ hasText: "Your SMS PIN is set." }).waitFor();
    const [after] = await t.database.db.select().from(doctors).where(eq(doctors.id, dr.doctorId));
    expect(after!.phoneVerifiedAt).not.toBeNull();
    expect(after!.smsPinHash).not.toBeNull();
    await context.close();
  }, 90_000);

  it("shows the earnings and withdraws with the SMS PIN (a wrong PIN refused), then lists the payout", async () => {
    // A paid, completed 5000.00 consultation, past the hold: 4500.00 withdrawable after the 10% fee.
    const earner = await verifiedDoctor(t, { name: "Dr Arjun Rao", feeMinor: 500_000 });
    const booked = (await call(asha, "POST", "/api/book/appointment/", {
      doctor_id: earner.doctorId,
      appointment_date: "2030-01-08",
      appointment_time: "10:00 AM",
    })) as { appointment: { id: number }; payment: { checkout_url: string } };
    const paid = await t.app.inject({
      method: "POST",
      url: `${new URL(booked.payment.checkout_url).pathname}/succeed`,
    });
    expect(paid.statusCode).toBe(303);
    // The sandbox's outcome is applied like a provider's webhook, by a job: the payment must have succeeded
    // before the visit completes, or the earning is booked (and held) from whenever that job ran.
    await vi.waitFor(
      async () => {
        const [p] = await t.database.db
          .select({ status: payments.status })
          .from(payments)
          .where(and(eq(payments.purpose, "appointment"), eq(payments.referenceId, booked.appointment.id)));
        if (p?.status !== "succeeded") throw new Error(`payment ${p?.status ?? "missing"}`);
      },
      { timeout: 15_000, interval: 50 },
    );
    await call(earner, "POST", "/api/accept/appointment/request/", { request_id: booked.appointment.id });
    t.clock.set(new Date("2030-01-08T05:00:00Z"));
    await call(earner, "POST", `/api/appointments/${booked.appointment.id}/complete`, {});
    t.clock.set(new Date("2030-01-16T05:00:00Z"));
    await call(earner, "PUT", "/api/doctor/sms-pin", { pin: "2468", password: earner.password });

    const { context, page } = await open(new Date("2030-01-16T05:00:00Z"));
    await signIn(page, earner);
    await page.getByRole("link", { name: "Earnings" }).click();
    await page.getByRole("heading", { name: "Earnings", level: 1 }).waitFor();
    const totals = page.getByRole("region", { name: "Totals" });
    await totals.getByText("Withdrawable").waitFor();
    expect(await totals.textContent()).toMatch(/Total earned₹4,500\.00Withdrawable₹4,500\.00/);
    await page.getByText("No withdrawals yet.").waitFor();
    expect(await axe(page)).toEqual([]);

    const form = page.getByRole("region", { name: "Withdraw" });
    await form.getByLabel(/Amount/).fill("2000");
    await form.getByLabel("Your SMS PIN").fill("1111");
    await form.getByRole("button", { name: "Withdraw" }).click();
    await form.getByRole("alert").filter({ hasText: "The PIN is not right." }).waitFor();
    expect(
      await t.database.db.select().from(withdrawals).where(eq(withdrawals.doctorId, earner.doctorId)),
    ).toEqual([]);
    await form.getByLabel("Your SMS PIN").fill("2468");
    await form.getByRole("button", { name: "Withdraw" }).click();
    await page
      .getByRole("status")
      .filter({ hasText: /Withdrawal of ₹2,000\.00/ })
      .waitFor();
    const table = page.getByRole("table", { name: "Payout history" });
    await table.getByText("₹2,000.00").waitFor();
    expect(await totals.textContent()).toMatch(/Withdrawable₹2,500\.00/);
    const done = await t.database.db
      .select()
      .from(withdrawals)
      .where(eq(withdrawals.doctorId, earner.doctorId));
    expect(done.map((w) => w.amountMinor)).toEqual([200_000]);

    // The password works too.
    await form.getByLabel("Password").check();
    await form.getByLabel(/Amount/).fill("500");
    await form.getByLabel("Your password").fill(earner.password);
    await form.getByRole("button", { name: "Withdraw" }).click();
    await expect.poll(() => table.locator("tbody tr").count(), WAIT).toBe(2);
    expect(await axe(page)).toEqual([]);
    await context.close();
    t.clock.set(OPEN);
  }, 90_000);
});

describe("the doctor console on a phone", () => {
  it("fits 375 px on every screen of this area", async () => {
    const { context, page } = await open(OPEN, { viewport: { width: 375, height: 740 } });
    await signIn(page, dr);
    for (const [link, heading] of [
      ["Visits", "Visits"],
      ["Messages", "Messages"],
      ["Earnings", "Earnings"],
      ["Profile", "Profile"],
    ]) {
      await page.getByRole("link", { name: link, exact: true }).click();
      await page.getByRole("heading", { name: heading, level: 1 }).waitFor();
      await settled(page);
      expect({ link, fits: await fitsWidth(page) }).toEqual({ link, fits: true });
      expect({ link, axe: await axe(page) }).toEqual({ link, axe: [] });
    }
    await page.goto(`${base}/console/visits/${chatAppointment}`);
    await page.getByRole("heading", { name: "Visit with Asha Verma", level: 1 }).waitFor();
    await settled(page);
    expect(await fitsWidth(page)).toBe(true);
    await context.close();
  }, 90_000);
});

describe("calling the patient from the console", () => {
  let twilio: FakeTwilio;
  let voiced: TestApp;
  afterAll(async () => {
    await voiced?.close();
    await twilio?.close();
  });

  it("shows Call on an audio visit when browser calling is configured, and asks for a token on a click", async () => {
    twilio = await startFakeTwilio(SMS_SID, SMS_TOKEN);
    voiced = await buildTestApp({
      now: OPEN,
      env: {
        ...smsEnv(twilio),
        TWILIO_API_KEY_SID: "SK" + "1".repeat(32),
        TWILIO_API_KEY_SECRET: "voice_api_key_secret_0123456789",
        TWILIO_TWIML_APP_SID: "AP" + "2".repeat(32),
      },
    });
    const doctor = await verifiedDoctor(voiced, { name: "Dr Nisha Rao", feeMinor: 0 });
    await voiced.database.db
      .update(doctors)
      .set({ modes: ["audio"] })
      .where(eq(doctors.id, doctor.doctorId));
    const patient = await signUp(voiced, "patient", { name: "Kiran Das" });
    const booked = await voiced.app.inject({
      method: "POST",
      url: "/api/book/appointment/",
      headers: patient.headers,
      payload: {
        doctor_id: doctor.doctorId,
        appointment_date: "2030-01-07",
        appointment_time: "11:00 AM",
        mode: "audio",
      },
    });
    const id = booked.json<{ appointment: { id: number } }>().appointment.id;
    await voiced.app.inject({
      method: "POST",
      url: "/api/accept/appointment/request/",
      headers: doctor.headers,
      payload: { request_id: id },
    });
    await voiced.app.listen({ port: 0, host: "127.0.0.1" });
    const origin = `http://127.0.0.1:${(voiced.app.server.address() as AddressInfo).port}`;

    const { context, page } = await open(OPEN, {}, origin);
    // Twilio itself is not reached from the test: its hosts answer nothing.
    await context.route(/twilio\.com/, (route) => route.abort());
    await signIn(page, doctor);
    await page.goto(`${origin}/console/visits/${id}`);
    await page.getByRole("heading", { name: "Visit with Kiran Das", level: 1 }).waitFor();
    const button = page.getByRole("button", { name: "Call Kiran Das" });
    await button.waitFor();
    expect(await axe(page)).toEqual([]);
    const token = page.waitForResponse((r) => r.url() === `${origin}/api/voice/token`);
    await button.click();
    const res = await token;
    expect(res.status()).toBe(200);
    expect(((await res.json()) as { identity: string }).identity).toBe(`staff_${doctor.userId}`);
    await context.close();
  }, 90_000);
});
