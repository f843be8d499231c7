import type { SourceText } from "./chunks.js";
import type { RagRepository } from "./repository.js";

const day = (d: Date | string | null | undefined): string =>
  d == null ? "" : typeof d === "string" ? d.slice(0, 10) : d.toISOString().slice(0, 10);

const lines = (...parts: (string | null | undefined | false)[]) =>
  parts.filter((p): p is string => typeof p === "string" && p.trim() !== "").join("\n");

/**
 * The text sources of one patient's history that live in table rows: records, history items, prescriptions,
 * lab results (with their flags), signed visit notes. Transcripts and documents need decryption (service.ts).
 */
export async function rowSources(repo: RagRepository, patientId: number): Promise<SourceText[]> {
  const [records, history, rx, labs, visits] = await Promise.all([
    repo.listRecords(patientId),
    repo.listHistory(patientId),
    repo.listPrescriptions(patientId),
    repo.listLabResults(patientId),
    repo.listVisits(patientId),
  ]);
  const out: SourceText[] = [];

  for (const r of records) {
    const tests = Object.entries(r.testResults ?? {}).map(([name, value]) => `${name}: ${value}`);
    out.push({
      sourceType: "record",
      sourceId: String(r.id),
      date: r.date,
      title:
        r.kind === "clinical"
          ? `Clinical record${r.doctorName ? ` by ${r.doctorName}` : ""}: ${r.description}`
          : `Self-reported: ${r.description}`,
      text: lines(
        r.description,
        r.diagnosis && `Diagnosis: ${r.diagnosis}`,
        r.notes && `Notes: ${r.notes}`,
        r.prescription && `Prescription: ${r.prescription}`,
        tests.length > 0 && `Test results: ${tests.join("; ")}`,
      ),
    });
  }

  for (const h of history) {
    const kind = h.kind.replace("_", " ");
    out.push({
      sourceType: "history",
      sourceId: String(h.id),
      date: h.onsetDate ?? day(h.createdAt),
      title: `${kind[0]!.toUpperCase()}${kind.slice(1)}: ${h.name}`,
      text: lines(
        `${kind}: ${h.name}`,
        h.severity && `Severity: ${h.severity}`,
        h.qualifier && (h.kind === "allergy" ? `Reaction: ${h.qualifier}` : `Relative: ${h.qualifier}`),
        h.status && `Status: ${h.status}`,
        h.onsetDate && `Since: ${h.onsetDate}`,
        h.detail,
      ),
    });
  }

  const byRx = new Map<number, typeof rx>();
  for (const row of rx) byRx.set(row.id, [...(byRx.get(row.id) ?? []), row]);
  for (const [id, items] of byRx) {
    const p = items[0]!;
    out.push({
      sourceType: "prescription",
      sourceId: String(id),
      date: day(p.issuedAt),
      title: `Prescription${p.doctorName ? ` by ${p.doctorName}` : ""} (${p.status})`,
      text: lines(
        ...items.map(
          (i) =>
            `${[i.medicine, i.strength].filter(Boolean).join(" ")}: ${i.dose}, ${i.frequency}, for ${i.durationDays} days` +
            (i.instructions ? ` (${i.instructions})` : ""),
        ),
        `Valid until ${p.validUntil}`,
        p.notes && `Notes: ${p.notes}`,
      ),
    });
  }

  const byBooking = new Map<number, typeof labs>();
  for (const row of labs) byBooking.set(row.bookingId, [...(byBooking.get(row.bookingId) ?? []), row]);
  for (const [id, results] of byBooking) {
    const b = results[0]!;
    out.push({
      sourceType: "lab_result",
      sourceId: String(id),
      date: day(b.resultedAt),
      title: `Lab result: ${b.testName}`,
      text: lines(
        ...results.map(
          (r) =>
            `${r.name}: ${r.value}${r.unit ? ` ${r.unit}` : ""}` +
            (r.range ? ` (reference ${r.range})` : "") +
            (r.flag && r.flag !== "normal" ? ` — ${r.flag.toUpperCase()}` : r.flag ? " — normal" : ""),
        ),
        b.summary && `Summary: ${b.summary}`,
      ),
    });
  }

  for (const v of visits) {
    if (v.noteStatus !== "signed" || !v.sections) continue;
    const s = v.sections;
    out.push({
      sourceType: "visit_note",
      sourceId: String(v.visitId),
      date: day(v.signedAt ?? v.startedAt ?? v.startsAt),
      title: `Visit note${v.doctorName ? ` by ${v.doctorName}` : ""}`,
      text: lines(
        s.subjective && `Subjective: ${s.subjective}`,
        s.objective && `Objective: ${s.objective}`,
        s.assessment && `Assessment: ${s.assessment}`,
        s.plan && `Plan: ${s.plan}`,
      ),
    });
  }
  return out;
}

/** The visits of a patient that may have a transcript, with their date and doctor. */
export async function visitRefs(
  repo: RagRepository,
  patientId: number,
): Promise<{ visitId: number; date: string; doctorName: string | null }[]> {
  return (await repo.listVisits(patientId)).map((v) => ({
    visitId: v.visitId,
    date: day(v.startedAt ?? v.startsAt),
    doctorName: v.doctorName,
  }));
}
