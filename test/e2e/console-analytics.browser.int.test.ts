import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedAnalyticsDataset } from "../analytics-data.js";
import { buildTestApp, type TestApp } from "../app.js";
import { axe, launchChromium } from "../browser.js";
import { ensureConsoleBuilt } from "../console-build.js";
import { signInAs, type Session } from "../factories.js";

/**
 * The console's analytics dashboard in headless Chromium against a real app on a port: an admin opens
 * Analytics, picks the range of the known dataset (test/analytics-data.ts), sees its numbers in the charts'
 * tables and the visible tables, filters by channel, downloads a CSV and the PDF report; axe-core finds no
 * serious or critical violation; a 375 px phone viewport does not scroll sideways.
 */

const NOW = new Date("2030-01-07T04:00:00.000Z");

let t: TestApp;
let base: string;
let browser: Browser;
let admin: Session;

beforeAll(async () => {
  ensureConsoleBuilt();
  t = await buildTestApp({ now: NOW });
  admin = await signInAs(t, "admin");
  await seedAnalyticsDataset(t);
  await t.app.listen({ port: 0, host: "127.0.0.1" });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function open(
  viewport = { width: 1280, height: 900 },
): Promise<{ context: BrowserContext; page: Page; logs: string[] }> {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  await page.clock.setFixedTime(NOW);
  const logs: string[] = [];
  page.on("pageerror", (e) => logs.push(`pageerror: ${e.message}`));
  await page.goto(`${base}/console`);
  await page.getByLabel("Email").fill(admin.email);
  await page.getByLabel("Password").fill(admin.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
  return { context, page, logs };
}

async function showRange(page: Page, channel?: string): Promise<void> {
  await page.getByLabel("From", { exact: true }).fill("2030-01-01");
  await page.getByLabel("To", { exact: true }).fill("2030-01-03");
  if (channel) await page.getByRole("combobox", { name: /^Channel/ }).selectOption(channel);
  await page.getByRole("button", { name: "Show", exact: true }).click();
  await page.getByText(/^2030-01-01 to 2030-01-03/).waitFor();
}

/** The cells of a table's row by its header cell's text. */
async function row(page: Page, caption: string, label: string): Promise<string> {
  const table = page.locator("table", { has: page.locator("caption", { hasText: caption }) });
  return (
    await table.locator("tr", { has: page.getByRole("rowheader", { name: label, exact: true }) }).innerText()
  )
    .replace(/\s+/g, " ")
    .trim();
}

describe("the analytics dashboard", () => {
  it("shows an admin the known figures in charts and tables, filters by channel, and downloads a CSV and the PDF", async () => {
    const { context, page, logs } = await open();
    await page.getByRole("link", { name: "Analytics" }).click();
    await page.getByRole("heading", { name: "Analytics", level: 1 }).waitFor();
    expect(page.url()).toBe(`${base}/console/analytics`);
    await showRange(page);

    // The line chart of conversations and bookings, drawn from the data (its numbers in its table).
    const chart = page.getByRole("img", { name: "Conversations and bookings per day" });
    await chart.waitFor();
    expect(await chart.locator("circle").count()).toBe(6);
    expect(await row(page, "Totals", "Conversations started")).toBe("Conversations started 4");
    expect(await row(page, "Totals", "Appointments booked")).toBe("Appointments booked 4");
    const chartTable = page.locator("figure", { has: chart }).locator("table");
    expect((await chartTable.locator("tbody tr").nth(1).innerText()).replace(/\s+/g, " ").trim()).toBe(
      "01-02 2 2",
    );

    expect(await row(page, "Funnel stages", "First message")).toBe("First message 3");
    expect(await row(page, "Funnel stages", "Attended")).toBe("Attended 1");
    expect(await row(page, "Outcomes of appointments in the range", "No-show rate")).toBe(
      "No-show rate 33.3%",
    );
    expect(await row(page, "Outcomes of appointments in the range", "Cancellation rate")).toBe(
      "Cancellation rate 20%",
    );
    expect(await row(page, "Time to doctor acceptance", "Median (p50)")).toBe("Median (p50) 60 min");
    expect(await row(page, "Provider performance", "Dr Asha Rao")).toBe(
      "Dr Asha Rao 2 100% 60 min 4 (2) 900.00 INR",
    );
    expect(await row(page, "Patients' ratings", "Average")).toBe("Average 4");
    expect(await row(page, "Model totals", "Calls")).toBe("Calls 3");
    expect(await row(page, "Attendance with and without an appointment reminder", "With a reminder")).toBe(
      "With a reminder 100% of 1",
    );
    await page.getByRole("img", { name: "Ratings from 1 to 5" }).waitFor();
    await page.getByRole("img", { name: "Phone: time to the first word of an answer" }).waitFor();

    expect(await axe(page)).toEqual([]);

    // A CSV of one report, as the signed-in admin (the token never in a URL).
    const [csv] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download CSV of conversations and bookings" }).click(),
    ]);
    expect(csv.suggestedFilename()).toBe("healthlink-activity-2030-01-01-2030-01-03.csv");
    expect(readFileSync(await csv.path(), "utf8")).toBe(
      "day,conversations,bookings\n2030-01-01,1,1\n2030-01-02,2,2\n2030-01-03,1,1\n",
    );
    const [pdf] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Printable report (PDF)" }).click(),
    ]);
    expect(pdf.suggestedFilename()).toBe("healthlink-operations-2030-01-01-2030-01-03.pdf");
    expect(
      readFileSync(await pdf.path())
        .subarray(0, 5)
        .toString(),
    ).toBe("%PDF-");

    // Only the web chat: one conversation started there (patient 2's), who booked and paid but did not come.
    await showRange(page, "web");
    await page.getByText(/^2030-01-01 to 2030-01-03 \(UTC days\), web chat/).waitFor();
    await page.waitForFunction(() =>
      Array.from(document.querySelectorAll("table")).some(
        (t) => t.caption?.textContent === "Funnel stages" && /First message\s*1/.test(t.innerText),
      ),
    );
    expect(await row(page, "Funnel stages", "Attended")).toBe("Attended 0");

    expect(logs).toEqual([]);
    await context.close();
  }, 120_000);

  it("fits a phone's width and stays accessible there", async () => {
    const { context, page } = await open({ width: 375, height: 800 });
    await page.getByRole("link", { name: "Analytics" }).click();
    await showRange(page);
    await page.getByRole("table", { name: "Provider performance" }).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    expect(await axe(page)).toEqual([]);
    await context.close();
  }, 120_000);
});
