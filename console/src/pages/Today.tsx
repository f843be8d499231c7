import { useState } from "react";
import { api, messageOf } from "../api";
import { MODES, ONLINE, todayIn, useLoad, type Loaded } from "../hooks";
import { Link } from "../Link";
import { CallButton } from "./Call";
import { Show } from "../Status";
import type { Appointment, AppointmentPage, WaitingPatient } from "../types";

const SHOWN = new Set(["pending", "proposed", "confirmed", "completed", "no_show"]);

/** Today's appointments on the doctor's calendar: earlier ones (past) and the rest of the day (upcoming). */
async function loadToday(): Promise<Appointment[]> {
  const [upcoming, past] = await Promise.all([
    api<AppointmentPage>("GET", "/api/doctor/appointments/?scope=upcoming&per_page=100"),
    api<AppointmentPage>("GET", "/api/doctor/appointments/?scope=past&per_page=100"),
  ]);
  const now = new Date();
  return [...past.appointments, ...upcoming.appointments]
    .filter((a) => a.appointment_date === todayIn(a.time_zone, now) && SHOWN.has(a.status))
    .sort((a, b) => a.starts_at.localeCompare(b.starts_at));
}

function JoinButton({ appointment }: { appointment: Pick<Appointment, "id" | "patient_name"> }) {
  const [error, setError] = useState<string>();
  const join = async () => {
    setError(undefined);
    try {
      const { visit } = await api<{ visit: { join_url: string } }>(
        "POST",
        `/api/appointments/${appointment.id}/visit/join`,
      );
      window.open(visit.join_url, "_blank", "noopener");
    } catch (err) {
      setError(messageOf(err));
    }
  };
  return (
    <>
      <button type="button" onClick={() => void join()}>
        Join <span className="sr">the visit with {appointment.patient_name}</span>
      </button>
      {error && <p role="alert">{error}</p>}
    </>
  );
}

const minutesSince = (iso: string) => Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 60_000));

/** Patients in an online visit the doctor has not joined yet (the visits module records who is in the room). */
function Waiting({ loaded }: { loaded: Loaded<{ waiting: WaitingPatient[] }> }) {
  return (
    <section aria-labelledby="waiting" className="card alert-card">
      <h2 id="waiting">Patients waiting</h2>
      <Show loaded={loaded}>
        {({ waiting }) =>
          waiting.length === 0 ? (
            <p className="muted">Nobody is waiting.</p>
          ) : (
            <ul className="list">
              {waiting.map((w) => (
                <li key={w.visit_id} className="row">
                  <span className="grow">
                    <Link to={`/patients/${w.patient_id}`}>{w.patient_name}</Link> · {MODES[w.mode] ?? w.mode}{" "}
                    · waiting {minutesSince(w.waiting_since)} min
                  </span>
                  <JoinButton appointment={{ id: w.appointment_id, patient_name: w.patient_name }} />
                </li>
              ))}
            </ul>
          )
        }
      </Show>
    </section>
  );
}

export function Today() {
  const [loaded, reloadToday] = useLoad(loadToday, []);
  const [waiting, reloadWaiting] = useLoad(
    () => api<{ waiting: WaitingPatient[] }>("GET", "/api/doctor/visits/waiting/"),
    [],
  );
  const reload = () => {
    reloadToday();
    reloadWaiting();
  };
  return (
    <section>
      <div className="row">
        <h1>Today</h1>
        <button type="button" className="secondary" onClick={reload}>
          Refresh
        </button>
      </div>
      <Waiting loaded={waiting} />
      <h2>Appointments</h2>
      <Show loaded={loaded}>
        {(list) =>
          list.length === 0 ? (
            <p>No appointments today.</p>
          ) : (
            <ol className="list">
              {list.map((a) => (
                <li key={a.id} className="card appointment">
                  <time dateTime={a.starts_at} className="time">
                    {a.appointment_time}
                  </time>
                  <div className="grow">
                    <Link to={`/patients/${a.patient_id}`}>{a.patient_name}</Link>
                    <div className="muted">
                      {MODES[a.mode] ?? a.mode} ·{" "}
                      <span className={`badge ${a.status}`}>{a.status.replace("_", " ")}</span>
                      {a.reason && <> · {a.reason}</>}
                    </div>
                  </div>
                  {ONLINE.has(a.mode) && a.status === "confirmed" && <JoinButton appointment={a} />}
                  {/* An audio visit can also be run as a phone call from the browser (when configured). */}
                  {a.mode === "audio" && a.status === "confirmed" && (
                    <CallButton appointmentId={a.id} patientName={a.patient_name} />
                  )}
                </li>
              ))}
            </ol>
          )
        }
      </Show>
    </section>
  );
}
