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
} from "../db/schema/index.js";
import type { TestApp } from "./app.js";
import { signUp, verifiedDoctor, type Session } from "./factories.js";

/**
 * A small analytics dataset whose answers are worked out by hand (domain/analytics/analytics.int.test.ts
 * asserts them; the console's browser test shows them). Days 2030-01-01 to 2030-01-03 (UTC); two doctors
 * (D1 "Dr Asha Rao", D2 "Dr Ben Kumar") and two patients. Written straight into the tables, as the modules
 * that own them would have.
 */
export interface AnalyticsDataset {
  p1: Session;
  p2: Session;
  d1: number;
  d2: number;
}

let t: TestApp;
let p1: Session;
let p2: Session;
const at = (iso: string) => new Date(`${iso}Z`);

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

export async function seedAnalyticsDataset(app: TestApp): Promise<AnalyticsDataset> {
  t = app;
  p1 = await signUp(t, "patient");
  p2 = await signUp(t, "patient");
  const d1 = (await verifiedDoctor(t, { name: "Dr Asha Rao", timeZone: "UTC" })).doctorId;
  const d2 = (await verifiedDoctor(t, { name: "Dr Ben Kumar", timeZone: "UTC" })).doctorId;

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
  return { p1, p2, d1, d2 };
}
