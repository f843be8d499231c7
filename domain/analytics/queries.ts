import { sql, type SQL } from "drizzle-orm";
import { queryRows, type DbOrTx } from "../../db/client.js";

/**
 * The analytics read model: READ-ONLY queries over other modules' tables (conversations, appointments and
 * their events, payments, scheduled reminders, audit rows, doctor reviews, model usage). This module writes
 * nothing: each of those tables keeps its one writer (ARCHITECTURE.md). The queries group by the indexed time
 * columns (created_at, starts_at, paid_at, fired_at, answered_at, at — see migration 0015) so they scan a date
 * range, not a table, and they run on their own endpoints, never on a live path.
 *
 * Days are UTC calendar days; `to` is inclusive. The channel filter means, per figure, the channel it happened
 * on: a conversation's channel, the channel an appointment was booked on (its creation's audit row), a
 * rating's answer channel. Model usage is not per channel.
 */

export interface Range {
  /** YYYY-MM-DD, inclusive. */
  from: string;
  /** YYYY-MM-DD, inclusive. */
  to: string;
  channel?: string | undefined;
}

export interface DailyActivity {
  day: string;
  conversations: number;
  bookings: number;
}

export interface Funnel {
  first_message: number;
  verified: number;
  booking: number;
  paid: number;
  attended: number;
}

export interface Outcomes {
  appointments: number;
  completed: number;
  no_show: number;
  cancelled: number;
  rejected: number;
  /** no_show / (completed + no_show); null when none of them. */
  no_show_rate: number | null;
  /** cancelled / appointments; null when no appointments. */
  cancellation_rate: number | null;
}

export interface AcceptanceTime {
  accepted: number;
  p50_minutes: number | null;
  p90_minutes: number | null;
}

export interface ProviderPerformance {
  doctor_id: number;
  name: string;
  requests: number;
  accepted: number;
  rejected: number;
  /** accepted (or another time proposed) / decided; null when none decided. */
  acceptance_rate: number | null;
  /** Median minutes from request to the doctor's first decision. */
  median_response_minutes: number | null;
  reviews: number;
  average_rating: number | null;
  revenue_minor: number;
  currency: string;
}

export interface Satisfaction {
  requested: number;
  answered: number;
  average: number | null;
  /** Answers per rating, 1 to 5. */
  distribution: { rating: number; count: number }[];
  /** Share of answers rating 4 or 5. */
  recommend_rate: number | null;
}

export interface ModelUsageDay {
  day: string;
  calls: number;
  errors: number;
  prompt_tokens: number;
  completion_tokens: number;
  latency_p50_ms: number | null;
  latency_p95_ms: number | null;
  voice_answers: number;
  voice_first_token_p50_ms: number | null;
  voice_first_token_p95_ms: number | null;
}

export interface RemindersReport {
  days: { day: string; sent: number }[];
  by_kind: { kind: string; sent: number }[];
  /** Appointments in the range that ended (completed or no-show), with and without an appointment reminder. */
  with_reminder: { appointments: number; attended: number; attendance_rate: number | null };
  without_reminder: { appointments: number; attended: number; attendance_rate: number | null };
}

const rate = (n: number, d: number): number | null => (d > 0 ? Math.round((n / d) * 10000) / 10000 : null);
const round1 = (v: number | string | null): number | null =>
  v === null ? null : Math.round(Number(v) * 10) / 10;

/** The start of the range and the end (exclusive), as timestamptz. */
function bounds(r: Range): { start: SQL; end: SQL } {
  return {
    start: sql`(${r.from}::date)::timestamp AT TIME ZONE 'UTC'`,
    end: sql`(${r.to}::date + 1)::timestamp AT TIME ZONE 'UTC'`,
  };
}

/** An appointment (alias.id) booked on the range's channel, or true without a channel. */
function bookedOn(r: Range, alias: string): SQL {
  if (!r.channel) return sql`true`;
  return sql`exists (select 1 from audit_log al where al.resource_type = 'appointment' and al.action = 'create'
    and al.resource_id = ${sql.raw(alias)}.id::text and al.channel = ${r.channel})`;
}

function days(r: Range): SQL {
  return sql`select gs::date as day from generate_series(${r.from}::date, ${r.to}::date, interval '1 day') gs`;
}

/** Read-only analytics queries (see the module comment). */
export class AnalyticsQueries {
  constructor(private readonly db: DbOrTx) {}

  async dailyActivity(r: Range): Promise<DailyActivity[]> {
    const convChannel = r.channel ? sql`and c.channel = ${r.channel}` : sql``;
    return queryRows<DailyActivity>(
      this.db,
      sql`with days as (${days(r)})
      select to_char(d.day, 'YYYY-MM-DD') as day,
        (select count(*)::int from conversations c
          where c.created_at >= d.day::timestamp at time zone 'UTC'
            and c.created_at < (d.day + 1)::timestamp at time zone 'UTC' ${convChannel}) as conversations,
        (select count(*)::int from appointments ap
          where ap.created_at >= d.day::timestamp at time zone 'UTC'
            and ap.created_at < (d.day + 1)::timestamp at time zone 'UTC' and ${bookedOn(r, "ap")}) as bookings
      from days d order by d.day`,
    );
  }

  /**
   * Conversations started in the range (with at least one message from the person) → identified (verified)
   * → with an appointment booked after the conversation started → paid (or nothing to pay) → attended.
   */
  async funnel(r: Range): Promise<Funnel> {
    const { start, end } = bounds(r);
    const convChannel = r.channel ? sql`and c.channel = ${r.channel}` : sql``;
    const booked = (
      extra: SQL,
    ) => sql`exists (select 1 from patients p join appointments ap on ap.patient_id = p.id
      where p.user_id = conv.user_id and ap.created_at >= conv.created_at and ap.created_at < ${end} ${extra})`;
    const [row] = await queryRows<Funnel>(
      this.db,
      sql`with conv as (
        select c.id, c.user_id, c.created_at from conversations c
        where c.created_at >= ${start} and c.created_at < ${end} ${convChannel}
          and exists (select 1 from conversation_messages m where m.conversation_id = c.id and m.direction = 'in'))
      select count(*)::int as first_message,
        count(*) filter (where conv.user_id is not null)::int as verified,
        count(*) filter (where ${booked(sql``)})::int as booking,
        count(*) filter (where ${booked(sql`and ap.payment_status in ('paid', 'refunded', 'partially_refunded', 'not_required')`)})::int as paid,
        count(*) filter (where ${booked(sql`and ap.status = 'completed'`)})::int as attended
      from conv`,
    );
    return row ?? { first_message: 0, verified: 0, booking: 0, paid: 0, attended: 0 };
  }

  /** Appointments whose time falls in the range, by outcome. */
  async outcomes(r: Range): Promise<Outcomes> {
    const { start, end } = bounds(r);
    const [row] = await queryRows<Omit<Outcomes, "no_show_rate" | "cancellation_rate">>(
      this.db,
      sql`select count(*)::int as appointments,
        count(*) filter (where ap.status = 'completed')::int as completed,
        count(*) filter (where ap.status = 'no_show')::int as no_show,
        count(*) filter (where ap.status = 'cancelled')::int as cancelled,
        count(*) filter (where ap.status = 'rejected')::int as rejected
      from appointments ap where ap.starts_at >= ${start} and ap.starts_at < ${end} and ${bookedOn(r, "ap")}`,
    );
    const o = row ?? { appointments: 0, completed: 0, no_show: 0, cancelled: 0, rejected: 0 };
    return {
      ...o,
      no_show_rate: rate(o.no_show, o.completed + o.no_show),
      cancellation_rate: rate(o.cancelled, o.appointments),
    };
  }

  /** Minutes from a request (booked in the range) to the doctor's acceptance; auto-accepted bookings excluded. */
  async acceptanceTime(r: Range): Promise<AcceptanceTime> {
    const { start, end } = bounds(r);
    const [row] = await queryRows<{ accepted: number; p50: number | null; p90: number | null }>(
      this.db,
      sql`select count(*)::int as accepted,
        percentile_cont(0.5) within group (order by m) as p50,
        percentile_cont(0.9) within group (order by m) as p90
      from (select extract(epoch from (e.at - ap.created_at)) / 60 as m
        from appointments ap
        join lateral (select ev.at from appointment_events ev where ev.appointment_id = ap.id and ev.type = 'accepted'
          order by ev.at, ev.id limit 1) e on true
        where ap.created_at >= ${start} and ap.created_at < ${end} and ${bookedOn(r, "ap")}) t`,
    );
    return {
      accepted: row?.accepted ?? 0,
      p50_minutes: round1(row?.p50 ?? null),
      p90_minutes: round1(row?.p90 ?? null),
    };
  }

  /** Per doctor: requests booked in the range and their decisions, ratings answered and revenue paid in it. */
  async providers(r: Range): Promise<ProviderPerformance[]> {
    const { start, end } = bounds(r);
    const reviewChannel = r.channel ? sql`and rv.channel = ${r.channel}` : sql``;
    const rows = await queryRows<{
      doctor_id: number;
      name: string;
      currency: string;
      requests: number;
      accepted: number;
      rejected: number;
      median_response: number | null;
      reviews: number;
      average_rating: number | null;
      revenue_minor: string | number;
    }>(
      this.db,
      sql`with req as (
        select ap.doctor_id, count(*)::int as requests,
          count(fd.type) filter (where fd.type in ('accepted', 'proposed'))::int as accepted,
          count(fd.type) filter (where fd.type = 'rejected')::int as rejected,
          percentile_cont(0.5) within group (order by extract(epoch from (fd.at - ap.created_at)) / 60) as median_response
        from appointments ap
        left join lateral (select ev.type, ev.at from appointment_events ev where ev.appointment_id = ap.id
          and ev.type in ('accepted', 'rejected', 'proposed') order by ev.at, ev.id limit 1) fd on true
        where ap.created_at >= ${start} and ap.created_at < ${end} and ${bookedOn(r, "ap")}
        group by ap.doctor_id),
      rev as (
        select rv.doctor_id, count(*)::int as reviews, avg(rv.rating)::float8 as average_rating
        from doctor_reviews rv
        where rv.answered_at >= ${start} and rv.answered_at < ${end} and rv.rating is not null ${reviewChannel}
        group by rv.doctor_id),
      paid as (
        select py.doctor_id, py.currency, sum(py.amount_minor - py.refunded_minor)::bigint as revenue_minor
        from payments py join appointments ap on ap.id = py.reference_id
        where py.purpose = 'appointment' and py.paid_at >= ${start} and py.paid_at < ${end}
          and py.status in ('succeeded', 'refunded', 'partially_refunded') and py.doctor_id is not null
          and ${bookedOn(r, "ap")}
        group by py.doctor_id, py.currency),
      ids as (select doctor_id from req union select doctor_id from rev union select doctor_id from paid)
      select d.id as doctor_id, d.name, d.currency,
        coalesce(req.requests, 0) as requests, coalesce(req.accepted, 0) as accepted,
        coalesce(req.rejected, 0) as rejected, req.median_response,
        coalesce(rev.reviews, 0) as reviews, rev.average_rating,
        coalesce((select sum(p2.revenue_minor) from paid p2 where p2.doctor_id = d.id and p2.currency = d.currency), 0) as revenue_minor
      from ids join doctors d on d.id = ids.doctor_id
        left join req on req.doctor_id = d.id left join rev on rev.doctor_id = d.id
      order by d.name, d.id`,
    );
    return rows.map((x) => ({
      doctor_id: x.doctor_id,
      name: x.name,
      requests: x.requests,
      accepted: x.accepted,
      rejected: x.rejected,
      acceptance_rate: rate(x.accepted, x.accepted + x.rejected),
      median_response_minutes: round1(x.median_response),
      reviews: x.reviews,
      average_rating: x.average_rating === null ? null : Math.round(x.average_rating * 100) / 100,
      revenue_minor: Number(x.revenue_minor),
      currency: x.currency,
    }));
  }

  /** Ratings asked and answered in the range. */
  async satisfaction(r: Range): Promise<Satisfaction> {
    const { start, end } = bounds(r);
    const reviewChannel = r.channel ? sql`and rv.channel = ${r.channel}` : sql``;
    const [asked] = await queryRows<{ n: number }>(
      this.db,
      sql`select count(*)::int as n from doctor_reviews rv where rv.requested_at >= ${start} and rv.requested_at < ${end}`,
    );
    const rows = await queryRows<{ rating: number; count: number }>(
      this.db,
      sql`select rv.rating::int as rating, count(*)::int as count from doctor_reviews rv
      where rv.answered_at >= ${start} and rv.answered_at < ${end} and rv.rating is not null ${reviewChannel}
      group by rv.rating`,
    );
    const distribution = [1, 2, 3, 4, 5].map((rating) => ({
      rating,
      count: rows.find((x) => x.rating === rating)?.count ?? 0,
    }));
    const answered = distribution.reduce((s, d) => s + d.count, 0);
    const sum = distribution.reduce((s, d) => s + d.rating * d.count, 0);
    const recommend = distribution.filter((d) => d.rating >= 4).reduce((s, d) => s + d.count, 0);
    return {
      requested: asked?.n ?? 0,
      answered,
      average: answered > 0 ? Math.round((sum / answered) * 100) / 100 : null,
      distribution,
      recommend_rate: rate(recommend, answered),
    };
  }

  /** Language-model calls and the phone line's first-token latency per day. */
  async modelUsage(r: Range): Promise<ModelUsageDay[]> {
    const rows = await queryRows<
      Omit<ModelUsageDay, "prompt_tokens" | "completion_tokens"> & {
        prompt_tokens: string | number;
        completion_tokens: string | number;
      }
    >(
      this.db,
      sql`with days as (${days(r)})
      select to_char(d.day, 'YYYY-MM-DD') as day,
        coalesce(l.calls, 0) as calls, coalesce(l.errors, 0) as errors,
        coalesce(l.prompt_tokens, 0) as prompt_tokens, coalesce(l.completion_tokens, 0) as completion_tokens,
        l.p50 as latency_p50_ms, l.p95 as latency_p95_ms,
        coalesce(v.answers, 0) as voice_answers, v.p50 as voice_first_token_p50_ms, v.p95 as voice_first_token_p95_ms
      from days d
      left join lateral (select count(*)::int as calls, count(*) filter (where u.outcome = 'error')::int as errors,
          coalesce(sum(u.prompt_tokens), 0)::bigint as prompt_tokens,
          coalesce(sum(u.completion_tokens), 0)::bigint as completion_tokens,
          percentile_cont(0.5) within group (order by u.latency_ms) as p50,
          percentile_cont(0.95) within group (order by u.latency_ms) as p95
        from model_usage u where u.kind = 'llm' and u.at >= d.day::timestamp at time zone 'UTC'
          and u.at < (d.day + 1)::timestamp at time zone 'UTC') l on true
      left join lateral (select count(*)::int as answers,
          percentile_cont(0.5) within group (order by u.latency_ms) as p50,
          percentile_cont(0.95) within group (order by u.latency_ms) as p95
        from model_usage u where u.kind = 'voice_first_token' and u.at >= d.day::timestamp at time zone 'UTC'
          and u.at < (d.day + 1)::timestamp at time zone 'UTC') v on true
      order by d.day`,
    );
    const ms = (v: number | null) => (v === null ? null : Math.round(Number(v)));
    return rows.map((x) => ({
      ...x,
      prompt_tokens: Number(x.prompt_tokens),
      completion_tokens: Number(x.completion_tokens),
      latency_p50_ms: ms(x.latency_p50_ms),
      latency_p95_ms: ms(x.latency_p95_ms),
      voice_first_token_p50_ms: ms(x.voice_first_token_p50_ms),
      voice_first_token_p95_ms: ms(x.voice_first_token_p95_ms),
    }));
  }

  /** Reminders sent per day and kind, and attendance of appointments with and without a reminder. */
  async reminders(r: Range): Promise<RemindersReport> {
    const { start, end } = bounds(r);
    const daily = await queryRows<{ day: string; sent: number }>(
      this.db,
      sql`with days as (${days(r)})
      select to_char(d.day, 'YYYY-MM-DD') as day,
        (select count(*)::int from scheduled_reminders s where s.status = 'fired'
          and s.fired_at >= d.day::timestamp at time zone 'UTC'
          and s.fired_at < (d.day + 1)::timestamp at time zone 'UTC') as sent
      from days d order by d.day`,
    );
    const byKind = await queryRows<{ kind: string; sent: number }>(
      this.db,
      sql`select s.kind, count(*)::int as sent from scheduled_reminders s
      where s.status = 'fired' and s.fired_at >= ${start} and s.fired_at < ${end}
      group by s.kind order by s.kind`,
    );
    const effect = await queryRows<{ reminded: boolean; appointments: number; attended: number }>(
      this.db,
      sql`select exists (select 1 from scheduled_reminders s where s.kind = 'appointment' and s.entity_id = ap.id
          and s.status = 'fired') as reminded,
        count(*)::int as appointments, count(*) filter (where ap.status = 'completed')::int as attended
      from appointments ap
      where ap.starts_at >= ${start} and ap.starts_at < ${end} and ap.status in ('completed', 'no_show')
        and ${bookedOn(r, "ap")}
      group by 1`,
    );
    const group = (reminded: boolean) => {
      const g = effect.find((e) => e.reminded === reminded) ?? { appointments: 0, attended: 0 };
      return {
        appointments: g.appointments,
        attended: g.attended,
        attendance_rate: rate(g.attended, g.appointments),
      };
    };
    return { days: daily, by_kind: byKind, with_reminder: group(true), without_reminder: group(false) };
  }
}
