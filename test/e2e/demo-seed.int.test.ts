import { randomUUID } from "node:crypto";
import { and, eq, isNull } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Engine } from "../../bot/engine.js";
import { GuidedBrain } from "../../bot/guided/machine.js";
import type { OutboundMessage } from "../../bot/types.js";
import { appointments, doctorSpecialties, doctors, specialties, users } from "../../db/schema/index.js";
import { DEMO_ACCOUNTS, DEMO_CITY_DOCTORS, DEMO_PASSWORD, seedDemoData } from "../../db/seed/index.js";
import { pharmacyOrders } from "../../db/schema/index.js";
import { withCatalog } from "../orders.js";
import { buildTestApp, type TestApp } from "../app.js";
import { signUp } from "../factories.js";

/** On the demo seed, a booking with any seeded doctor completes: accounts accept, the others auto-accept. */

let t: TestApp;

beforeAll(async () => {
  t = await buildTestApp();
  await seedDemoData(t.database, { doctorCount: 40, seed: 7, now: t.clock.now() });
  await withCatalog(t);
});
afterAll(async () => {
  await t.close();
});

describe("the demo seed", () => {
  it("gives every doctor without an account auto-accept, and the named cities' doctors accounts", async () => {
    const withoutAccount = await t.database.db.select().from(doctors).where(isNull(doctors.userId));
    expect(withoutAccount.length).toBeGreaterThan(30);
    expect(withoutAccount.every((d) => d.autoAccept)).toBe(true);
    for (const { city, email } of DEMO_CITY_DOCTORS) {
      const [row] = await t.database.db
        .select({ city: doctors.city, role: users.role })
        .from(doctors)
        .innerJoin(users, eq(users.id, doctors.userId))
        .where(eq(users.email, email));
      expect(row).toEqual({ city, role: "doctor" });
      const login = await t.app.inject({
        method: "POST",
        url: "/api/auth/login",
        payload: { email, password: DEMO_PASSWORD },
      });
      expect(login.statusCode).toBe(200);
    }
  });

  it("a patient books and pays a seeded doctor (no account) in the guided chat, and it is confirmed", async () => {
    const engine = new Engine({
      services: t.services,
      clock: t.clock,
      config: t.config,
      brain: new GuidedBrain(),
    });
    const s = await signUp(t, "patient");
    const say = (text: string, choice?: string) =>
      engine.handleTurn(
        {
          channel: "web",
          externalUserId: `user:${s.userId}`,
          text,
          ...(choice ? { choice } : {}),
          providerMessageId: randomUUID(),
          receivedAt: t.clock.now(),
        },
        { verifiedUserId: s.userId },
      );
    const last = (out: OutboundMessage[]) => out[out.length - 1]!;
    // The seeded doctors of Delhi without an account, and the specialty of one of them.
    const seededInDelhi = await t.database.db
      .select({ id: doctors.id, specialty: specialties.name })
      .from(doctors)
      .innerJoin(
        doctorSpecialties,
        and(eq(doctorSpecialties.doctorId, doctors.id), eq(doctorSpecialties.isPrimary, true)),
      )
      .innerJoin(specialties, eq(specialties.id, doctorSpecialties.specialtyId))
      .where(and(isNull(doctors.userId), eq(doctors.city, "Delhi")));
    expect(seededInDelhi.length).toBeGreaterThan(0);
    const seeded = seededInDelhi.map((d) => d.id);
    await say("menu");
    const list = await say(`${seededInDelhi[0]!.specialty} in Delhi`);
    const pick = last(list).choices!.find(
      (c) => c.id.startsWith("doc:") && seeded.includes(Number(c.id.slice(4))),
    );
    expect(pick).toBeDefined();
    const days = await say("1", pick!.id);
    const day = last(days).choices![0]!;
    const slots = await say(day.label, day.id);
    const slot = last(slots).choices![0]!;
    await say(slot.label, slot.id);
    const done = await say("yes", "confirm");
    const url = done.flatMap((m) => m.links ?? [])[0]!.url;
    const token = new URL(url).pathname.split("/").pop()!;
    const paid = await t.app.inject({ method: "POST", url: `/pay/${token}/succeed` });
    expect(paid.statusCode).toBeLessThan(400);
    const [appt] = await t.database.db
      .select()
      .from(appointments)
      .where(
        and(eq(appointments.patientId, s.patientId!), eq(appointments.doctorId, Number(pick!.id.slice(4)))),
      );
    expect(appt!.status).toBe("confirmed");
  });

  it("Asha, the demo patient, reorders her Metformin and is offered a renewal of her Amoxicillin", async () => {
    const engine = new Engine({
      services: t.services,
      clock: t.clock,
      config: t.config,
      brain: new GuidedBrain(),
    });
    const [asha] = await t.database.db
      .select()
      .from(users)
      .where(eq(users.email, DEMO_ACCOUNTS.patient.email));
    const say = (text: string, choice?: string) =>
      engine.handleTurn(
        {
          channel: "web",
          externalUserId: `user:${asha!.id}`,
          text,
          ...(choice ? { choice } : {}),
          providerMessageId: randomUUID(),
          receivedAt: t.clock.now(),
        },
        { verifiedUserId: asha!.id },
      );
    const all = (out: OutboundMessage[]) => out.map((m) => m.text).join("\n");
    await say("menu");
    const list = await say("Medicines", "medicines");
    expect(all(list)).toMatch(/Metformin 500 mg.*2 fills left/);
    expect(all(list)).toMatch(/Amoxicillin 500 mg.*no refills left/);
    const choices = list.at(-1)!.choices!;
    const metformin = choices.find((c) => /Metformin/.test(c.label))!;
    const summary = await say(metformin.label, metformin.id);
    expect(all(summary)).toMatch(/Order Metformin 500 mg/);
    const done = await say("yes", "confirm");
    expect(done.flatMap((m) => m.links ?? []).map((l) => l.url)).toEqual([expect.stringContaining("/pay/")]);
    const orders = await t.database.db.select().from(pharmacyOrders);
    expect(orders).toHaveLength(1);

    const again = await say("Medicines", "medicines");
    const amoxicillin = again.at(-1)!.choices!.find((c) => /Amoxicillin/.test(c.label))!;
    expect(all(await say(amoxicillin.label, amoxicillin.id))).toMatch(
      /no refills left\. Ask .* to renew it\?/,
    );
  });
});
