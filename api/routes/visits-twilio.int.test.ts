import { createHmac, randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appointments } from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../../test/app.js";
import { signUp, verifiedDoctor, type Session } from "../../test/factories.js";
import { signedWebhook } from "../../test/fakes/twilio.js";
import { startFakeTwilioVideo, type FakeTwilioVideo } from "../../test/fakes/twilio-video.js";

const ACCOUNT_SID = `AC${randomBytes(16).toString("hex")}`;
const AUTH_TOKEN = randomBytes(16).toString("hex");
const API_KEY_SID = `SK${randomBytes(16).toString("hex")}`;
const API_KEY_SECRET = randomBytes(16).toString("hex");
const BASE = "http://healthlink.test";

let t: TestApp;
let fake: FakeTwilioVideo;
let doctor: Session & { doctorId: number };
let patient: Session;
beforeAll(async () => {
  fake = await startFakeTwilioVideo(API_KEY_SID, API_KEY_SECRET);
  t = await buildTestApp({
    env: {
      TWILIO_ACCOUNT_SID: ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      TWILIO_API_KEY_SID: API_KEY_SID,
      TWILIO_API_KEY_SECRET: API_KEY_SECRET,
      TWILIO_VIDEO_API_BASE_URL: fake.url,
    },
  });
  doctor = await verifiedDoctor(t, { autoAccept: true, feeMinor: 0 });
  patient = await signUp(t, "patient");
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

/** The JWT's claims, after checking its HS256 signature with the API key secret. */
function verifiedClaims(jwt: string, secret: string): Record<string, unknown> {
  const [header, payload, signature] = jwt.split(".");
  const expected = createHmac("sha256", secret).update(`${header}.${payload}`).digest("base64url");
  if (signature !== expected) throw new Error("bad signature");
  expect(JSON.parse(Buffer.from(header!, "base64url").toString())).toMatchObject({ alg: "HS256" });
  return JSON.parse(Buffer.from(payload!, "base64url").toString()) as Record<string, unknown>;
}

const join = (who: Session, id: number) =>
  t.app.inject({ method: "POST", url: `/api/appointments/${id}/visit/join`, headers: who.headers });
const callback = (params: Record<string, string>, token = AUTH_TOKEN) =>
  t.app.inject({ method: "POST", ...signedWebhook(token, BASE, "/webhooks/twilio/video", params) });

describe("Twilio Video visits", () => {
  it("creates one group room, and gives each person a token that verifies and grants that room only", async () => {
    const res = await t.app.inject({
      method: "POST",
      url: "/api/book/appointment/",
      headers: patient.headers,
      payload: {
        doctor_id: doctor.doctorId,
        appointment_date: "2030-01-08",
        appointment_time: "10:00 AM",
        mode: "video",
      },
    });
    const appt = res.json<{ appointment: { id: number; starts_at: string; ends_at: string } }>().appointment;
    t.clock.set(new Date(Date.parse(appt.starts_at) - 60_000));

    const p = await join(patient, appt.id);
    expect(p.statusCode, p.body).toBe(200);
    const visit = p.json<{
      visit: { id: number; provider: string; room: string; token: string; identity: string };
    }>().visit;
    expect(fake.rooms).toHaveLength(1);
    const room = fake.rooms[0]!;
    expect(room).toMatchObject({ type: "group", statusCallback: `${BASE}/webhooks/twilio/video` });
    expect(fake.requests.every((r) => r.user === API_KEY_SID)).toBe(true);
    expect(visit).toMatchObject({
      provider: "twilio",
      room: room.sid,
      identity: `patient-${patient.userId}`,
    });

    const claims = verifiedClaims(visit.token, API_KEY_SECRET);
    expect(claims).toMatchObject({
      iss: API_KEY_SID,
      sub: ACCOUNT_SID,
      grants: { identity: `patient-${patient.userId}`, video: { room: room.sid } },
    });
    expect(Object.keys(claims.grants as object).sort()).toEqual(["identity", "video"]);
    // Lifetime: the visit window (until 30 minutes after the end), counted from the token's issue.
    expect((claims.exp as number) - (claims.iat as number)).toBe(
      Math.ceil((Date.parse(appt.ends_at) + 30 * 60_000 - t.clock.now().getTime()) / 1000),
    );
    expect(() => verifiedClaims(visit.token, "another secret")).toThrow();

    // The doctor gets the same room (no second room) and a token of their own.
    const d = await join(doctor, appt.id);
    expect(d.json().visit.room).toBe(room.sid);
    expect(fake.rooms).toHaveLength(1);
    expect(verifiedClaims(d.json().visit.token, API_KEY_SECRET)).toMatchObject({
      grants: { identity: `doctor-${doctor.userId}`, video: { room: room.sid } },
    });

    // Nothing records until both consent; then the room records audio only (recording rules).
    expect(fake.recordingRules).toEqual([]);
    const consent = (who: Session) =>
      t.app.inject({
        method: "POST",
        url: `/api/appointments/${appt.id}/visit/join`,
        headers: who.headers,
        payload: { recording_consent: true },
      });
    expect((await consent(patient)).json().visit.recording).toBe(false);
    expect(fake.recordingRules).toEqual([]);
    expect((await consent(doctor)).json().visit.recording).toBe(true);
    expect(fake.recordingRules).toEqual([{ room: room.sid, rules: [{ type: "include", kind: "audio" }] }]);

    // Signed status callbacks feed the visit log; a forged one changes nothing.
    const event = (e: string, identity?: string) => ({
      AccountSid: ACCOUNT_SID,
      RoomSid: room.sid,
      RoomName: room.uniqueName,
      StatusCallbackEvent: e,
      ...(identity ? { ParticipantIdentity: identity } : {}),
    });
    expect(
      (await callback(event("participant-connected", `patient-${patient.userId}`), "forged")).statusCode,
    ).toBe(403);
    expect((await callback(event("participant-connected", `patient-${patient.userId}`))).statusCode).toBe(
      204,
    );
    t.clock.set(new Date(appt.starts_at));
    expect((await callback(event("participant-connected", `doctor-${doctor.userId}`))).statusCode).toBe(204);
    // Twilio retries: a repeated callback is harmless.
    expect((await callback(event("participant-connected", `doctor-${doctor.userId}`))).statusCode).toBe(204);
    t.clock.set(new Date(Date.parse(appt.starts_at) + 15 * 60_000));
    expect((await callback(event("room-ended"))).statusCode).toBe(204);

    const log = (
      await t.app.inject({
        method: "GET",
        url: `/api/appointments/${appt.id}/visit`,
        headers: patient.headers,
      })
    ).json().visit;
    expect(log).toMatchObject({
      provider: "twilio",
      status: "ended",
      started_at: appt.starts_at,
      duration_seconds: 15 * 60,
    });
    expect(log.participants.map((x: { role: string }) => x.role)).toEqual(["patient", "doctor"]);
    const [row] = await t.database.db.select().from(appointments).where(eq(appointments.id, appt.id));
    expect(row!.status).toBe("completed");
  });
});
