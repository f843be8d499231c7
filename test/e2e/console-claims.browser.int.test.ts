import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claims } from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../app.js";
import { axe, launchChromium } from "../browser.js";
import { ensureConsoleBuilt } from "../console-build.js";
import { signInAs, signUp, verifiedDoctor, type Session } from "../factories.js";

/**
 * The console's Claims screen (admins) and Microsoft Teams screen (doctors) in headless Chromium at a phone's
 * width (375 px): listing by status, accepting and rejecting a claim, getting a Teams link code; axe-core on
 * each screen.
 */

const PHONE = { width: 375, height: 740 };

let t: TestApp;
let base: string;
let browser: Browser;
let admin: Session;
let dr: Session & { doctorId: number };
const claimIds: number[] = [];

beforeAll(async () => {
  ensureConsoleBuilt();
  t = await buildTestApp({
    env: {
      TEAMS_APP_ID: "00000000-aaaa-bbbb-cccc-000000000001",
      TEAMS_APP_PASSWORD: "fake-app-password",
      TEAMS_TENANT_ID: "00000000-aaaa-bbbb-cccc-0000000000ff",
    },
  });
  admin = await signInAs(t, "admin");
  dr = await verifiedDoctor(t);
  const asha = await signUp(t, "patient", { name: "Asha Verma" });
  await t.app.inject({
    method: "PUT",
    url: "/api/patient/profile/",
    headers: asha.headers,
    payload: { insurance: { provider: "Star Health", policy_number: "POL-1" } },
  });
  for (const time of ["10:00 AM", "11:00 AM"]) {
    const b = await t.app.inject({
      method: "POST",
      url: "/api/book/appointment/",
      headers: asha.headers,
      payload: { doctor_id: dr.doctorId, appointment_date: "2030-01-08", appointment_time: time },
    });
    const c = await t.app.inject({
      method: "POST",
      url: "/api/claims/",
      headers: asha.headers,
      payload: { item_kind: "appointment", item_id: b.json().appointment.id },
    });
    if (c.statusCode !== 201) throw new Error(c.body);
    claimIds.push(c.json().claim.id as number);
  }
  await t.app.listen({ port: 44020, host: "127.0.0.1" });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function open(s: Session): Promise<Page> {
  const context = await browser.newContext({ viewport: PHONE });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  await page.goto(`${base}/console`);
  await page.getByRole("heading", { name: "Sign in to the HealthLink console" }).waitFor();
  await page.getByLabel("Email").fill(s.email);
  await page.getByLabel("Password").fill(s.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
  return page;
}

const fitsWidth = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

async function statusOf(id: number): Promise<string> {
  const [row] = await t.database.db.select({ status: claims.status }).from(claims).where(eq(claims.id, id));
  return row!.status;
}

describe("the console's claims and Teams screens", () => {
  it("lets an admin accept and reject submitted claims, filtered by status, on a phone", async () => {
    const page = await open(admin);
    await page.getByRole("link", { name: "Claims" }).click();
    await page.getByRole("heading", { name: "Claims", level: 1 }).waitFor();
    await page.getByRole("heading", { name: new RegExp(`Claim #${claimIds[0]}:`) }).waitFor();
    expect(await axe(page)).toEqual([]);
    expect(await fitsWidth(page)).toBe(true);

    await page.getByRole("button", { name: `Accept claim ${claimIds[0]}` }).click();
    await page.getByText(`Claim #${claimIds[0]} accepted.`).waitFor();
    expect(await statusOf(claimIds[0]!)).toBe("accepted");

    await page.getByRole("button", { name: `Reject claim ${claimIds[1]}` }).click();
    await page.getByLabel("Why the payer rejected it").fill("Not covered by the policy");
    expect(await axe(page)).toEqual([]);
    await page.getByRole("button", { name: `Reject claim #${claimIds[1]}` }).click();
    await page.getByText(`Claim #${claimIds[1]} rejected.`).waitFor();
    expect(await statusOf(claimIds[1]!)).toBe("rejected");

    await page.getByLabel("Status").selectOption("accepted");
    await page.getByRole("button", { name: `Mark paid claim ${claimIds[0]}` }).click();
    await page.getByText(`Claim #${claimIds[0]} paid.`).waitFor();
    expect(await statusOf(claimIds[0]!)).toBe("paid");
    await page.context().close();
  });

  it("gives a doctor a Teams link code, on a phone", async () => {
    const page = await open(dr);
    await page.getByRole("link", { name: "Microsoft Teams" }).click();
    await page.getByRole("button", { name: "Get a link code" }).click();
    await expect.poll(() => page.locator(".code").textContent()).toMatch(/^[A-Z2-9]{8}$/);
    expect(await axe(page)).toEqual([]);
    expect(await fitsWidth(page)).toBe(true);
    await page.context().close();
  });
});
