import type { AuditTrail } from "../audit/audit.js";
import type { Actor } from "../shared/actor.js";
import { invalid, notFound } from "../shared/errors.js";
import type { AccountsRepository } from "./repository.js";

/**
 * Who may touch whose data. A patient: only their own. A doctor: patients on their care team (an appointment
 * together). A nurse: patients of the doctors they are assigned to. A doctor or nurse added explicitly to a
 * patient's care team (care_team_members) as well. Anything else is answered as "not found",
 * so another person's data cannot even be shown to exist; every refusal is audited.
 */
export class AccessPolicy {
  constructor(
    private readonly repo: AccountsRepository,
    private readonly audit: AuditTrail,
  ) {}

  async canAccessPatient(actor: Actor, patientId: number): Promise<boolean> {
    switch (actor.role) {
      case "patient":
        return actor.patientId === patientId;
      case "doctor":
        return (
          (actor.doctorId !== undefined && (await this.repo.doctorHasPatient(actor.doctorId, patientId))) ||
          (await this.repo.isCareTeamMember(actor.userId, patientId))
        );
      case "nurse":
        return (
          (await this.repo.nurseHasPatient(actor.userId, patientId)) ||
          (await this.repo.isCareTeamMember(actor.userId, patientId))
        );
      case "admin":
      case "pharmacist":
      case "lab":
        return false;
    }
  }

  /**
   * The patient a request is about: the one named, if the actor may see them; a patient's own when none is named.
   * Refusals answer 404 and leave an audit row.
   */
  async patientScope(
    actor: Actor,
    requested: number | undefined,
    what: { action: string; resourceType: string },
  ): Promise<number> {
    const patientId = requested ?? actor.patientId;
    if (patientId === undefined) throw invalid("PATIENT_ID_REQUIRED", "patient_id is required.");
    if (!(await this.canAccessPatient(actor, patientId))) {
      await this.audit.record(actor, { ...what, patientId, outcome: "not_found" });
      throw notFound("Patient");
    }
    return patientId;
  }

  /** Every patient the actor may see (a patient: themself; a doctor or nurse: their care team's). */
  async reachablePatients(actor: Actor): Promise<number[]> {
    switch (actor.role) {
      case "patient":
        return actor.patientId === undefined ? [] : [actor.patientId];
      case "doctor":
      case "nurse":
        return this.repo.reachablePatientIds({
          userId: actor.userId,
          doctorId: actor.doctorId,
          nurse: actor.role === "nurse",
        });
      case "admin":
      case "pharmacist":
      case "lab":
        return [];
    }
  }

  /** The doctor a request is about: a doctor's own; a nurse's assigned doctor; any for an admin. */
  async doctorScope(actor: Actor, requested: number | undefined): Promise<number> {
    if (actor.role === "doctor") {
      if (actor.doctorId === undefined || (requested !== undefined && requested !== actor.doctorId))
        throw notFound("Doctor");
      return actor.doctorId;
    }
    if (requested === undefined) throw invalid("DOCTOR_ID_REQUIRED", "doctor_id is required.");
    if (actor.role === "admin") return requested;
    if (actor.role === "nurse" && (await this.repo.nurseHasDoctor(actor.userId, requested))) return requested;
    throw notFound("Doctor");
  }
}
