import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlatform, type Platform } from "../../api/platform.js";
import { loadConfig } from "../../config/index.js";
import { DEMO_ACCOUNTS, DEMO_PASSWORD } from "../../db/seed/index.js";

/**
 * `npm start` with nothing configured: embedded PGlite, in-memory cache, generated secrets, demo data.
 * A visitor registers, finds a doctor and books, over real HTTP.
 */
let platform: Platform;
let base: string;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), "hl-embedded-"));
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: "silent", SEED_DOCTOR_COUNT: "60", PORT: "0" });
  expect(config.database.kind).toBe("pglite");
  expect(config.redisUrl).toBeUndefined();
  platform = await startPlatform(config);
  await platform.app.listen({ host: "127.0.0.1", port: 0 });
  const address = platform.app.server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  base = `http://127.0.0.1:${address.port}`;
}, 120_000);

afterAll(async () => {
  await platform.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function call(method: string, url: string, body?: unknown, token?: string) {
  const res = await fetch(base + url, {
    method,
    headers: {
      ...(body ? { "content-type": "application/json" } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

describe("embedded mode (no DATABASE_URL, no REDIS_URL)", () => {
  it("starts healthy with demo data and books an appointment through HTTP", async () => {
    const health = await call("GET", "/api/system/health/check/");
    expect(health.status).toBe(200);
    expect(health.body.status).toBe("ok");

    const email = `visitor.${Date.now()}@example.test`;
    expect(
      (
        await call("POST", "/api/auth/register", {
          role: "patient",
          name: "Ravi Kumar",
          email,
          password: "embedded-pass",
        })
      ).status,
    ).toBe(201);
    const login = await call("POST", "/api/auth/login", { email, password: "embedded-pass" });
    expect(login.status).toBe(200);
    const token = login.body.access_token as string;

    const search = await call("GET", "/api/search/doctors/?city=Delhi");
    expect(search.status).toBe(200);
    expect(search.body.doctors.length).toBeGreaterThan(0);

    // Take the first doctor with a free slot in the coming days, and book it.
    let booked: Record<string, any> | undefined;
    for (const doctor of search.body.doctors as { id: number }[]) {
      const first = await call(
        "GET",
        `/api/doctor/slots/?doctor_id=${doctor.id}&date=${new Date().toISOString().slice(0, 10)}`,
      );
      expect(first.status).toBe(200);
      const date = first.body.next_available_date as string | null;
      if (!date) continue;
      const slots = await call("GET", `/api/doctor/slots/?doctor_id=${doctor.id}&date=${date}`);
      const slot = (slots.body.slots as { appointment_date: string; appointment_time: string }[])[0];
      if (!slot) continue;
      const res = await call("POST", "/api/book/appointment/", { doctor_id: doctor.id, ...slot }, token);
      expect(res.status).toBe(201);
      booked = res.body.appointment;
      break;
    }
    expect(booked).toBeDefined();
    expect(["pending", "confirmed"]).toContain(booked!.status);

    const mine = await call("GET", "/api/patient/appointments/?scope=upcoming", undefined, token);
    expect(mine.status).toBe(200);
    expect(JSON.stringify(mine.body)).toContain(`"id":${booked!.id}`);
  });

  it("runs one sender's messages in arrival order, with in-process jobs on PGlite", async () => {
    const conversations = platform.services.conversations;
    const sender = `visitor:embedded-${randomUUID()}`;
    const words = ["hi", "I agree", "Ravi Kumar", "1985-03-21"];
    // Stored one after another without waiting for any answer: the drain takes them one by one, in order.
    for (const [i, text] of words.entries())
      await platform.app.hub.accept({
        channel: "web",
        externalUserId: sender,
        text,
        providerMessageId: randomUUID(),
        receivedAt: new Date(Date.now() + i),
      });
    const identity = await conversations.identity("web", sender);
    const conversation = await conversations.conversationFor(identity, "web");
    const deadline = Date.now() + 20_000;
    let replies: string[] = [];
    while (replies.length < words.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      replies = (await conversations.outboundAfter(conversation.id, 0)).map((m) => m.text ?? "");
    }
    expect(replies).toHaveLength(words.length);
    expect(replies[0]).toMatch(/^Welcome to HealthLink/);
    expect(replies[1]).toMatch(/full name/);
    expect(replies[2]).toMatch(/date of birth/);
    expect(replies[3]).toMatch(/mobile number/);
  });

  it("has the demo patient's records indexed from the first start: she can ask about her medicines", async () => {
    const login = await call("POST", "/api/auth/login", {
      email: DEMO_ACCOUNTS.patient.email,
      password: DEMO_PASSWORD,
    });
    expect(login.status).toBe(200);
    const token = login.body.access_token as string;
    const me = await call("GET", "/api/patient/profile/", undefined, token);
    const patientId = me.body.profile.patient_id as number;
    const asked = await call("POST", `/api/patients/${patientId}/ask`, { question: "metformin" }, token);
    expect(asked.status).toBe(200);
    expect(asked.body.grounded).toBe(true);
    expect(JSON.stringify(asked.body.citations)).toMatch(/metformin/i);
  });
});
