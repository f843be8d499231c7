import { useState, type FormEvent } from "react";
import { api, messageOf } from "../api";
import { field, useLoad } from "../hooks";
import { Show } from "../Status";
import type { DoctorProfile, ReviewDoctor } from "../types";
import { CredentialDocuments } from "./Credentials";

/** What the doctor told us about their training and practice, and their photo: read before deciding. */
function Credentials({ d }: { d: ReviewDoctor }) {
  const [loaded] = useLoad(
    () => api<{ doctor: DoctorProfile }>("GET", `/api/doctor/profile/?doctor_id=${d.id}`),
    [d.id],
  );
  return (
    <section className="stack" aria-label={`Credentials of ${d.name}`}>
      <Show loaded={loaded}>
        {({ doctor: p }) => (
          <div className="row">
            {p.photo_url && (
              <img
                className="photo"
                src={`/api/doctors/${p.id}/photo`}
                alt={`Photo of ${p.name}`}
                width={96}
                height={96}
              />
            )}
            <div className="grow">
              <h3 className="h3">Qualifications</h3>
              {p.qualifications.length === 0 ? (
                <p>None given.</p>
              ) : (
                <ul>
                  {p.qualifications.map((q, i) => (
                    <li key={i}>
                      {q.degree}, {q.institute}
                      {q.year ? ` (${q.year})` : ""}
                    </li>
                  ))}
                </ul>
              )}
              <dl className="facts">
                <dt>Experience</dt>
                <dd>{p.experience_years} years</dd>
                <dt>Clinic</dt>
                <dd>{[p.clinic_name, p.clinic_address].filter(Boolean).join(", ") || "—"}</dd>
                <dt>Languages</dt>
                <dd>{p.languages.join(", ") || "—"}</dd>
                <dt>About</dt>
                <dd>{p.summary ?? "—"}</dd>
              </dl>
            </div>
          </div>
        )}
      </Show>
    </section>
  );
}

function DoctorItem({ d, done }: { d: ReviewDoctor; done: (message: string) => void }) {
  const [rejecting, setRejecting] = useState(false);
  const [showing, setShowing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const decide = async (body: { status?: "rejected"; note?: string }, message: string) => {
    setBusy(true);
    setError(undefined);
    try {
      await api("POST", `/api/admin/doctors/${d.id}/verify`, body);
      done(message);
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  };
  const reject = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const note = field(e.currentTarget, "note").trim();
    void decide({ status: "rejected", ...(note ? { note } : {}) }, `Rejected ${d.name}.`);
  };

  return (
    <li className="card">
      <div className="row">
        <div className="grow">
          <h2 className="h3">{d.name}</h2>
          <dl className="facts">
            <dt>Email</dt>
            <dd>{d.email ?? "—"}</dd>
            <dt>Registration number</dt>
            <dd>{d.registration_number ?? "not given"}</dd>
            <dt>City</dt>
            <dd>{d.city || "—"}</dd>
            <dt>Specialties</dt>
            <dd>{d.specialties.join(", ") || "—"}</dd>
            <dt>Degrees</dt>
            <dd>{d.degrees.join(", ") || "—"}</dd>
            <dt>Signed up</dt>
            <dd>{d.created_at.slice(0, 10)}</dd>
          </dl>
          <CredentialDocuments doctorId={d.id} doctorName={d.name} />
        </div>
        <div className="actions">
          <button
            type="button"
            className="secondary"
            aria-expanded={showing}
            onClick={() => setShowing(!showing)}
          >
            Credentials <span className="sr">of {d.name}</span>
          </button>
          <button type="button" disabled={busy} onClick={() => void decide({}, `Verified ${d.name}.`)}>
            Verify <span className="sr">{d.name}</span>
          </button>
          <button
            type="button"
            className="secondary"
            aria-expanded={rejecting}
            onClick={() => setRejecting(!rejecting)}
          >
            Reject <span className="sr">{d.name}</span>
          </button>
        </div>
      </div>
      {showing && <Credentials d={d} />}
      {rejecting && (
        <form className="stack" onSubmit={reject}>
          <label>
            Note to the doctor (why, and what to send)
            <textarea name="note" maxLength={1000} rows={2} />
          </label>
          <button type="submit" disabled={busy}>
            Reject {d.name}
          </button>
        </form>
      )}
      {error && <p role="alert">{error}</p>}
    </li>
  );
}

/** The admin's queue of doctors waiting for verification, oldest first. */
export function Verification() {
  const [loaded, reload] = useLoad(
    () =>
      api<{ doctors: ReviewDoctor[]; total: number }>(
        "GET",
        "/api/admin/doctors/?status=pending&per_page=200",
      ),
    [],
  );
  const [notice, setNotice] = useState("");
  return (
    <section>
      <h1>Doctor verification</h1>
      <p role="status" className="notice">
        {notice}
      </p>
      <Show loaded={loaded}>
        {({ doctors, total }) =>
          doctors.length === 0 ? (
            <p>No doctors are waiting for verification.</p>
          ) : (
            <>
              <p className="muted">{total} waiting, oldest first.</p>
              <ul className="list">
                {doctors.map((d) => (
                  <DoctorItem
                    key={d.id}
                    d={d}
                    done={(m) => {
                      setNotice(m);
                      reload();
                    }}
                  />
                ))}
              </ul>
            </>
          )
        }
      </Show>
    </section>
  );
}
