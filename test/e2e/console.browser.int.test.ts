import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appointments, doctors } from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../app.js";
import { axe, fitsWidth, launchChromium } from "../browser.js";
import { ensureConsoleBuilt } from "../console-build.js";
import { signInAs, signUp, verifiedDoctor, type Session } from "../factories.js";

/**
 * The web console (/console) in headless Chromium against a real app on a port: a doctor's day (today's
 * appointments, joining an online visit, accepting and rejecting requests, a patient's chart with an allergy),
 * an admin verifying a doctor, the session kept over a reload and ended by signing out, axe-core on every
 * screen, and a phone's viewport. The server's clock is the tests' manual one (Monday 7 January 2030); the
 * browser's is set to the same day.
 */

// 09:30 in Delhi on the test day; the server's clock is moved here too.
/** How long a poll waits for the page to settle. */
const WAIT = { timeout: 10_000 };
const MORNING = new Date("2030-01-07T04:00:00.000Z");

let t: TestApp;
let base: string;
let browser: Browser;
let dr: Session & { doctorId: number };
let asha: Session;
let ravi: Session;

async function call(s: Session, method: "GET" | "POST", url: string, payload?: object) {
  const res = await t.app.inject({ method, url, headers: s.headers, ...(payload ? { payload } : {}) });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json<{ appointment: { id: number } }>();
}

beforeAll(async () => {
  ensureConsoleBuilt();
  t = await buildTestApp({ now: MORNING });
  dr = await verifiedDoctor(t, { name: "Dr Meera Shah", feeMinor: 0 });
  await t.database.db
    .update(doctors)
    .set({ modes: ["in_person", "video"] })
    .where(eq(doctors.id, dr.doctorId));
  asha = await signUp(t, "patient", { name: "Asha Verma" });
  ravi = await signUp(t, "patient", { name: "Ravi Kumar" });
  await call(asha, "POST", "/api/patient/history/", {
    kind: "allergy",
    name: "Penicillin",
    severity: "severe",
    reaction: "Hives",
  });
  await t.app.listen({ port: 0, host: "127.0.0.1" });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function book(s: Session, date: string, time: string, mode: "video" | "in_person"): Promise<number> {
  const body = await call(s, "POST", "/api/book/appointment/", {
    doctor_id: dr.doctorId,
    appointment_date: date,
    appointment_time: time,
    mode,
  });
  return body.appointment.id;
}

async function statusOf(id: number): Promise<{ status: string; statusReason: string | null }> {
  const [row] = await t.database.db
    .select({ status: appointments.status, statusReason: appointments.statusReason })
    .from(appointments)
    .where(eq(appointments.id, id));
  return row!;
}

/** A browser context on the test day, and a page of the console with what it logs collected. */
async function open(
  opts: { viewport?: { width: number; height: number }; bypassCSP?: boolean } = {},
): Promise<{ context: BrowserContext; page: Page; logs: string[] }> {
  const context = await browser.newContext(opts);
  // A step that cannot happen fails with its own message, well inside the test's time.
  context.setDefaultTimeout(10_000);
  // A step that cannot happen fails with its own message, well inside the test's time.
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  await page.clock.setFixedTime(MORNING);
  const logs: string[] = [];
  page.on("console", (m) => logs.push(m.text()));
  page.on("pageerror", (e) => logs.push(`pageerror: ${e.message}`));
  await page.goto(`${base}/console`);
  return { context, page, logs };
}

async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByRole("heading", { name: "Sign in to the HealthLink console" }).waitFor();
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
}

describe("the console for a doctor", () => {
  it("signs in, shows today's appointments with a join button, accepts and rejects requests, and opens a chart with the allergies first", async () => {
    const today = await book(asha, "2030-01-07", "10:00 AM", "video");
    await call(dr, "POST", "/api/accept/appointment/request/", { request_id: today });
    const later = await book(asha, "2030-01-07", "03:00 PM", "in_person");
    const tomorrow = await book(ravi, "2030-01-08", "11:00 AM", "in_person");
    const { context, page, logs } = await open();

    await page.getByLabel("Email").fill(dr.email);
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page
      .getByRole("alert")
      .filter({ hasText: /incorrect|invalid/i })
      .waitFor();
    await signIn(page, dr.email, dr.password);

    // Today: the home screen, by time, with the mode; the online visit has a Join button.
    await page.getByRole("heading", { name: "Today", level: 1 }).waitFor();
    expect(page.url()).toBe(`${base}/console/today`);
    const items = page.locator("main ol li");
    await expect.poll(() => items.count(), WAIT).toBe(2);
    expect(await items.nth(0).textContent()).toMatch(/10:00 AM.*Asha Verma.*Video.*confirmed/);
    expect(await items.nth(1).textContent()).toMatch(/03:00 PM.*Asha Verma.*In person.*pending/);
    expect(await page.locator("main").textContent()).not.toContain("Ravi Kumar"); // tomorrow's
    expect(await items.nth(1).getByRole("button", { name: /Join/ }).count()).toBe(0);
    expect(await axe(page)).toEqual([]);

    // Join opens this doctor's visit page in a new tab (the visit opens 15 minutes before the start).
    t.clock.set(new Date("2030-01-07T04:20:00.000Z"));
    // (The visit page is at PUBLIC_BASE_URL, a name only the tests know: answered here.)
    await context.route(`${t.config.publicBaseUrl}/visit/**`, (route) =>
      route.fulfill({ contentType: "text/html", body: "<title>visit</title>" }),
    );
    const popup = context.waitForEvent("page");
    await page.getByRole("button", { name: "Join the visit with Asha Verma" }).click();
    const visit = await popup;
    await visit.waitForURL(`${t.config.publicBaseUrl}/visit/**`);
    await visit.close();

    // Requests: accept one, reject the other with a reason; the database has both.
    await page.getByRole("link", { name: "Requests" }).click();
    await page.getByRole("heading", { name: "Requests", level: 1 }).waitFor();
    await page.getByRole("button", { name: "Accept the request of Ravi Kumar" }).click();
    await expect
      .poll(() => page.getByRole("status").textContent())
      .toBe("Accepted the request of Ravi Kumar.");
    expect((await statusOf(tomorrow)).status).toBe("confirmed");
    await page.getByRole("button", { name: "Reject the request of Asha Verma" }).click();
    await page.getByLabel(/Reason for rejecting/).fill("I am away that afternoon");
    expect(await axe(page)).toEqual([]);
    await page.getByRole("button", { name: "Reject the request", exact: true }).click();
    await expect
      .poll(() => page.getByRole("status").textContent())
      .toBe("Rejected the request of Asha Verma.");
    expect(await statusOf(later)).toEqual({ status: "rejected", statusReason: "I am away that afternoon" });

    // Patients, then Asha's chart: allergies before everything else.
    await page.getByRole("link", { name: "Patients" }).click();
    await page.getByRole("heading", { name: "Patients", level: 1 }).waitFor();
    await page.getByRole("searchbox", { name: "Search by name" }).fill("asha");
    await expect.poll(() => page.locator("tbody tr").count(), WAIT).toBe(1);
    expect(await axe(page)).toEqual([]);
    await page.getByRole("link", { name: "Asha Verma" }).click();
    await page.getByRole("heading", { name: "Asha Verma", level: 1 }).waitFor();
    expect(page.url()).toBe(`${base}/console/patients/${asha.patientId}`);
    const allergies = page.getByRole("region", { name: "Allergies" });
    await allergies.getByText("Penicillin · severe · reaction: Hives").waitFor();
    const headings = await page.locator("main h2").allTextContents();
    expect(headings.slice(0, 2)).toEqual(["Allergies", "Conditions"]);
    await page.getByRole("heading", { name: "Lab results" }).waitFor();
    await expect.poll(() => page.locator("main [role=status]").count(), WAIT).toBe(0);
    expect(await axe(page)).toEqual([]);

    // A deep link survives a reload: the session comes back from the refresh cookie.
    await page.reload();
    await page.getByRole("heading", { name: "Asha Verma", level: 1 }).waitFor();
    const cookies = await context.cookies();
    expect(cookies.map((c) => [c.name, c.httpOnly, c.path])).toEqual([["hl_refresh", true, "/api/auth/web"]]);
    expect(await page.evaluate(() => JSON.stringify([localStorage, sessionStorage]))).not.toMatch(/eyJ/);

    // Signing out ends the session: a reload asks to sign in.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to the HealthLink console" }).waitFor();
    await page.reload();
    await page.getByRole("heading", { name: "Sign in to the HealthLink console" }).waitFor();
    expect(await axe(page)).toEqual([]);
    expect(logs.filter((l) => /pageerror|eyJ/.test(l))).toEqual([]);
    await context.close();
    t.clock.set(MORNING);
  }, 120_000);

  it("fits a phone (375 px): no sideways scrolling on any screen, and the navigation is reachable", async () => {
    const { context, page } = await open({ viewport: { width: 375, height: 740 } });
    await signIn(page, dr.email, dr.password);
    await page.getByRole("heading", { name: "Today", level: 1 }).waitFor();
    expect(await fitsWidth(page)).toBe(true);
    for (const [link, heading] of [
      ["Requests", "Requests"],
      ["Patients", "Patients"],
    ]) {
      await page.getByRole("link", { name: link }).click();
      await page.getByRole("heading", { name: heading, level: 1 }).waitFor();
      await expect.poll(() => page.locator("main [role=status]:has-text('Loading')").count(), WAIT).toBe(0);
      expect({ link, fits: await fitsWidth(page) }).toEqual({ link, fits: true });
    }
    await page.getByRole("link", { name: "Asha Verma" }).click();
    await page.getByRole("heading", { name: "Asha Verma", level: 1 }).waitFor();
    expect(await fitsWidth(page)).toBe(true);
    expect(await axe(page)).toEqual([]);
    await context.close();
  }, 60_000);
});

describe("the console for an admin", () => {
  it("verifies a doctor from the queue (the database has it) and sees no doctor screens", async () => {
    const waiting = await signUp(t, "doctor", { name: "Dr Kavya Iyer" });
    // What verification needs: a city and a specialty (the same one the verified doctor has).
    await t.app.inject({
      method: "PUT",
      url: "/api/doctor/profile/",
      headers: waiting.headers,
      payload: { city: "Pune", specialties: [{ name: "General Physician", primary: true }] },
    });
    const admin = await signInAs(t, "admin");
    const { context, page } = await open();
    await signIn(page, admin.email, admin.password);
    await page.getByRole("heading", { name: "Doctor verification", level: 1 }).waitFor();
    expect(await page.getByRole("link", { name: "Today" }).count()).toBe(0);
    await page.getByRole("heading", { name: "Dr Kavya Iyer" }).waitFor();
    expect(await axe(page)).toEqual([]);
    await page.getByRole("button", { name: "Verify Dr Kavya Iyer" }).click();
    await page.getByRole("status").filter({ hasText: "Verified Dr Kavya Iyer." }).waitFor();
    const [row] = await t.database.db
      .select({ status: doctors.verificationStatus })
      .from(doctors)
      .where(eq(doctors.id, waiting.doctorId!));
    expect(row!.status).toBe("verified");
    await expect.poll(() => page.getByRole("heading", { name: "Dr Kavya Iyer" }).count(), WAIT).toBe(0);

    // A doctor's screen by its address is not an admin's.
    await page.goto(`${base}/console/patients/${asha.patientId}`);
    await page.getByRole("heading", { name: "Not found", level: 1 }).waitFor();
    await context.close();
  }, 60_000);
});
