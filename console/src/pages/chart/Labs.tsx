import { LineChart, type Series } from "../../components/Charts";
import type { LabReport } from "../../types";

/** Numeric results of one test over time (oldest first), for the analytes measured at least twice. */
export function trends(reports: LabReport[]): { name: string; unit: string | null; series: Series }[] {
  const byName = new Map<string, { unit: string | null; points: { x: string; y: number }[] }>();
  const oldestFirst = [...reports].sort((a, b) =>
    (a.resulted_at ?? a.appointment_date).localeCompare(b.resulted_at ?? b.appointment_date),
  );
  for (const r of oldestFirst) {
    const date = (r.resulted_at ?? r.appointment_date).slice(0, 10);
    for (const x of r.results) {
      const y = Number.parseFloat(x.value);
      if (!Number.isFinite(y)) continue;
      const entry = byName.get(x.name) ?? { unit: x.unit, points: [] };
      // One point per day: a test repeated the same day keeps the later value.
      entry.points = [...entry.points.filter((p) => p.x !== date), { x: date, y }];
      byName.set(x.name, entry);
    }
  }
  return [...byName.entries()]
    .filter(([, e]) => e.points.length >= 2)
    .map(([name, e]) => ({ name, unit: e.unit, series: { name, points: e.points } }));
}

/** Lab reports with reference ranges and flags (flagged rows highlighted), then a trend chart per test. */
export function Labs({ reports }: { reports: LabReport[] }) {
  if (reports.length === 0) return <p className="muted">No lab results.</p>;
  const lines = trends(reports);
  return (
    <>
      {reports.map((r) => (
        <div key={r.booking_id} className="table-wrap" id={`src-lab_result-${r.booking_id}`} tabIndex={-1}>
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
                <tr key={i} className={x.flag && x.flag !== "normal" ? "flagged" : undefined}>
                  <th scope="row">{x.name}</th>
                  <td>
                    {x.value} {x.unit ?? ""}
                  </td>
                  <td>{x.reference_range ?? "—"}</td>
                  <td>
                    {x.flag && x.flag !== "normal" ? (
                      <strong className={`flag ${x.flag}`}>{x.flag}</strong>
                    ) : (
                      "normal"
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
      {lines.length > 0 && (
        <div className="grid trends">
          {lines.map((l) => (
            <LineChart
              key={l.name}
              title={`Trend: ${l.name}${l.unit ? ` (${l.unit})` : ""}`}
              series={[l.series]}
              unit={l.unit ?? undefined}
            />
          ))}
        </div>
      )}
    </>
  );
}
