import { useEffect, useState } from "react";
import { api, apiBlob, messageOf } from "../../api";
import { useLoad } from "../../hooks";
import { Show } from "../../Status";
import type { PatientDocument } from "../../types";

const kb = (bytes: number) => `${Math.max(1, Math.round(bytes / 1024))} kB`;

/**
 * A document viewed in the page: its bytes fetched with the console's bearer token (the download needs it) and
 * shown from an object URL, a PDF in a frame, an image as an image. The URL is revoked when it closes.
 */
function Viewer({ doc, onClose }: { doc: PatientDocument; onClose: () => void }) {
  const [url, setUrl] = useState<string>();
  const [size, setSize] = useState(0);
  const [error, setError] = useState("");
  useEffect(() => {
    let live = true;
    let made: string | undefined;
    apiBlob(`/api/patient/documents/${doc.id}/download`).then(
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
  }, [doc.id]);
  const name = doc.title ?? doc.filename;
  return (
    <div className="viewer" id={`src-document-${doc.id}`} tabIndex={-1}>
      <div className="row">
        <h3 className="h3 grow">{name}</h3>
        <button type="button" className="secondary" onClick={onClose}>
          Close <span className="sr">{name}</span>
        </button>
      </div>
      {error && <p role="alert">{error}</p>}
      {!url && !error && <p role="status">Loading…</p>}
      {url &&
        (doc.content_type === "application/pdf" ? (
          <iframe src={url} title={name} className="pdf" data-bytes={size} />
        ) : (
          <img src={url} alt={name} className="doc-image" data-bytes={size} />
        ))}
    </div>
  );
}

/** The patient's documents (PDF, PNG, JPEG), each viewed in the page. */
export function Documents(props: {
  patientId: number;
  open: number | undefined;
  onOpen: (id: number | undefined) => void;
}) {
  const [loaded] = useLoad(
    () =>
      api<{ documents: PatientDocument[] }>("GET", `/api/patient/documents/?patient_id=${props.patientId}`),
    [props.patientId],
  );
  return (
    <section aria-labelledby="documents" className="card">
      <h2 id="documents">Documents</h2>
      <Show loaded={loaded}>
        {({ documents }) => {
          if (documents.length === 0) return <p className="muted">No documents.</p>;
          const shown = documents.find((d) => d.id === props.open);
          return (
            <>
              <ul className="list">
                {documents.map((d) => (
                  <li key={d.id} className="row">
                    <span className="grow">
                      <strong>{d.title ?? d.filename}</strong>{" "}
                      <span className="muted">
                        {d.created_at.slice(0, 10)} · {d.content_type === "application/pdf" ? "PDF" : "image"}{" "}
                        · {kb(d.size_bytes)}
                      </span>
                    </span>
                    <button type="button" className="secondary" onClick={() => props.onOpen(d.id)}>
                      View <span className="sr">{d.title ?? d.filename}</span>
                    </button>
                  </li>
                ))}
              </ul>
              {shown && <Viewer key={shown.id} doc={shown} onClose={() => props.onOpen(undefined)} />}
            </>
          );
        }}
      </Show>
    </section>
  );
}
