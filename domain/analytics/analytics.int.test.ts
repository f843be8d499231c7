import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../../test/app.js";
import { seedAnalyticsDataset } from "../../test/analytics-data.js";
import { signInAs, type Session } from "../../test/factories.js";
import { ModelUsageRecorder } from "./usage-repository.js";
import { toCsv } from "./service.js";

/**
 * The analytics queries against a small dataset whose answers are worked out by hand (see each expectation).
 * The dataset is test/analytics-data.ts: 2030-01-01 to 2030-01-03 (UTC days), two doctors, two patients.
 */

let t: TestApp;
let admin: Session;
let p1: Session;
let d1: number;
let d2: number;
const at = (iso: string) => new Date(`${iso}Z`);
const RANGE = "from=2030-01-01&to=2030-01-03";

beforeAll(async () => {
  t = await buildTestApp({
    env: {
      ANALYTICS_PRICE_PER_MILLION_INPUT_TOKENS: "2",
      ANALYTICS_PRICE_PER_MILLION_OUTPUT_TOKENS: "8",
    },
  });
  admin = await signInAs(t, "admin");
  ({ p1, d1, d2 } = await seedAnalyticsDataset(t));
});

afterAll(async () => {
  await t.close();
});

async function get<T>(url: string, session: Session = admin): Promise<T> {
  const res = await t.app.inject({ method: "GET", url, headers: session.headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<T>();
}

describe("analytics over a known dataset", () => {
  it("counts conversations and bookings per day, for all channels and for one", async () => {
    const all = await get<{ days: unknown[] }>(`/api/admin/analytics/activity?${RANGE}`);
    expect(all.days).toEqual([
      { day: "2030-01-01", conversations: 1, bookings: 1 },
      { day: "2030-01-02", conversations: 2, bookings: 2 },
      { day: "2030-01-03", conversations: 1, bookings: 1 },
    ]);
    const telegram = await get<{ days: unknown[] }>(
      `/api/admin/analytics/activity?${RANGE}&channel=telegram`,
    );
    expect(telegram.days).toEqual([
      { day: "2030-01-01", conversations: 1, bookings: 1 },
      { day: "2030-01-02", conversations: 1, bookings: 1 },
      { day: "2030-01-03", conversations: 0, bookings: 0 },
    ]);
  });

  it("follows conversations through the funnel", async () => {
    const { funnel } = await get<{ funnel: unknown }>(`/api/admin/analytics/funnel?${RANGE}`);
    // C1 (patient 1) booked, paid and attended; C2 (patient 2) booked and paid, then did not come; C3 anonymous.
    expect(funnel).toEqual({ first_message: 3, verified: 2, booking: 2, paid: 2, attended: 1 });
  });

  it("gives no-show and cancellation rates of the appointments held in the range", async () => {
    const { outcomes } = await get<{ outcomes: unknown }>(`/api/admin/analytics/outcomes?${RANGE}`);
    expect(outcomes).toEqual({
      appointments: 5,
      completed: 2,
      no_show: 1,
      cancelled: 1,
      rejected: 1,
      no_show_rate: 0.3333,
      cancellation_rate: 0.2,
    });
  });

  it("measures the time to acceptance (p50 of 30 and 90 minutes is 60, p90 is 84)", async () => {
    const { acceptance } = await get<{ acceptance: unknown }>(`/api/admin/analytics/acceptance?${RANGE}`);
    expect(acceptance).toEqual({ accepted: 2, p50_minutes: 60, p90_minutes: 84 });
  });

  it("reports each provider's acceptance, response time, ratings and revenue", async () => {
    const { providers } = await get<{ providers: unknown[] }>(`/api/admin/analytics/providers?${RANGE}`);
    expect(providers).toEqual([
      {
        doctor_id: d1,
        name: "Dr Asha Rao",
        requests: 2,
        accepted: 2,
        rejected: 0,
        acceptance_rate: 1,
        median_response_minutes: 60,
        reviews: 2,
        average_rating: 4,
        revenue_minor: 90_000,
        currency: "INR",
      },
      {
        doctor_id: d2,
        name: "Dr Ben Kumar",
        requests: 2,
        accepted: 0,
        rejected: 1,
        acceptance_rate: 0,
        median_response_minutes: 10,
        reviews: 0,
        average_rating: null,
        revenue_minor: 0,
        currency: "INR",
      },
    ]);
  });

  it("summarises satisfaction from patients' ratings", async () => {
    const { satisfaction } = await get<{ satisfaction: unknown }>(
      `/api/admin/analytics/satisfaction?${RANGE}`,
    );
    expect(satisfaction).toEqual({
      requested: 3,
      answered: 2,
      average: 4,
      distribution: [
        { rating: 1, count: 0 },
        { rating: 2, count: 0 },
        { rating: 3, count: 1 },
        { rating: 4, count: 0 },
        { rating: 5, count: 1 },
      ],
      recommend_rate: 0.5,
    });
  });

  it("reports model usage per day with latency percentiles and the estimated cost", async () => {
    const { model_usage } = await get<{ model_usage: { price: unknown; days: unknown[] } }>(
      `/api/admin/analytics/model-usage?${RANGE}`,
    );
    expect(model_usage.price).toEqual({ input_per_million: 2, output_per_million: 8, currency: "USD" });
    expect(model_usage.days[0]).toEqual({
      day: "2030-01-01",
      calls: 3,
      errors: 1,
      prompt_tokens: 3000,
      completion_tokens: 600,
      latency_p50_ms: 300,
      latency_p95_ms: 480,
      // (3000 × 2 + 600 × 8) / 1,000,000
      estimated_cost: 0.0108,
      voice_answers: 2,
      voice_first_token_p50_ms: 300,
      voice_first_token_p95_ms: 390,
    });
    expect(model_usage.days[1]).toMatchObject({ day: "2030-01-02", calls: 0, latency_p50_ms: null });
    expect(model_usage.days).toHaveLength(3);
  });

  it("counts reminders sent and compares attendance with and without one", async () => {
    const { reminders } = await get<{ reminders: unknown }>(`/api/admin/analytics/reminders?${RANGE}`);
    expect(reminders).toEqual({
      days: [
        { day: "2030-01-01", sent: 1 },
        { day: "2030-01-02", sent: 1 },
        { day: "2030-01-03", sent: 0 },
      ],
      by_kind: [
        { kind: "appointment", sent: 1 },
        { kind: "medication", sent: 1 },
      ],
      with_reminder: { appointments: 1, attended: 1, attendance_rate: 1 },
      without_reminder: { appointments: 2, attended: 1, attendance_rate: 0.5 },
    });
  });

  it("gives the whole dashboard in one answer", async () => {
    const o = await get<{ range: unknown; funnel: unknown; providers: unknown[] }>(
      `/api/admin/analytics/overview?${RANGE}&channel=web`,
    );
    expect(o.range).toEqual({ from: "2030-01-01", to: "2030-01-03", channel: "web" });
    // Web: C2 only (patient 2: booked A2 on the web, paid, did not attend).
    expect(o.funnel).toEqual({ first_message: 1, verified: 1, booking: 1, paid: 1, attended: 0 });
  });

  it("exports a report as CSV", async () => {
    const res = await t.app.inject({
      method: "GET",
      url: `/api/admin/analytics/activity.csv?${RANGE}`,
      headers: admin.headers,
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("text/csv; charset=utf-8");
    expect(res.headers["content-disposition"]).toBe(
      'attachment; filename="healthlink-activity-2030-01-01-2030-01-03.csv"',
    );
    expect(res.body).toBe("day,conversations,bookings\n2030-01-01,1,1\n2030-01-02,2,2\n2030-01-03,1,1\n");
    const providers = await t.app.inject({
      method: "GET",
      url: `/api/admin/analytics/providers.csv?${RANGE}`,
      headers: admin.headers,
    });
    expect(providers.body.split("\n")[1]).toBe(`${d1},Dr Asha Rao,2,2,0,1,60,2,4,90000,INR`);
  });

  it("makes the printable operations report as a PDF", async () => {
    const res = await t.app.inject({
      method: "GET",
      url: `/api/admin/analytics/report.pdf?${RANGE}`,
      headers: admin.headers,
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("application/pdf");
    expect(res.rawPayload.subarray(0, 5).toString()).toBe("%PDF-");
  });

  it("refuses non-admins and a range that is backwards or too long", async () => {
    const res = await t.app.inject({
      method: "GET",
      url: `/api/admin/analytics/overview?${RANGE}`,
      headers: p1.headers,
    });
    expect(res.statusCode).toBe(403);
    const backwards = await t.app.inject({
      method: "GET",
      url: "/api/admin/analytics/funnel?from=2030-01-05&to=2030-01-01",
      headers: admin.headers,
    });
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json()).toMatchObject({ error: { code: "INVALID_DATE_RANGE" } });
    const long = await t.app.inject({
      method: "GET",
      url: "/api/admin/analytics/funnel?from=2028-01-01&to=2030-01-01",
      headers: admin.headers,
    });
    expect(long.statusCode).toBe(400);
    const bad = await t.app.inject({
      method: "GET",
      url: "/api/admin/analytics/funnel?from=2030-02-30",
      headers: admin.headers,
    });
    expect(bad.statusCode).toBe(400);
    const channel = await t.app.inject({
      method: "GET",
      url: `/api/admin/analytics/funnel?${RANGE}&channel=pigeon`,
      headers: admin.headers,
    });
    expect(channel.statusCode).toBe(400);
  });
});

describe("model usage rows", () => {
  it("keeps each model call and voice first token, written in a batch", async () => {
    const recorder = new ModelUsageRecorder(t.database.db, () => at("2030-02-01T10:00:00"), 0);
    recorder.llmCall("gpt-test", "ok", 0.25, { prompt: 10, completion: 5 });
    recorder.voiceFirstToken(0.4, "answer");
    await recorder.close();
    const { model_usage } = await get<{ model_usage: { days: Record<string, unknown>[] } }>(
      "/api/admin/analytics/model-usage?from=2030-02-01&to=2030-02-01",
    );
    expect(model_usage.days[0]).toMatchObject({
      calls: 1,
      prompt_tokens: 10,
      completion_tokens: 5,
      latency_p50_ms: 250,
      voice_answers: 1,
      voice_first_token_p50_ms: 400,
    });
  });
});

describe("CSV", () => {
  it("quotes commas and quotes, and defuses spreadsheet formulas", () => {
    expect(toCsv([["a,b", 'say "hi"', "=SUM(A1)", -3, null]])).toBe(`"a,b","say ""hi""",'=SUM(A1),-3,\n`);
  });
});
