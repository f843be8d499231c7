import type { AddressInfo } from "node:net";
import { and, eq } from "drizzle-orm";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog, doctorCredentials, doctors } from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../app.js";
import { axe, fitsWidth, launchChromium } from "../browser.js";
import { ensureConsoleBuilt } from "../console-build.js";
import { signInAs, signUp, verifiedDoctor, type Session } from "../factories.js";
import { samplePdf } from "../multipart.js";

/**
 * Credential documents in the console, in headless Chromium against a real app on a port: a doctor uploads a
 * registration certificate (PDF) in Profile; an admin sees it in the Verification queue beside Verify, views it
 * in the page (bytes fetched with the bearer token, shown from a blob: URL) and verifies the doctor. axe-core
 * on both screens, and a phone's 375 px viewport for both.
 */

const WAIT = { timeout: 10_000 };
const PHONE = { width: 375, height: 812 };

let t: TestApp;
let base: string;
let browser: Browser;
let waiting: Session;

beforeAll(async () => {
  ensureConsoleBuilt();
  t = await buildTestApp();
  // The specialty verification needs, made by the factory for another doctor.
  await verifiedDoctor(t, { name: "Dr Already Verified" });
  waiting = await signUp(t, "doctor", { name: "Dr Kavya Iyer" });
  const put = await t.app.inject({
    method: "PUT",
    url: "/api/doctor/profile/",
    headers: waiting.headers,
    payload: { city: "Pune", specialties: [{ name: "General Physician", primary: true }] },
  });
  if (put.statusCode !== 200) throw new Error(`profile: ${put.statusCode} ${put.body}`);
  await t.app.listen({ port: 0, host: "127.0.0.1" });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function open(viewport?: {
  width: number;
  height: number;
}): Promise<{ context: BrowserContext; page: Page; logs: string[] }> {
  const context = await browser.newContext(viewport ? { viewport } : {});
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const logs: string[] = [];
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

describe("credential documents in the console", () => {
  it("a doctor uploads a PDF in Profile; an admin views it in Verification and verifies the doctor", async () => {
    const pdf = samplePdf("MCI-REGISTRATION-2012");

    // The doctor, on a phone: Profile → Credentials → upload.
    const doc = await open(PHONE);
    await signIn(doc.page, waiting.email, waiting.password);
    await doc.page.getByRole("link", { name: "Profile" }).click();
    const section = doc.page.getByRole("region", { name: "Credentials" });
    await section.waitFor();
    await section.getByText("No documents yet.").waitFor();
    await section.getByLabel("Kind").selectOption("registration");
    await section.getByLabel("Title").fill("Medical Council registration");
    await section.getByLabel("Document (PDF, PNG or JPEG)").setInputFiles({
      name: "registration.pdf",
      mimeType: "application/pdf",
      buffer: pdf,
    });
    await section.getByRole("button", { name: "Upload the document" }).click();
    await section.getByRole("status").filter({ hasText: "Document uploaded." }).waitFor();
    await section.locator("strong", { hasText: "Medical Council registration" }).waitFor();
    await section.getByRole("button", { name: "Delete Medical Council registration" }).waitFor();
    expect(await fitsWidth(doc.page)).toBe(true);
    expect(await axe(doc.page)).toEqual([]);
    expect(doc.logs).toEqual([]);
    await doc.context.close();

    const [stored] = await t.database.db
      .select()
      .from(doctorCredentials)
      .where(eq(doctorCredentials.doctorId, waiting.doctorId!));
    expect(stored).toMatchObject({
      kind: "registration",
      contentType: "application/pdf",
      sizeBytes: pdf.length,
    });

    // The admin, on a phone: the queue shows the document beside Verify; it opens in the page.
    const admin = await signInAs(t, "admin");
    const adm = await open(PHONE);
    await signIn(adm.page, admin.email, admin.password);
    await adm.page.getByRole("heading", { name: "Doctor verification", level: 1 }).waitFor();
    const docs = adm.page.getByRole("list", { name: "Documents of Dr Kavya Iyer" });
    await docs.locator("strong", { hasText: "Medical Council registration" }).waitFor();
    await docs.getByRole("button", { name: "View Medical Council registration" }).click();
    const frame = adm.page.locator("iframe[title='Medical Council registration']");
    await frame.waitFor();
    expect(await frame.getAttribute("src")).toMatch(/^blob:/);
    expect(Number(await frame.getAttribute("data-bytes"))).toBe(pdf.length);
    expect(await fitsWidth(adm.page)).toBe(true);
    expect(await axe(adm.page)).toEqual([]);

    const reads = await t.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.actorUserId, admin.userId), eq(auditLog.resourceType, "doctor_credential")));
    expect(reads.map((r) => r.action).sort()).toEqual(["list", "read"]);

    await adm.page.getByRole("button", { name: "Verify Dr Kavya Iyer" }).click();
    await adm.page.getByRole("status").filter({ hasText: "Verified Dr Kavya Iyer." }).waitFor();
    const [row] = await t.database.db
      .select({ status: doctors.verificationStatus })
      .from(doctors)
      .where(eq(doctors.id, waiting.doctorId!));
    expect(row!.status).toBe("verified");
    await expect.poll(() => adm.page.getByRole("heading", { name: "Dr Kavya Iyer" }).count(), WAIT).toBe(0);
    expect(adm.logs).toEqual([]);
    await adm.context.close();
  }, 120_000);
});
