import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labBookings, labResults, pharmacyOrders } from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../app.js";
import { axe, launchChromium } from "../browser.js";
import { ensureConsoleBuilt } from "../console-build.js";
import { signInAs, signUp, verifiedDoctor, type Session } from "../factories.js";
import { payThroughSandbox, withCatalog, type PaymentLink } from "../orders.js";

/**
 * The console for the other staff, in headless Chromium against a real app: a pharmacist confirms and dispatches
 * a paid order, lab staff record a sample and post its results, a nurse reads an assigned doctor's schedule and
 * opens a patient's chart. axe-core on every screen; a phone's viewport.
 */

const WAIT = { timeout: 10_000 };
const MORNING = new Date("2030-01-07T04:00:00.000Z");

let t: TestApp;
let base: string;
let browser: Browser;
let asha: Session & { patientId: number };

async function call<T>(s: Session, method: "GET" | "POST", url: string, payload?: object): Promise<T> {
  const res = await t.app.inject({ method, url, headers: s.headers, ...(payload ? { payload } : {}) });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return (res.body ? res.json<T>() : undefined) as T;
}

beforeAll(async () => {
  ensureConsoleBuilt();
  t = await buildTestApp({ now: MORNING });
  await withCatalog(t);
  const a = await signUp(t, "patient", { name: "Asha Verma" });
  asha = { ...a, patientId: a.patientId! };
  await t.app.listen({ port: 0, host: "127.0.0.1" });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function openAs(s: Session, viewport?: { width: number; height: number }): Promise<Page> {
  const context = await browser.newContext(viewport ? { viewport } : {});
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  await page.clock.setFixedTime(MORNING);
  await page.goto(`${base}/console`);
  await page.getByLabel("Email").fill(s.email);
  await page.getByLabel("Password").fill(s.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
  return page;
}

const fitsWidth = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

describe("the console for pharmacists, lab staff and nurses", () => {
  it("lets a pharmacist confirm a paid order and dispatch it with a tracking number", async () => {
    const placed = await call<{ order: { order_id: number }; payment: PaymentLink }>(
      asha,
      "POST",
      "/api/pharmacy/orders/",
      {
        items: [{ medicine_name: "Paracetamol 500 mg tablet", quantity: 2 }],
        delivery_address: "12 MG Road, Bengaluru 560001",
      },
    );
    await payThroughSandbox(t, placed.payment);
    const id = placed.order.order_id;
    const statusOf = async () =>
      (await t.database.db.select().from(pharmacyOrders).where(eq(pharmacyOrders.id, id)))[0]!;

    const page = await openAs(await signInAs(t, "pharmacist"));
    await page.getByRole("heading", { name: "Pharmacy orders", level: 1 }).waitFor();
    const card = page.locator("main li.card", { hasText: `Order ${id}` });
    await card.getByText("2 × Paracetamol 500 mg tablet").waitFor();
    expect(await axe(page)).toEqual([]);
    await card.getByRole("button", { name: `Confirm order ${id}` }).click();
    await expect.poll(() => page.getByRole("status").textContent(), WAIT).toBe(`Order ${id}: confirmed.`);
    expect((await statusOf()).status).toBe("confirmed");

    await page.getByLabel("Show orders that are").selectOption("confirmed");
    await page.getByLabel("Tracking number (optional)").fill("DTDC-123");
    expect(await axe(page)).toEqual([]);
    await page.getByRole("button", { name: `Dispatch order ${id}` }).click();
    await expect.poll(() => page.getByRole("status").textContent(), WAIT).toBe(`Order ${id}: dispatched.`);
    expect(await statusOf()).toMatchObject({ status: "dispatched", tracking: "DTDC-123" });
    await page.context().close();
  });

  it("lets lab staff record the sample and post results from the catalog's analytes, flagged by the server", async () => {
    const booked = await call<{ lab_test_booking: { booking_id: number }; payment: PaymentLink }>(
      asha,
      "POST",
      "/api/book/labtest/",
      { test_name: "blood count", appointment_date: "2030-01-12", collection: "lab" },
    );
    await payThroughSandbox(t, booked.payment);
    const id = booked.lab_test_booking.booking_id;

    const page = await openAs(await signInAs(t, "lab"));
    await page.getByRole("heading", { name: "Lab bookings", level: 1 }).waitFor();
    await page.getByRole("button", { name: `Sample collected for booking ${id}` }).click();
    await expect
      .poll(() => page.getByRole("status").textContent(), WAIT)
      .toBe(`Booking ${id}: sample collected.`);

    await page.getByLabel("Show bookings that are").selectOption("sample_collected");
    await page.getByRole("button", { name: `Enter results of booking ${id}` }).click();
    const form = page.getByRole("form", { name: `Results of booking ${id}` });
    // One row per analyte of a complete blood count, from the catalog.
    const hb = form.getByRole("group", { name: /Ha?emoglobin/i });
    await hb.waitFor();
    await hb.getByLabel("Value").fill("9.1");
    expect(await axe(page)).toEqual([]);
    await form.getByRole("button", { name: "Post the results" }).click();
    await expect
      .poll(() => page.getByRole("status").textContent(), WAIT)
      .toMatch(new RegExp(`^Results of booking ${id} posted`));
    const [booking] = await t.database.db.select().from(labBookings).where(eq(labBookings.id, id));
    expect(booking!.status).toBe("resulted");
    const rows = await t.database.db.select().from(labResults).where(eq(labResults.bookingId, id));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ value: "9.1", flag: "low" });
    await page.context().close();
  });

  it("shows a nurse the assigned doctor's schedule and the chart of that doctor's patient, on a phone too", async () => {
    const dr = await verifiedDoctor(t, { name: "Dr Meera Shah", feeMinor: 0 });
    await call(asha, "POST", "/api/book/appointment/", {
      doctor_id: dr.doctorId,
      appointment_date: "2030-01-08",
      appointment_time: "11:00 AM",
      mode: "in_person",
    });
    await call(asha, "POST", "/api/patient/history/", {
      kind: "allergy",
      name: "Penicillin",
      severity: "severe",
      reaction: "Hives",
    });
    const nurse = await signInAs(t, "nurse");
    const admin = await signInAs(t, "admin");
    const unassigned = await openAs(nurse);
    await unassigned.getByText("You are not assigned to a doctor yet").waitFor();
    await unassigned.context().close();
    await call(admin, "POST", `/api/admin/nurses/${nurse.userId}/assignments`, { doctor_id: dr.doctorId });

    const page = await openAs(nurse, { width: 375, height: 740 });
    await page.getByRole("heading", { name: "Schedules", level: 1 }).waitFor();
    const schedule = page.getByRole("region", { name: "Dr Meera Shah" });
    await schedule.getByRole("link", { name: "Asha Verma" }).first().waitFor();
    expect(await axe(page)).toEqual([]);
    expect(await fitsWidth(page)).toBe(true);
    await schedule.getByRole("link", { name: "Asha Verma" }).first().click();
    await page.getByRole("heading", { name: "Asha Verma", level: 1 }).waitFor();
    await page
      .getByRole("region", { name: "Allergies" })
      .getByText("Penicillin · severe · reaction: Hives")
      .waitFor();
    expect(await axe(page)).toEqual([]);
    expect(await fitsWidth(page)).toBe(true);
    await page.context().close();
  });

  it("answers a nurse's own doctors only: 403 to other roles on the list", async () => {
    const pharmacist = await signInAs(t, "pharmacist");
    const res = await t.app.inject({
      method: "GET",
      url: "/api/nurse/doctors/",
      headers: pharmacist.headers,
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBeTruthy();
  });
});
