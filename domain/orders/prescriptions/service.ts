import type { DbOrTx } from "../../../db/client.js";
import type { AuditEntry } from "../../audit/audit.js";
import type { ServiceContext } from "../../context.js";
import { requestReminderSync } from "../../notifications/reminder-repository.js";
import { noReminderSync, type ReminderSync } from "../../notifications/reminders.js";
import { enqueueNotification } from "../../notifications/outbox.js";
import type { Actor } from "../../shared/actor.js";
import { DomainError, forbidden, conflict, invalid, notFound } from "../../shared/errors.js";
import { addDays, todayIn } from "../../shared/time.js";
import { AdherenceRepository, type NewDose } from "../adherence/repository.js";
import { doseTimes, scheduleDoses } from "../adherence/schedule.js";
import { LAB_TESTS, searchCatalog } from "../catalog/index.js";
import {
  blocksPrescribing,
  checkMedicationSafety,
  normalizeDrug,
  unacknowledgedBlockingAlerts,
  type SafetyAlert,
  type SafetyCheckResult,
} from "../safety/index.js";
import { FREQUENCY_EXAMPLES, parseFrequency, type Frequency } from "./frequency.js";
import { renderPrescriptionPdf } from "./pdf.js";
import {
  PrescriptionsRepository,
  type NewItem,
  type NewLabTest,
  type PatientBasics,
  type PrescriptionDetail,
} from "./repository.js";
import { prescriptionSummary, prescriptionView, type PrescriptionView } from "./views.js";

export interface PrescriptionItemInput {
  medicine_name: string;
  strength?: string | null | undefined;
  dose: string;
  frequency: string;
  duration_days: number;
  refills?: number | undefined;
  instructions?: string | null | undefined;
}

export interface PrescriptionLabTestInput {
  test_name: string;
  instructions?: string | null | undefined;
}

export interface PrescribeInput {
  patient_id: number;
  appointment_id?: number | null | undefined;
  items: PrescriptionItemInput[];
  lab_tests?: PrescriptionLabTestInput[] | undefined;
  notes?: string | null | undefined;
  acknowledge_alerts?: string[] | undefined;
  override_reason?: string | null | undefined;
}

export interface SafetyWarnings {
  /** Medicines on this prescription that no safety check could be run for. */
  unrecognized: string[];
  /** Recorded allergies that match no known drug or allergy class. */
  unrecognized_allergies: string[];
}

export interface PrescribeResult {
  prescription: PrescriptionView;
  alerts: SafetyAlert[];
  warnings: SafetyWarnings;
}

export type PrescriptionFilter = "active" | "past" | "all";

export interface PrescriptionPdf {
  filename: string;
  bytes: Buffer;
}

/** What a purchase-time safety check needs about a patient. */
export interface MedicationContext {
  /** Names of the medicines the patient is on now (active prescriptions, course not ended). */
  active: string[];
  /** Recorded allergies (substances as written). */
  allergies: string[];
}

interface SafetyOutcome {
  safety: SafetyCheckResult;
  warnings: SafetyWarnings;
  /** Any contraindicated or major alert (then acknowledged, with a reason). */
  blocking: boolean;
  /** Acknowledged ids that match an alert of this check. */
  acknowledged: string[];
  reason: string | null;
}

interface WriteInput {
  patientId: number;
  doctorId: number;
  patient: PatientBasics;
  now: Date;
  today: string;
  validUntil: string;
  input: PrescribeInput;
  items: NewItem[];
  labTests: NewLabTest[];
  frequencies: Frequency[];
  check: SafetyOutcome;
}

const RX = "prescription";
const LAB_MATCH_MIN_SCORE = 60;

/**
 * Prescriptions: written by a care-team doctor after a safety check (interactions with each other and with the
 * patient's active medicines, allergies, duplicates). Contraindicated and major alerts block signing unless each
 * is acknowledged with a reason; the server re-checks on every submit. A prescription is a clinical record
 * entry and schedules its doses, in the same transaction. Readable by the patient, care-team doctors and
 * assigned nurses; anyone else gets 404. Every read and write leaves an audit row (ids only).
 */
export class PrescriptionsService {
  private readonly repo: PrescriptionsRepository;
  private readonly doses: AdherenceRepository;

  /** `reminders`: after a prescription is issued or withdrawn, its dose and refill reminders follow it. */
  constructor(
    readonly ctx: ServiceContext,
    private readonly reminders: ReminderSync = noReminderSync,
  ) {
    this.repo = new PrescriptionsRepository(ctx.db);
    this.doses = new AdherenceRepository(ctx.db);
  }

  private audit(actor: Actor, entry: AuditEntry, db: DbOrTx = this.ctx.db): Promise<void> {
    return this.ctx.audit.record(actor, entry, db);
  }

  /** A prescription the actor may read, or 404 (audited). */
  private async readable(actor: Actor, id: number, action: string): Promise<PrescriptionDetail> {
    const p = await this.repo.findPrescription(id);
    if (!p || !(await this.ctx.access.canAccessPatient(actor, p.patientId))) {
      await this.audit(actor, {
        patientId: p?.patientId ?? null,
        action,
        resourceType: RX,
        resourceId: id,
        outcome: "not_found",
      });
      throw notFound("Prescription", "PRESCRIPTION_NOT_FOUND");
    }
    return p;
  }

  private async patientToday(patientId: number): Promise<{ zone: string; today: string }> {
    const patient = await this.repo.findPatient(patientId);
    const zone = patient?.timeZone ?? "UTC";
    return { zone, today: todayIn(zone, this.ctx.clock.now()) };
  }

  // --- prescribing -------------------------------------------------------------------------------

  async prescribe(actor: Actor, input: PrescribeInput): Promise<PrescribeResult> {
    const patientId = await this.ctx.access.patientScope(actor, input.patient_id, {
      action: "create",
      resourceType: RX,
    });
    const entry = { patientId, action: "create", resourceType: RX };
    if (actor.role !== "doctor" || actor.doctorId === undefined) {
      await this.audit(actor, { ...entry, outcome: "denied" });
      throw forbidden("DOCTORS_ONLY", "Only doctors write prescriptions.");
    }
    const doctorId = actor.doctorId;
    const labInputs = input.lab_tests ?? [];
    if (input.items.length === 0 && labInputs.length === 0) {
      throw invalid("EMPTY_PRESCRIPTION", "A prescription needs at least one medicine or lab test.");
    }
    const frequencies = input.items.map((item, i): Frequency => {
      const f = parseFrequency(item.frequency);
      if (!f) {
        throw invalid(
          "UNKNOWN_FREQUENCY",
          `items[${i}].frequency "${item.frequency.slice(0, 60)}" is not a frequency we understand. Use e.g. ${FREQUENCY_EXAMPLES}.`,
          { index: i },
        );
      }
      return f;
    });
    if (input.appointment_id != null) {
      if (!(await this.repo.appointmentBetween(input.appointment_id, doctorId, patientId))) {
        throw notFound("Appointment", "APPOINTMENT_NOT_FOUND");
      }
    }
    // Written during an open visit of this doctor with this patient: linked to that visit's appointment (the
    // visit's note lists it, the patient's summary names its medicines).
    const appointmentId =
      input.appointment_id ?? (await this.repo.openVisitAppointment(doctorId, patientId)) ?? null;
    const patient = await this.repo.findPatient(patientId);
    if (!patient) throw notFound("Patient");
    const now = this.ctx.clock.now();
    const today = todayIn(patient.timeZone, now);

    const items: NewItem[] = input.items.map((item, i) => {
      const f = frequencies[i]!;
      const refills = item.refills ?? 0;
      return {
        medicineName: item.medicine_name.trim(),
        generics: normalizeDrug(item.medicine_name)?.generics ?? [],
        strength: item.strength?.trim() || null,
        dose: item.dose.trim(),
        frequency: item.frequency.trim(),
        timesPerDay: f.timesPerDay,
        durationDays: item.duration_days,
        quantity: f.timesPerDay * item.duration_days,
        refills,
        fillsRemaining: 1 + refills,
        instructions: item.instructions?.trim() || null,
        startDate: today,
      };
    });
    const labTests = labInputs.map((t) => {
      const name = t.test_name.trim();
      const [match] = searchCatalog(LAB_TESTS, name, 1);
      return {
        testName: name,
        testCode: match && match.score >= LAB_MATCH_MIN_SCORE ? match.item.code : null,
        instructions: t.instructions?.trim() || null,
      };
    });
    const longest = Math.max(0, ...items.map((i) => i.durationDays));
    const validUntil = addDays(today, longest + this.ctx.config.prescriptions.validityMarginDays);
    const proposed = items.map((i) => i.medicineName);

    let done: { id: number; check: SafetyOutcome };
    try {
      done = await this.ctx.db.transaction(async (tx) => {
        // One prescribing at a time per patient: the check below sees every prescription committed before it.
        await this.repo.lockPatient(tx, patientId);
        const check = await this.safetyCheck(tx, patientId, proposed, now, input);
        const id = await this.write(tx, actor, {
          patientId,
          doctorId,
          patient,
          now,
          today,
          validUntil,
          input: { ...input, appointment_id: appointmentId },
          items,
          labTests,
          frequencies,
          check,
        });
        await requestReminderSync(tx, "prescription", id, now);
        await this.ctx.ragChanges.changed(tx, patientId);
        return { id, check };
      });
    } catch (err) {
      if (err instanceof DomainError && err.code === "SAFETY_ALERTS_UNACKNOWLEDGED") {
        await this.audit(actor, { ...entry, outcome: "denied" });
      }
      throw err;
    }
    await this.reminders.synced("prescription", done.id);
    this.ctx.ragChanges.kick(patientId);
    const saved = (await this.repo.findPrescription(done.id))!;
    return {
      prescription: prescriptionView(saved, today),
      alerts: done.check.safety.alerts,
      warnings: done.check.warnings,
    };
  }

  /**
   * The safety check of a prescription not yet written (a dry run, for showing alerts before signing): the
   * proposed medicines against each other, the patient's active medicines and allergies. Writes nothing but an
   * audit row; the same check runs again when the prescription is submitted.
   */
  async checkSafety(
    actor: Actor,
    input: { patient_id: number; medicines: string[] },
  ): Promise<{ alerts: SafetyAlert[]; warnings: SafetyWarnings; blocking: boolean }> {
    const patientId = await this.ctx.access.patientScope(actor, input.patient_id, {
      action: "check",
      resourceType: RX,
    });
    if (actor.role !== "doctor" || actor.doctorId === undefined) {
      await this.audit(actor, { patientId, action: "check", resourceType: RX, outcome: "denied" });
      throw forbidden("DOCTORS_ONLY", "Only doctors write prescriptions.");
    }
    const proposed = input.medicines.map((m) => m.trim()).filter(Boolean);
    const { active, allergies } = await activeMedicationContext(this.repo, patientId, this.ctx.clock.now());
    const safety = checkMedicationSafety({ proposed, active, allergies });
    await this.audit(actor, { patientId, action: "check", resourceType: RX, outcome: "allowed" });
    return {
      alerts: safety.alerts,
      warnings: {
        unrecognized: safety.unrecognized.filter((n) => proposed.includes(n)),
        unrecognized_allergies: safety.unrecognizedAllergies,
      },
      blocking: blocksPrescribing(safety.alerts),
    };
  }

  /**
   * The safety check, on the server's own data (never the client's list of alerts): the new items against each
   * other, the patient's active medicines and recorded allergies. Blocking alerts not all acknowledged with a
   * reason: 422 SAFETY_ALERTS_UNACKNOWLEDGED with the alerts in the details.
   */
  private async safetyCheck(
    db: DbOrTx,
    patientId: number,
    proposed: string[],
    now: Date,
    input: PrescribeInput,
  ): Promise<SafetyOutcome> {
    const { active, allergies } = await activeMedicationContext(this.repo, patientId, now, db);
    const safety = checkMedicationSafety({ proposed, active, allergies });
    const warnings: SafetyWarnings = {
      unrecognized: safety.unrecognized.filter((n) => proposed.includes(n)),
      unrecognized_allergies: safety.unrecognizedAllergies,
    };
    const blocking = blocksPrescribing(safety.alerts);
    const given = new Set(input.acknowledge_alerts ?? []);
    const unacknowledged = unacknowledgedBlockingAlerts(safety.alerts, given);
    const reason = input.override_reason?.trim() || null;
    if (blocking && (unacknowledged.length > 0 || reason === null)) {
      throw new DomainError(
        "unprocessable",
        "SAFETY_ALERTS_UNACKNOWLEDGED",
        unacknowledged.length > 0
          ? "Safety alerts must be reviewed: acknowledge each contraindicated or major alert and give a reason to prescribe anyway."
          : "A reason is required to override contraindicated or major safety alerts.",
        {
          alerts: safety.alerts,
          unacknowledged: unacknowledged.map((a) => a.id),
          override_reason_required: reason === null,
          ...warnings,
        },
      );
    }
    const ids = new Set(safety.alerts.map((a) => a.id));
    return { safety, warnings, blocking, acknowledged: [...given].filter((a) => ids.has(a)).sort(), reason };
  }

  /** The clinical record, the prescription, its items, lab tests and doses, audit rows and the outbox message. */
  private async write(tx: DbOrTx, actor: Actor, w: WriteInput): Promise<number> {
    const {
      patientId,
      doctorId,
      patient,
      now,
      today,
      validUntil,
      input,
      items,
      labTests,
      frequencies,
      check,
    } = w;
    const recordId = await this.repo.insertRecord(tx, {
      patientId,
      authorUserId: actor.userId,
      appointmentId: input.appointment_id ?? null,
      recordDate: today,
      prescription: prescriptionSummary(items, labTests),
    });
    const prescriptionId = await this.repo.insertPrescription(tx, {
      patientId,
      doctorId,
      appointmentId: input.appointment_id ?? null,
      recordId,
      issuedAt: now,
      validUntil,
      notes: input.notes?.trim() || null,
      alerts: check.safety.alerts,
      acknowledgedAlertIds: check.acknowledged,
      overrideReason: check.reason,
      createdByUserId: actor.userId,
    });
    // Identity values follow the VALUES order, so sorting by id restores the input order.
    const rows = (await this.repo.insertItems(tx, prescriptionId, items)).sort((a, b) => a.id - b.id);
    await this.repo.insertLabTests(tx, prescriptionId, labTests);

    const doses: NewDose[] = [];
    rows.forEach((row, i) => {
      const f = frequencies[i]!;
      if (f.prn) return;
      const instants = scheduleDoses({
        startDate: today,
        zone: patient.timeZone,
        times: doseTimes(f.timesPerDay, f.times),
        count: f.timesPerDay * row.durationDays,
        notBefore: now,
      });
      for (const scheduledAt of instants) doses.push({ prescriptionItemId: row.id, patientId, scheduledAt });
    });
    await this.doses.insertDoses(tx, doses);

    const audits: AuditEntry[] = [
      { patientId, action: "create", resourceType: RX, resourceId: prescriptionId, outcome: "allowed" },
      {
        patientId,
        action: "create",
        resourceType: "medical_record",
        resourceId: recordId,
        outcome: "allowed",
      },
    ];
    if (check.blocking) {
      audits.push({
        patientId,
        action: "override_safety_alert",
        resourceType: RX,
        resourceId: prescriptionId,
        outcome: "allowed",
      });
    }
    await this.ctx.audit.recordMany(actor, audits, tx);

    const doctor = await this.repo.findDoctor(doctorId, tx);
    await enqueueNotification(tx, {
      userId: patient.userId,
      template: "prescription.issued",
      idempotencyKey: `prescription:${prescriptionId}:issued`,
      notBefore: now,
      data: {
        prescription_id: prescriptionId,
        patient_id: patientId,
        doctor_id: doctorId,
        doctor_name: doctor?.name ?? null,
        items: items.length,
        lab_tests: labTests.length,
        valid_until: validUntil,
      },
    });
    return prescriptionId;
  }

  // --- reading -----------------------------------------------------------------------------------

  async list(
    actor: Actor,
    requested: number | undefined,
    filter: PrescriptionFilter = "all",
  ): Promise<PrescriptionView[]> {
    const patientId = await this.ctx.access.patientScope(actor, requested, {
      action: "list",
      resourceType: RX,
    });
    const { today } = await this.patientToday(patientId);
    const rows = await this.repo.listPrescriptions(patientId, filter, today);
    await this.audit(actor, { patientId, action: "list", resourceType: RX, outcome: "allowed" });
    return rows.map((r) => prescriptionView(r, today));
  }

  async get(actor: Actor, id: number): Promise<PrescriptionView> {
    const p = await this.readable(actor, id, "read");
    const { today } = await this.patientToday(p.patientId);
    await this.audit(actor, {
      patientId: p.patientId,
      action: "read",
      resourceType: RX,
      resourceId: id,
      outcome: "allowed",
    });
    return prescriptionView(p, today);
  }

  async pdf(actor: Actor, id: number): Promise<PrescriptionPdf> {
    const p = await this.readable(actor, id, "download");
    const [patient, doctor] = await Promise.all([
      this.repo.findPatient(p.patientId),
      this.repo.findDoctor(p.doctorId),
    ]);
    if (!patient || !doctor) throw notFound("Prescription", "PRESCRIPTION_NOT_FOUND");
    const bytes = await renderPrescriptionPdf({
      prescription: p,
      patient,
      doctor,
      issuedDate: todayIn(patient.timeZone, p.issuedAt),
    });
    await this.audit(actor, {
      patientId: p.patientId,
      action: "download",
      resourceType: RX,
      resourceId: id,
      outcome: "allowed",
    });
    return { filename: `prescription-${id}.pdf`, bytes: Buffer.from(bytes) };
  }

  /** The authoring doctor withdraws an active prescription: no fills remain, future doses are removed. */
  async cancel(actor: Actor, id: number): Promise<PrescriptionView> {
    const p = await this.readable(actor, id, "cancel");
    const entry = { patientId: p.patientId, action: "cancel", resourceType: RX, resourceId: id };
    if (actor.role !== "doctor" || actor.doctorId !== p.doctorId) {
      await this.audit(actor, { ...entry, outcome: "denied" });
      throw forbidden("PRESCRIPTION_NOT_YOURS", "Only the prescribing doctor can cancel this prescription.");
    }
    const now = this.ctx.clock.now();
    await this.ctx.db.transaction(async (tx) => {
      if (!(await this.repo.cancel(tx, id, now))) {
        throw conflict("PRESCRIPTION_NOT_ACTIVE", "This prescription is no longer active.");
      }
      await this.audit(actor, { ...entry, outcome: "allowed" }, tx);
      const patient = await this.repo.findPatient(p.patientId, tx);
      if (patient) {
        await enqueueNotification(tx, {
          userId: patient.userId,
          template: "prescription.cancelled",
          idempotencyKey: `prescription:${id}:cancelled`,
          notBefore: now,
          data: {
            prescription_id: id,
            patient_id: p.patientId,
            doctor_id: p.doctorId,
            doctor_name: p.doctorName,
          },
        });
      }
      await requestReminderSync(tx, "prescription", id, now);
      await this.ctx.ragChanges.changed(tx, p.patientId);
    });
    await this.reminders.synced("prescription", id);
    this.ctx.ragChanges.kick(p.patientId);
    const { today } = await this.patientToday(p.patientId);
    return prescriptionView((await this.repo.findPrescription(id))!, today);
  }

  /**
   * For the pharmacy's purchase-time safety check: the patient's active medicines and recorded allergies.
   * No authorization here: the caller has already decided the actor may act for this patient.
   */
  async activeMedicationContext(patientId: number): Promise<MedicationContext> {
    return activeMedicationContext(this.repo, patientId, this.ctx.clock.now());
  }
}

/** The patient's active medicines and allergies, through the prescriptions repository (usable inside a transaction). */
export async function activeMedicationContext(
  repo: PrescriptionsRepository,
  patientId: number,
  now: Date,
  db?: DbOrTx,
): Promise<MedicationContext> {
  // Sequential: inside a transaction both run on the one connection.
  const active = await repo.activeItemNames(patientId, now, db);
  const allergies = await repo.allergies(patientId, db);
  return { active, allergies };
}
