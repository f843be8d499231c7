import type { DbOrTx } from "../../db/client.js";
import { auditLog } from "../../db/schema/index.js";
import type { Actor } from "../shared/actor.js";

export type AuditOutcome = "allowed" | "denied" | "not_found" | "error";

export interface AuditEntry {
  patientId?: number | null | undefined;
  /** A verb: read, create, update, delete, download, list … */
  action: string;
  /** What was touched: appointment, medical_record, document, patient_profile … */
  resourceType: string;
  resourceId?: string | number | null | undefined;
  outcome: AuditOutcome;
}

/** The audit trail: who touched which patient's data, how, through which channel, with what outcome. Ids only. */
export class AuditTrail {
  constructor(private readonly db: DbOrTx) {}

  async record(actor: Actor, entry: AuditEntry, db: DbOrTx = this.db): Promise<void> {
    await this.recordMany(actor, [entry], db);
  }

  /** Several entries in one insert (a list that shows many patients' data). */
  async recordMany(actor: Actor, entries: AuditEntry[], db: DbOrTx = this.db): Promise<void> {
    if (entries.length === 0) return;
    await db.insert(auditLog).values(entries.map((entry) => this.row(actor, entry)));
  }

  private row(actor: Actor, entry: AuditEntry): typeof auditLog.$inferInsert {
    return {
      actorUserId: actor.userId || null,
      actorRole: actor.role,
      channel: actor.channel,
      patientId: entry.patientId ?? null,
      action: entry.action,
      resourceType: entry.resourceType,
      resourceId: entry.resourceId == null ? null : String(entry.resourceId),
      outcome: entry.outcome,
      requestId: actor.requestId ?? null,
    };
  }
}
