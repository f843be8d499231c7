import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appointments, doctors } from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../app.js";
import { signUp, verifiedDoctor, type Session } from "../factories.js";
import { messageSid, signedWebhook, startFakeTwilio, type FakeTwilio } from "../fakes/twilio.js";
import { MESSAGE_QUEUES, settle } from "../settle.js";

/**
 * A doctor runs a request by SMS and the patient hears about it on their own channel: the doctor's SMS goes
 * through the signed Twilio webhook to the command interceptor; the accept writes the outbox event; the relay
 * and the notifications module deliver it by SMS to the patient's number (no chat identity yet).
 */

const SID = "AC0123456789abcdef0123456789abcdef";
const TOKEN = "twilio_test_auth_token_0123456789";
const SMS_NUMBER = "+14155550100";
const DOCTOR_PHONE = "+919811100001";
const PATIENT_PHONE = "+919811100002";
const QUEUES = [...MESSAGE_QUEUES, "notify.deliver"];

let t: TestApp;
let fake: FakeTwilio;
let dr: Session & { doctorId: number };

beforeAll(async () => {
  fake = await startFakeTwilio(SID, TOKEN);
  t = await buildTestApp({
    env: {
      TWILIO_ACCOUNT_SID: SID,
      TWILIO_AUTH_TOKEN: TOKEN,
      TWILIO_PHONE_NUMBER: SMS_NUMBER,
      TWILIO_API_BASE_URL: fake.url,
      NOTIFY_RELAY_INTERVAL_MS: "50",
    },
  });
  dr = await verifiedDoctor(t, { name: "Dr Meera Shah", specialty: "Dentist", city: "Delhi" });
  // The phone's verification by code has its own tests (api/routes/doctor-sms.int.test.ts).
  await t.database.db
    .update(doctors)
    .set({ phone: DOCTOR_PHONE, phoneVerifiedAt: t.clock.now() })
    .where(eq(doctors.id, dr.doctorId));
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

async function sms(from: string, body: string): Promise<string[]> {
  const before = fake.to(from).length;
  const params = {
    MessageSid: messageSid(),
    AccountSid: SID,
    From: from,
    To: SMS_NUMBER,
    Body: body,
    NumMedia: "0",
  };
  const res = await t.app.inject({
    method: "POST",
    ...signedWebhook(TOKEN, "http://healthlink.test", "/webhooks/twilio/sms", params),
  });
  expect(res.statusCode).toBe(200);
  await settle(t.jobs, QUEUES);
  return fake
    .to(from)
    .slice(before)
    .map((m) => m.body ?? "");
}

async function until<T>(what: string, read: () => T | undefined, ms = 8000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = read();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not in time`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("a doctor by SMS", () => {
  it("sees the request, accepts it, and the patient is told by SMS", async () => {
    const patient = await signUp(t, "patient", { name: "Asha Verma", phone: PATIENT_PHONE });
    const booked = await t.app.inject({
      method: "POST",
      url: "/api/book/appointment/",
      headers: patient.headers,
      payload: { doctor_id: dr.doctorId, appointment_date: "2030-01-09", appointment_time: "10:30 AM" },
    });
    expect(booked.statusCode, booked.body).toBe(201);
    const id = booked.json<{ appointment: { id: number } }>().appointment.id;

    const requests = (await sms(DOCTOR_PHONE, "requests")).join("\n");
    expect(requests).toContain(`#${id}`);
    expect(requests).toContain("Asha Verma");

    const accepted = (await sms(DOCTOR_PHONE, `ACCEPT ${id}`)).join("\n");
    expect(accepted).toMatch(new RegExp(`#${id}`));
    const [row] = await t.database.db.select().from(appointments).where(eq(appointments.id, id));
    expect(row!.status).toBe("confirmed");

    const told = await until("the patient's SMS", () =>
      fake
        .to(PATIENT_PHONE)
        .map((m) => m.body ?? "")
        .find((b) => b.includes("Confirmed")),
    );
    expect(told).toContain("Dr Meera Shah");
    expect(told).toContain(`Appointment #${id}`);
  });

  it("answers HELP with the commands, and a patient's HELP with the assistant's help", async () => {
    expect((await sms(DOCTOR_PHONE, "HELP")).join("\n")).toMatch(/ACCEPT/);
    expect((await sms("+919811100099", "HELP")).join("\n")).toMatch(/STOP/);
  });
});
