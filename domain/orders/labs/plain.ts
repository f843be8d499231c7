import type { LabReportView, ResultView } from "./views.js";

const FLAG_WORDS: Record<string, string> = {
  low: "lower than the normal range",
  high: "higher than the normal range",
  critical: "far outside the normal range: please talk to your doctor today",
};

function isFlagged(r: ResultView): boolean {
  return r.flag !== null && !/^n(ormal)?$/i.test(r.flag);
}

/** One result in plain words: "Haemoglobin: 9.1 g/dL, lower than the normal range (12-15)". */
export function resultInPlainWords(r: ResultView): string {
  const value = `${r.value}${r.unit ? ` ${r.unit}` : ""}`;
  const range = r.reference_range ? ` (normal: ${r.reference_range})` : "";
  if (!isFlagged(r)) return `${r.name}: ${value}, within the normal range${range}`;
  return `${r.name}: ${value}, ${FLAG_WORDS[r.flag!.toLowerCase()] ?? `flagged ${r.flag}`}${range}`;
}

/**
 * A lab report for the patient in plain words: flagged values first, then how many are normal. The words say
 * what the lab's flags say, nothing more (no diagnosis).
 */
export function reportInPlainWords(report: LabReportView): string {
  const date = (report.resulted_at ?? report.appointment_date).slice(0, 10);
  const flagged = report.results.filter(isFlagged);
  const normal = report.results.length - flagged.length;
  const lines = [`${report.test_name}, results of ${date}:`];
  for (const r of flagged) lines.push(`- ${resultInPlainWords(r)}`);
  if (flagged.length === 0) lines.push(`- All ${report.results.length} values are within the normal range.`);
  else if (normal > 0)
    lines.push(`- The other ${normal} value${normal === 1 ? " is" : "s are"} within the normal range.`);
  if (flagged.length > 0) lines.push("Your doctor sees these results too; ask them what they mean for you.");
  return lines.join("\n");
}

/** The latest resulted reports, newest first. */
export function latestReports(reports: readonly LabReportView[], count = 1): LabReportView[] {
  return reports
    .filter((r) => r.resulted_at !== null)
    .sort((a, b) => (a.resulted_at! < b.resulted_at! ? 1 : -1))
    .slice(0, count);
}
