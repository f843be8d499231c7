import { useState, type ReactNode } from "react";
import { api } from "../api";
import { useLoad, type Loaded } from "../hooks";
import { Link } from "../Link";
import { Show } from "../Status";
import type { Citation, HistoryItem, LabReport, MedicalRecord, Prescription, ProfileBody } from "../types";
import { Adherence } from "./chart/Adherence";
import { Ask } from "./chart/Ask";
import { Documents } from "./chart/Documents";
import { Labs } from "./chart/Labs";
import { Plans } from "./chart/Plans";
import { Prescribe } from "./chart/Prescribe";
import { Report } from "./chart/Report";

function HistoryList({ items, empty }: { items: HistoryItem[]; empty: string }) {
  if (items.length === 0) return <p className="muted">{empty}</p>;
  return (
    <ul>
      {items.map((h) => (
        <li key={h.id} id={`src-history-${h.id}`} tabIndex={-1}>
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

/** Scrolls to a chart element (waiting a little for it to render), focuses and highlights it. */
function reveal(id: string, tries = 20): void {
  const el = document.getElementById(id);
  if (!el) {
    if (tries > 0) setTimeout(() => reveal(id, tries - 1), 100);
    return;
  }
  for (const old of document.querySelectorAll(".highlight")) old.classList.remove("highlight");
  el.classList.add("highlight");
  el.scrollIntoView({ block: "center" });
  el.focus({ preventScroll: true });
}

/**
 * A patient's chart: who they are, allergies and conditions first, then asking about the patient, prescribing,
 * prescriptions, adherence, lab results with trends, treatment plans, documents, records, and the PDF report.
 */
export function Chart({ patientId }: { patientId: number }) {
  const [profile] = useLoad(
    () => api<ProfileBody>("GET", `/api/patient/profile/?patient_id=${patientId}`),
    [patientId],
  );
  const [records] = useLoad(
    () => api<{ records: MedicalRecord[] }>("GET", `/api/patient/records/?patient_id=${patientId}`),
    [patientId],
  );
  const [prescriptions, reloadPrescriptions] = useLoad(
    () => api<{ prescriptions: Prescription[] }>("GET", `/api/doctor/patients/${patientId}/prescriptions/`),
    [patientId],
  );
  const [labs] = useLoad(
    () => api<{ lab_results: LabReport[] }>("GET", `/api/patient/lab/results/?patient_id=${patientId}`),
    [patientId],
  );

  const [openDoc, setOpenDoc] = useState<number>();
  // A new prescription has a new dose schedule: the adherence section loads again.
  const [signed, setSigned] = useState(0);
  const [citeNote, setCiteNote] = useState("");
  const cite = (c: Citation) => {
    setCiteNote("");
    if (c.source_type === "visit_note" || c.source_type === "transcript") {
      setCiteNote(
        `That source is the ${c.source_type.replace("_", " ")} of the visit on ${c.date}: open it from the visit.`,
      );
      return;
    }
    if (c.source_type === "document") setOpenDoc(Number(c.source_id));
    reveal(`src-${c.source_type}-${c.source_id}`);
  };

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

      <Ask patientId={patientId} onCite={cite} />
      <p aria-live="polite" className="notice">
        {citeNote}
      </p>
      <Prescribe
        patientId={patientId}
        onSigned={() => {
          reloadPrescriptions();
          setSigned((n) => n + 1);
        }}
      />

      <Section id="prescriptions" title="Prescriptions" loaded={prescriptions}>
        {({ prescriptions: list }) =>
          list.length === 0 ? (
            <p className="muted">No prescriptions.</p>
          ) : (
            <ul className="list">
              {list.map((rx) => (
                <li key={rx.id} id={`src-prescription-${rx.id}`} tabIndex={-1}>
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

      <Adherence key={signed} patientId={patientId} />

      <Section id="labs" title="Lab results" loaded={labs}>
        {({ lab_results: list }) => <Labs reports={list} />}
      </Section>

      <Plans patientId={patientId} />
      <Documents patientId={patientId} open={openDoc} onOpen={setOpenDoc} />

      <Section id="records" title="Records" loaded={records}>
        {({ records: list }) =>
          list.length === 0 ? (
            <p className="muted">No records.</p>
          ) : (
            <ul className="list">
              {list.map((r) => (
                <li key={r.record_id} id={`src-record-${r.record_id}`} tabIndex={-1}>
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

      <Show loaded={profile}>{({ profile: p }) => <Report patientId={patientId} name={p.name} />}</Show>
    </article>
  );
}
