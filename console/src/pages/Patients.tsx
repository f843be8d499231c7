import { useState } from "react";
import { api } from "../api";
import { useLoad } from "../hooks";
import { Link } from "../Link";
import { Show } from "../Status";
import type { Appointment, AppointmentPage } from "../types";

interface PatientRow {
  id: number;
  name: string;
  last?: Appointment;
  next?: Appointment;
}

const HELD = new Set(["pending", "proposed", "confirmed"]);

/**
 * The doctor's patients: everyone they have (or had) an appointment with — their care team, as the API defines
 * it — drawn from their appointment lists (the latest hundred each way).
 */
async function loadPatients(): Promise<PatientRow[]> {
  const [upcoming, past] = await Promise.all([
    api<AppointmentPage>("GET", "/api/doctor/appointments/?scope=upcoming&per_page=100"),
    api<AppointmentPage>("GET", "/api/doctor/appointments/?scope=past&per_page=100"),
  ]);
  const rows = new Map<number, PatientRow>();
  const row = (a: Appointment) => {
    const r = rows.get(a.patient_id) ?? { id: a.patient_id, name: a.patient_name };
    rows.set(a.patient_id, r);
    return r;
  };
  for (const a of past.appointments) {
    const r = row(a);
    if (!r.last) r.last = a; // newest first
  }
  for (const a of upcoming.appointments) {
    const r = row(a);
    if (!r.next && HELD.has(a.status)) r.next = a; // soonest first
  }
  return [...rows.values()].sort((a, b) => a.name.localeCompare(b.name));
}

const when = (a: Appointment | undefined) => (a ? `${a.appointment_date} ${a.appointment_time}` : "—");

export function Patients() {
  const [loaded] = useLoad(loadPatients, []);
  const [q, setQ] = useState("");
  return (
    <section>
      <h1>Patients</h1>
      <label className="search">
        Search by name
        <input type="search" value={q} onChange={(e) => setQ(e.target.value)} />
      </label>
      <Show loaded={loaded}>
        {(list) => {
          const shown = list.filter((p) => p.name.toLowerCase().includes(q.trim().toLowerCase()));
          if (shown.length === 0) return <p>No patients{q ? " match" : " yet"}.</p>;
          return (
            <div className="table-wrap">
              <table>
                <caption className="sr">Your patients</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Last visit</th>
                    <th scope="col">Next visit</th>
                  </tr>
                </thead>
                <tbody>
                  {shown.map((p) => (
                    <tr key={p.id}>
                      <th scope="row">
                        <Link to={`/patients/${p.id}`}>{p.name}</Link>
                      </th>
                      <td>{when(p.last)}</td>
                      <td>{when(p.next)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          );
        }}
      </Show>
    </section>
  );
}
