import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { conversations, promptVersions, supportTickets, users } from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../app.js";
import { axe, fitsWidth, launchChromium, settled } from "../browser.js";
import { ensureConsoleBuilt } from "../console-build.js";
import { signInAs, signUp, type Session } from "../factories.js";
import { FakeOpenAI } from "../fakes/openai.js";
import { startFakeTwilio, type FakeTwilio } from "../fakes/twilio.js";
import { patientOnSms, sms, SMS_SID, SMS_TOKEN, smsEnv } from "../sms.js";

/**
 * The admin tool of the console (/console) in headless Chromium against a real app on a port, a patient on
 * SMS through the fake Twilio and the agent on a fake OpenAI-compatible model: an admin reads a flagged
 * conversation with its tool calls, takes it over (the patient's message shows up, the admin's reply reaches
 * the patient's phone) and hands it back; saves a prompt draft, sees its diff, replays a conversation against
 * it and activates it (the database asserted); deactivates a user (their token stops working); reads the
 * tickets and the ledger. axe-core on every screen; a 375 px phone with no sideways scrolling.
 */

const WAIT = { timeout: 10_000 };
const PHONE = "+919876500321";

let t: TestApp;
let base: string;
let browser: Browser;
let llm: FakeOpenAI;
let twilio: FakeTwilio;
let admin: Session;
let conversationId: number;

beforeAll(async () => {
  ensureConsoleBuilt();
  llm = await FakeOpenAI.start();
  llm.respondWith(() => ({ text: "The draft says hello." }));
  twilio = await startFakeTwilio(SMS_SID, SMS_TOKEN);
  t = await buildTestApp({
    env: {
      ...smsEnv(twilio),
      OPENAI_API_KEY: "test",
      OPENAI_BASE_URL: llm.baseUrl,
      LLM_MODEL: "fake-model",
      LLM_TIMEOUT_MS: "2000",
      LLM_MAX_RETRIES: "0",
    },
  });
  admin = await signInAs(t, "admin");
  const asha = await patientOnSms(t, PHONE, { name: "Asha Verma" });
  expect(await sms(t, twilio, PHONE, "menu")).not.toBe("");
  const [row] = await t.database.db
    .select({ id: conversations.id })
    .from(conversations)
    .where(eq(conversations.userId, asha.userId));
  conversationId = row!.id;
  // A tool call of the agent on record (its arguments and its result), and the conversation flagged.
  await t.services.conversations.recordToolCalls([
    {
      conversationId,
      messageId: null,
      name: "search_doctors",
      args: { specialty: "Dermatologist", city: "Pune" },
      result: { doctors: [{ id: 7, name: "Dr Rhea Kapoor" }] },
      error: null,
      idempotencyKey: null,
      durationMs: 42,
      createdAt: t.clock.now(),
    },
  ]);
  const flagged = await t.app.inject({
    method: "POST",
    url: `/api/admin/conversations/${conversationId}/flag`,
    headers: admin.headers,
    payload: { flagged: true, reason: "Check the doctor search" },
  });
  expect(flagged.statusCode).toBe(204);
  await t.app.listen({ port: 0, host: "127.0.0.1" });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
  await twilio?.close();
  await llm?.close();
});

async function open(
  opts: { viewport?: { width: number; height: number } } = {},
): Promise<{ context: BrowserContext; page: Page; logs: string[] }> {
  const context = await browser.newContext(opts);
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const logs: string[] = [];
  page.on("pageerror", (e) => logs.push(`pageerror: ${e.message}`));
  await page.goto(`${base}/console`);
  return { context, page, logs };
}

async function signIn(page: Page, s: Session): Promise<void> {
  await page.getByRole("heading", { name: "Sign in to the HealthLink console" }).waitFor();
  await page.getByLabel("Email").fill(s.email);
  await page.getByLabel("Password").fill(s.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
}

async function go(page: Page, link: string, heading: string): Promise<void> {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: link }).click();
  await page.getByRole("heading", { name: heading, level: 1 }).waitFor();
  await settled(page);
}

describe("the console's admin tool", () => {
  it("reviews a flagged conversation with its tool calls, takes it over and hands it back", async () => {
    const { context, page, logs } = await open();
    await signIn(page, admin);
    await page.getByRole("heading", { name: "Doctor verification", level: 1 }).waitFor();

    await go(page, "Conversations", "Conversations");
    await page.getByRole("checkbox", { name: "Flagged" }).check();
    const link = page.getByRole("link", { name: `Conversation ${conversationId} on sms` });
    await link.waitFor();
    expect(await page.locator("main .list > li").count()).toBe(1);
    expect(await axe(page)).toEqual([]);
    await link.click();
    await page.getByRole("heading", { name: `Conversation ${conversationId}`, level: 1 }).waitFor();
    await settled(page);
    expect(await page.locator("main").textContent()).toContain("Check the doctor search");

    // The tool call with its arguments and its result.
    await page.getByText("Tool call: search_doctors").waitFor();
    await page.getByText("Arguments and result of search_doctors").click();
    const details = page.locator("details", { hasText: "search_doctors" });
    expect(await details.textContent()).toContain('"specialty": "Dermatologist"');
    expect(await details.textContent()).toContain('"name": "Dr Rhea Kapoor"');
    expect(await axe(page)).toEqual([]);

    // Take over: the database has it; the patient's message is stored, unanswered, and shows up by itself.
    await page.getByRole("button", { name: "Take over the conversation" }).click();
    await page.getByRole("button", { name: "Send to the person" }).waitFor();
    const takenOver = async () =>
      (
        await t.database.db
          .select({ by: conversations.takenOverBy })
          .from(conversations)
          .where(eq(conversations.id, conversationId))
      )[0]!.by;
    expect(await takenOver()).toBe(admin.userId);
    expect(await sms(t, twilio, PHONE, "Is anyone there? My booking failed")).toBe("");
    await page.getByText("Is anyone there? My booking failed").waitFor({ timeout: 15_000 });
    expect(await axe(page)).toEqual([]);

    // The admin's reply reaches the patient's phone.
    await page
      .getByLabel("Message to the person")
      .fill("Hello Asha, this is Priya from HealthLink. I will fix it.");
    await page.getByRole("button", { name: "Send to the person" }).click();
    await page.getByRole("status").filter({ hasText: "Sent to the person." }).waitFor();
    await expect
      .poll(() => twilio.to(PHONE).map((m) => m.body), WAIT)
      .toContain("Hello Asha, this is Priya from HealthLink. I will fix it.");
    await page
      .locator(".msg", { hasText: "Hello Asha, this is Priya" })
      .getByText(/^Staff/)
      .waitFor();

    // Hand back: the agent answers again.
    await page.getByRole("button", { name: "Hand back to the assistant" }).click();
    await page.getByRole("button", { name: "Take over the conversation" }).waitFor();
    expect(await takenOver()).toBeNull();
    expect(await sms(t, twilio, PHONE, "menu")).not.toBe("");

    // Annotate.
    await page.getByLabel("Note on the conversation").fill("Booking failure reported by SMS");
    await page.getByRole("button", { name: "Add the note" }).click();
    await page.getByText("Booking failure reported by SMS").waitFor();
    expect(logs).toEqual([]);
    await context.close();
  }, 120_000);

  it("saves a prompt draft, shows its diff, replays a conversation against it, activates it and rolls back", async () => {
    const { context, page, logs } = await open();
    await signIn(page, admin);
    await go(page, "Prompts", "Prompt versions");
    expect(await axe(page)).toEqual([]);
    const text = page.getByLabel("Prompt text (starts from the active version)");
    const original = await text.inputValue();
    expect(original.length).toBeGreaterThan(20);
    await page.getByLabel("Version name (optional)").fill("kinder-v2");
    const draft = `${original.trimEnd()}\nAlways greet the person by name.\n`;
    await text.fill(draft);
    await page.getByRole("button", { name: "Save as a new draft" }).click();
    await page.getByRole("status").filter({ hasText: "Saved draft kinder-v2." }).waitFor();

    // The diff: the added line inside <ins>, marked for those who cannot see the colour.
    const diff = page.getByRole("figure", { name: "Changes from the active version to kinder-v2" });
    await diff.waitFor();
    expect(await diff.locator("ins").textContent()).toBe("added: + Always greet the person by name.\n");
    expect(await diff.locator("del").count()).toBe(0);

    // Replay a stored conversation side by side.
    await page.getByLabel("Conversation number").fill(String(conversationId));
    await page.getByRole("button", { name: "Replay", exact: true }).click();
    const table = page.getByRole("table", { name: /kinder-v2 says/ });
    await table.waitFor({ timeout: 20_000 });
    expect(await table.locator("tbody tr").count()).toBeGreaterThan(0);
    expect(await table.locator("tbody tr").first().textContent()).toContain("The draft says hello.");
    expect(await axe(page)).toEqual([]);

    // Activate: the database has it.
    await page.getByRole("button", { name: "Activate kinder-v2" }).click();
    await page.getByRole("status").filter({ hasText: "kinder-v2 is active." }).waitFor();
    const active = async () =>
      (await t.database.db.select().from(promptVersions).where(eq(promptVersions.version, "kinder-v2")))[0]!;
    const row = await active();
    expect(row.activatedAt).not.toBeNull();
    expect(row.deactivatedAt).toBeNull();
    expect(row.text).toBe(draft);

    // Roll back to the file's version.
    await page.getByRole("button", { name: "Roll back to the previous version" }).click();
    await page
      .getByRole("status")
      .filter({ hasText: /^Rolled back/ })
      .waitFor();
    expect((await active()).deactivatedAt).not.toBeNull();
    expect(logs).toEqual([]);
    await context.close();
  }, 120_000);

  it("finds and deactivates a user (their token stops working), and reads tickets and the ledger", async () => {
    const nikhil = await signUp(t, "patient", { name: "Nikhil Rao" });
    const { context, page, logs } = await open();
    await signIn(page, admin);
    await go(page, "Users", "Users");
    await page.getByRole("searchbox", { name: "Search by name or email" }).fill("nikhil");
    await expect.poll(() => page.locator("main .list > li").count(), WAIT).toBe(1);
    expect(await axe(page)).toEqual([]);
    await page.getByRole("button", { name: "Deactivate Nikhil Rao" }).click();
    await page.getByRole("status").filter({ hasText: "Deactivated Nikhil Rao." }).waitFor();
    const [row] = await t.database.db.select().from(users).where(eq(users.id, nikhil.userId));
    expect(row!.active).toBe(false);
    const me = await t.app.inject({ method: "GET", url: "/api/auth/me", headers: nikhil.headers });
    expect(me.statusCode).toBe(401);
    await page.getByRole("button", { name: "Reactivate Nikhil Rao" }).waitFor();

    // A hand-off ticket answered from the queue: it closes (database asserted).
    const [ticket] = await t.database.db
      .insert(supportTickets)
      .values({ conversationId, userId: nikhil.userId, reason: "asked for a human", urgent: true })
      .returning();
    await go(page, "Tickets", "Hand-off tickets");
    await page.getByRole("heading", { name: `Ticket ${ticket!.id} (urgent)` }).waitFor();
    expect(await axe(page)).toEqual([]);
    await page.getByLabel(`Answer to ticket ${ticket!.id}`).fill("We have called you back.");
    await page.getByRole("button", { name: `Send the answer to ticket ${ticket!.id}` }).click();
    await page
      .getByRole("status")
      .filter({ hasText: `Answered ticket ${ticket!.id}.` })
      .waitFor();
    const [answered] = await t.database.db
      .select({ status: supportTickets.status })
      .from(supportTickets)
      .where(eq(supportTickets.id, ticket!.id));
    expect(answered!.status).toBe("answered");
    await go(page, "Payments", "Payments and ledger");
    await page.getByRole("table", { name: /Totals in the range/ }).waitFor();
    expect(await axe(page)).toEqual([]);
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Download CSV" }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe("ledger.csv");
    // Verification shows the credentials next to the decision.
    const waiting = await signUp(t, "doctor", { name: "Dr Kavya Iyer" });
    const profile = await t.app.inject({
      method: "PUT",
      url: "/api/doctor/profile/",
      headers: waiting.headers,
      payload: {
        city: "Pune",
        registration_number: "MMC-2019-4411",
        clinic_name: "Iyer Skin Clinic",
        qualifications: [{ degree: "MD Dermatology", institute: "KEM Hospital, Mumbai", year: 2019 }],
      },
    });
    expect(profile.statusCode).toBe(200);
    await go(page, "Doctor verification", "Doctor verification");
    await page.getByRole("heading", { name: "Dr Kavya Iyer" }).waitFor();
    await page.getByRole("button", { name: "Credentials of Dr Kavya Iyer" }).click();
    const credentials = page.getByRole("region", { name: "Credentials of Dr Kavya Iyer" });
    await credentials.getByText("MD Dermatology, KEM Hospital, Mumbai (2019)").waitFor();
    expect(await credentials.textContent()).toContain("Iyer Skin Clinic");
    expect(await page.locator("main").textContent()).toContain("MMC-2019-4411");
    expect(await axe(page)).toEqual([]);
    expect(logs).toEqual([]);
    await context.close();
  }, 120_000);

  it("fits a phone (375 px): no sideways scrolling on any admin screen", async () => {
    const { context, page } = await open({ viewport: { width: 375, height: 740 } });
    await signIn(page, admin);
    for (const [link, heading] of [
      ["Users", "Users"],
      ["Conversations", "Conversations"],
      ["Tickets", "Hand-off tickets"],
      ["Prompts", "Prompt versions"],
      ["Payments", "Payments and ledger"],
    ] as const) {
      await go(page, link, heading);
      expect({ link, fits: await fitsWidth(page) }).toEqual({ link, fits: true });
    }
    await page.goto(`${base}/console/conversations/${conversationId}`);
    await page.getByRole("heading", { name: `Conversation ${conversationId}`, level: 1 }).waitFor();
    await settled(page);
    expect(await fitsWidth(page)).toBe(true);
    expect(await axe(page)).toEqual([]);
    await context.close();
  }, 90_000);
});
