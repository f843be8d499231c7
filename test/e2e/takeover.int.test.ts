import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog, conversationMessages, conversations } from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../app.js";
import { signInAs, signUp, type Session } from "../factories.js";
import { startFakeTwilio, type FakeTwilio } from "../fakes/twilio.js";
import { settle } from "../settle.js";
import { patientOnSms, sms, SMS_SID, SMS_TOKEN, smsEnv } from "../sms.js";

/**
 * An admin takes a live SMS conversation over, end to end over the fake Twilio and across processes: the API
 * process (where the admin acts) and a worker process (which runs the patient's turns and sends) share only
 * Postgres and Redis. While taken over the agent is silent and the patient's messages are stored; the admin's
 * reply reaches the patient's phone through the outbox; after the hand-back the agent answers again.
 */

let fake: FakeTwilio;
let worker: TestApp;
let api: TestApp;
let admin: Session;

beforeAll(async () => {
  fake = await startFakeTwilio(SMS_SID, SMS_TOKEN);
  worker = await buildTestApp({ env: { ...smsEnv(fake), ROLE: "worker" } });
  api = await buildTestApp({ env: { ...smsEnv(fake), ROLE: "api" }, sharing: worker });
  admin = await signInAs(api, "admin");
}, 60_000);
afterAll(async () => {
  await api?.close();
  await worker?.close();
  await fake?.close();
});

async function call(s: Session, method: "GET" | "POST", url: string, payload?: object) {
  return api.app.inject({ method, url, headers: s.headers, ...(payload ? { payload } : {}) });
}

async function conversationOf(userId: number) {
  const [row] = await api.database.db.select().from(conversations).where(eq(conversations.userId, userId));
  return row!;
}

describe("taking a conversation over", () => {
  it("pauses the agent, delivers the admin's reply on the patient's SMS, and hands back", async () => {
    const phone = "+919876500123";
    const asha = await patientOnSms(worker, phone, { name: "Asha Verma" });
    // The agent answers before the take-over.
    expect(await sms(worker, fake, phone, "menu")).not.toBe("");
    const { id } = await conversationOf(asha.userId);

    const taken = await call(admin, "POST", `/api/admin/conversations/${id}/takeover`);
    expect(taken.statusCode).toBe(200);
    expect(taken.json()).toMatchObject({ conversation_id: id, taken_over_by_user_id: admin.userId });
    const [row] = await api.database.db.select().from(conversations).where(eq(conversations.id, id));
    expect(row!.takenOverBy).toBe(admin.userId);

    // The patient writes: stored, not answered.
    expect(await sms(worker, fake, phone, "I want to talk about my bill")).toBe("");
    const detail = await call(admin, "GET", `/api/admin/conversations/${id}`);
    expect(detail.statusCode).toBe(200);
    const body = detail.json<{
      conversation: { taken_over_by_user_id: number | null };
      messages: { direction: string; text: string | null; staff: boolean }[];
    }>();
    expect(body.conversation.taken_over_by_user_id).toBe(admin.userId);
    expect(body.messages.at(-1)).toMatchObject({ direction: "in", text: "I want to talk about my bill" });

    // The admin's reply goes out through the outbox to the patient's phone.
    const before = fake.to(phone).length;
    const sent = await call(admin, "POST", `/api/admin/conversations/${id}/messages`, {
      text: "Hello Asha, this is the HealthLink team. Let me look at it.",
    });
    expect(sent.statusCode).toBe(201);
    expect(sent.json()).toMatchObject({ channel: "sms" });
    await settle(api.jobs);
    expect(
      fake
        .to(phone)
        .slice(before)
        .map((m) => m.body),
    ).toEqual(["Hello Asha, this is the HealthLink team. Let me look at it."]);
    const [staffRow] = await api.database.db
      .select()
      .from(conversationMessages)
      .where(eq(conversationMessages.id, sent.json<{ message_id: number }>().message_id));
    expect(staffRow).toMatchObject({ direction: "out", conversationId: id, payload: { staff: true } });
    expect(staffRow!.deliveredAt).not.toBeNull();

    // Still paused for the next message too.
    expect(await sms(worker, fake, phone, "thank you")).toBe("");

    // Hand back: the agent answers again.
    const back = await call(admin, "POST", `/api/admin/conversations/${id}/handback`);
    expect(back.statusCode).toBe(200);
    expect(back.json()).toMatchObject({ taken_over_by_user_id: null, taken_over_at: null });
    expect(await sms(worker, fake, phone, "menu")).not.toBe("");

    // Audited, ids only.
    const audits = await api.database.db
      .select({ action: auditLog.action, patientId: auditLog.patientId })
      .from(auditLog)
      .where(and(eq(auditLog.resourceType, "conversation"), eq(auditLog.resourceId, String(id))));
    expect(audits.map((a) => a.action)).toEqual(
      expect.arrayContaining(["take_over", "staff_reply", "hand_back"]),
    );
    expect(audits.find((a) => a.action === "take_over")!.patientId).toBe(asha.patientId);

    // The list filter finds taken-over conversations (none now).
    const list = await call(admin, "GET", "/api/admin/conversations?taken_over=true");
    expect(list.json<{ total: number }>().total).toBe(0);
  }, 60_000);

  it("refuses what does not fit: a reply without a take-over, a second admin, a handback twice, non-admins", async () => {
    const phone = "+919876500456";
    const ravi = await patientOnSms(worker, phone, { name: "Ravi Kumar" });
    await sms(worker, fake, phone, "menu");
    const { id } = await conversationOf(ravi.userId);

    const early = await call(admin, "POST", `/api/admin/conversations/${id}/messages`, { text: "hi" });
    expect([early.statusCode, early.json().error.code]).toEqual([409, "NOT_TAKEN_OVER"]);
    expect((await call(admin, "POST", `/api/admin/conversations/${id}/handback`)).json().error.code).toBe(
      "NOT_TAKEN_OVER",
    );
    expect((await call(admin, "POST", `/api/admin/conversations/${id}/takeover`)).statusCode).toBe(200);
    // Taking it over again as the same admin is fine; another admin is told who holds it.
    expect((await call(admin, "POST", `/api/admin/conversations/${id}/takeover`)).statusCode).toBe(200);
    const other = await signInAs(api, "admin");
    const second = await call(other, "POST", `/api/admin/conversations/${id}/takeover`);
    expect([second.statusCode, second.json().error.code]).toEqual([409, "ALREADY_TAKEN_OVER"]);
    const blank = await call(admin, "POST", `/api/admin/conversations/${id}/messages`, { text: "   " });
    expect(blank.statusCode).toBe(400);
    const missing = await call(admin, "POST", `/api/admin/conversations/999999/takeover`);
    expect([missing.statusCode, missing.json().error.code]).toEqual([404, "CONVERSATION_NOT_FOUND"]);

    const patient = await signUp(api, "patient");
    for (const path of ["takeover", "handback", "messages"]) {
      const res = await call(patient, "POST", `/api/admin/conversations/${id}/${path}`, { text: "x" });
      expect(res.statusCode).toBe(403);
    }
    const listed = await call(admin, "GET", "/api/admin/conversations?taken_over=true");
    expect(listed.json<{ conversations: { id: number }[] }>().conversations.map((c) => c.id)).toEqual([id]);
    await call(admin, "POST", `/api/admin/conversations/${id}/handback`);
  }, 60_000);
});
