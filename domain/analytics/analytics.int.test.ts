import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  appointmentEvents,
  appointments,
  auditLog,
  conversationMessages,
  conversations,
  doctorReviews,
  modelUsage,
  payments,
  scheduledReminders,
} from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../../test/app.js";
import { signInAs, signUp, verifiedDoctor, type Session } from "../../test/factories.js";
import { ModelUsageRecorder } from "./usage.js";
import { toCsv } from "./service.js";

/**
 * The analytics queries against a small dataset whose answers are worked out by hand (see each expectation).
 * Range: 2030-01-01 to 2030-01-03 (UTC days). Two doctors (D1 "Dr Asha Rao", D2 "Dr Ben Kumar"), two patients.
 */

let t: TestApp;
let admin: Session;
let p1: Session;
let p2: Session;
let d1: number;
let d2: number;
const at = (iso: string) => new Date(`${iso}Z`);
const RANGE = "from=2030-01-01&to=2030-01-03";

async function conversation(userId: number | null, channel: string, createdAt: string, inbound: boolean) {
  const [c] = await t.database.db
    .insert(conversations)
    .values({ userId, channel, createdAt: at(createdAt), updatedAt: at(createdAt) })
    .returning({ id: conversations.id });
  await t.database.db.insert(conversationMessages).values({
    conversationId: c!.id,
    direction: inbound ? "in" : "out",
    channel,
    text: "hello",
    createdAt: at(createdAt),
  });
}

async function appointment(a: {
  doctorId: number;
  patient: Session;
  createdAt: string;
  startsAt: string;
  status: "completed" | "no_show" | "rejected" | "cancelled";
  paymentStatus: string;
  channel: string;
  decision?: { type: "accepted" | "rejected"; minutes: number };
}): Promise<number> {
  const starts = at(a.startsAt);
  const [row] = await t.database.db
    .insert(appointments)
    .values({
      doctorId: a.doctorId,
      patientId: a.patient.patientId!,
      startsAt: starts,
      endsAt: new Date(starts.getTime() + 30 * 60_000),
      status: a.status,
      paymentStatus: a.paymentStatus,
      feeMinor: 50_000,
      patientName: "Test Patient",
      createdAt: at(a.createdAt),
      updatedAt: at(a.createdAt),
    })
    .returning({ id: appointments.id });
  const id = row!.id;
  await t.database.db.insert(auditLog).values({
    at: at(a.createdAt),
    actorUserId: a.patient.userId,
    actorRole: "patient",
    channel: a.channel,
    patientId: a.patient.patientId!,
    action: "create",
    resourceType: "appointment",
    resourceId: String(id),
    outcome: "allowed",
  });
  if (a.decision)
    await t.database.db.insert(appointmentEvents).values({
      appointmentId: id,
      type: a.decision.type,
      fromStatus: "pending",
      toStatus: a.decision.type === "accepted" ? "confirmed" : "rejected",
      at: new Date(at(a.createdAt).getTime() + a.decision.minutes * 60_000),
    });
  return id;
}

async function payment(p: {
  appointmentId: number;
  patient: Session;
  doctorId: number;
  paidAt: string;
  refundedMinor?: number;
}) {
  await t.database.db.insert(payments).values({
    purpose: "appointment",
    referenceId: p.appointmentId,
    patientId: p.patient.patientId!,
    doctorId: p.doctorId,
    amountMinor: 50_000,
    currency: "INR",
    status: p.refundedMinor ? "partially_refunded" : "succeeded",
    provider: "sandbox",
    checkoutToken: `tok-${p.appointmentId}`,
    expiresAt: at(p.paidAt),
    refundedMinor: p.refundedMinor ?? 0,
    paidAt: at(p.paidAt),
  });
}

beforeAll(async () => {
  t = await buildTestApp({
    env: {
      ANALYTICS_PRICE_PER_MILLION_INPUT_TOKENS: "2",
      ANALYTICS_PRICE_PER_MILLION_OUTPUT_TOKENS: "8",
    },
  });
  admin = await signInAs(t, "admin");
  p1 = await signUp(t, "patient");
  p2 = await signUp(t, "patient");
  d1 = (await verifiedDoctor(t, { name: "Dr Asha Rao", timeZone: "UTC" })).doctorId;
  d2 = (await verifiedDoctor(t, { name: "Dr Ben Kumar", timeZone: "UTC" })).doctorId;

  // Conversations: 01-01 one (telegram), 01-02 two (web, telegram), 01-03 one (web, no message from the
  // person: not in the funnel), and one the day before the range.
  await conversation(p1.userId, "telegram", "2030-01-01T10:00:00", true);
  await conversation(p2.userId, "web", "2030-01-02T09:00:00", true);
  await conversation(null, "telegram", "2030-01-02T11:00:00", true);
  await conversation(null, "web", "2030-01-03T08:00:00", false);
  await conversation(null, "web", "2029-12-31T08:00:00", true);

  const a1 = await appointment({
    doctorId: d1,
    patient: p1,
    createdAt: "2030-01-01T11:00:00",
    startsAt: "2030-01-02T10:00:00",
    status: "completed",
    paymentStatus: "paid",
    channel: "telegram",
    decision: { type: "accepted", minutes: 30 },
  });
  const a2 = await appointment({
    doctorId: d1,
    patient: p2,
    createdAt: "2030-01-02T10:00:00",
    startsAt: "2030-01-03T10:00:00",
    status: "no_show",
    paymentStatus: "partially_refunded",
    channel: "web",
    decision: { type: "accepted", minutes: 90 },
  });
  await appointment({
    doctorId: d2,
    patient: p1,
    createdAt: "2030-01-02T12:00:00",
    startsAt: "2030-01-03T12:00:00",
    status: "rejected",
    paymentStatus: "not_required",
    channel: "telegram",
    decision: { type: "rejected", minutes: 10 },
  });
  const a4 = await appointment({
    doctorId: d2,
    patient: p2,
    createdAt: "2030-01-03T09:00:00",
    startsAt: "2030-01-03T15:00:00",
    status: "cancelled",
    paymentStatus: "not_required",
    channel: "web",
  });
  // Booked before the range, held in it.
  const a5 = await appointment({
    doctorId: d1,
    patient: p1,
    createdAt: "2029-12-20T09:00:00",
    startsAt: "2030-01-01T09:00:00",
    status: "completed",
    paymentStatus: "not_required",
    channel: "web",
  });
  await payment({ appointmentId: a1, patient: p1, doctorId: d1, paidAt: "2030-01-01T12:00:00" });
  await payment({
    appointmentId: a2,
    patient: p2,
    doctorId: d1,
    paidAt: "2030-01-02T11:00:00",
    refundedMinor: 10_000,
  });

  await t.database.db.insert(doctorReviews).values([
    {
      appointmentId: a1,
      doctorId: d1,
      patientId: p1.patientId!,
      requestedAt: at("2030-01-02T11:00:00"),
      rating: 5,
      comment: "very kind",
      channel: "telegram",
      answeredAt: at("2030-01-02T12:00:00"),
    },
    {
      appointmentId: a5,
      doctorId: d1,
      patientId: p1.patientId!,
      requestedAt: at("2030-01-01T10:00:00"),
      rating: 3,
      channel: "web",
      answeredAt: at("2030-01-01T10:30:00"),
    },
    { appointmentId: a4, doctorId: d2, patientId: p2.patientId!, requestedAt: at("2030-01-03T16:00:00") },
  ]);

  const usage = (
    iso: string,
    kind: "llm" | "voice_first_token",
    outcome: string,
    ms: number,
    tokens?: number[],
  ) => ({
    at: at(iso),
    kind,
    model: kind === "llm" ? "gpt-test" : null,
    outcome,
    latencyMs: ms,
    promptTokens: tokens?.[0] ?? null,
    completionTokens: tokens?.[1] ?? null,
  });
  await t.database.db
    .insert(modelUsage)
    .values([
      usage("2030-01-01T10:00:00", "llm", "ok", 100, [1000, 200]),
      usage("2030-01-01T11:00:00", "llm", "ok", 300, [2000, 400]),
      usage("2030-01-01T12:00:00", "llm", "error", 500),
      usage("2030-01-01T13:00:00", "voice_first_token", "answer", 200),
      usage("2030-01-01T14:00:00", "voice_first_token", "answer", 400),
      usage("2030-01-04T10:00:00", "llm", "ok", 900, [5, 5]),
    ]);

  const reminder = (kind: string, entityId: number, firedAt: string | null) => ({
    key: `reminder:${kind}:${entityId}:test:${firedAt ?? "pending"}`,
    kind,
    entityId,
    slot: "test",
    dueAt: at(firedAt ?? "2030-01-03T09:00:00"),
    eventAt: at(firedAt ?? "2030-01-03T10:00:00"),
    status: firedAt ? ("fired" as const) : ("pending" as const),
    firedAt: firedAt ? at(firedAt) : null,
  });
  await t.database.db
    .insert(scheduledReminders)
    .values([
      reminder("appointment", a1, "2030-01-01T10:00:00"),
      reminder("medication", 99, "2030-01-02T08:00:00"),
      reminder("appointment", a2, null),
    ]);
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
