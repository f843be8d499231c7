import { useEffect, useState, type FormEvent } from "react";
import { api, apiBlob, messageOf, upload } from "../api";
import { useLoad } from "../hooks";
import { Show, useSubmit } from "../Status";
import type { DoctorCredential } from "../types";

const KINDS: Record<DoctorCredential["kind"], string> = {
  registration: "Registration certificate",
  degree: "Degree certificate",
  other: "Other",
};
const kb = (bytes: number) => `${Math.max(1, Math.round(bytes / 1024))} kB`;
const describe = (c: DoctorCredential) =>
  `${KINDS[c.kind]} · ${c.content_type === "application/pdf" ? "PDF" : "image"} · ${kb(c.size_bytes)} · ${c.created_at.slice(0, 10)}`;

/**
 * The doctor's credential documents in their Profile: upload (PDF, PNG, JPEG), list, and delete while the
 * profile is not verified yet. Admins read them in the Verification screen.
 */
export function CredentialsSection({ verified }: { verified: boolean }) {
  const [loaded, reload] = useLoad(
    () => api<{ credentials: DoctorCredential[] }>("GET", "/api/doctor/credentials/"),
    [],
  );
  const { busy, run, notices } = useSubmit();
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const formEl = e.currentTarget;
    const form = new FormData(formEl);
    void run(async () => {
      await upload("/api/doctor/credentials/", form);
      formEl.reset();
      reload();
      return "Document uploaded.";
    });
  };
  const remove = (c: DoctorCredential) =>
    void run(async () => {
      await api("DELETE", `/api/doctor/credentials/${c.id}`);
      reload();
      return `Deleted ${c.title}.`;
    });

  return (
    <section aria-labelledby="profile-credentials" className="card">
      <h2 id="profile-credentials">Credentials</h2>
      <p className="muted">
        Your registration certificate and degree certificates, for the admins who verify your profile.
        {verified ? " Your profile is verified: documents can no longer be deleted." : ""}
      </p>
      <Show loaded={loaded}>
        {({ credentials }) =>
          credentials.length === 0 ? (
            <p className="muted">No documents yet.</p>
          ) : (
            <ul className="list" aria-label="Your credential documents">
              {credentials.map((c) => (
                <li key={c.id} className="row">
                  <span className="grow">
                    <strong>{c.title}</strong> <span className="muted">{describe(c)}</span>
                  </span>
                  {!verified && (
                    <button type="button" className="secondary" disabled={busy} onClick={() => remove(c)}>
                      Delete <span className="sr">{c.title}</span>
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )
        }
      </Show>
      <form className="stack" onSubmit={submit}>
        <label>
          Kind
          <select name="kind" defaultValue="registration" required>
            {Object.entries(KINDS).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Title
          <input name="title" type="text" maxLength={200} required placeholder="e.g. MBBS, 2012" />
        </label>
        <label>
          Document (PDF, PNG or JPEG)
          <input name="file" type="file" accept="application/pdf,image/png,image/jpeg" required />
        </label>
        <div className="actions">
          <button type="submit" disabled={busy}>
            Upload the document
          </button>
        </div>
      </form>
      {notices}
    </section>
  );
}

/**
 * One credential document viewed in the page: the bytes fetched with the bearer token and shown from an object
 * URL (a PDF in a frame, an image as an image), revoked when it closes.
 */
function Viewer({ doc, onClose }: { doc: DoctorCredential; onClose: () => void }) {
  const [url, setUrl] = useState<string>();
  const [size, setSize] = useState(0);
  const [error, setError] = useState("");
  useEffect(() => {
    let live = true;
    let made: string | undefined;
    apiBlob(`/api/admin/doctors/${doc.doctor_id}/credentials/${doc.id}`).then(
      (blob) => {
        if (!live) return;
        made = URL.createObjectURL(blob);
        setSize(blob.size);
        setUrl(made);
      },
      (err: unknown) => live && setError(messageOf(err)),
    );
    return () => {
      live = false;
      if (made) URL.revokeObjectURL(made);
    };
  }, [doc.id, doc.doctor_id]);
  return (
    <div className="viewer" id={`credential-${doc.id}`}>
      <div className="row">
        <h4 className="h3 grow">{doc.title}</h4>
        <button type="button" className="secondary" onClick={onClose}>
          Close <span className="sr">{doc.title}</span>
        </button>
      </div>
      {error && <p role="alert">{error}</p>}
      {!url && !error && <p role="status">Loading…</p>}
      {url &&
        (doc.content_type === "application/pdf" ? (
          <iframe src={url} title={doc.title} className="pdf" data-bytes={size} />
        ) : (
          <img src={url} alt={doc.title} className="doc-image" data-bytes={size} />
        ))}
    </div>
  );
}

/** A doctor's credential documents for the admin (Verification screen), each viewable in the page. */
export function CredentialDocuments({ doctorId, doctorName }: { doctorId: number; doctorName: string }) {
  const [loaded] = useLoad(
    () => api<{ credentials: DoctorCredential[] }>("GET", `/api/admin/doctors/${doctorId}/credentials/`),
    [doctorId],
  );
  const [open, setOpen] = useState<number>();
  return (
    <div className="stack">
      <h3 className="h3">Documents</h3>
      <Show loaded={loaded}>
        {({ credentials }) => {
          if (credentials.length === 0) return <p className="muted">No documents uploaded.</p>;
          const shown = credentials.find((c) => c.id === open);
          return (
            <>
              <ul className="list" aria-label={`Documents of ${doctorName}`}>
                {credentials.map((c) => (
                  <li key={c.id} className="row">
                    <span className="grow">
                      <strong>{c.title}</strong> <span className="muted">{describe(c)}</span>
                    </span>
                    <button
                      type="button"
                      className="secondary"
                      aria-expanded={open === c.id}
                      onClick={() => setOpen(open === c.id ? undefined : c.id)}
                    >
                      View <span className="sr">{c.title}</span>
                    </button>
                  </li>
                ))}
              </ul>
              {shown && <Viewer key={shown.id} doc={shown} onClose={() => setOpen(undefined)} />}
            </>
          );
        }}
      </Show>
    </div>
  );
}
