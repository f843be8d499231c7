import type { AddressInfo } from "node:net";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "../browser.js";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appointments, visitAudio } from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../app.js";
import { signUp, verifiedDoctor, type Session } from "../factories.js";

// Two headless Chromium pages join one WebRTC visit through the visit page and our signalling, with fake
// camera and microphone devices; each must receive the other's media.

let t: TestApp;
let browser: Browser;
let base: string;
beforeAll(async () => {
  t = await buildTestApp();
  await t.app.listen({ port: 0, host: "127.0.0.1" });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  browser = await launchChromium(["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function bookVideo(patient: Session, doctorId: number, mode: string) {
  const res = await t.app.inject({
    method: "POST",
    url: "/api/book/appointment/",
    headers: patient.headers,
    payload: { doctor_id: doctorId, appointment_date: "2030-01-08", appointment_time: "10:00 AM", mode },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ appointment: { id: number; starts_at: string } }>().appointment;
}

/** The person's visit page: their link's path, on the test server. */
async function linkPath(who: Session, appointmentId: number): Promise<string> {
  const res = await t.app.inject({
    method: "POST",
    url: `/api/appointments/${appointmentId}/visit/join`,
    headers: who.headers,
  });
  expect(res.statusCode, res.body).toBe(200);
  return new URL(res.json<{ visit: { join_url: string } }>().visit.join_url).pathname;
}

/** Inbound RTP bytes of a page's peer connections, by kind. */
async function inboundBytes(page: Page): Promise<Record<string, number>> {
  return page.evaluate(async () => {
    const state = (window as unknown as { healthlinkVisit: { peers: Record<string, RTCPeerConnection> } })
      .healthlinkVisit;
    const out: Record<string, number> = {};
    for (const pc of Object.values(state.peers)) {
      const stats = await pc.getStats();
      stats.forEach((s: { type: string; kind?: string; bytesReceived?: number }) => {
        if (s.type === "inbound-rtp" && s.kind) out[s.kind] = (out[s.kind] ?? 0) + (s.bytesReceived ?? 0);
      });
    }
    return out;
  });
}

async function until<T>(what: () => Promise<T>, ok: (v: T) => boolean, tries = 200): Promise<T> {
  let v = await what();
  for (let i = 0; i < tries && !ok(v); i++) {
    await new Promise((r) => setTimeout(r, 100));
    v = await what();
  }
  return v;
}

describe("a WebRTC visit in the browser", () => {
  it("connects the doctor and the patient peer to peer, with each other's audio and video, and logs both", async () => {
    const doctor = await verifiedDoctor(t, { autoAccept: true, feeMinor: 0 });
    const patient = await signUp(t, "patient");
    const appt = await bookVideo(patient, doctor.doctorId, "video");
    t.clock.set(new Date(Date.parse(appt.starts_at) - 5 * 60_000));

    const patientPage = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
    const doctorPage = await (await browser.newContext()).newPage();
    await patientPage.goto(base + (await linkPath(patient, appt.id)));
    // Both consent to recording at join: the patient first (nothing records yet), then the doctor.
    await patientPage.getByLabel(/I agree that this visit is recorded/).check();
    await patientPage.getByRole("button", { name: "Join the visit" }).click();
    await patientPage.getByText("Your doctor will join shortly.").waitFor();
    expect(await patientPage.getByText("● Recording").isVisible()).toBe(false);

    await doctorPage.goto(base + (await linkPath(doctor, appt.id)));
    await doctorPage.getByLabel(/I agree that this visit is recorded/).check();
    await doctorPage.getByRole("button", { name: "Join the visit" }).click();
    // The red badge shows on both pages (the patient's hears it over the signalling socket).
    for (const page of [patientPage, doctorPage]) await page.getByText("● Recording").waitFor();

    for (const page of [patientPage, doctorPage]) {
      const bytes = await until(
        () => inboundBytes(page),
        (b) => (b.audio ?? 0) > 0 && (b.video ?? 0) > 0,
      );
      expect(bytes.audio).toBeGreaterThan(0);
      expect(bytes.video).toBeGreaterThan(0);
    }

    // The side chat reaches the other side.
    await patientPage.getByLabel("Message").fill("Hello doctor");
    await patientPage.getByRole("button", { name: "Send" }).click();
    await doctorPage.getByText("Patient: Hello doctor").waitFor();

    const log = async () =>
      (
        await t.app.inject({
          method: "GET",
          url: `/api/appointments/${appt.id}/visit`,
          headers: doctor.headers,
        })
      ).json<{
        visit: {
          id: number;
          status: string;
          started_at: string | null;
          recording: boolean;
          participants: { role: string; left_at: string | null }[];
        };
      }>().visit;
    const during = await log();
    expect(during.started_at).not.toBeNull();
    expect(during.recording).toBe(true);
    expect(during.participants.map((p) => p.role).sort()).toEqual(["doctor", "patient"]);

    // Both leave: the visit ends and the appointment is completed.
    await patientPage.getByRole("button", { name: "Mute" }).click();
    await patientPage.getByRole("button", { name: "Unmute" }).waitFor();
    await patientPage.getByRole("button", { name: "Leave" }).click();
    await doctorPage.getByRole("button", { name: "Leave" }).click();
    const after = await until(log, (v) => v.status === "ended");
    expect(after.status).toBe("ended");
    expect(after.participants.every((p) => p.left_at !== null)).toBe(true);
    // Completed by scheduling right after the visit's end commits.
    const status = await until(
      async () =>
        (await t.database.db.select().from(appointments).where(eq(appointments.id, appt.id)))[0]!.status,
      (s) => s === "completed",
    );
    expect(status).toBe("completed");
    // Each page recorded its own microphone and uploaded it on leaving: one track per person, kept as WebM.
    const tracks = await until(
      () => t.database.db.select().from(visitAudio).where(eq(visitAudio.visitId, during.id)),
      (rows) => rows.length === 2,
    );
    expect(tracks.map((r) => r.speaker).sort()).toEqual(["doctor", "patient"]);
    expect(tracks.every((r) => r.mimeType === "audio/webm" && r.bytes > 0)).toBe(true);
  }, 90_000);

  it("shows no recording badge and records nothing when only one person consented", async () => {
    const doctor = await verifiedDoctor(t, { autoAccept: true, feeMinor: 0 });
    const patient = await signUp(t, "patient");
    const appt = await bookVideo(patient, doctor.doctorId, "video");
    t.clock.set(new Date(Date.parse(appt.starts_at) - 5 * 60_000));
    const patientPage = await (await browser.newContext()).newPage();
    const doctorPage = await (await browser.newContext()).newPage();
    await patientPage.goto(base + (await linkPath(patient, appt.id)));
    await patientPage.getByLabel(/I agree that this visit is recorded/).check();
    await patientPage.getByRole("button", { name: "Join the visit" }).click();
    await patientPage.getByText("Your doctor will join shortly.").waitFor();
    await doctorPage.goto(base + (await linkPath(doctor, appt.id)));
    await doctorPage.getByRole("button", { name: "Join the visit" }).click();
    await patientPage.getByText("Connecting to the doctor…").waitFor();
    // Both are in the room (the doctor's welcome came after its join): no badge on either page.
    await until(
      () =>
        doctorPage.evaluate(
          () => (window as unknown as { healthlinkVisit: { me: unknown } }).healthlinkVisit.me,
        ),
      (me) => typeof me === "string",
    );
    for (const page of [patientPage, doctorPage])
      expect(await page.getByText("● Recording").isVisible()).toBe(false);
    const log = await t.app.inject({
      method: "GET",
      url: `/api/appointments/${appt.id}/visit`,
      headers: doctor.headers,
    });
    expect(log.json<{ visit: { recording: boolean } }>().visit.recording).toBe(false);
    for (const page of [patientPage, doctorPage]) await page.getByRole("button", { name: "Leave" }).click();
  }, 60_000);

  it("refuses the signalling socket without a valid visit token", async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${base}/chat`);
    const outcome = await page.evaluate(
      (url) =>
        new Promise<string>((resolve) => {
          const ws = new WebSocket(url, [
            "visit.v1",
            "1.2.patient.9999999999.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
          ]);
          ws.onopen = () => resolve("open");
          ws.onerror = () => resolve("refused");
        }),
      `${base.replace("http", "ws")}/api/visits/signal`,
    );
    expect(outcome).toBe("refused");
  });
});
