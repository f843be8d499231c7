import { useState, type FormEvent, type ReactNode } from "react";
import { api, download, messageOf } from "../api";
import { BarChart, LineChart } from "../components/Charts";
import { field, useLoad } from "../hooks";
import { Show } from "../Status";
import type { AnalyticsOverview } from "../types";

const CHANNELS: [string, string][] = [
  ["", "All channels"],
  ["web", "Web chat"],
  ["whatsapp", "WhatsApp"],
  ["telegram", "Telegram"],
  ["sms", "SMS"],
  ["voice", "Phone"],
  ["console", "Console"],
  ["api", "API"],
];

const DAY_MS = 86_400_000;
const isoDay = (d: Date) => d.toISOString().slice(0, 10);

interface Filter {
  from: string;
  to: string;
  channel: string;
}

function query(f: Filter): string {
  const q = new URLSearchParams({ from: f.from, to: f.to });
  if (f.channel) q.set("channel", f.channel);
  return q.toString();
}

const pct = (v: number | null) => (v === null ? "—" : `${Math.round(v * 1000) / 10}%`);
const num = (v: number | null, unit = "") => (v === null ? "—" : `${v}${unit}`);
const short = (day: string) => day.slice(5);

/** A small table of figures: a caption, then one row per label. */
function Figures({ caption, rows }: { caption: string; rows: [string, ReactNode][] }) {
  return (
    <div className="table-wrap">
      <table>
        <caption>{caption}</caption>
        <tbody>
          {rows.map(([label, value]) => (
            <tr key={label}>
              <th scope="row">{label}</th>
              <td>{value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Csv({ report, label, filter }: { report: string; label: string; filter: Filter }) {
  const [error, setError] = useState<string>();
  return (
    <>
      <button
        type="button"
        className="secondary"
        onClick={() => {
          setError(undefined);
          download(
            `/api/admin/analytics/${report}.csv?${query(filter)}`,
            `healthlink-${report}-${filter.from}-${filter.to}.csv`,
          ).catch((err: unknown) => setError(messageOf(err)));
        }}
      >
        Download CSV <span className="sr">of {label}</span>
      </button>
      {error && <p role="alert">{error}</p>}
    </>
  );
}

function Section(props: { title: string; report: string; filter: Filter; children: ReactNode }) {
  return (
    <section className="card" aria-labelledby={`a-${props.report}`}>
      <div className="row">
        <h2 id={`a-${props.report}`} className="grow">
          {props.title}
        </h2>
        <Csv report={props.report} label={props.title.toLowerCase()} filter={props.filter} />
      </div>
      {props.children}
    </section>
  );
}

function Dashboard({ data, filter }: { data: AnalyticsOverview; filter: Filter }) {
  const { activity, funnel, outcomes, acceptance, providers, satisfaction, model_usage, reminders } = data;
  const usage = model_usage.days;
  const sum = (k: "calls" | "errors" | "prompt_tokens" | "completion_tokens" | "estimated_cost") =>
    usage.reduce((s, d) => s + d[k], 0);
  const voice = usage.some((d) => d.voice_answers > 0);
  return (
    <>
      <Section title="Conversations and bookings" report="activity" filter={filter}>
        <LineChart
          title="Conversations and bookings per day"
          series={[
            { name: "Conversations", points: activity.map((d) => ({ x: short(d.day), y: d.conversations })) },
            { name: "Bookings", points: activity.map((d) => ({ x: short(d.day), y: d.bookings })) },
          ]}
        />
        <Figures
          caption="Totals"
          rows={[
            ["Conversations started", activity.reduce((s, d) => s + d.conversations, 0)],
            ["Appointments booked", activity.reduce((s, d) => s + d.bookings, 0)],
          ]}
        />
      </Section>

      <Section title="Funnel" report="funnel" filter={filter}>
        <BarChart
          title="From first message to attended visit"
          series={[
            {
              name: "Conversations",
              points: [
                { x: "First message", y: funnel.first_message },
                { x: "Verified", y: funnel.verified },
                { x: "Booking", y: funnel.booking },
                { x: "Paid", y: funnel.paid },
                { x: "Attended", y: funnel.attended },
              ],
            },
          ]}
        />
        <Figures
          caption="Funnel stages"
          rows={[
            ["First message", funnel.first_message],
            ["Verified", funnel.verified],
            ["Booking", funnel.booking],
            ["Paid", funnel.paid],
            ["Attended", funnel.attended],
          ]}
        />
      </Section>

      <Section title="Appointments" report="outcomes" filter={filter}>
        <div className="grid">
          <Figures
            caption="Outcomes of appointments in the range"
            rows={[
              ["Appointments", outcomes.appointments],
              ["Completed", outcomes.completed],
              ["No-shows", outcomes.no_show],
              ["Cancelled", outcomes.cancelled],
              ["Rejected", outcomes.rejected],
              ["No-show rate", pct(outcomes.no_show_rate)],
              ["Cancellation rate", pct(outcomes.cancellation_rate)],
            ]}
          />
          <Figures
            caption="Time to doctor acceptance"
            rows={[
              ["Accepted requests", acceptance.accepted],
              ["Median (p50)", num(acceptance.p50_minutes, " min")],
              ["p90", num(acceptance.p90_minutes, " min")],
            ]}
          />
        </div>
      </Section>

      <Section title="Providers" report="providers" filter={filter}>
        {providers.length === 0 ? (
          <p>No doctor activity in this range.</p>
        ) : (
          <div className="table-wrap">
            <table>
              <caption>Provider performance</caption>
              <thead>
                <tr>
                  <th scope="col">Doctor</th>
                  <th scope="col">Requests</th>
                  <th scope="col">Acceptance</th>
                  <th scope="col">Response (median)</th>
                  <th scope="col">Ratings</th>
                  <th scope="col">Revenue</th>
                </tr>
              </thead>
              <tbody>
                {providers.map((p) => (
                  <tr key={p.doctor_id}>
                    <th scope="row">{p.name}</th>
                    <td>{p.requests}</td>
                    <td>{pct(p.acceptance_rate)}</td>
                    <td>{num(p.median_response_minutes, " min")}</td>
                    <td>{p.average_rating === null ? "—" : `${p.average_rating} (${p.reviews})`}</td>
                    <td>
                      {(p.revenue_minor / 100).toFixed(2)} {p.currency}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Section>

      <Section title="Satisfaction" report="satisfaction" filter={filter}>
        <BarChart
          title="Ratings from 1 to 5"
          series={[
            {
              name: "Ratings",
              points: satisfaction.distribution.map((d) => ({ x: `${d.rating}★`, y: d.count })),
            },
          ]}
        />
        <Figures
          caption="Patients' ratings"
          rows={[
            ["Asked", satisfaction.requested],
            ["Answered", satisfaction.answered],
            ["Average", num(satisfaction.average)],
            ["Would recommend (4–5)", pct(satisfaction.recommend_rate)],
          ]}
        />
      </Section>

      <Section title="Model usage" report="model-usage" filter={filter}>
        <LineChart
          title="Model calls and errors per day"
          series={[
            { name: "Calls", points: usage.map((d) => ({ x: short(d.day), y: d.calls })) },
            { name: "Errors", points: usage.map((d) => ({ x: short(d.day), y: d.errors })) },
          ]}
        />
        <LineChart
          title="Model latency per day"
          unit="ms"
          series={[
            { name: "p50", points: usage.map((d) => ({ x: short(d.day), y: d.latency_p50_ms ?? 0 })) },
            { name: "p95", points: usage.map((d) => ({ x: short(d.day), y: d.latency_p95_ms ?? 0 })) },
          ]}
        />
        {voice && (
          <LineChart
            title="Phone: time to the first word of an answer"
            unit="ms"
            series={[
              {
                name: "p50",
                points: usage.map((d) => ({ x: short(d.day), y: d.voice_first_token_p50_ms ?? 0 })),
              },
              {
                name: "p95",
                points: usage.map((d) => ({ x: short(d.day), y: d.voice_first_token_p95_ms ?? 0 })),
              },
            ]}
          />
        )}
        <Figures
          caption="Model totals"
          rows={[
            ["Calls", sum("calls")],
            ["Errors", sum("errors")],
            ["Prompt tokens", sum("prompt_tokens")],
            ["Completion tokens", sum("completion_tokens")],
            [
              "Estimated cost",
              `${sum("estimated_cost").toFixed(4)} ${model_usage.price.currency}` +
                (model_usage.price.input_per_million === 0 && model_usage.price.output_per_million === 0
                  ? " (no prices configured)"
                  : ""),
            ],
          ]}
        />
      </Section>

      <Section title="Reminders" report="reminders" filter={filter}>
        <BarChart
          title="Reminders sent per day"
          series={[{ name: "Sent", points: reminders.days.map((d) => ({ x: short(d.day), y: d.sent })) }]}
        />
        <Figures
          caption="Attendance with and without an appointment reminder"
          rows={[
            [
              "With a reminder",
              `${pct(reminders.with_reminder.attendance_rate)} of ${reminders.with_reminder.appointments}`,
            ],
            [
              "Without",
              `${pct(reminders.without_reminder.attendance_rate)} of ${reminders.without_reminder.appointments}`,
            ],
            ...reminders.by_kind.map((k): [string, ReactNode] => [`Sent: ${k.kind}`, k.sent]),
          ]}
        />
      </Section>
    </>
  );
}

/** The admin's analytics dashboard: a date range and channel, charts from the real data, CSV and a PDF. */
export default function Analytics() {
  const today = new Date();
  const [filter, setFilter] = useState<Filter>({
    from: isoDay(new Date(today.getTime() - 29 * DAY_MS)),
    to: isoDay(today),
    channel: "",
  });
  const [loaded] = useLoad(
    () => api<AnalyticsOverview>("GET", `/api/admin/analytics/overview?${query(filter)}`),
    [filter.from, filter.to, filter.channel],
  );
  const [pdfError, setPdfError] = useState<string>();

  const apply = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    setFilter({ from: field(form, "from"), to: field(form, "to"), channel: field(form, "channel") });
  };

  return (
    <section className="analytics">
      <h1>Analytics</h1>
      <form className="card row" onSubmit={apply} aria-label="Date range and channel">
        <label className="grow">
          From
          <input type="date" name="from" defaultValue={filter.from} required />
        </label>
        <label className="grow">
          To
          <input type="date" name="to" defaultValue={filter.to} required />
        </label>
        <label className="grow">
          Channel
          <select name="channel" defaultValue={filter.channel}>
            {CHANNELS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <div className="actions">
          <button type="submit">Show</button>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setPdfError(undefined);
              download(
                `/api/admin/analytics/report.pdf?${query(filter)}`,
                `healthlink-operations-${filter.from}-${filter.to}.pdf`,
              ).catch((err: unknown) => setPdfError(messageOf(err)));
            }}
          >
            Printable report (PDF)
          </button>
        </div>
      </form>
      {pdfError && <p role="alert">{pdfError}</p>}
      <p className="muted">
        {filter.from} to {filter.to} (UTC days),{" "}
        {CHANNELS.find(([v]) => v === filter.channel)?.[1].toLowerCase() ?? filter.channel}.
      </p>
      <Show loaded={loaded}>{(data) => <Dashboard data={data} filter={filter} />}</Show>
    </section>
  );
}
