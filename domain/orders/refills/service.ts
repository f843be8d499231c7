import type { ServiceContext } from "../../context.js";
import { enqueueNotification } from "../../notifications/outbox.js";
import type { Actor } from "../../shared/actor.js";
import { forbidden, notFound } from "../../shared/errors.js";
import { foldText } from "../safety/index.js";
import { RefillRequestsRepository } from "./repository.js";

const REQUEST = "refill_request";

/** The medicine as prescribed, with its strength unless the name already says it. */
function displayName(name: string, strength: string | null): string {
  return strength && !foldText(name).includes(foldText(strength)) ? `${name} ${strength}` : name;
}

export interface RefillRequestView {
  request_id: number;
  prescription_item_id: number;
  medicine_name: string;
  doctor_id: number;
  doctor_name: string;
  status: "pending";
  created_at: string;
  /** False when the same request was already waiting for the doctor. */
  created: boolean;
}

export interface DoctorRefillRequestView {
  request_id: number;
  patient_id: number;
  patient_name: string;
  prescription_id: number;
  prescription_item_id: number;
  medicine_name: string;
  requested_at: string;
}

/**
 * A patient asks the prescribing doctor to renew a prescription item (typically one with no refills left). The
 * request is a row the doctor lists (GET /api/doctor/refill-requests) and a notification to the doctor, written
 * in one transaction; one pending request per item, so asking twice does not ask twice.
 */
export class RefillRequestsService {
  private readonly repo: RefillRequestsRepository;

  constructor(readonly ctx: ServiceContext) {
    this.repo = new RefillRequestsRepository(ctx.db);
  }

  async request(actor: Actor, prescriptionItemId: number): Promise<RefillRequestView> {
    const item = await this.repo.item(prescriptionItemId);
    const entry = { action: "create", resourceType: REQUEST };
    if (!item || actor.role !== "patient" || actor.patientId !== item.patientId) {
      await this.ctx.audit.record(actor, {
        ...entry,
        patientId: item?.patientId ?? null,
        outcome: "not_found",
      });
      throw notFound("Prescription item");
    }
    const now = this.ctx.clock.now();
    const { row, created } = await this.ctx.db.transaction(async (tx) => {
      const inserted = await this.repo.insertPending(tx, {
        prescriptionItemId: item.itemId,
        patientId: item.patientId,
        doctorId: item.doctorId,
        requestedByUserId: actor.userId,
        createdAt: now,
      });
      if (!inserted) return { row: (await this.repo.pendingFor(item.itemId, tx))!, created: false };
      if (item.doctorUserId !== null) {
        await enqueueNotification(tx, {
          userId: item.doctorUserId,
          template: "prescription.renewal_requested",
          data: { request_id: inserted.id, medicine_name: item.medicineName },
          idempotencyKey: `refill_request:${inserted.id}:requested`,
        });
      }
      await this.ctx.audit.record(
        actor,
        { ...entry, patientId: item.patientId, resourceId: inserted.id, outcome: "allowed" },
        tx,
      );
      return { row: inserted, created: true };
    });
    return {
      request_id: row.id,
      prescription_item_id: item.itemId,
      medicine_name: displayName(item.medicineName, item.strength),
      doctor_id: item.doctorId,
      doctor_name: item.doctorName,
      status: "pending",
      created_at: row.createdAt.toISOString(),
      created,
    };
  }

  /** The doctor's pending renewal requests, newest first. */
  async pendingForDoctor(actor: Actor): Promise<{ refill_requests: DoctorRefillRequestView[] }> {
    if (actor.role !== "doctor" || actor.doctorId === undefined)
      throw forbidden("DOCTORS_ONLY", "Refill requests are for the prescribing doctor.");
    const rows = await this.repo.pendingOfDoctor(actor.doctorId);
    await this.ctx.audit.recordMany(
      actor,
      rows.map((r) => ({
        patientId: r.patientId,
        action: "list",
        resourceType: REQUEST,
        resourceId: r.id,
        outcome: "allowed" as const,
      })),
    );
    return {
      refill_requests: rows.map((r) => ({
        request_id: r.id,
        patient_id: r.patientId,
        patient_name: r.patientName,
        prescription_id: r.prescriptionId,
        prescription_item_id: r.prescriptionItemId,
        medicine_name: displayName(r.medicineName, r.strength),
        requested_at: r.createdAt.toISOString(),
      })),
    };
  }
}
