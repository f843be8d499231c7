import { PDFDocument } from "pdf-lib";
import type { AuditTrail } from "../audit/audit.js";
import type { LabsService } from "../orders/labs/service.js";
import type { PrescriptionsService } from "../orders/prescriptions/service.js";
import type { SchedulingService } from "../scheduling/service.js";
import type { Actor } from "../shared/actor.js";
import { invalid } from "../shared/errors.js";
import { PdfPages } from "../shared/pdf-pages.js";
import { PdfText } from "../shared/pdf-text.js";
import { todayIn } from "../shared/time.js";
import type { PlansService } from "./plans/service.js";
import type { RecordsService } from "./service.js";

/** The modules a patient report reads, each through its own service (each read authorized and audited there). */
export interface ReportSources {
  records: Pick<RecordsService, "getProfile" | "listRecords">;
  prescriptions: Pick<PrescriptionsService, "list">;
  labs: Pick<LabsService, "patientResults">;
  scheduling: Pick<SchedulingService, "listForPatient">;
  plans: Pick<PlansService, "list">;
  audit: Pick<AuditTrail, "record">;
  now: () => Date;
}

export interface PatientReport {
  filename: string;
  bytes: Uint8Array;
}

/** The longest range a report covers. */
const MAX_DAYS = 3660;

const inRange = (date: string, from: string, to: string) =>
  date.slice(0, 10) >= from && date.slice(0, 10) <= to;

/**
 * A PDF summary of a patient's care between two dates (inclusive): profile, allergies and conditions (always, as
 * they stand), then the records, prescriptions, lab results, visits and treatment plans of the period. For the
 * patient and their care team; anyone else gets 404 from the first read. Audited as a "report" of the patient.
 */
export async function patientReport(
  sources: ReportSources,
  actor: Actor,
  patientId: number,
  range: { from?: string | undefined; to?: string | undefined },
): Promise<PatientReport> {
  // The first read decides access (404 for strangers, audited by the records module).
  const { profile, history } = await sources.records.getProfile(actor, patientId);
  const today = todayIn(profile.time_zone, sources.now());
  const to = range.to ?? today;
  const from = range.from ?? `${Number(to.slice(0, 4)) - 1}${to.slice(4)}`;
  if (from > to) throw invalid("INVALID_DATE_RANGE", "`from` must not be after `to`.");
  if ((Date.parse(to) - Date.parse(from)) / 86_400_000 > MAX_DAYS)
    throw invalid("INVALID_DATE_RANGE", "A report covers at most ten years.");

  const [records, prescriptions, labs, visits, plans] = await Promise.all([
    sources.records.listRecords(actor, patientId),
    sources.prescriptions.list(actor, patientId, "all"),
    sources.labs.patientResults(actor, patientId),
    sources.scheduling.listForPatient(actor, { patientId, scope: "past", page: 1, perPage: 100 }),
    sources.plans.list(actor, patientId),
  ]);
  const content = { profile, history, records, prescriptions, labs, visits, plans };

  const doc = await PDFDocument.create();
  doc.setTitle(`Health report ${from} to ${to}`);
  doc.setCreator("HealthLink");
  doc.setProducer("HealthLink");
  doc.setCreationDate(sources.now());
  const w = new PdfPages(doc, await PdfText.for(doc, content));

  w.text("Health report", { size: 18, bold: true });
  w.text(profile.name, { size: 14, bold: true });
  w.text(
    [
      profile.date_of_birth && `Born ${profile.date_of_birth}`,
      profile.sex && `Sex: ${profile.sex}`,
      profile.blood_group && `Blood group: ${profile.blood_group}`,
    ]
      .filter(Boolean)
      .join("    ") || "No demographics recorded.",
  );
  w.text(`Period: ${from} to ${to}    Prepared: ${today}`);

  w.heading("Allergies");
  if (history.allergies.length === 0) w.text("No known allergies recorded.", { indent: 4 });
  for (const a of history.allergies)
    w.text([a.name, a.severity, a.reaction && `reaction: ${a.reaction}`].filter(Boolean).join(" - "), {
      indent: 4,
    });
  w.heading("Conditions and history");
  const other = [...history.conditions, ...history.surgeries, ...history.family_history];
  if (other.length === 0) w.text("Nothing recorded.", { indent: 4 });
  for (const h of other)
    w.text(
      [
        `${h.kind.replace("_", " ")}: ${h.name}`,
        h.status,
        h.relative,
        h.onset_date && `since ${h.onset_date}`,
      ]
        .filter(Boolean)
        .join(" - "),
      { indent: 4 },
    );

  w.heading("Medicines");
  const rx = prescriptions.filter((p) => inRange(p.issued_at, from, to));
  if (rx.length === 0) w.text("No prescriptions in this period.", { indent: 4 });
  for (const p of rx) {
    w.text(`${p.issued_at.slice(0, 10)} - ${p.doctor_name} (${p.status})`, { bold: true, indent: 4 });
    for (const i of p.items)
      w.text(
        `${[i.medicine_name, i.strength].filter(Boolean).join(" ")}: ${i.dose}, ${i.frequency}, ${i.duration_days} days`,
        { indent: 14 },
      );
  }

  w.heading("Lab results");
  const reports = labs.lab_results.filter((r) => inRange(r.resulted_at ?? r.appointment_date, from, to));
  if (reports.length === 0) w.text("No lab results in this period.", { indent: 4 });
  for (const r of reports) {
    w.text(`${(r.resulted_at ?? r.appointment_date).slice(0, 10)} - ${r.test_name}`, {
      bold: true,
      indent: 4,
    });
    for (const x of r.results)
      w.text(
        `${x.name}: ${x.value}${x.unit ? ` ${x.unit}` : ""}${x.reference_range ? ` (reference ${x.reference_range})` : ""}${x.flag && x.flag !== "normal" ? ` - ${x.flag.toUpperCase()}` : ""}`,
        { indent: 14 },
      );
    if (r.summary) w.text(r.summary, { indent: 14 });
  }

  w.heading("Visits");
  const seen = visits.appointments.filter(
    (a) => inRange(a.appointment_date, from, to) && (a.status === "completed" || a.status === "confirmed"),
  );
  if (seen.length === 0) w.text("No visits in this period.", { indent: 4 });
  for (const a of seen)
    w.text(`${a.appointment_date} ${a.appointment_time} - ${a.doctor_name} (${a.mode.replace("_", " ")})`, {
      indent: 4,
    });

  w.heading("Records");
  const recs = records.filter((r) => inRange(r.date, from, to));
  if (recs.length === 0) w.text("No records in this period.", { indent: 4 });
  for (const r of recs) {
    w.text(`${r.date} - ${r.description}`, { bold: true, indent: 4 });
    if (r.diagnosis) w.text(`Diagnosis: ${r.diagnosis}`, { indent: 14 });
    if (r.notes) w.text(`Notes: ${r.notes}`, { indent: 14 });
  }

  w.heading("Treatment plans");
  const current = plans.filter((p) => p.start_date <= to && (p.end_date === null || p.end_date >= from));
  if (current.length === 0) w.text("No treatment plans in this period.", { indent: 4 });
  for (const p of current) {
    w.text(`${p.condition} (${p.status}) - from ${p.start_date}, ${p.doctor_name}`, {
      bold: true,
      indent: 4,
    });
    if (p.goals.length > 0) w.text(`Goals: ${p.goals.join("; ")}`, { indent: 14 });
    for (const t of p.tasks) w.text(`${t.done ? "[done]" : "[ ]"} ${t.title}`, { indent: 14 });
  }

  w.footers((page, of) => `HealthLink health report  -  ${from} to ${to}  -  page ${page} of ${of}`);
  await sources.audit.record(actor, {
    patientId,
    action: "report",
    resourceType: "patient",
    outcome: "allowed",
  });
  return {
    filename: `health-report-${from}-to-${to}.pdf`,
    bytes: await doc.save({ useObjectStreams: false }),
  };
}
