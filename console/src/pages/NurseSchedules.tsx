import { useState } from "react";
import { api } from "../api";
import { MODES, useLoad } from "../hooks";
import { Link } from "../Link";
import { Show } from "../Status";
import type { NurseDoctor } from "../staff-types";
import type { AppointmentPage } from "../types";

function DoctorSchedule({ doctor }: { doctor: NurseDoctor }) {
  const [scope, setScope] = useState<"upcoming" | "past">("upcoming");
  const [loaded] = useLoad(
    () =>
      api<AppointmentPage>(
        "GET",
        `/api/doctor/appointments/?doctor_id=${doctor.doctor_id}&scope=${scope}&per_page=50`,
      ),
    [doctor.doctor_id, scope],
  );
  return (
    <section aria-labelledby={`dr-${doctor.doctor_id}`} className="card">
      <div className="row">
        <h2 id={`dr-${doctor.doctor_id}`} className="grow">
          {doctor.name}
        </h2>
        <label>
          Appointments
          <select value={scope} onChange={(e) => setScope(e.target.value as "upcoming" | "past")}>
            <option value="upcoming">upcoming</option>
            <option value="past">past</option>
          </select>
        </label>
      </div>
      <Show loaded={loaded}>
        {({ appointments }) =>
          appointments.length === 0 ? (
            <p>No {scope} appointments.</p>
          ) : (
            <ol className="list">
              {appointments.map((a) => (
                <li key={a.id} className="appointment">
                  <time dateTime={a.starts_at} className="time">
                    {a.appointment_date} {a.appointment_time}
                  </time>
                  <div className="grow">
                    <Link to={`/patients/${a.patient_id}`}>{a.patient_name}</Link>
                    <div className="muted">
                      {MODES[a.mode] ?? a.mode} ·{" "}
                      <span className={`badge ${a.status}`}>{a.status.replace("_", " ")}</span>
                      {a.reason && <> · {a.reason}</>}
                    </div>
                  </div>
                </li>
              ))}
            </ol>
          )
        }
      </Show>
    </section>
  );
}

/** A nurse's view: the schedules of the doctors they are assigned to, each patient a link to the chart. */
export function NurseSchedules() {
  const [loaded] = useLoad(() => api<{ doctors: NurseDoctor[] }>("GET", "/api/nurse/doctors/"), []);
  return (
    <section>
      <h1>Schedules</h1>
      <Show loaded={loaded}>
        {({ doctors }) =>
          doctors.length === 0 ? (
            <p>You are not assigned to a doctor yet; an admin assigns nurses to doctors.</p>
          ) : (
            doctors.map((d) => <DoctorSchedule key={d.doctor_id} doctor={d} />)
          )
        }
      </Show>
    </section>
  );
}
