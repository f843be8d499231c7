import { PDFDocument, rgb } from "pdf-lib";
import { assertAdmin } from "../accounts/auth-service.js";
import type { ServiceContext } from "../context.js";
import type { Actor } from "../shared/actor.js";
import { invalid } from "../shared/errors.js";
import { PdfText } from "../shared/pdf-text.js";
import {
  AnalyticsQueries,
  type AcceptanceTime,
  type DailyActivity,
  type Funnel,
  type ModelUsageDay,
  type Outcomes,
  type ProviderPerformance,
  type Range,
  type RemindersReport,
  type Satisfaction,
} from "./queries.js";

/** The longest range one request may ask for. */
export const MAX_RANGE_DAYS = 366;
/** The range when none is given: the last 30 days, today included. */
export const DEFAULT_RANGE_DAYS = 30;

export const REPORTS = [
  "activity",
  "funnel",
  "outcomes",
  "acceptance",
  "providers",
  "satisfaction",
  "model-usage",
  "reminders",
] as const;
export type ReportName = (typeof REPORTS)[number];

export interface RangeQuery {
  from?: string | undefined;
  to?: string | undefined;
  channel?: string | undefined;
}

export interface ModelUsage {
  price: { input_per_million: number; output_per_million: number; currency: string };
  days: (ModelUsageDay & { estimated_cost: number })[];
}

/** Everything on the dashboard, for one range. */
export interface Overview {
  range: Range;
  activity: DailyActivity[];
  funnel: Funnel;
  outcomes: Outcomes;
  acceptance: AcceptanceTime;
  providers: ProviderPerformance[];
  satisfaction: Satisfaction;
  model_usage: ModelUsage;
  reminders: RemindersReport;
}

const DAY_MS = 86_400_000;
const isoDay = (d: Date): string => d.toISOString().slice(0, 10);

function parseDay(value: string, name: string): Date {
  const d = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00Z`) : new Date(NaN);
  if (Number.isNaN(d.getTime()) || isoDay(d) !== value)
    throw invalid("INVALID_DATE_RANGE", `${name} must be a date (YYYY-MM-DD).`);
  return d;
}

/**
 * The admin dashboard's figures (admins only): the read-only queries of ./queries.ts for a date range and
 * channel, each as JSON, as CSV, and all of them as a printable PDF operations report.
 */
export class AnalyticsService {
  private readonly queries: AnalyticsQueries;

  constructor(private readonly ctx: ServiceContext) {
    this.queries = new AnalyticsQueries(ctx.db);
  }

  /** The range asked for, checked: from ≤ to, at most MAX_RANGE_DAYS days; defaults to the last 30 days. */
  range(q: RangeQuery): Range {
    const today = isoDay(this.ctx.clock.now());
    const to = q.to ?? (q.from ? isoDay(new Date(parseDay(q.from, "from").getTime() + 29 * DAY_MS)) : today);
    const from = q.from ?? isoDay(new Date(parseDay(to, "to").getTime() - (DEFAULT_RANGE_DAYS - 1) * DAY_MS));
    const days = (parseDay(to, "to").getTime() - parseDay(from, "from").getTime()) / DAY_MS + 1;
    if (days < 1) throw invalid("INVALID_DATE_RANGE", "from must be on or before to.");
    if (days > MAX_RANGE_DAYS)
      throw invalid("INVALID_DATE_RANGE", `A range may cover at most ${MAX_RANGE_DAYS} days.`);
    return { from, to, ...(q.channel ? { channel: q.channel } : {}) };
  }

  async activity(actor: Actor, q: RangeQuery): Promise<DailyActivity[]> {
    assertAdmin(actor);
    return this.queries.dailyActivity(this.range(q));
  }

  async funnel(actor: Actor, q: RangeQuery): Promise<Funnel> {
    assertAdmin(actor);
    return this.queries.funnel(this.range(q));
  }

  async outcomes(actor: Actor, q: RangeQuery): Promise<Outcomes> {
    assertAdmin(actor);
    return this.queries.outcomes(this.range(q));
  }

  async acceptance(actor: Actor, q: RangeQuery): Promise<AcceptanceTime> {
    assertAdmin(actor);
    return this.queries.acceptanceTime(this.range(q));
  }

  async providers(actor: Actor, q: RangeQuery): Promise<ProviderPerformance[]> {
    assertAdmin(actor);
    return this.queries.providers(this.range(q));
  }

  async satisfaction(actor: Actor, q: RangeQuery): Promise<Satisfaction> {
    assertAdmin(actor);
    return this.queries.satisfaction(this.range(q));
  }

  async modelUsage(actor: Actor, q: RangeQuery): Promise<ModelUsage> {
    assertAdmin(actor);
    const price = this.ctx.config.analytics;
    const days = await this.queries.modelUsage(this.range(q));
    return {
      price: {
        input_per_million: price.pricePerMillionInputTokens,
        output_per_million: price.pricePerMillionOutputTokens,
        currency: price.priceCurrency,
      },
      days: days.map((d) => ({
        ...d,
        estimated_cost:
          Math.round(
            ((d.prompt_tokens * price.pricePerMillionInputTokens +
              d.completion_tokens * price.pricePerMillionOutputTokens) /
              1_000_000) *
              10_000,
          ) / 10_000,
      })),
    };
  }

  async reminders(actor: Actor, q: RangeQuery): Promise<RemindersReport> {
    assertAdmin(actor);
    return this.queries.reminders(this.range(q));
  }

  async overview(actor: Actor, q: RangeQuery): Promise<Overview> {
    assertAdmin(actor);
    const range = this.range(q);
    const [activity, funnel, outcomes, acceptance, providers, satisfaction, model_usage, reminders] =
      await Promise.all([
        this.queries.dailyActivity(range),
        this.queries.funnel(range),
        this.queries.outcomes(range),
        this.queries.acceptanceTime(range),
        this.queries.providers(range),
        this.queries.satisfaction(range),
        this.modelUsage(actor, range),
        this.queries.reminders(range),
      ]);
    return { range, activity, funnel, outcomes, acceptance, providers, satisfaction, model_usage, reminders };
  }

  /** One report as CSV (a header row, then one row per day, stage, doctor, rating…). */
  async csv(actor: Actor, report: ReportName, q: RangeQuery): Promise<string> {
    assertAdmin(actor);
    return toCsv(await this.table(actor, report, q));
  }

  private async table(actor: Actor, report: ReportName, q: RangeQuery): Promise<Cell[][]> {
    switch (report) {
      case "activity":
        return rowsOf(await this.activity(actor, q), ["day", "conversations", "bookings"]);
      case "funnel": {
        const f = await this.funnel(actor, q);
        return [["stage", "count"], ...Object.entries(f)];
      }
      case "outcomes":
        return [["measure", "value"], ...Object.entries(await this.outcomes(actor, q))];
      case "acceptance":
        return [["measure", "value"], ...Object.entries(await this.acceptance(actor, q))];
      case "providers":
        return rowsOf(await this.providers(actor, q), [
          "doctor_id",
          "name",
          "requests",
          "accepted",
          "rejected",
          "acceptance_rate",
          "median_response_minutes",
          "reviews",
          "average_rating",
          "revenue_minor",
          "currency",
        ]);
      case "satisfaction": {
        const s = await this.satisfaction(actor, q);
        return [["rating", "count"], ...s.distribution.map((d) => [d.rating, d.count])];
      }
      case "model-usage":
        return rowsOf((await this.modelUsage(actor, q)).days, [
          "day",
          "calls",
          "errors",
          "prompt_tokens",
          "completion_tokens",
          "latency_p50_ms",
          "latency_p95_ms",
          "estimated_cost",
          "voice_answers",
          "voice_first_token_p50_ms",
          "voice_first_token_p95_ms",
        ]);
      case "reminders": {
        const r = await this.reminders(actor, q);
        return [
          ["day", "sent"],
          ...r.days.map((d) => [d.day, d.sent]),
          [],
          ["group", "appointments", "attended", "attendance_rate"],
          ["with_reminder", ...Object.values(r.with_reminder)],
          ["without_reminder", ...Object.values(r.without_reminder)],
        ];
      }
    }
  }

  /** The printable operations report: every figure of the dashboard for the range, as text and tables. */
  async reportPdf(actor: Actor, q: RangeQuery): Promise<Buffer> {
    const o = await this.overview(actor, q);
    const pdf = await PDFDocument.create();
    const now = this.ctx.clock.now();
    pdf.setTitle("HealthLink operations report");
    pdf.setProducer("HealthLink");
    pdf.setCreationDate(now);
    pdf.setModificationDate(now);
    const names = o.providers.map((p) => p.name);
    const fonts = await PdfText.for(pdf, names);
    const [width, height, margin] = [595, 842, 48];
    let page = pdf.addPage([width, height]);
    let y = height - margin;
    const line = (text: string, size = 10, bold = false) => {
      if (y < margin) {
        page = pdf.addPage([width, height]);
        y = height - margin;
      }
      fonts.draw(page, text, { x: margin, y, size, bold });
      y -= size + 5;
    };
    const heading = (text: string) => {
      y -= 6;
      line(text, 13, true);
    };
    const table = (rows: Cell[][]) => {
      const cols = Math.max(...rows.map((r) => r.length));
      const colWidth = (width - 2 * margin) / Math.max(1, cols);
      rows.forEach((r, i) => {
        if (y < margin) {
          page = pdf.addPage([width, height]);
          y = height - margin;
        }
        r.forEach((cell, c) => {
          const text = cell === null || cell === undefined ? "—" : String(cell);
          const fitted = text.length > 22 ? `${text.slice(0, 21)}…` : text;
          fonts.draw(page, fitted, { x: margin + c * colWidth, y, size: 8, bold: i === 0 });
        });
        y -= 12;
      });
    };

    line("HealthLink operations report", 18, true);
    line(
      `${o.range.from} to ${o.range.to} (UTC days)${o.range.channel ? `, channel ${o.range.channel}` : ", all channels"}`,
    );
    line(`Made ${now.toISOString().slice(0, 16).replace("T", " ")} UTC`, 8);
    page.drawLine({
      start: { x: margin, y: y + 2 },
      end: { x: width - margin, y: y + 2 },
      color: rgb(0.7, 0.7, 0.7),
    });
    const total = (k: "conversations" | "bookings") => o.activity.reduce((s, d) => s + d[k], 0);
    heading("Activity");
    line(`Conversations started: ${total("conversations")}; bookings made: ${total("bookings")}.`);
    heading("Funnel");
    const f = o.funnel;
    table([
      ["first message", "verified", "booking", "paid", "attended"],
      [f.first_message, f.verified, f.booking, f.paid, f.attended],
    ]);
    heading("Outcomes of appointments in the range");
    table([
      ["appointments", "completed", "no-show", "cancelled", "rejected", "no-show rate", "cancel rate"],
      [
        o.outcomes.appointments,
        o.outcomes.completed,
        o.outcomes.no_show,
        o.outcomes.cancelled,
        o.outcomes.rejected,
        percent(o.outcomes.no_show_rate),
        percent(o.outcomes.cancellation_rate),
      ],
    ]);
    heading("Time to doctor acceptance");
    line(
      `${o.acceptance.accepted} accepted; median ${minutes(o.acceptance.p50_minutes)}, 90th percentile ${minutes(o.acceptance.p90_minutes)}.`,
    );
    heading("Providers");
    table([
      ["doctor", "requests", "accept rate", "response", "reviews", "rating", "revenue"],
      ...o.providers.map((p) => [
        p.name,
        p.requests,
        percent(p.acceptance_rate),
        minutes(p.median_response_minutes),
        p.reviews,
        p.average_rating,
        `${(p.revenue_minor / 100).toFixed(2)} ${p.currency}`,
      ]),
    ]);
    heading("Satisfaction");
    line(
      `${o.satisfaction.answered} ratings (of ${o.satisfaction.requested} asked); average ${o.satisfaction.average ?? "—"}; recommend ${percent(o.satisfaction.recommend_rate)}.`,
    );
    table([
      ["rating", ...o.satisfaction.distribution.map((d) => d.rating)],
      ["count", ...o.satisfaction.distribution.map((d) => d.count)],
    ]);
    heading("Model usage");
    const u = o.model_usage.days;
    const sum = (k: "calls" | "errors" | "prompt_tokens" | "completion_tokens" | "estimated_cost") =>
      u.reduce((s, d) => s + d[k], 0);
    line(
      `${sum("calls")} model calls, ${sum("errors")} errors, ${sum("prompt_tokens")} prompt and ${sum("completion_tokens")} completion tokens; estimated cost ${sum("estimated_cost").toFixed(2)} ${o.model_usage.price.currency}.`,
    );
    table([
      ["day", "calls", "errors", "p50 ms", "p95 ms", "voice p50 ms", "voice p95 ms"],
      ...u
        .filter((d) => d.calls > 0 || d.voice_answers > 0)
        .map((d) => [
          d.day,
          d.calls,
          d.errors,
          d.latency_p50_ms,
          d.latency_p95_ms,
          d.voice_first_token_p50_ms,
          d.voice_first_token_p95_ms,
        ]),
    ]);
    heading("Reminders");
    const r = o.reminders;
    line(
      `${r.days.reduce((s, d) => s + d.sent, 0)} reminders sent (${r.by_kind.map((k) => `${k.kind} ${k.sent}`).join(", ") || "none"}).`,
    );
    line(
      `Attendance with a reminder ${percent(r.with_reminder.attendance_rate)} of ${r.with_reminder.appointments}; without ${percent(r.without_reminder.attendance_rate)} of ${r.without_reminder.appointments}.`,
    );
    return Buffer.from(await pdf.save());
  }
}

function percent(v: number | null): string {
  return v === null ? "—" : `${Math.round(v * 1000) / 10}%`;
}

function minutes(v: number | null): string {
  return v === null ? "—" : `${v} min`;
}

/** A cell of a report's table. */
type Cell = string | number | boolean | null | undefined;

function rowsOf<T extends object>(items: T[], columns: (keyof T & string)[]): Cell[][] {
  return [columns, ...items.map((i) => columns.map((c) => i[c] as Cell))];
}

function csvField(v: Cell): string {
  if (v === null || v === undefined) return "";
  const s = String(v);
  // A leading =, +, - or @ would be a formula in a spreadsheet: quote it with a leading apostrophe.
  const safe = /^[=+\-@]/.test(s) && !/^-?\d/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function toCsv(rows: Cell[][]): string {
  return rows.map((r) => r.map(csvField).join(",")).join("\n") + "\n";
}
