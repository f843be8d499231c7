import { DateTime } from "luxon";
import type { AuditEntry } from "../../audit/audit.js";
import type { ServiceContext } from "../../context.js";
import type { Actor } from "../../shared/actor.js";
import { conflict, forbidden, invalid, notFound, unprocessable } from "../../shared/errors.js";
import { todayIn } from "../../shared/time.js";
import { parseFrequency } from "../prescriptions/frequency.js";
import { PrescriptionsRepository } from "../prescriptions/repository.js";
import { adherencePercent, classifyDose, emptyTally, sumTallies, type DoseTally } from "./arithmetic.js";
import { AdherenceRepository, type DoseRow } from "./repository.js";

/** How far ahead of its time a dose may be recorded as taken or skipped. */
export const EARLY_ANSWER_MS = 2 * 3_600_000;

export interface DoseView {
  id: number;
  item_id: number;
  scheduled_at: string;
  /** The dose time on the patient's clock, "HH:MM". */
  local_time: string;
  /** A scheduled dose whose time has passed shows as missed. */
  status: "scheduled" | "taken" | "skipped" | "missed";
  recorded_at: string | null;
  channel: string | null;
}

export interface MedicationView {
  item_id: number;
  prescription_id: number;
  medicine_name: string;
  strength: string | null;
  dose: string;
  frequency: string;
  times_per_day: number;
  /** As needed: no schedule. */
  prn: boolean;
  instructions: string | null;
  start_date: string;
  duration_days: number;
  fills_remaining: number;
  doses_today: DoseView[];
}

export interface MedicationsView {
  patient_id: number;
  date: string;
  time_zone: string;
  medications: MedicationView[];
}

export interface AdherenceItemView extends DoseTally {
  item_id: number;
  medicine_name: string;
  percent: number | null;
}

export interface AdherenceView extends DoseTally {
  patient_id: number;
  as_of: string;
  overall_percent: number | null;
  items: AdherenceItemView[];
}

export interface RecordDoseInput {
  scheduled_at?: string | undefined;
  status: "taken" | "skipped";
}

const MEDICATION = "medication";
const DOSE = "medication_dose";
const ADHERENCE = "adherence";

function doseView(d: DoseRow, zone: string, now: Date): DoseView {
  return {
    id: d.id,
    item_id: d.prescriptionItemId,
    scheduled_at: d.scheduledAt.toISOString(),
    local_time: DateTime.fromJSDate(d.scheduledAt, { zone }).toFormat("HH:mm"),
    status: classifyDose(d.status, d.scheduledAt, now) === "missed" ? "missed" : d.status,
    recorded_at: d.recordedAt?.toISOString() ?? null,
    channel: d.channel,
  };
}

/**
 * Medication schedules and adherence. Doses are scheduled with the prescription (prescriptions/service.ts);
 * the patient answers each one (taken or skipped, again to correct it); a dose left unanswered after its time
 * counts as missed. Reminder jobs (a later issue) read the scheduled rows by due time.
 */
export class AdherenceService {
  private readonly repo: AdherenceRepository;
  private readonly patients: PrescriptionsRepository;

  constructor(readonly ctx: ServiceContext) {
    this.repo = new AdherenceRepository(ctx.db);
    this.patients = new PrescriptionsRepository(ctx.db);
  }

  private audit(actor: Actor, entry: AuditEntry): Promise<void> {
    return this.ctx.audit.record(actor, entry);
  }

  private async zoneOf(patientId: number): Promise<string> {
    return (await this.patients.findPatient(patientId))?.timeZone ?? "UTC";
  }

  /** Active medicines with today's doses (today on the patient's clock). */
  async medications(actor: Actor, requested: number | undefined): Promise<MedicationsView> {
    const patientId = await this.ctx.access.patientScope(actor, requested, {
      action: "list",
      resourceType: MEDICATION,
    });
    const zone = await this.zoneOf(patientId);
    const now = this.ctx.clock.now();
    const today = todayIn(zone, now);
    const dayStart = DateTime.fromISO(today, { zone }).startOf("day");
    const items = await this.repo.activeItems(patientId, today, dayStart.toJSDate());
    const doses = await this.repo.dosesBetween(
      items.map((i) => i.id),
      dayStart.toJSDate(),
      dayStart.plus({ days: 1 }).toJSDate(),
    );
    await this.audit(actor, { patientId, action: "list", resourceType: MEDICATION, outcome: "allowed" });
    return {
      patient_id: patientId,
      date: today,
      time_zone: zone,
      medications: items.map((i) => ({
        item_id: i.id,
        prescription_id: i.prescriptionId,
        medicine_name: i.medicineName,
        strength: i.strength,
        dose: i.dose,
        frequency: i.frequency,
        times_per_day: i.timesPerDay,
        prn: parseFrequency(i.frequency)?.prn ?? false,
        instructions: i.instructions,
        start_date: i.startDate,
        duration_days: i.durationDays,
        fills_remaining: i.fillsRemaining,
        doses_today: doses.filter((d) => d.prescriptionItemId === i.id).map((d) => doseView(d, zone, now)),
      })),
    };
  }

  /**
   * The patient answers a dose: the one at `scheduled_at`, or the dose nearest to now. Answering the same
   * dose again changes the answer. A dose more than two hours ahead cannot be answered yet.
   */
  async recordDose(actor: Actor, itemId: number, input: RecordDoseInput): Promise<DoseView> {
    const item = await this.repo.findItem(itemId);
    const entry = { action: "update", resourceType: DOSE };
    if (!item || !(await this.ctx.access.canAccessPatient(actor, item.patientId))) {
      await this.audit(actor, { ...entry, patientId: item?.patientId ?? null, outcome: "not_found" });
      throw notFound("Medication", "MEDICATION_NOT_FOUND");
    }
    const patientId = item.patientId;
    if (actor.role !== "patient") {
      await this.audit(actor, { ...entry, patientId, outcome: "denied" });
      throw forbidden("DOSES_PATIENT_ONLY", "Only the patient records their doses.");
    }
    if (item.prescriptionStatus !== "active") {
      throw conflict("PRESCRIPTION_NOT_ACTIVE", "This prescription is no longer active.");
    }
    const now = this.ctx.clock.now();
    const latest = new Date(now.getTime() + EARLY_ANSWER_MS);
    let dose: DoseRow | undefined;
    if (input.scheduled_at !== undefined) {
      const at = new Date(input.scheduled_at);
      if (Number.isNaN(at.getTime())) throw invalid("INVALID_TIME", "scheduled_at is not an instant.");
      if (at.getTime() > latest.getTime()) {
        throw unprocessable(
          "DOSE_NOT_DUE",
          "That dose is more than two hours away; record it nearer its time.",
        );
      }
      dose = await this.repo.findDose(itemId, at);
      if (!dose) throw notFound("Dose", "DOSE_NOT_FOUND");
    } else {
      dose = await this.repo.nearestDose(itemId, now, latest);
      if (!dose) {
        throw unprocessable(
          "NO_DOSE_DUE",
          "No dose of this medicine is due (it may be taken as needed, or not started yet).",
        );
      }
    }
    const zone = await this.zoneOf(patientId);
    const saved = await this.ctx.db.transaction(async (tx) => {
      const row = await this.repo.answerDose(tx, dose.id, {
        status: input.status,
        recordedAt: now,
        channel: actor.channel,
        recordedByUserId: actor.userId,
      });
      await this.ctx.audit.record(
        actor,
        { ...entry, patientId, resourceId: dose.id, outcome: "allowed" },
        tx,
      );
      return row;
    });
    return doseView(saved, zone, now);
  }

  /**
   * Answers one dose by its id (a reminder's Taken / Skip): the same checks as recordDose, so another
   * patient's dose id is "not found".
   */
  async recordDoseById(actor: Actor, doseId: number, status: RecordDoseInput["status"]): Promise<DoseView> {
    const dose = await this.repo.findDoseById(doseId);
    if (!dose) {
      await this.audit(actor, {
        action: "update",
        resourceType: DOSE,
        patientId: null,
        outcome: "not_found",
      });
      throw notFound("Dose", "DOSE_NOT_FOUND");
    }
    return this.recordDose(actor, dose.prescriptionItemId, {
      scheduled_at: dose.scheduledAt.toISOString(),
      status,
    });
  }

  /** Taken / (taken + skipped + missed) over doses that have fallen due, per item and overall. */
  async adherence(actor: Actor, requested: number | undefined): Promise<AdherenceView> {
    const patientId = await this.ctx.access.patientScope(actor, requested, {
      action: "read",
      resourceType: ADHERENCE,
    });
    const now = this.ctx.clock.now();
    const rows = await this.repo.patientDoses(patientId);
    const byItem = new Map<number, { name: string; tally: DoseTally }>();
    for (const r of rows) {
      let entry = byItem.get(r.item_id);
      if (!entry) {
        entry = { name: r.medicine_name, tally: emptyTally() };
        byItem.set(r.item_id, entry);
      }
      entry.tally[classifyDose(r.status, new Date(r.scheduled_at), now)] += 1;
    }
    const items = [...byItem.entries()].map(([itemId, e]) => ({
      item_id: itemId,
      medicine_name: e.name,
      ...e.tally,
      percent: adherencePercent(e.tally),
    }));
    const overall = sumTallies([...byItem.values()].map((e) => e.tally));
    await this.audit(actor, { patientId, action: "read", resourceType: ADHERENCE, outcome: "allowed" });
    return {
      patient_id: patientId,
      as_of: now.toISOString(),
      overall_percent: adherencePercent(overall),
      ...overall,
      items,
    };
  }
}
