import type { LabsService } from "../orders/labs/service.js";
import { latestReports } from "../orders/labs/plain.js";
import type { PrescriptionsService } from "../orders/prescriptions/service.js";
import type { GroundedAnswer, RagService } from "../rag/service.js";
import type { Actor } from "../shared/actor.js";
import type { RecordsService } from "./service.js";

/** A patient's health in short, without internal ids: what the chat reads out. */
export interface HealthSummary {
  medicines: {
    medicine: string;
    dose: string;
    schedule: string;
    refills_left: number;
    prescribed_by: string;
    valid_until: string;
  }[];
  records: { date: string; title: string; by: string }[];
  latest_lab: {
    test: string;
    date: string;
    flagged: { name: string; value: string; unit: string | null; flag: string }[];
    results: number;
  } | null;
  allergies: { name: string; severity: string | null; reaction: string | null }[];
}

export interface SummarySources {
  prescriptions: Pick<PrescriptionsService, "list">;
  records: Pick<RecordsService, "listRecords" | "listHistory">;
  labs: Pick<LabsService, "patientResults">;
}

/**
 * "My prescriptions and records": the actor's own active prescriptions, recent records, latest lab flags and
 * allergies, each read through its module's service (and audited there). The one entry point the chat's agent
 * tool and guided menu call; the records question-answering (askRecords, below) sits beside it.
 */
export async function healthSummary(sources: SummarySources, actor: Actor): Promise<HealthSummary> {
  const [prescriptions, records, labs, history] = await Promise.all([
    sources.prescriptions.list(actor, undefined, "active"),
    sources.records.listRecords(actor, undefined),
    sources.labs.patientResults(actor, undefined),
    sources.records.listHistory(actor, undefined),
  ]);
  const latestLab = latestReports(labs.lab_results)[0];
  return {
    medicines: prescriptions.flatMap((p) =>
      p.items.map((i) => ({
        medicine: [i.medicine_name, i.strength].filter(Boolean).join(" "),
        dose: i.dose,
        schedule: i.frequency,
        // Before the first fill one of the fills is the original; after it, every fill left is a refill.
        refills_left: Math.min(i.refills, i.fills_remaining),
        prescribed_by: p.doctor_name,
        valid_until: p.valid_until,
      })),
    ),
    records: records.slice(0, 5).map((r) => ({
      date: r.date,
      title: r.description,
      by: r.doctor_name ?? (r.author === "patient" ? "you" : "your doctor"),
    })),
    latest_lab:
      latestLab === undefined
        ? null
        : {
            test: latestLab.test_name,
            date: latestLab.resulted_at!.slice(0, 10),
            flagged: latestLab.results
              .filter((x) => x.flag !== null && !/^n(ormal)?$/i.test(x.flag))
              .map((x) => ({ name: x.name, value: x.value, unit: x.unit, flag: x.flag! })),
            results: latestLab.results.length,
          },
    allergies: history
      .filter((h) => h.kind === "allergy")
      .map((h) => ({ name: h.name, severity: h.severity, reaction: h.reaction })),
  };
}

/**
 * "Ask about my records": a question answered from the actor's own history only (domain/rag), with the
 * sources' dates. The chat never names a patient: the actor's own is the only one it can reach.
 */
export function askRecords(
  sources: { rag: Pick<RagService, "ask"> },
  actor: Actor,
  question: string,
): Promise<GroundedAnswer> {
  return sources.rag.ask(actor, undefined, question);
}
