import { useEffect, useState } from "react";
import { api } from "../api";
import { useLoad } from "../hooks";
import { Link } from "../Link";
import { Show } from "../Status";
import type { DoctorPatientPage } from "../types";

const PER_PAGE = 25;

/** "2030-01-07 10:00" on the browser's clock, or a dash. */
const when = (iso: string | null) => {
  if (!iso) return "—";
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
};

/** The doctor's patients (their care team, as the API defines it): searched and paged by the server. */
export function Patients() {
  const [q, setQ] = useState("");
  const [query, setQuery] = useState("");
  const [page, setPage] = useState(1);
  // The search is sent a moment after typing stops.
  useEffect(() => {
    const timer = setTimeout(() => {
      setQuery(q.trim());
      setPage(1);
    }, 250);
    return () => clearTimeout(timer);
  }, [q]);
  const [loaded] = useLoad(
    () =>
      api<DoctorPatientPage>(
        "GET",
        `/api/doctor/patients/?per_page=${PER_PAGE}&page=${page}${query ? `&q=${encodeURIComponent(query)}` : ""}`,
      ),
    [query, page],
  );
  return (
    <section>
      <h1>Patients</h1>
      <label className="search">
        Search by name
        <input type="search" value={q} onChange={(e) => setQ(e.target.value)} />
      </label>
      <Show loaded={loaded}>
        {({ patients, has_more }) => (
          <>
            {patients.length === 0 ? (
              <p>No patients{query ? " match" : " yet"}.</p>
            ) : (
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
                    {patients.map((p) => (
                      <tr key={p.patient_id}>
                        <th scope="row">
                          <Link to={`/patients/${p.patient_id}`}>{p.name}</Link>
                        </th>
                        <td>{when(p.last_visit_at)}</td>
                        <td>{when(p.next_visit_at)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            {(page > 1 || has_more) && (
              <nav aria-label="Pages of patients" className="actions">
                <button
                  type="button"
                  className="secondary"
                  disabled={page === 1}
                  onClick={() => setPage(page - 1)}
                >
                  Previous page
                </button>
                <span>Page {page}</span>
                <button
                  type="button"
                  className="secondary"
                  disabled={!has_more}
                  onClick={() => setPage(page + 1)}
                >
                  Next page
                </button>
              </nav>
            )}
          </>
        )}
      </Show>
    </section>
  );
}
