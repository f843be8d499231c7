import type { ReactNode } from "react";
import { api } from "../api";
import { useLoad, type Loaded } from "../hooks";
import { Link } from "../Link";
import { Show } from "../Status";
import type { HistoryItem, LabReport, MedicalRecord, Prescription, ProfileBody } from "../types";

function HistoryList({ items, empty }: { items: HistoryItem[]; empty: string }) {
  if (items.length === 0) return <p className="muted">{empty}</p>;
  return (
    <ul>
      {items.map((h) => (
        <li key={h.id}>
          <strong>{h.name}</strong>
          {h.severity && <> · {h.severity}</>}
          {h.reaction && <> · reaction: {h.reaction}</>}
          {h.status && <> · {h.status}</>}
          {h.relative && <> · {h.relative}</>}
          {h.detail && <div className="muted">{h.detail}</div>}
        </li>
      ))}
    </ul>
  );
}

function Section<T>(props: {
  id: string;
  title: string;
  loaded: Loaded<T>;
  children: (data: T) => ReactNode;
}) {
  return (
    <section aria-labelledby={props.id} className="card">
      <h2 id={props.id}>{props.title}</h2>
      <Show loaded={props.loaded}>{props.children}</Show>
    </section>
  );
}

const age = (dob: string | null) => {
  if (!dob) return undefined;
  const years = (Date.now() - new Date(dob).getTime()) / (365.25 * 86_400_000);
  return Math.floor(years);
};

/** A patient's chart: who they are, allergies and conditions first, then records, prescriptions, lab results. */
export function Chart({ patientId }: { patientId: number }) {
  const [profile] = useLoad(
    () => api<ProfileBody>("GET", `/api/patient/profile/?patient_id=${patientId}`),
    [patientId],
  );
  const [records] = useLoad(
    () => api<{ records: MedicalRecord[] }>("GET", `/api/patient/records/?patient_id=${patientId}`),
    [patientId],
  );
  const [prescriptions] = useLoad(
    () => api<{ prescriptions: Prescription[] }>("GET", `/api/doctor/patients/${patientId}/prescriptions/`),
    [patientId],
  );
  const [labs] = useLoad(
    () => api<{ lab_results: LabReport[] }>("GET", `/api/patient/lab/results/?patient_id=${patientId}`),
    [patientId],
  );

  return (
    <article className="chart">
      <p>
        <Link to="/patients">← All patients</Link>
      </p>
      <Show loaded={profile}>
        {({ profile: p, history }) => (
          <>
            <h1>{p.name}</h1>
            <p className="muted">
              {[
                age(p.date_of_birth) !== undefined ? `${age(p.date_of_birth)} years` : undefined,
                p.sex,
                p.blood_group ? `blood group ${p.blood_group}` : undefined,
                p.city,
                p.phone,
              ]
                .filter(Boolean)
                .join(" · ") || "No demographics recorded."}
            </p>
            <div className="grid">
              <section aria-labelledby="allergies" className="card alert-card">
                <h2 id="allergies">Allergies</h2>
                <HistoryList items={history.allergies} empty="No known allergies recorded." />
              </section>
              <section aria-labelledby="conditions" className="card">
                <h2 id="conditions">Conditions</h2>
                <HistoryList items={history.conditions} empty="No conditions recorded." />
              </section>
              {(history.surgeries.length > 0 || history.family_history.length > 0) && (
                <section aria-labelledby="other-history" className="card">
                  <h2 id="other-history">Surgeries and family history</h2>
                  <HistoryList items={[...history.surgeries, ...history.family_history]} empty="" />
                </section>
              )}
            </div>
          </>
        )}
      </Show>

      <Section id="prescriptions" title="Prescriptions" loaded={prescriptions}>
        {({ prescriptions: list }) =>
          list.length === 0 ? (
            <p className="muted">No prescriptions.</p>
          ) : (
            <ul className="list">
              {list.map((rx) => (
                <li key={rx.id}>
                  <strong>{rx.issued_at.slice(0, 10)}</strong> · {rx.doctor_name} ·{" "}
                  <span className={`badge ${rx.status}`}>{rx.status}</span>
                  <ul>
                    {rx.items.map((it, i) => (
                      <li key={i}>
                        {it.medicine_name} {it.strength ?? ""} — {it.dose}, {it.frequency}, {it.duration_days}{" "}
                        days
                      </li>
                    ))}
                  </ul>
                </li>
              ))}
            </ul>
          )
        }
      </Section>

      <Section id="labs" title="Lab results" loaded={labs}>
        {({ lab_results: list }) =>
          list.length === 0 ? (
            <p className="muted">No lab results.</p>
          ) : (
            list.map((r) => (
              <div key={r.booking_id} className="table-wrap">
                <table>
                  <caption>
                    {r.test_name} · {(r.resulted_at ?? r.appointment_date).slice(0, 10)}
                    {r.summary && <> · {r.summary}</>}
                  </caption>
                  <thead>
                    <tr>
                      <th scope="col">Test</th>
                      <th scope="col">Value</th>
                      <th scope="col">Reference</th>
                      <th scope="col">Flag</th>
                    </tr>
                  </thead>
                  <tbody>
                    {r.results.map((x, i) => (
                      <tr key={i} className={x.flag ? "flagged" : undefined}>
                        <th scope="row">{x.name}</th>
                        <td>
                          {x.value} {x.unit ?? ""}
                        </td>
                        <td>{x.reference_range ?? "—"}</td>
                        <td>{x.flag ? <strong className={`flag ${x.flag}`}>{x.flag}</strong> : "normal"}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ))
          )
        }
      </Section>

      <Section id="records" title="Records" loaded={records}>
        {({ records: list }) =>
          list.length === 0 ? (
            <p className="muted">No records.</p>
          ) : (
            <ul className="list">
              {list.map((r) => (
                <li key={r.record_id}>
                  <strong>{r.date}</strong> · {r.description}
                  <span className="muted">
                    {" "}
                    ({r.kind === "clinical" ? (r.doctor_name ?? "clinical") : "reported by the patient"})
                  </span>
                  {r.diagnosis && <div>Diagnosis: {r.diagnosis}</div>}
                  {Object.entries(r.test_results).map(([k, v]) => (
                    <div key={k}>
                      {k}: {v}
                    </div>
                  ))}
                </li>
              ))}
            </ul>
          )
        }
      </Section>
    </article>
  );
}
