import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appointments } from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../../test/app.js";
import { startFakeGoogleMaps, type FakeGoogleMaps } from "../../test/fakes/google-maps.js";
import { signUp, verifiedDoctor, type Session } from "../../test/factories.js";
import { Engine } from "../engine.js";
import type { InboundMessage, OutboundMessage } from "../types.js";
import { GuidedBrain } from "./machine.js";

/**
 * The guided booking without a model: pages of doctors and times, a typed day or time kept, the profile's
 * city as the default, whole requests typed at the menu, and searches near a place or a shared location.
 * Now is Monday 2030-01-07 05:30 in Delhi; doctors work 09:00–17:00 (16 half-hour slots a day).
 */

let t: TestApp;
let engine: Engine;
const delhiDentists: number[] = [];
let mumbaiDentist: number;

// Around Vikas Puri (28.6406, 77.0707): the first is nearest.
const NEAR_VIKAS_PURI = [
  [28.641, 77.071],
  [28.65, 77.08],
  [28.62, 77.09],
  [28.66, 77.1],
  [28.6, 77.12],
  [28.7, 77.2],
  [28.55, 77.25],
] as const;

beforeAll(async () => {
  t = await buildTestApp();
  engine = new Engine({ services: t.services, clock: t.clock, config: t.config, brain: new GuidedBrain() });
  for (const [i, [latitude, longitude]] of NEAR_VIKAS_PURI.entries()) {
    const d = await verifiedDoctor(t, {
      name: `Dr Dent ${i + 1}`,
      specialty: "Dentist",
      city: "Delhi",
      latitude,
      longitude,
    });
    delhiDentists.push(d.doctorId);
  }
  mumbaiDentist = (await verifiedDoctor(t, { name: "Dr Mumbai Dent", specialty: "Dentist", city: "Mumbai" }))
    .doctorId;
});
afterAll(async () => {
  await t.close();
});

function chatter(session: Session, e: Engine = engine) {
  const who = `user:${session.userId}`;
  return (text: string, extra: Partial<InboundMessage> = {}) =>
    e.handleTurn(
      {
        channel: "web",
        externalUserId: who,
        text,
        providerMessageId: randomUUID(),
        receivedAt: t.clock.now(),
        ...extra,
      },
      { verifiedUserId: session.userId },
    );
}

const last = (out: OutboundMessage[]) => out[out.length - 1]!;
const ids = (out: OutboundMessage[]) => last(out).choices?.map((c) => c.id) ?? [];
const text = (out: OutboundMessage[]) => out.map((m) => m.text).join("\n");
/** New choices are the last thing sent: no message after the one that carries them. */
function choicesLast(out: OutboundMessage[]) {
  expect(last(out).choices?.length).toBeGreaterThan(0);
  expect(out.slice(0, -1).every((m) => !m.choices?.length)).toBe(true);
}

async function patient(city?: string): Promise<Session> {
  const s = await signUp(t, "patient");
  if (city !== undefined) {
    const res = await t.app.inject({
      method: "PUT",
      url: "/api/patient/profile/",
      headers: { authorization: `Bearer ${s.token}` },
      payload: { city },
    });
    expect(res.statusCode).toBe(200);
  }
  return s;
}

/** menu → Find a doctor → dentist → Delhi. */
async function delhiList(say: ReturnType<typeof chatter>) {
  await say("menu");
  await say("Find a doctor", { choice: "find" });
  expect(text(await say("dentist"))).toMatch(/city/i);
  return say("Delhi");
}

describe("paging", () => {
  it('offers "More doctors" and then the next ones', async () => {
    const say = chatter(await patient());
    const first = await delhiList(say);
    choicesLast(first);
    const page1 = ids(first).filter((id) => id.startsWith("doc:"));
    expect(page1).toHaveLength(5);
    expect(ids(first)).toContain("docs:more");
    const second = await say("More doctors", { choice: "docs:more" });
    const page2 = ids(second).filter((id) => id.startsWith("doc:"));
    expect(page2).toHaveLength(2);
    expect(page2.filter((id) => page1.includes(id))).toEqual([]);
    expect(ids(second)).not.toContain("docs:more");
    expect([...page1, ...page2].sort()).toEqual(delhiDentists.map((id) => `doc:${id}`).sort());
  });

  it('offers "Later times" after the first eight (a WhatsApp list holds ten rows), then the rest of the day', async () => {
    const say = chatter(await patient());
    await delhiList(say);
    await say("1", { choice: `doc:${delhiDentists[0]}` });
    const first = await say("Tue", { choice: "day:2030-01-08" });
    choicesLast(first);
    const slots1 = ids(first).filter((id) => id.startsWith("slot:"));
    expect(slots1).toHaveLength(8);
    expect(slots1[0]).toBe("slot:2030-01-08 09:00 AM");
    expect(ids(first)).toContain("slots:more");
    const later = await say("Later times", { choice: "slots:more" });
    choicesLast(later);
    const slots2 = ids(later).filter((id) => id.startsWith("slot:"));
    expect(slots2).toEqual(
      ["01:00 PM", "01:30 PM", "02:00 PM", "02:30 PM", "03:00 PM", "03:30 PM", "04:00 PM", "04:30 PM"].map(
        (s) => `slot:2030-01-08 ${s}`,
      ),
    );
    expect(ids(later)).not.toContain("slots:more");
    // A slot of the later page books like any other.
    const summary = await say("3", { choice: "slot:2030-01-08 03:00 PM" });
    expect(ids(summary)).toEqual(["confirm", "change"]);
    expect(text(summary)).toMatch(/Book Dr Dent 1 on Tue 8 Jan \(2030-01-08\) at 03:00 PM/);
  });
});

describe("a typed day or time", () => {
  it('"12:30" while picking a time books that time with the same doctor', async () => {
    const say = chatter(await patient());
    await delhiList(say);
    await say("2", { choice: `doc:${delhiDentists[1]}` });
    await say("Tue", { choice: "day:2030-01-08" });
    const summary = await say("12:30");
    expect(ids(summary)).toEqual(["confirm", "change"]);
    expect(text(summary)).toMatch(/Book Dr Dent 2 on Tue 8 Jan \(2030-01-08\) at 12:30 PM/);
  });

  it('"tomorrow 3 pm" while picking a day goes straight to the summary', async () => {
    const say = chatter(await patient());
    await delhiList(say);
    await say("1", { choice: `doc:${delhiDentists[2]}` });
    const summary = await say("tomorrow 3 pm");
    expect(text(summary)).toMatch(/Book Dr Dent 3 on Tue 8 Jan \(2030-01-08\) at 03:00 PM/);
  });

  it("a time that is not free keeps the doctor and the day, and offers the free times", async () => {
    const say = chatter(await patient());
    await delhiList(say);
    await say("1", { choice: `doc:${delhiDentists[3]}` });
    await say("Wed", { choice: "day:2030-01-09" });
    const out = await say("7 pm");
    expect(text(out)).toMatch(/7:00 pm is not free on Wed 9 Jan/);
    choicesLast(out);
    expect(ids(out)[0]).toBe("slot:2030-01-09 09:00 AM");
    // Still the same booking: a slot picked now is with that doctor, that day.
    expect(text(await say("1", { choice: "slot:2030-01-09 09:00 AM" }))).toMatch(
      /Dr Dent 4 on Wed 9 Jan .* at 09:00 AM/,
    );
  });

  it("a day with no free times says so and offers the free days", async () => {
    const say = chatter(await patient());
    await delhiList(say);
    await say("1", { choice: `doc:${delhiDentists[0]}` });
    const out = await say("2029-12-01");
    expect(text(out)).toMatch(/no free times on Sat 1 Dec/);
    expect(ids(out)[0]).toMatch(/^day:2030-01-0\d$/);
  });
});

describe("the profile's city", () => {
  it("is used when the request names none", async () => {
    const say = chatter(await patient("Mumbai"));
    await say("menu");
    await say("Find a doctor", { choice: "find" });
    const out = await say("dentist");
    expect(text(out)).toMatch(/in Mumbai \(your city; type another city to change\)/);
    expect(ids(out).filter((id) => id.startsWith("doc:"))).toEqual([`doc:${mumbaiDentist}`]);
    // Typing another city searches there instead.
    const delhi = await say("Delhi");
    expect(ids(delhi).filter((id) => id.startsWith("doc:"))).toHaveLength(5);
    expect(text(delhi)).toMatch(/in Delhi/);
  });
});

describe("a whole request typed at the menu", () => {
  it('"dentist in Delhi tomorrow 2 pm" lists doctors free then, and one pick reaches the summary', async () => {
    const s = await patient();
    const say = chatter(s);
    await say("menu");
    const list = await say("dentist in Delhi tomorrow 2 pm");
    expect(text(list)).toMatch(/Doctors for "Dentist" in Delhi, free on Tue 8 Jan/);
    const doctorChoice = ids(list).find((id) => id.startsWith("doc:"))!;
    const summary = await say("1", { choice: doctorChoice });
    expect(text(summary)).toMatch(/on Tue 8 Jan \(2030-01-08\) at 02:00 PM/);
    await say("yes", { choice: "confirm" });
    const rows = await t.database.db
      .select()
      .from(appointments)
      .where(eq(appointments.patientId, s.patientId!));
    expect(rows).toHaveLength(1);
    // 14:00 in Delhi is 08:30 UTC.
    expect(rows[0]!.startsAt.toISOString()).toBe("2030-01-08T08:30:00.000Z");
    expect(rows[0]!.doctorId).toBe(Number(doctorChoice.slice(4)));
  });

  it("without a specialty, the menu answers as before", async () => {
    const say = chatter(await patient());
    await say("menu");
    expect(ids(await say("blah blah"))).toEqual([
      "find",
      "appointments",
      "medicines",
      "labs",
      "results",
      "human",
    ]);
  });
});

describe("places", () => {
  it('"dentist near Vikas Puri" lists the nearest first, with the distance (bundled gazetteer)', async () => {
    const say = chatter(await patient());
    await say("menu");
    const out = await say("need a dentist near Vikas Puri");
    choicesLast(out);
    expect(text(out)).toMatch(/near Vikas Puri, Delhi/);
    const docs = last(out).choices!.filter((c) => c.id.startsWith("doc:"));
    expect(docs.map((c) => c.id)).toEqual(delhiDentists.slice(0, 5).map((id) => `doc:${id}`));
    expect(docs[0]!.label).toMatch(/Dr Dent 1 .*, 0\.\d km away, first free/);
    expect(docs[1]!.label).toMatch(/1\.\d km away/);
  });

  it("an unknown place asks again without losing the specialty", async () => {
    const say = chatter(await patient());
    await say("menu");
    expect(text(await say("dentist near Atlantis"))).toMatch(/don't know where "Atlantis" is/);
    const out = await say("Delhi");
    expect(text(out)).toMatch(/Doctors for "Dentist" in Delhi/);
  });

  it("a shared location searches near it for the specialty asked", async () => {
    const say = chatter(await patient());
    await say("menu");
    await say("Find a doctor", { choice: "find" });
    await say("dentist");
    const out = await say("", { location: { lat: 28.6, lng: 77.12 } });
    const docs = last(out).choices!.filter((c) => c.id.startsWith("doc:"));
    expect(docs[0]!.id).toBe(`doc:${delhiDentists[4]}`);
    expect(docs[0]!.label).toMatch(/0\.0 km away/);
    expect(text(out)).toMatch(/Doctors for "Dentist" near your location/);
  });
});

describe("Google geocoding, when configured", () => {
  let google: FakeGoogleMaps;
  let g: TestApp;

  beforeAll(async () => {
    google = await startFakeGoogleMaps("test-maps-key");
    google.places.set("janakpuri", {
      formatted: "Janakpuri, New Delhi, Delhi, India",
      lat: 28.62,
      lng: 77.09,
    });
    g = await buildTestApp({
      env: { GOOGLE_MAPS_API_KEY: "test-maps-key", GOOGLE_MAPS_BASE_URL: google.url },
    });
    for (const [i, [latitude, longitude]] of NEAR_VIKAS_PURI.slice(0, 3).entries())
      await verifiedDoctor(g, {
        name: `Dr G ${i + 1}`,
        specialty: "Dentist",
        city: "Delhi",
        latitude,
        longitude,
      });
  });
  afterAll(async () => {
    await g?.close();
    await google?.close();
  });

  it("looks the place up with the key and lists doctors by distance from Google's point", async () => {
    const e = new Engine({
      services: g.services,
      clock: g.clock,
      config: g.config,
      brain: new GuidedBrain(),
    });
    const s = await signUp(g, "patient");
    const say = (msg: string) =>
      e.handleTurn(
        {
          channel: "web",
          externalUserId: `user:${s.userId}`,
          text: msg,
          providerMessageId: randomUUID(),
          receivedAt: g.clock.now(),
        },
        { verifiedUserId: s.userId },
      );
    await say("menu");
    const out = await say("dentist near Janakpuri");
    expect(google.calls).toContainEqual({ address: "Janakpuri", key: "test-maps-key", region: "in" });
    expect(text(out)).toMatch(/near Janakpuri, New Delhi, Delhi, India/);
    const docs = last(out).choices!.filter((c) => c.id.startsWith("doc:"));
    expect(docs[0]!.label).toMatch(/^Dr G 3 .*0\.0 km away/);
    expect(docs).toHaveLength(3);
    // A place Google does not know: asked again, nothing breaks.
    expect(text(await say("dentist near Nowhere Land"))).toMatch(/don't know where "Nowhere Land" is/);
  });
});

describe("the patient's own time zone", () => {
  it("a patient in Kolkata booking a doctor in Dubai sees the times and the confirmation on Kolkata's clock", async () => {
    const dubai = await verifiedDoctor(t, {
      name: "Dr Dubai Derm",
      specialty: "Dermatologist",
      city: "Pune",
      timeZone: "Asia/Dubai",
      autoAccept: true,
    });
    const s = await signUp(t, "patient");
    const res = await t.app.inject({
      method: "PUT",
      url: "/api/patient/profile/",
      headers: { authorization: `Bearer ${s.token}` },
      payload: { time_zone: "Asia/Kolkata" },
    });
    expect(res.statusCode).toBe(200);
    const say = chatter(s);
    await say("menu");
    await say("Find a doctor", { choice: "find" });
    await say("dermatologist");
    await say("Pune");
    await say("1", { choice: `doc:${dubai.doctorId}` });
    const day = await say("Tue", { choice: "day:2030-01-08" });
    // Dubai's 09:00 is 10:30 in Kolkata: the id keeps the doctor's clock, the label is the patient's.
    const first = last(day).choices![0]!;
    expect(first).toEqual({ id: "slot:2030-01-08 09:00 AM", label: "10:30 AM" });
    const summary = await say("1", { choice: first.id });
    expect(text(summary)).toMatch(/Book Dr Dubai Derm on Tue 8 Jan \(2030-01-08\) at 10:30 AM/);
    const done = await say("Confirm", { choice: "confirm" });
    expect(text(done)).toMatch(/Booked: Dr Dubai Derm on Tue 8 Jan at 10:30 AM is confirmed/);
    const [row] = await t.database.db
      .select()
      .from(appointments)
      .where(eq(appointments.doctorId, dubai.doctorId));
    expect(row!.startsAt.toISOString()).toBe("2030-01-08T05:00:00.000Z");
  });

  it("takes a day and a time typed on the patient's clock, from the doctor's neighbouring day when need be", async () => {
    // Auckland is 9 hours ahead of Dubai in January: the doctor's 8 January 03:00–05:00 PM is the patient's
    // 9 January 00:00–02:00 AM.
    const dubai = await verifiedDoctor(t, {
      name: "Dr Night Derm",
      specialty: "Dermatologist",
      city: "Nashik",
      timeZone: "Asia/Dubai",
      autoAccept: true,
    });
    const s = await signUp(t, "patient");
    await t.app.inject({
      method: "PUT",
      url: "/api/patient/profile/",
      headers: { authorization: `Bearer ${s.token}` },
      payload: { time_zone: "Pacific/Auckland" },
    });
    const say = chatter(s);
    await say("menu");
    await say("Find a doctor", { choice: "find" });
    await say("dermatologist");
    await say("Nashik");
    const days = await say("1", { choice: `doc:${dubai.doctorId}` });
    // The days offered are the patient's: it is 1 PM on 7 January in Auckland (4 AM in Dubai), and the
    // doctor's 7 January (6 PM to 2 AM in Auckland) reaches Auckland's 8th.
    expect(
      last(days)
        .choices!.map((c) => c.id)
        .slice(0, 2),
    ).toEqual(["day:2030-01-07", "day:2030-01-08"]);
    const summary = await say("9 January 1 am");
    expect(text(summary)).toMatch(/Book Dr Night Derm on Wed 9 Jan \(2030-01-09\) at 01:00 AM/);
    await say("Confirm", { choice: "confirm" });
    const [row] = await t.database.db
      .select()
      .from(appointments)
      .where(eq(appointments.doctorId, dubai.doctorId));
    expect(row!.startsAt.toISOString()).toBe("2030-01-08T12:00:00.000Z");
  });
});
