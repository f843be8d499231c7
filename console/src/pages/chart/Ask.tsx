import { useState, type FormEvent } from "react";
import { api, messageOf } from "../../api";
import type { Citation, GroundedAnswer } from "../../types";

const KINDS: Record<string, string> = {
  record: "Record",
  history: "History",
  prescription: "Prescription",
  lab_result: "Lab result",
  visit_note: "Visit note",
  transcript: "Visit transcript",
  document: "Document",
};

/**
 * "Ask about this patient": a question answered only from this patient's records (POST /api/patients/{id}/ask),
 * with its citations; each citation takes the doctor to its source in the chart.
 */
export function Ask({ patientId, onCite }: { patientId: number; onCite: (c: Citation) => void }) {
  const [question, setQuestion] = useState("");
  const [answer, setAnswer] = useState<GroundedAnswer>();
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const ask = async (e: FormEvent) => {
    e.preventDefault();
    setError("");
    setBusy(true);
    try {
      setAnswer(
        await api<GroundedAnswer>("POST", `/api/patients/${patientId}/ask`, { question: question.trim() }),
      );
    } catch (err) {
      setAnswer(undefined);
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="ask" className="card">
      <h2 id="ask">Ask about this patient</h2>
      <form onSubmit={(e) => void ask(e)} className="stack">
        <label>
          Question
          <input
            value={question}
            onChange={(e) => setQuestion(e.target.value)}
            minLength={2}
            maxLength={1000}
            required
            placeholder="When was the last HbA1c and was it high?"
          />
        </label>
        <div className="actions">
          <button type="submit" disabled={busy}>
            Ask
          </button>
        </div>
      </form>
      <div aria-live="polite">
        {busy && <p>Looking through the records…</p>}
        {answer && (
          <div className="answer">
            <p className="answer-text">{answer.answer}</p>
            {answer.citations.length > 0 && (
              <>
                <h3 className="h3">Sources</h3>
                <ol>
                  {answer.citations.map((c, i) => (
                    <li key={`${c.source_type}-${c.source_id}-${i}`}>
                      <button type="button" className="link" onClick={() => onCite(c)}>
                        {KINDS[c.source_type] ?? c.source_type}, {c.date}: {c.title}
                      </button>
                      <div className="muted">{c.excerpt}</div>
                    </li>
                  ))}
                </ol>
              </>
            )}
          </div>
        )}
      </div>
      {error && <p role="alert">{error}</p>}
    </section>
  );
}
