import { api } from "../api";
import { MODES, ONLINE, useLoad } from "../hooks";
import { Link } from "../Link";
import { Show } from "../Status";
import type { Appointment, AppointmentPage } from "../types";

const MINUTE = 60_000;
/** The visit opens this long before the start (VISIT_EARLY_JOIN_MINUTES' default) … */
const EARLY_MS = 15 * MINUTE;
/** … and can be entered until this long after the end (the server decides; this only groups the list). */
const GRACE_MS = 30 * MINUTE;

type Phase = "in_progress" | "upcoming" | "ended";

/** Where an online appointment stands now: its visit open, still to come, or over. */
export function phaseOf(a: Appointment, now = Date.now()): Phase | undefined {
  if (a.status === "completed" || a.status === "no_show") return "ended";
  if (a.status !== "confirmed") return undefined;
  const starts = Date.parse(a.starts_at);
  const ends = Date.parse(a.ends_at);
  if (now < starts - EARLY_MS) return "upcoming";
  if (now < ends + GRACE_MS) return "in_progress";
  return "ended";
}

async function loadVisits(): Promise<Record<Phase, Appointment[]>> {
  const [upcoming, past] = await Promise.all([
    api<AppointmentPage>("GET", "/api/doctor/appointments/?scope=upcoming&per_page=100"),
    api<AppointmentPage>("GET", "/api/doctor/appointments/?scope=past&per_page=100"),
  ]);
  const groups: Record<Phase, Appointment[]> = { in_progress: [], upcoming: [], ended: [] };
  const seen = new Set<number>();
  for (const a of [...past.appointments, ...upcoming.appointments]) {
    if (seen.has(a.id) || !ONLINE.has(a.mode)) continue;
    seen.add(a.id);
    const phase = phaseOf(a);
    if (phase) groups[phase].push(a);
  }
  groups.in_progress.sort((a, b) => a.starts_at.localeCompare(b.starts_at));
  groups.upcoming.sort((a, b) => a.starts_at.localeCompare(b.starts_at));
  groups.ended.sort((a, b) => b.starts_at.localeCompare(a.starts_at));
  return groups;
}

const TITLES: [Phase, string, string][] = [
  ["in_progress", "In progress", "No visit is open now."],
  ["upcoming", "Upcoming", "No online visits to come."],
  ["ended", "Ended", "No past online visits."],
];

/** The doctor's online visits (video, audio, chat): open now, to come, and over. */
export function Visits() {
  const [loaded, reload] = useLoad(loadVisits, []);
  return (
    <section>
      <div className="row">
        <h1>Visits</h1>
        <button type="button" className="secondary" onClick={reload}>
          Refresh
        </button>
      </div>
      <Show loaded={loaded}>
        {(groups) => (
          <>
            {TITLES.map(([phase, title, empty]) => (
              <section key={phase} aria-labelledby={`visits-${phase}`} className="stack">
                <h2 id={`visits-${phase}`}>{title}</h2>
                {groups[phase].length === 0 ? (
                  <p className="muted">{empty}</p>
                ) : (
                  <ol className="list">
                    {groups[phase].map((a) => (
                      <li key={a.id} className="card appointment">
                        <time dateTime={a.starts_at} className="time">
                          {a.appointment_date} {a.appointment_time}
                        </time>
                        <div className="grow">
                          <Link to={`/visits/${a.id}`}>Visit with {a.patient_name}</Link>
                          <div className="muted">
                            {MODES[a.mode] ?? a.mode} ·{" "}
                            <span className={`badge ${a.status}`}>{a.status.replace("_", " ")}</span>
                            {a.reason && <> · {a.reason}</>}
                          </div>
                        </div>
                      </li>
                    ))}
                  </ol>
                )}
              </section>
            ))}
          </>
        )}
      </Show>
    </section>
  );
}
