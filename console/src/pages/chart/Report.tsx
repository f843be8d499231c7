import { useState, type FormEvent } from "react";
import { apiBlob, messageOf } from "../../api";

const iso = (d: Date) => d.toISOString().slice(0, 10);

/** "Download report": the patient's care for a date range as a PDF, saved through an object URL. */
export function Report({ patientId, name }: { patientId: number; name: string }) {
  const today = new Date();
  const [from, setFrom] = useState(iso(new Date(today.getTime() - 365 * 86_400_000)));
  const [to, setTo] = useState(iso(today));
  const [status, setStatus] = useState("");
  const [error, setError] = useState("");
  const download = async (e: FormEvent) => {
    e.preventDefault();
    setError("");
    setStatus("");
    try {
      const blob = await apiBlob(`/api/patients/${patientId}/report.pdf?from=${from}&to=${to}`);
      const url = URL.createObjectURL(blob);
      const a = document.createElement("a");
      a.href = url;
      a.download = `health-report-${name.replace(/[^A-Za-z0-9]+/g, "-")}-${from}-to-${to}.pdf`;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setStatus("Report downloaded.");
    } catch (err) {
      setError(messageOf(err));
    }
  };
  return (
    <section aria-labelledby="report" className="card">
      <h2 id="report">Patient report</h2>
      <form onSubmit={(e) => void download(e)} className="row">
        <label>
          From
          <input type="date" value={from} max={to} onChange={(e) => setFrom(e.target.value)} required />
        </label>
        <label>
          To
          <input type="date" value={to} min={from} onChange={(e) => setTo(e.target.value)} required />
        </label>
        <button type="submit">Download report</button>
      </form>
      <p aria-live="polite" className="notice">
        {status}
      </p>
      {error && <p role="alert">{error}</p>}
    </section>
  );
}
