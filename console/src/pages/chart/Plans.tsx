import { api } from "../../api";
import { useLoad } from "../../hooks";
import { Show } from "../../Status";
import type { TreatmentPlan } from "../../types";

/** Treatment plans: condition, goals, tasks (done or not) and the latest notes. */
export function Plans({ patientId }: { patientId: number }) {
  const [loaded] = useLoad(
    () => api<{ plans: TreatmentPlan[] }>("GET", `/api/patient/plans/?patient_id=${patientId}`),
    [patientId],
  );
  return (
    <section aria-labelledby="plans" className="card">
      <h2 id="plans">Treatment plans</h2>
      <Show loaded={loaded}>
        {({ plans }) =>
          plans.length === 0 ? (
            <p className="muted">No treatment plans.</p>
          ) : (
            <ul className="list">
              {plans.map((p) => (
                <li key={p.id}>
                  <strong>{p.condition}</strong> · <span className={`badge ${p.status}`}>{p.status}</span> ·
                  from {p.start_date}
                  {p.next_review_date && <> · review {p.next_review_date}</>} · {p.doctor_name}
                  {p.goals.length > 0 && <div>Goals: {p.goals.join("; ")}</div>}
                  {p.tasks.length > 0 && (
                    <ul>
                      {p.tasks.map((t) => (
                        <li key={t.id}>
                          {t.done ? "Done: " : "To do: "}
                          {t.title}
                          {t.due_date && <span className="muted"> (due {t.due_date})</span>}
                        </li>
                      ))}
                    </ul>
                  )}
                  {p.notes.slice(-2).map((n) => (
                    <div key={n.id} className="muted">
                      {n.at.slice(0, 10)} {n.author_name}: {n.text}
                    </div>
                  ))}
                </li>
              ))}
            </ul>
          )
        }
      </Show>
    </section>
  );
}
