import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import { and, desc, eq } from "drizzle-orm";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { launchChromium } from "../browser.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { conversationMessages, conversations, notificationsOutbox, users } from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../app.js";
import { signUp, uniqueEmail, verifiedDoctor } from "../factories.js";

/**
 * The web chat page in headless Chromium against a real app on a port: sign-in, token renewal (access tokens
 * of 5 s here, so expiry comes quickly), reload, choices in view on a phone, the visitor onboarding, and the
 * landing and terms pages through axe-core.
 */

const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

let t: TestApp;
let base: string;
let browser: Browser;

beforeAll(async () => {
  t = await buildTestApp({ env: { JWT_ACCESS_TTL_SECONDS: "5" } });
  for (const name of ["Dr Meera Shah", "Dr Arjun Mehta", "Dr Kavya Iyer"])
    await verifiedDoctor(t, { name, specialty: "Dentist", city: "Delhi" });
  await t.app.listen({ port: 0, host: "127.0.0.1" });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/** A page with everything it logs to the console collected. */
async function open(context: BrowserContext, path: string): Promise<{ page: Page; logs: string[] }> {
  const page = await context.newPage();
  const logs: string[] = [];
  page.on("console", (m) => logs.push(m.text()));
  await page.goto(base + path);
  return { page, logs };
}

async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator("#chat").waitFor({ state: "visible" });
}

async function say(page: Page, text: string): Promise<void> {
  const before = await page.locator("#log li.bot").count();
  await page.getByLabel("Your message").fill(text);
  await page.getByLabel("Your message").press("Enter");
  await page.waitForFunction((n) => document.querySelectorAll("#log li.bot").length > n, before);
}

/** The person's inbound messages stored in their conversations. */
async function inbound(userId: number): Promise<string[]> {
  const rows = await t.database.db
    .select({ text: conversationMessages.text })
    .from(conversationMessages)
    .innerJoin(conversations, eq(conversations.id, conversationMessages.conversationId))
    .where(and(eq(conversations.userId, userId), eq(conversationMessages.direction, "in")))
    .orderBy(conversationMessages.id);
  return rows.map((r) => r.text ?? "");
}

/** The last choice button is wholly inside the viewport. */
async function lastChoiceInView(page: Page): Promise<boolean> {
  const box = await page.locator("#log li.bot button").last().boundingBox();
  const vp = page.viewportSize()!;
  return box !== null && box.y >= 0 && box.y + box.height <= vp.height && box.x + box.width <= vp.width;
}

describe("the web chat page", () => {
  it("signs a patient in with email and password, sends nothing for them, and keeps the session and both sides over a reload", async () => {
    const s = await signUp(t, "patient", { name: "Omar Khan" });
    const context = await browser.newContext();
    const { page, logs } = await open(context, "/chat");
    await page.getByRole("heading", { name: "Sign in to chat with HealthLink" }).waitFor();

    await page.getByLabel("Email", { exact: true }).fill(s.email);
    await page.getByLabel("Password").fill("wrong password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toMatch(/incorrect/);

    await signIn(page, s.email, s.password);
    await expect.poll(() => page.locator("#who").textContent()).toBe("Omar Khan");
    await page.locator("#hint").waitFor({ state: "visible" });
    expect(await inbound(s.userId)).toEqual([]); // nothing was said for them

    await say(page, "menu");
    await page.locator("#log li.bot button", { hasText: "Find a doctor" }).click();
    await page.waitForFunction(() => document.querySelectorAll("#log li.bot").length >= 2);
    await say(page, "dentist");
    await say(page, "Delhi");
    await expect.poll(() => lastChoiceInView(page)).toBe(true);

    // The refresh token is out of the page's reach; no token in the address bar, storage or console.
    const cookies = await context.cookies();
    expect(cookies.map((c) => [c.name, c.httpOnly, c.sameSite, c.path])).toEqual([
      ["hl_refresh", true, "Strict", "/api/auth/web"],
    ]);
    expect(await page.evaluate(() => document.cookie)).toBe("");
    const storage = await page.evaluate(() => JSON.stringify([localStorage, sessionStorage]));
    expect(storage).not.toContain(cookies[0]!.value);
    expect(storage).not.toMatch(/eyJ/);

    await page.reload();
    await page.locator("#chat").waitFor({ state: "visible" });
    await page.waitForFunction(() => document.querySelectorAll("#log li").length >= 8);
    const mine = await page.locator("#log li.me").allTextContents();
    expect(mine).toEqual(["menu", "Find a doctor", "dentist", "Delhi"]);
    expect(await page.locator("#log li.bot").count()).toBeGreaterThanOrEqual(4);
    expect(await inbound(s.userId)).toEqual(["menu", "Find a doctor", "dentist", "Delhi"]);
    await say(page, "menu");
    expect(page.url()).toBe(`${base}/chat`);
    expect(logs.join("\n")).not.toMatch(/eyJ|access_token|refresh/i);

    // Signing out ends the session: a reload offers the sign-in again.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to chat with HealthLink" }).waitFor();
    await page.reload();
    await page.getByRole("heading", { name: "Sign in to chat with HealthLink" }).waitFor();
    await context.close();
  });

  it("takes a token from the address once and removes it from the address bar", async () => {
    const s = await signUp(t, "patient");
    const context = await browser.newContext();
    const { page, logs } = await open(context, `/chat#access_token=${encodeURIComponent(s.token)}`);
    await page.locator("#chat").waitFor({ state: "visible" });
    expect(page.url()).toBe(`${base}/chat`);
    await say(page, "menu");
    expect(logs.join("\n")).not.toContain(s.token);
    await context.close();
  });

  it("survives the access token's expiry: at once when the socket refuses it, and renewed before it ends", async () => {
    const s = await signUp(t, "patient");
    const context = await browser.newContext();
    const { page } = await open(context, "/chat");
    const refusals: string[] = [];
    page.on("websocket", (ws) =>
      ws.on("framereceived", (f) => {
        if (String(f.payload).includes("UNAUTHENTICATED")) refusals.push(String(f.payload));
      }),
    );
    const isRefresh = (url: URL | string) => String(url).endsWith("/api/auth/web/refresh");
    // Renewal is cut off until the first token (5 s here) has expired.
    await page.route(isRefresh, (route) => route.abort());
    await signIn(page, s.email, s.password);
    await new Promise((r) => setTimeout(r, 5_500));
    await page.unroute(isRefresh);
    // The socket refuses the next message; the page renews, reconnects and sends it again: answered once.
    await say(page, "menu");
    expect(refusals).toHaveLength(1);
    expect(await inbound(s.userId)).toEqual(["menu"]);
    expect(await page.locator("#log li.me").allTextContents()).toEqual(["menu"]);

    // Renewed before it ends: after the renewed token's lifetime the chat answers with no refusal.
    await page.waitForResponse((r) => isRefresh(r.url()) && r.status() === 200);
    await new Promise((r) => setTimeout(r, 2_000));
    await say(page, "menu");
    expect(refusals).toHaveLength(1);
    expect(await inbound(s.userId)).toEqual(["menu", "menu"]);
    await context.close();
  });

  it("keeps the newest choices in view on a phone (375x667)", async () => {
    const s = await signUp(t, "patient");
    const context = await browser.newContext({
      viewport: { width: 375, height: 667 },
      isMobile: true,
      hasTouch: true,
    });
    const { page } = await open(context, "/chat");
    await signIn(page, s.email, s.password);
    for (let i = 0; i < 3; i++) {
      await say(page, "menu");
      expect(await lastChoiceInView(page)).toBe(true);
    }
    await page.locator("#log li.bot").last().locator("button", { hasText: "Find a doctor" }).tap();
    await page.waitForFunction(() => document.querySelectorAll("#log li.bot").length >= 4);
    await say(page, "dentist");
    await say(page, "Delhi");
    expect(await lastChoiceInView(page)).toBe(true);
    // The composer stays on screen too.
    const composer = await page.getByLabel("Your message").boundingBox();
    expect(composer!.y + composer!.height).toBeLessThanOrEqual(667);
    // Nothing wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await context.close();
  });

  it("onboards a visitor without an account, and a reload keeps their chat", async () => {
    const context = await browser.newContext();
    const { page } = await open(context, "/chat");
    await page.getByRole("button", { name: "Continue without an account" }).click();
    await page.locator("#hint").waitFor({ state: "visible" });
    await say(page, "hi");
    await expect.poll(() => page.locator("#log li.bot").last().textContent()).toMatch(/terms of service/);
    await expect.poll(() => page.locator("#log li.bot a", { hasText: "Terms and privacy" }).count()).toBe(1);
    await say(page, "I agree");
    await say(page, "Lena Fischer");
    await say(page, "1990-02-01");
    const email = uniqueEmail("lena");
    await say(page, email);
    await expect.poll(() => page.locator("#log li.bot").last().textContent()).toMatch(/6-digit code/);
    const [row] = await t.database.db
      .select()
      .from(notificationsOutbox)
      .where(eq(notificationsOutbox.toAddress, email))
      .orderBy(desc(notificationsOutbox.id))
      .limit(1);
    await page.reload();
    await page.locator("#chat").waitFor({ state: "visible" });
    await expect
      .poll(() => page.locator("#log li.me").allTextContents())
      .toEqual(["hi", "I agree", "Lena Fischer", "1990-02-01", email]);
    await say(page, String((row!.data as { code: string }).code));
    await expect.poll(() => page.locator("#log li.bot").last().textContent()).toMatch(/verified/);
    const [account] = await t.database.db.select().from(users).where(eq(users.email, email));
    expect(account).toMatchObject({ role: "patient", name: "Lena Fischer" });
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    await context.close();
  });

  it("asks for a reset link from the sign-in form", async () => {
    const context = await browser.newContext();
    const { page } = await open(context, "/chat");
    await page.getByText("Forgot your password?").click();
    await page.getByLabel("Your account's email").fill(uniqueEmail("nobody"));
    await page.getByRole("button", { name: "Send me a reset link" }).click();
    await expect.poll(() => page.locator("#forgot-result").textContent()).toMatch(/reset link is on its way/);
    await context.close();
  });
});

describe("the landing, terms and chat pages are accessible", () => {
  it("renders / and /terms (with the consent version) and the chat's sign-in, with no axe-core violations", async () => {
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    for (const path of ["/", "/terms", "/chat"]) {
      await page.goto(base + path);
      if (path === "/chat") await page.locator("#signin").waitFor({ state: "visible" });
      await page.addScriptTag({ path: AXE });
      const result = await page.evaluate(async () => {
        const axe = (
          window as unknown as { axe: { run(): Promise<{ violations: { id: string; nodes: unknown[] }[] }> } }
        ).axe;
        return (await axe.run()).violations.map((v) => ({ id: v.id, nodes: v.nodes.length }));
      });
      expect({ path, violations: result }).toEqual({ path, violations: [] });
    }
    await page.goto(`${base}/`);
    await page.getByRole("link", { name: "Open the chat" }).click();
    await page.waitForURL(`${base}/chat`);
    await page.goto(`${base}/terms`);
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe(
      "Terms of service and privacy notice",
    );
    expect(await page.locator("main").textContent()).toContain(`Version ${t.config.bot.termsVersion}`);
    await context.close();
  });
});
