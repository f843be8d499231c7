import type { AddressInfo } from "node:net";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labBookings, notificationsOutbox } from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../app.js";
import { signInAs, type Session } from "../factories.js";
import { patient, payThroughSandbox, withCatalog } from "../orders.js";
import { Tab, type Frame } from "../web-chat.js";

/**
 * "Results arrive and are read in the web chat", over the real socket: a lab posts results for a signed-in
 * patient; the notification arrives in her open chat; "My results" shows each flagged value in plain words.
 * Another patient's results never appear in her chat, nor hers in theirs.
 */

let t: TestApp;
let base: string;
let lab: Session;
let lena: Session & { patientId: number };
let ravi: Session & { patientId: number };

// TEST_NOW is Monday 2030-01-07.
const SATURDAY = "2030-01-12";

beforeAll(async () => {
  t = await buildTestApp();
  await withCatalog(t);
  lena = await patient(t, "Lena Schmidt");
  ravi = await patient(t, "Ravi Kumar");
  lab = await signInAs(t, "lab");
  await t.app.listen({ port: 0, host: "127.0.0.1" });
  base = `127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await t.close();
});

/** A signed-in tab on the chat socket. */
const tabOf = (s: Session) => new Tab(base, `access_token=${encodeURIComponent(s.token)}`);

/** The messages' text and choices, from frame `from` on. */
const read = (frames: Frame[], from = 0) =>
  frames
    .slice(from)
    .filter((x) => x.type === "message")
    .map((x) => [x.text, ...(x.buttons ?? []).map((b) => b.label)].join("\n"))
    .join("\n");
const say = async (tab: Tab, text: string, choice?: string) => read(await tab.say(text, choice));

/** A blood count booked by the patient at the lab, paid, its sample collected; the booking id. */
async function collectedCbc(p: Session): Promise<number> {
  const res = await t.app.inject({
    method: "POST",
    url: "/api/book/labtest/",
    headers: p.headers,
    payload: { appointment_date: SATURDAY, test_name: "blood count", collection: "lab" },
  });
  expect(res.statusCode).toBe(201);
  const id: number = res.json().lab_test_booking.booking_id;
  await payThroughSandbox(t, res.json().payment);
  const collected = await t.app.inject({
    method: "POST",
    url: `/api/lab/bookings/${id}/status`,
    headers: lab.headers,
    payload: { status: "sample_collected" },
  });
  expect(collected.statusCode).toBe(200);
  return id;
}

async function postResults(bookingId: number, results: object[]): Promise<void> {
  const res = await t.app.inject({
    method: "POST",
    url: "/api/lab/results/",
    headers: lab.headers,
    payload: { booking_id: bookingId, results },
  });
  expect(res.statusCode).toBe(201);
}

describe("lab results in the web chat", () => {
  it("Lena is told in her open chat, opens My results and reads the flags in plain words; Ravi's never show", async () => {
    const lenaBooking = await collectedCbc(lena);
    const raviBooking = await collectedCbc(ravi);

    const tab = tabOf(lena);
    await tab.ready();
    // The booking's own notifications may still be arriving: wait for the menu among the frames.
    const from = tab.frames.length;
    await tab.say("hi");
    await tab.until((f) => /How can I help|menu/i.test(read(f, from)));

    // Ravi's results come first: nothing about them reaches Lena's chat.
    await postResults(raviBooking, [
      { name: "Platelet count", value: 95, unit: "10^3/µL", reference_range: "150-410" },
    ]);
    await postResults(lenaBooking, [
      { name: "Hemoglobin", value: 9.1, unit: "g/dL", reference_range: "12-15.5" },
      { name: "Total leucocyte count", value: "7.2", unit: "10^3/µL", reference_range: "4-11" },
    ]);
    expect(
      await t.database.db
        .select()
        .from(labBookings)
        .where(and(eq(labBookings.id, lenaBooking), eq(labBookings.status, "resulted"))),
    ).toHaveLength(1);

    // The notification arrives on the socket, unasked.
    const before = tab.frames.length;
    await tab.until(() => /Your lab results are ready: Complete Blood Count/.test(read(tab.frames, before)));
    const [row] = await t.database.db
      .select()
      .from(notificationsOutbox)
      .where(
        and(
          eq(notificationsOutbox.userId, lena.userId),
          eq(notificationsOutbox.template, "lab.results_ready"),
        ),
      );
    expect(row).toMatchObject({ status: "sent" });

    // "My results": her flagged value in plain words, her normal value as such; nothing of Ravi's.
    const menu = await say(tab, "menu");
    expect(menu).toMatch(/My results/);
    const results = await say(tab, "My results", "results");
    expect(results).toMatch(/Complete Blood Count/);
    expect(results).toMatch(/Hemoglobin: 9\.1 g\/dL, lower than the normal range \(normal: 12-15\.5\)/);
    expect(results).toMatch(/The other 1 value is within the normal range/);
    expect(results).not.toMatch(/Platelet/);
    expect(read(tab.frames)).not.toMatch(/Platelet|Ravi/);
    tab.close();

    // Ravi's own chat shows his, not hers.
    const his = tabOf(ravi);
    await his.ready();
    const mine = await say(his, "my results");
    expect(mine).toMatch(/Platelet count: 95 .*lower than the normal range/);
    expect(mine).not.toMatch(/Hemoglobin/);
    his.close();
  });
});
