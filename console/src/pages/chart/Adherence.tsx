import { api } from "../../api";
import { BarChart } from "../../components/Charts";
import { useLoad } from "../../hooks";
import { Show } from "../../Status";
import type { AdherenceBody } from "../../types";

/** Adherence per medicine: doses taken, skipped and missed, drawn as grouped bars, with the percentages. */
export function Adherence({ patientId }: { patientId: number }) {
  const [loaded] = useLoad(
    () => api<AdherenceBody>("GET", `/api/doctor/patients/${patientId}/adherence/`),
    [patientId],
  );
  return (
    <section aria-labelledby="adherence" className="card">
      <h2 id="adherence">Adherence</h2>
      <Show loaded={loaded}>
        {(a) =>
          a.items.length === 0 ? (
            <p className="muted">No medicines with a dose schedule.</p>
          ) : (
            <>
              <p>
                Overall:{" "}
                {a.overall_percent === null ? "no dose due yet" : `${Math.round(a.overall_percent)}% taken`}
              </p>
              <BarChart
                title="Doses per medicine"
                series={(["taken", "skipped", "missed"] as const).map((k) => ({
                  name: k[0]!.toUpperCase() + k.slice(1),
                  points: a.items.map((i) => ({ x: i.medicine_name, y: i[k] })),
                }))}
                unit="doses"
              />
              <ul className="list">
                {a.items.map((i) => (
                  <li key={i.item_id}>
                    <strong>{i.medicine_name}</strong>:{" "}
                    {i.percent === null ? "no dose due yet" : `${Math.round(i.percent)}% taken`} ({i.taken}{" "}
                    taken, {i.skipped} skipped, {i.missed} missed, {i.upcoming} upcoming)
                  </li>
                ))}
              </ul>
            </>
          )
        }
      </Show>
    </section>
  );
}
