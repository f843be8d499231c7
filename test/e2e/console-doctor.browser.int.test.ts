import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { and, eq } from "drizzle-orm";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  doctorAvailability,
  doctorAvailabilityExceptions,
  doctors,
  labBookings,
  labResults,
  medicalRecords,
  prescriptions,
} from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../app.js";
import { axe, fitsWidth, launchChromium, settled } from "../browser.js";
import { ensureConsoleBuilt } from "../console-build.js";
import { careTeamAppointment, signUp, verifiedDoctor, type Session } from "../factories.js";
import { multipart } from "../multipart.js";
import { labTestId, withCatalog } from "../orders.js";
import { pdfPagesText } from "../pdf.js";
import { textPdf } from "../rag.js";

/**
 * The doctor console, part A, in headless Chromium against a real app on a port: the schedule editor (weekly
 * hours with two ranges a day, modes, auto-accept, a day off: the database asserted), a chart with an allergy,
 * a lab trend and a document viewed in the page, prescribing through an allergy alert acknowledged with a reason
 * (the database asserted), asking about the patient (the extractive answer: no LLM) and following a citation,
 * and the PDF report; axe-core on each screen and a 375 px phone.
 */

const WAIT = { timeout: 10_000 };
// 09:30 in Delhi on Monday 7 January 2030; the browser's clock is set to the same instant.
const MORNING = new Date("2030-01-07T04:00:00.000Z");

let t: TestApp;
let base: string;
let browser: Browser;
let dr: Session & { doctorId: number };
let asha: Session & { patientId: number };
let pdfBytes = 0;

async function call(s: Session, method: "GET" | "POST", url: string, payload?: object) {
  const res = await t.app.inject({ method, url, headers: s.headers, ...(payload ? { payload } : {}) });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** A resulted HbA1c, written straight to the lab tables (the lab's own flow is tested in labs.int.test.ts). */
async function hba1c(date: string, value: string, flag: "high" | "normal"): Promise<void> {
  const db = t.database.db;
  const [record] = await db
    .insert(medicalRecords)
    .values({
      patientId: asha.patientId,
      kind: "clinical",
      authorUserId: dr.userId,
      recordDate: date,
      description: "Lab results: HbA1c",
    })
    .returning({ id: medicalRecords.id });
  const [booking] = await db
    .insert(labBookings)
    .values({
      patientId: asha.patientId,
      labTestId: await labTestId(t, "HBA1C"),
      testName: "HbA1c",
      appointmentDate: date,
      collection: "lab",
      status: "resulted",
      paymentStatus: "paid",
      priceMinor: 40000,
      currency: "INR",
      bookedByUserId: asha.userId,
      recordId: record!.id,
      resultSummary: flag === "high" ? "Abnormal (High HbA1c)" : "Normal",
      resultedAt: new Date(`${date}T06:00:00Z`),
    })
    .returning({ id: labBookings.id });
  await db.insert(labResults).values({
    bookingId: booking!.id,
    patientId: asha.patientId,
    name: "HbA1c",
    analyteCode: "HBA1C",
    value,
    numericValue: Number(value),
    unit: "%",
    referenceRange: "4.0-5.6",
    flag,
    recordedByUserId: dr.userId,
  });
}

beforeAll(async () => {
  ensureConsoleBuilt();
  t = await buildTestApp({ now: MORNING });
  await withCatalog(t);
  dr = await verifiedDoctor(t, { name: "Dr Meera Shah", feeMinor: 0 });
  await t.database.db
    .update(doctors)
    .set({ modes: ["in_person", "video"] })
    .where(eq(doctors.id, dr.doctorId));
  const a = await signUp(t, "patient", { name: "Asha Verma" });
  asha = { ...a, patientId: a.patientId! };
  await careTeamAppointment(t, dr.doctorId, asha.patientId);
  await call(asha, "POST", "/api/patient/history/", {
    kind: "allergy",
    name: "Penicillin",
    severity: "severe",
    reaction: "Hives",
  });
  await call(asha, "POST", "/api/patient/records/", {
    date: "2029-10-05",
    description: "Sprained left ankle playing football; ice and rest",
  });
  await hba1c("2029-08-01", "6.1", "high");
  await hba1c("2029-12-01", "7.4", "high");
  const pdf = await textPdf(["Discharge summary", "Observed overnight"]);
  pdfBytes = pdf.length;
  const body = multipart(
    { patient_id: asha.patientId, title: "Discharge summary" },
    { filename: "discharge.pdf", contentType: "application/pdf", data: pdf },
  );
  const up = await t.app.inject({
    method: "POST",
    url: "/api/patient/documents/",
    headers: { ...asha.headers, ...body.headers },
    payload: body.payload,
  });
  expect(up.statusCode, up.body).toBe(201);
  await t.services.rag.indexPatient(asha.patientId);
  await t.app.listen({ port: 0, host: "127.0.0.1" });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function open(
  opts: { viewport?: { width: number; height: number }; acceptDownloads?: boolean } = {},
): Promise<{ context: BrowserContext; page: Page; logs: string[] }> {
  const context = await browser.newContext(opts);
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  await page.clock.setFixedTime(MORNING);
  const logs: string[] = [];
  page.on("console", (m) => logs.push(m.text()));
  page.on("pageerror", (e) => logs.push(`pageerror: ${e.message}`));
  await page.goto(`${base}/console`);
  return { context, page, logs };
}

async function signIn(page: Page): Promise<void> {
  await page.getByLabel("Email").fill(dr.email);
  await page.getByLabel("Password").fill(dr.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
}

describe("the doctor console, part A", () => {
  it("edits the schedule, reads a chart, prescribes through an alert, asks and follows a citation, downloads the report", async () => {
    const { context, page, logs } = await open({ acceptDownloads: true });
    await signIn(page);
    await page.getByRole("heading", { name: "Today", level: 1 }).waitFor();
    await page.getByRole("region", { name: "Patients waiting" }).getByText("Nobody is waiting.").waitFor();

    // Schedule: Monday becomes 09:00–13:00 and 14:00–18:00; chat offered; auto-accept; a day off.
    await page.getByRole("link", { name: "Schedule" }).click();
    await page.getByRole("heading", { name: "Schedule", level: 1 }).waitFor();
    await settled(page);
    expect(await axe(page)).toEqual([]);
    await page.getByRole("group", { name: "Monday hours 1" }).getByLabel("To").fill("13:00");
    await page.getByRole("button", { name: "Add hours on Monday" }).click();
    const second = page.getByRole("group", { name: "Monday hours 2" });
    await second.getByLabel("From").fill("14:00");
    await second.getByLabel("To").fill("18:00");
    await second.getByLabel("Slot").selectOption("20");
    await page.getByRole("button", { name: "Remove Sunday hours 1" }).click();
    await page.getByRole("checkbox", { name: "Chat" }).check();
    await page.getByRole("checkbox", { name: "Accept requests automatically" }).check();
    await page.getByRole("button", { name: "Save schedule" }).click();
    await page.getByRole("status").filter({ hasText: "Schedule saved." }).waitFor();
    const weekly = await t.database.db
      .select({
        isoDay: doctorAvailability.isoDay,
        start: doctorAvailability.startTime,
        end: doctorAvailability.endTime,
        slot: doctorAvailability.slotMinutes,
      })
      .from(doctorAvailability)
      .where(eq(doctorAvailability.doctorId, dr.doctorId));
    const monday = weekly.filter((w) => w.isoDay === 1).sort((x, y) => x.start.localeCompare(y.start));
    expect(monday).toEqual([
      { isoDay: 1, start: "09:00:00", end: "13:00:00", slot: 30 },
      { isoDay: 1, start: "14:00:00", end: "18:00:00", slot: 20 },
    ]);
    expect(weekly.filter((w) => w.isoDay === 7)).toEqual([]);
    const [doc] = await t.database.db.select().from(doctors).where(eq(doctors.id, dr.doctorId));
    expect(doc).toMatchObject({ autoAccept: true, modes: ["in_person", "video", "chat"] });

    await page.getByLabel("Date").fill("2030-01-10");
    await page.getByLabel("Reason (optional)").fill("Conference");
    await page.getByRole("button", { name: "Add day off" }).click();
    await page.getByRole("status").filter({ hasText: "Added a day off on 2030-01-10." }).waitFor();
    await page.getByRole("button", { name: "Remove the day off on 2030-01-10" }).waitFor();
    const off = await t.database.db
      .select()
      .from(doctorAvailabilityExceptions)
      .where(eq(doctorAvailabilityExceptions.doctorId, dr.doctorId));
    expect(off).toMatchObject([{ date: "2030-01-10", startTime: null, reason: "Conference" }]);
    expect(await axe(page)).toEqual([]);

    // Patients (the server's list), then Asha's chart: the allergy, the flagged HbA1c and its trend.
    await page.getByRole("link", { name: "Patients" }).click();
    await page.getByRole("heading", { name: "Patients", level: 1 }).waitFor();
    await page.getByRole("searchbox", { name: "Search by name" }).fill("asha");
    await expect.poll(() => page.locator("tbody tr").count(), WAIT).toBe(1);
    expect(await axe(page)).toEqual([]);
    await page.getByRole("link", { name: "Asha Verma" }).click();
    await page.getByRole("heading", { name: "Asha Verma", level: 1 }).waitFor();
    await page
      .getByRole("region", { name: "Allergies" })
      .getByText("Penicillin · severe · reaction: Hives")
      .waitFor();
    await page.getByRole("img", { name: "Trend: HbA1c (%)" }).waitFor();
    expect(await page.locator("tr.flagged").count()).toBe(2);
    await settled(page);
    expect(await axe(page)).toEqual([]);

    // The document, viewed in the page from the bytes fetched with the bearer token.
    await page.getByRole("button", { name: "View Discharge summary" }).click();
    const frame = page.locator("iframe[title='Discharge summary']");
    await frame.waitFor();
    const src = await frame.getAttribute("src");
    expect(src).toMatch(/^blob:/);
    // (The page's CSP keeps fetch() to our origin: the frame's bytes are the document's, by their count.)
    expect(Number(await frame.getAttribute("data-bytes"))).toBe(pdfBytes);

    // Prescribe amoxicillin: the penicillin allergy is shown before signing and acknowledged with a reason.
    const rx = page.getByRole("region", { name: "Prescribe" });
    await rx.getByLabel("Medicine", { exact: false }).first().fill("Amoxicillin");
    await rx.getByLabel("Strength").fill("500 mg");
    await rx.getByLabel("Dose").fill("1 capsule");
    await rx.getByLabel("Frequency").fill("thrice daily");
    await rx.getByLabel("Days").fill("5");
    await rx.getByRole("button", { name: "Check safety" }).click();
    const alerts = rx.getByRole("region", { name: "Safety alerts" });
    await alerts
      .getByText(/allergy/)
      .first()
      .waitFor();
    expect(await rx.getByRole("button", { name: "Sign prescription" }).isDisabled()).toBe(true);
    expect(await axe(page)).toEqual([]);
    await alerts.getByRole("checkbox", { name: /Acknowledge the allergy alert/ }).check();
    await alerts.getByLabel(/Reason to prescribe anyway/).fill("Took amoxicillin in 2028 without a reaction");
    await rx.getByRole("button", { name: "Sign prescription" }).click();
    await rx.getByText("Prescription signed: Amoxicillin.").waitFor();
    const [written] = await t.database.db
      .select()
      .from(prescriptions)
      .where(and(eq(prescriptions.patientId, asha.patientId), eq(prescriptions.doctorId, dr.doctorId)));
    expect(written!.acknowledgedAlertIds).toEqual(["allergy:penicillin:amoxicillin"]);
    expect(written!.overrideReason).toContain("Took amoxicillin in 2028 without a reaction");
    await page
      .getByRole("region", { name: "Prescriptions" })
      .getByText(/Amoxicillin 500 mg/)
      .waitFor();

    // Ask about the patient; the citation takes the doctor to the record in the chart.
    const ask = page.getByRole("region", { name: "Ask about this patient" });
    await ask.getByLabel("Question").fill("What happened to the ankle?");
    await ask.getByRole("button", { name: "Ask" }).click();
    await ask
      .getByText(/Sprained left ankle/)
      .first()
      .waitFor();
    const citation = ask.getByRole("button", { name: /Record, 2029-10-05/ });
    await citation.click();
    const record = page.locator("li[id^='src-record-']").filter({ hasText: "Sprained left ankle" });
    await expect.poll(() => record.getAttribute("class"), WAIT).toContain("highlight");
    expect(await page.evaluate(() => document.activeElement?.id ?? "")).toMatch(/^src-record-\d+$/);
    expect(await axe(page)).toEqual([]);

    // The report: a PDF of the patient's care, saved by the browser.
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Download report" }).click();
    const file = await (await download).path();
    const text = (await pdfPagesText(readFileSync(file))).join("\n");
    expect(text).toContain("Asha Verma");
    expect(text).toContain("Penicillin");
    expect(text).toContain("Amoxicillin 500 mg");
    expect(logs.filter((l) => /pageerror/.test(l))).toEqual([]);
    await context.close();
  }, 180_000);

  it("fits a phone (375 px): the schedule and the chart have no sideways scrolling", async () => {
    const { context, page } = await open({ viewport: { width: 375, height: 740 } });
    await signIn(page);
    await page.getByRole("link", { name: "Schedule" }).click();
    await page.getByRole("heading", { name: "Schedule", level: 1 }).waitFor();
    await settled(page);
    expect(await fitsWidth(page)).toBe(true);
    await page.goto(`${base}/console/patients/${asha.patientId}`);
    await page.getByRole("heading", { name: "Asha Verma", level: 1 }).waitFor();
    await settled(page);
    await page.getByRole("img", { name: "Trend: HbA1c (%)" }).waitFor();
    // The adherence bars (three series: their screen-reader table is wide) of the prescription signed above.
    await page.getByRole("img", { name: "Doses per medicine" }).waitFor();
    expect(await fitsWidth(page)).toBe(true);
    expect(await axe(page)).toEqual([]);
    await context.close();
  }, 90_000);
});
