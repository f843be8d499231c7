import { createHash, randomBytes } from "node:crypto";
import { pgErrorCode, PG } from "../../db/client.js";
import type { EmergencyContact, Insurance } from "../../db/schema/index.js";
import type { AuditEntry } from "../audit/audit.js";
import type { ServiceContext } from "../context.js";
import type { Actor } from "../shared/actor.js";
import { DomainError, forbidden, invalid, notFound, unprocessable } from "../shared/errors.js";
import { requirePhone } from "../shared/phone.js";
import { addDays, assertTimeZone, isIsoDate } from "../shared/time.js";
import { decrypt, encrypt } from "./crypto.js";
import { sanitizeFilename, sniffDocumentType } from "./files.js";
import {
  RecordsRepository,
  type HistoryKind,
  type HistoryRow,
  type HistoryValues,
  type PatientUpdate,
  type RecordRow,
  type RecordValues,
} from "./repository.js";
import type { DocumentStorage } from "./storage.js";
import {
  documentView,
  groupHistory,
  historyItemView,
  profileView,
  recordView,
  type DocumentView,
  type GroupedHistory,
  type HistoryItemView,
  type ProfileView,
  type RecordView,
} from "./views.js";

export interface ProfileInput {
  patient_id?: number | undefined;
  name?: string | undefined;
  date_of_birth?: string | null | undefined;
  sex?: string | null | undefined;
  phone?: string | null | undefined;
  email?: string | null | undefined;
  address?: string | null | undefined;
  city?: string | null | undefined;
  blood_group?: string | null | undefined;
  time_zone?: string | undefined;
  emergency_contact?: EmergencyContact | null | undefined;
  insurance?: Insurance | null | undefined;
}

export interface HistoryFields {
  name?: string | undefined;
  detail?: string | null | undefined;
  severity?: "mild" | "moderate" | "severe" | null | undefined;
  reaction?: string | null | undefined;
  status?: "active" | "resolved" | null | undefined;
  relative?: string | null | undefined;
  onset_date?: string | null | undefined;
}

export interface HistoryInput extends HistoryFields {
  patient_id?: number | undefined;
  kind: HistoryKind;
  name: string;
}

export interface SelfRecordInput {
  patient_id?: number | undefined;
  date: string;
  description: string;
  prescription?: string | null | undefined;
}

export interface ClinicalFields {
  appointment_id?: number | null | undefined;
  date?: string | undefined;
  description?: string | undefined;
  diagnosis?: string | null | undefined;
  notes?: string | null | undefined;
  prescription?: string | null | undefined;
  test_results?: Record<string, string> | null | undefined;
}

export interface ClinicalInput extends ClinicalFields {
  patient_id: number;
  date: string;
  description: string;
  /** Writes the record once per key: a step that is retried (a signed note's record) gets the same record. */
  idempotencyKey?: string | undefined;
}

export interface UploadInput {
  patient_id?: number | undefined;
  record_id?: number | undefined;
  title?: string | undefined;
  filename?: string | undefined;
  bytes: Buffer;
}

export interface DownloadedDocument {
  filename: string;
  contentType: string;
  bytes: Buffer;
}

/** One item of an import into a patient's history (an EHR's transaction Bundle, through the FHIR face). */
export type ImportItem =
  | ({ type: "history"; kind: "allergy" | "condition"; name: string } & HistoryFields)
  | {
      type: "record";
      date: string;
      description: string;
      prescription?: string | null | undefined;
      test_results?: Record<string, string> | null | undefined;
    }
  | { type: "document"; title?: string | undefined; filename?: string | undefined; bytes: Buffer };

export interface ImportedItem {
  type: "history" | "record" | "document";
  id: number;
}

const PROFILE = "patient_profile";
const HISTORY = "patient_history";
const RECORD = "medical_record";
const DOCUMENT = "document";

/** Which history fields belong to which kind; anything else is refused rather than silently dropped. */
const HISTORY_FIELDS: Record<HistoryKind, readonly (keyof HistoryFields)[]> = {
  allergy: ["severity", "reaction"],
  condition: ["status"],
  surgery: [],
  family_history: ["relative"],
};

/**
 * Patient profile and history, self-reported and clinical records, documents.
 * Patients manage their own; care-team doctors read everything and write clinical data; assigned nurses read.
 * Anyone else is answered "not found". Every read and write leaves an audit row (ids only).
 */
export class RecordsService {
  private readonly repo: RecordsRepository;

  constructor(
    readonly ctx: ServiceContext,
    readonly storage: DocumentStorage,
  ) {
    this.repo = new RecordsRepository(ctx.db);
  }

  // --- helpers ---------------------------------------------------------------------------------

  private audit(actor: Actor, entry: AuditEntry, db = this.ctx.db): Promise<void> {
    return this.ctx.audit.record(actor, entry, db);
  }

  private scope(actor: Actor, requested: number | undefined, action: string, resourceType: string) {
    return this.ctx.access.patientScope(actor, requested, { action, resourceType });
  }

  /** A resource found by id: its patient must be reachable, or it does not exist for this actor. */
  private async scopeOf(
    actor: Actor,
    patientId: number | undefined,
    entry: { action: string; resourceType: string; resourceId: number },
    what: string,
  ): Promise<number> {
    if (patientId === undefined || !(await this.ctx.access.canAccessPatient(actor, patientId))) {
      await this.audit(actor, { ...entry, patientId: patientId ?? null, outcome: "not_found" });
      throw notFound(what);
    }
    return patientId;
  }

  private async deny(
    actor: Actor,
    entry: Omit<AuditEntry, "outcome"> & { patientId: number },
    err: DomainError,
  ): Promise<never> {
    await this.audit(actor, { ...entry, outcome: "denied" });
    throw err;
  }

  private checkDate(value: string, field: string): string {
    if (!isIsoDate(value)) throw invalid("INVALID_DATE", `${field} is not a date (YYYY-MM-DD).`);
    // A day of slack for time zones ahead of UTC.
    const latest = addDays(this.ctx.clock.now().toISOString().slice(0, 10), 1);
    if (value > latest) throw unprocessable("DATE_IN_FUTURE", `${field} cannot be in the future.`);
    return value;
  }

  // --- profile ---------------------------------------------------------------------------------

  async getProfile(
    actor: Actor,
    requested: number | undefined,
  ): Promise<{ profile: ProfileView; history: GroupedHistory }> {
    const patientId = await this.scope(actor, requested, "read", PROFILE);
    const patient = await this.repo.findPatient(patientId);
    if (!patient) throw notFound("Patient");
    const history = await this.repo.listHistory(patientId);
    await this.audit(actor, {
      patientId,
      action: "read",
      resourceType: PROFILE,
      resourceId: patientId,
      outcome: "allowed",
    });
    return { profile: profileView(patient), history: groupHistory(history.map(historyItemView)) };
  }

  /**
   * Patients the actor may see whose name contains `name` (a clinician's care team; a patient only themself),
   * at most `limit`. Each one found is audited as read.
   */
  async searchPatients(
    actor: Actor,
    filter: { name?: string | undefined; birthDate?: string | undefined },
    limit = 500,
  ): Promise<ProfileView[]> {
    const ids = await this.ctx.access.reachablePatients(actor);
    const rows = await this.repo.findPatientsNamed(ids, filter, limit);
    for (const row of rows)
      await this.audit(actor, {
        patientId: row.id,
        action: "search",
        resourceType: PROFILE,
        resourceId: row.id,
        outcome: "allowed",
      });
    return rows.map(profileView);
  }

  async updateProfile(
    actor: Actor,
    input: ProfileInput,
  ): Promise<{ profile: ProfileView; history: GroupedHistory }> {
    const patientId = await this.scope(actor, input.patient_id, "update", PROFILE);
    const entry = { patientId, action: "update", resourceType: PROFILE, resourceId: patientId };
    if (actor.role !== "patient") {
      await this.deny(
        actor,
        entry,
        forbidden("PROFILE_READ_ONLY", "Only the patient can edit their profile."),
      );
    }
    const values: PatientUpdate = {};
    if (input.name !== undefined) values.name = input.name.trim();
    if (input.date_of_birth !== undefined) {
      values.dateOfBirth =
        input.date_of_birth === null ? null : this.checkDate(input.date_of_birth, "date_of_birth");
    }
    if (input.time_zone !== undefined) values.timeZone = assertTimeZone(input.time_zone);
    if (input.sex !== undefined) values.sex = input.sex;
    const region = this.ctx.config.phone.defaultRegion;
    if (input.phone !== undefined)
      values.phone =
        input.phone === null || input.phone.trim() === "" ? null : requirePhone(input.phone, region);
    if (input.email !== undefined) values.email = input.email?.toLowerCase() ?? null;
    if (input.address !== undefined) values.address = input.address;
    if (input.city !== undefined) values.city = input.city;
    if (input.blood_group !== undefined) values.bloodGroup = input.blood_group;
    if (input.emergency_contact !== undefined) {
      const contact = input.emergency_contact;
      values.emergencyContact =
        contact?.phone === undefined || contact.phone.trim() === ""
          ? contact
          : { ...contact, phone: requirePhone(contact.phone, region, "emergency_contact.phone") };
    }
    if (input.insurance !== undefined) values.insurance = input.insurance;

    const now = this.ctx.clock.now();
    const patient = await this.ctx.db.transaction(async (tx) => {
      const row = await this.repo.updatePatient(tx, patientId, values, now);
      await this.audit(actor, { ...entry, outcome: "allowed" }, tx);
      return row;
    });
    const history = await this.repo.listHistory(patientId);
    return { profile: profileView(patient), history: groupHistory(history.map(historyItemView)) };
  }

  // --- history ---------------------------------------------------------------------------------

  async listHistory(actor: Actor, requested: number | undefined): Promise<HistoryItemView[]> {
    const patientId = await this.scope(actor, requested, "list", HISTORY);
    const rows = await this.repo.listHistory(patientId);
    await this.audit(actor, { patientId, action: "list", resourceType: HISTORY, outcome: "allowed" });
    return rows.map(historyItemView);
  }

  private historyValues(kind: HistoryKind, input: HistoryFields): Partial<HistoryValues> {
    const allowed = HISTORY_FIELDS[kind];
    for (const field of ["severity", "reaction", "status", "relative"] as const) {
      if (input[field] != null && !allowed.includes(field)) {
        throw invalid(
          "INVALID_HISTORY_FIELD",
          `"${field}" does not apply to ${kind.replace("_", " ")} items.`,
        );
      }
    }
    const values: Partial<HistoryValues> = {};
    if (input.name !== undefined) values.name = input.name.trim();
    if (input.detail !== undefined) values.detail = input.detail;
    if (input.severity !== undefined) values.severity = input.severity;
    if (input.status !== undefined) values.status = input.status;
    if (kind === "allergy" && input.reaction !== undefined) values.qualifier = input.reaction;
    if (kind === "family_history" && input.relative !== undefined) values.qualifier = input.relative;
    if (input.onset_date !== undefined) {
      values.onsetDate = input.onset_date === null ? null : this.checkDate(input.onset_date, "onset_date");
    }
    return values;
  }

  async addHistoryItem(actor: Actor, input: HistoryInput): Promise<HistoryItemView> {
    const patientId = await this.scope(actor, input.patient_id, "create", HISTORY);
    const entry = { patientId, action: "create", resourceType: HISTORY };
    const doctorMay = actor.role === "doctor" && (input.kind === "allergy" || input.kind === "condition");
    if (actor.role !== "patient" && !doctorMay) {
      await this.deny(
        actor,
        entry,
        forbidden(
          "HISTORY_READ_ONLY",
          "Doctors may add allergies and conditions; other history is the patient's.",
        ),
      );
    }
    const values = this.historyValues(input.kind, input);
    const id = await this.ctx.db.transaction(async (tx) => {
      const newId = await this.repo.insertHistoryItem(tx, {
        ...values,
        name: input.name.trim(),
        patientId,
        kind: input.kind,
        recordedByUserId: actor.userId,
      });
      await this.audit(actor, { ...entry, resourceId: newId, outcome: "allowed" }, tx);
      await this.ctx.ragChanges.changed(tx, patientId);
      return newId;
    });
    this.ctx.ragChanges.kick(patientId);
    return historyItemView((await this.repo.findHistoryItem(id))!);
  }

  /** An item the actor may change: on a reachable patient, and recorded by the actor (or by nobody, then the patient). */
  private async editableHistoryItem(actor: Actor, id: number, action: string): Promise<HistoryRow> {
    const item = await this.repo.findHistoryItem(id);
    const entry = { action, resourceType: HISTORY, resourceId: id };
    const patientId = await this.scopeOf(actor, item?.patientId, entry, "History item");
    const mine =
      item!.recordedByUserId === actor.userId ||
      (item!.recordedByUserId === null && actor.role === "patient");
    if (!mine) {
      await this.deny(
        actor,
        { ...entry, patientId },
        forbidden(
          "HISTORY_READ_ONLY",
          "This history item was recorded by someone else and cannot be changed here.",
        ),
      );
    }
    return item!;
  }

  async updateHistoryItem(actor: Actor, id: number, input: HistoryFields): Promise<HistoryItemView> {
    const item = await this.editableHistoryItem(actor, id, "update");
    const values = this.historyValues(item.kind, input);
    const now = this.ctx.clock.now();
    await this.ctx.db.transaction(async (tx) => {
      await this.repo.updateHistoryItem(tx, id, values, now);
      await this.ctx.ragChanges.changed(tx, item.patientId);
      await this.audit(
        actor,
        {
          patientId: item.patientId,
          action: "update",
          resourceType: HISTORY,
          resourceId: id,
          outcome: "allowed",
        },
        tx,
      );
    });
    this.ctx.ragChanges.kick(item.patientId);
    return historyItemView((await this.repo.findHistoryItem(id))!);
  }

  async deleteHistoryItem(actor: Actor, id: number): Promise<void> {
    const item = await this.editableHistoryItem(actor, id, "delete");
    await this.ctx.db.transaction(async (tx) => {
      await this.repo.deleteHistoryItem(tx, id);
      // Gone from the records index in this same transaction: never retrieved again once deleted.
      await this.ctx.ragChanges.removed(tx, item.patientId, "history", id);
      await this.audit(
        actor,
        {
          patientId: item.patientId,
          action: "delete",
          resourceType: HISTORY,
          resourceId: id,
          outcome: "allowed",
        },
        tx,
      );
    });
    this.ctx.ragChanges.kick(item.patientId);
  }

  // --- import ----------------------------------------------------------------------------------

  /**
   * Writes an import into one patient's history, all or nothing: allergies and conditions as history items,
   * medications and observations as records (clinical when a care-team doctor imports, self-reported when
   * the patient does), documents as uploads. Everything is checked before anything is written; the
   * documents' encrypted bytes are stored first and removed again if the one transaction fails. Indexed for
   * RAG like every other write (rag_pending in the same transaction).
   */
  async importItems(actor: Actor, patientId: number, items: ImportItem[]): Promise<ImportedItem[]> {
    const scoped = await this.scope(actor, patientId, "import", HISTORY);
    const entry = { patientId: scoped, action: "import", resourceType: HISTORY };
    if (actor.role !== "patient" && actor.role !== "doctor") {
      await this.deny(
        actor,
        entry,
        forbidden("IMPORT_NOT_ALLOWED", "Only the patient or their doctor can import into their history."),
      );
    }
    const recordKind = actor.role === "doctor" ? "clinical" : "self_reported";
    // Check and prepare everything first.
    const prepared = await Promise.all(
      items.map(async (item) => {
        if (item.type === "history") {
          return { item, values: this.historyValues(item.kind, item) };
        }
        if (item.type === "record") {
          const values: RecordValues = {
            recordDate: this.checkDate(item.date, "date"),
            description: item.description.trim(),
            prescription: item.prescription ?? null,
            ...(item.test_results ? { testResults: item.test_results } : {}),
          };
          return { item, values };
        }
        if (item.bytes.length > this.ctx.config.storage.maxBytes)
          throw new DomainError("invalid", "PAYLOAD_TOO_LARGE", "A document is too large.");
        const kind = await sniffDocumentType(item.bytes);
        const key = `docs/${randomBytes(1).toString("hex")}/${randomBytes(16).toString("hex")}`;
        return {
          item,
          document: {
            filename: sanitizeFilename(item.filename ?? item.title, kind.ext),
            title: item.title?.trim() || null,
            contentType: kind.contentType,
            sizeBytes: item.bytes.length,
            sha256: createHash("sha256").update(item.bytes).digest("hex"),
            storageKey: key,
            sealed: encrypt(this.ctx.config.storage.encryptionKey, item.bytes, key),
          },
        };
      }),
    );
    const stored: string[] = [];
    try {
      for (const p of prepared)
        if (p.document) {
          await this.storage.put(p.document.storageKey, p.document.sealed);
          stored.push(p.document.storageKey);
        }
      const out = await this.ctx.db.transaction(async (tx) => {
        const ids: ImportedItem[] = [];
        for (const p of prepared) {
          let id: number;
          let resourceType: string;
          if (p.item.type === "history") {
            id = await this.repo.insertHistoryItem(tx, {
              ...p.values,
              name: p.item.name.trim(),
              patientId: scoped,
              kind: p.item.kind,
              recordedByUserId: actor.userId,
            });
            resourceType = HISTORY;
          } else if (p.item.type === "record") {
            const newId = await this.repo.insertRecord(tx, {
              ...(p.values as RecordValues),
              patientId: scoped,
              kind: recordKind,
              authorUserId: actor.userId,
            });
            id = newId!;
            resourceType = RECORD;
          } else {
            const { sealed: _sealed, ...doc } = p.document!;
            id = (
              await this.repo.insertDocument(tx, {
                ...doc,
                patientId: scoped,
                recordId: null,
                uploadedByUserId: actor.userId,
              })
            ).id;
            resourceType = DOCUMENT;
          }
          await this.audit(
            actor,
            { patientId: scoped, action: "import", resourceType, resourceId: id, outcome: "allowed" },
            tx,
          );
          ids.push({ type: p.item.type, id });
        }
        await this.ctx.ragChanges.changed(tx, scoped);
        return ids;
      });
      this.ctx.ragChanges.kick(scoped);
      return out;
    } catch (err) {
      await Promise.all(stored.map((k) => this.storage.delete(k).catch(() => undefined)));
      throw err;
    }
  }

  // --- records ---------------------------------------------------------------------------------

  /** Every live record the reader may see (self-reported and clinical), newest first. */
  async listRecords(actor: Actor, requested: number | undefined): Promise<RecordView[]> {
    const patientId = await this.scope(actor, requested, "list", RECORD);
    const rows = await this.repo.listRecords(patientId);
    await this.audit(actor, { patientId, action: "list", resourceType: RECORD, outcome: "allowed" });
    return rows.map(recordView);
  }

  async listClinicalRecords(actor: Actor, requested: number | undefined): Promise<RecordView[]> {
    const patientId = await this.scope(actor, requested, "list_clinical", RECORD);
    const rows = await this.repo.listRecords(patientId, "clinical");
    await this.audit(actor, { patientId, action: "list_clinical", resourceType: RECORD, outcome: "allowed" });
    return rows.map(recordView);
  }

  /** A patient's own self-reported record. */
  async createSelfRecord(actor: Actor, input: SelfRecordInput): Promise<RecordView> {
    const patientId = await this.scope(actor, input.patient_id, "create", RECORD);
    if (actor.role !== "patient") {
      await this.deny(
        actor,
        { patientId, action: "create", resourceType: RECORD },
        forbidden(
          "SELF_REPORTED_ONLY",
          "Self-reported records are written by the patient; doctors write clinical records.",
        ),
      );
    }
    const values: RecordValues = {
      recordDate: this.checkDate(input.date, "date"),
      description: input.description.trim(),
      prescription: input.prescription ?? null,
    };
    return this.insertRecord(actor, patientId, "self_reported", values);
  }

  private async insertRecord(
    actor: Actor,
    patientId: number,
    kind: "self_reported" | "clinical",
    values: RecordValues,
    idempotencyKey?: string,
  ): Promise<RecordView> {
    const id = await this.ctx.db.transaction(async (tx) => {
      const newId = await this.repo.insertRecord(tx, {
        ...values,
        patientId,
        kind,
        authorUserId: actor.userId,
        idempotencyKey,
      });
      // Written before under this key: that record, unchanged.
      if (newId === undefined) return (await this.repo.recordIdByKey(tx, idempotencyKey!))!;
      await this.audit(
        actor,
        { patientId, action: "create", resourceType: RECORD, resourceId: newId, outcome: "allowed" },
        tx,
      );
      await this.ctx.ragChanges.changed(tx, patientId);
      return newId;
    });
    this.ctx.ragChanges.kick(patientId);
    return recordView((await this.repo.findRecord(id))!);
  }

  /** A live record the actor wrote, of the given kind; someone else's record on a reachable patient is read-only. */
  private async ownRecord(
    actor: Actor,
    id: number,
    action: string,
    kind: "self_reported" | "clinical",
  ): Promise<RecordRow> {
    const record = await this.repo.findRecord(id);
    const entry = { action, resourceType: RECORD, resourceId: id };
    const patientId = await this.scopeOf(actor, record?.patientId, entry, "Record");
    if (record!.kind !== kind || record!.authorUserId !== actor.userId) {
      const message =
        kind === "clinical"
          ? "Only the doctor who wrote this clinical record can change it."
          : "This record was written by a doctor (or someone else) and cannot be changed by you.";
      await this.deny(actor, { ...entry, patientId }, forbidden("RECORD_READ_ONLY", message));
    }
    return record!;
  }

  async updateSelfRecord(
    actor: Actor,
    id: number,
    input: {
      date?: string | undefined;
      description?: string | undefined;
      prescription?: string | null | undefined;
    },
  ): Promise<RecordView> {
    const record = await this.ownRecord(actor, id, "update", "self_reported");
    const values: Partial<RecordValues> = {};
    if (input.date !== undefined) values.recordDate = this.checkDate(input.date, "date");
    if (input.description !== undefined) values.description = input.description.trim();
    if (input.prescription !== undefined) values.prescription = input.prescription;
    return this.saveRecord(actor, record, values);
  }

  private async saveRecord(
    actor: Actor,
    record: RecordRow,
    values: Partial<RecordValues>,
  ): Promise<RecordView> {
    const now = this.ctx.clock.now();
    await this.ctx.db.transaction(async (tx) => {
      await this.repo.updateRecord(tx, record.id, values, now);
      await this.ctx.ragChanges.changed(tx, record.patientId);
      await this.audit(
        actor,
        {
          patientId: record.patientId,
          action: "update",
          resourceType: RECORD,
          resourceId: record.id,
          outcome: "allowed",
        },
        tx,
      );
    });
    this.ctx.ragChanges.kick(record.patientId);
    const updated = await this.repo.findRecord(record.id);
    if (!updated) throw notFound("Record");
    return recordView(updated);
  }

  /** Soft delete, so the audit trail keeps pointing at something. */
  async deleteSelfRecord(actor: Actor, id: number): Promise<void> {
    const record = await this.ownRecord(actor, id, "delete", "self_reported");
    const now = this.ctx.clock.now();
    await this.ctx.db.transaction(async (tx) => {
      await this.repo.softDeleteRecord(tx, id, now);
      await this.ctx.ragChanges.removed(tx, record.patientId, "record", id);
      await this.audit(
        actor,
        {
          patientId: record.patientId,
          action: "delete",
          resourceType: RECORD,
          resourceId: id,
          outcome: "allowed",
        },
        tx,
      );
    });
    this.ctx.ragChanges.kick(record.patientId);
  }

  private async checkAppointment(actor: Actor, patientId: number, appointmentId: number | null | undefined) {
    if (appointmentId == null) return;
    if (
      actor.doctorId === undefined ||
      !(await this.repo.appointmentBetween(appointmentId, actor.doctorId, patientId))
    ) {
      throw notFound("Appointment", "APPOINTMENT_NOT_FOUND");
    }
  }

  private clinicalValues(input: ClinicalFields): Partial<RecordValues> {
    const values: Partial<RecordValues> = {};
    if (input.date !== undefined) values.recordDate = this.checkDate(input.date, "date");
    if (input.description !== undefined) values.description = input.description.trim();
    if (input.diagnosis !== undefined) values.diagnosis = input.diagnosis;
    if (input.notes !== undefined) values.notes = input.notes;
    if (input.prescription !== undefined) values.prescription = input.prescription;
    if (input.test_results !== undefined) values.testResults = input.test_results;
    if (input.appointment_id !== undefined) values.appointmentId = input.appointment_id;
    return values;
  }

  /** A care-team doctor's clinical record for a patient. */
  async createClinicalRecord(actor: Actor, input: ClinicalInput): Promise<RecordView> {
    const patientId = await this.scope(actor, input.patient_id, "create", RECORD);
    if (actor.role !== "doctor") {
      await this.deny(
        actor,
        { patientId, action: "create", resourceType: RECORD },
        forbidden("DOCTORS_ONLY", "Only doctors write clinical records."),
      );
    }
    await this.checkAppointment(actor, patientId, input.appointment_id);
    const values = this.clinicalValues(input) as RecordValues;
    return this.insertRecord(actor, patientId, "clinical", values, input.idempotencyKey);
  }

  async updateClinicalRecord(actor: Actor, id: number, input: ClinicalFields): Promise<RecordView> {
    const record = await this.ownRecord(actor, id, "update", "clinical");
    await this.checkAppointment(actor, record.patientId, input.appointment_id);
    return this.saveRecord(actor, record, this.clinicalValues(input));
  }

  // --- documents -------------------------------------------------------------------------------

  /**
   * Stores an uploaded document: type sniffed from the bytes, encrypted under a random key, bytes first,
   * then the row (and its audit) in one transaction; if that fails the bytes are removed again.
   */
  async uploadDocument(actor: Actor, input: UploadInput): Promise<DocumentView> {
    const patientId = await this.scope(actor, input.patient_id, "create", DOCUMENT);
    const entry = { patientId, action: "create", resourceType: DOCUMENT };
    if (actor.role !== "patient" && actor.role !== "doctor") {
      await this.deny(
        actor,
        entry,
        forbidden("UPLOAD_NOT_ALLOWED", "Only the patient or their doctor can upload."),
      );
    }
    if (input.bytes.length > this.ctx.config.storage.maxBytes) {
      throw new DomainError("invalid", "PAYLOAD_TOO_LARGE", "The document is too large.");
    }
    if (input.record_id !== undefined) {
      const record = await this.repo.findRecord(input.record_id);
      if (!record || record.patientId !== patientId) throw notFound("Record", "RECORD_NOT_FOUND");
    }
    const type = await sniffDocumentType(input.bytes);
    const filename = sanitizeFilename(input.filename ?? input.title, type.ext);
    const key = `docs/${randomBytes(1).toString("hex")}/${randomBytes(16).toString("hex")}`;
    const sealed = encrypt(this.ctx.config.storage.encryptionKey, input.bytes, key);

    await this.storage.put(key, sealed);
    try {
      const row = await this.ctx.db.transaction(async (tx) => {
        const doc = await this.repo.insertDocument(tx, {
          patientId,
          recordId: input.record_id ?? null,
          uploadedByUserId: actor.userId,
          filename,
          title: input.title?.trim() || null,
          contentType: type.contentType,
          sizeBytes: input.bytes.length,
          sha256: createHash("sha256").update(input.bytes).digest("hex"),
          storageKey: key,
        });
        await this.audit(actor, { ...entry, resourceId: doc.id, outcome: "allowed" }, tx);
        await this.ctx.ragChanges.changed(tx, patientId);
        return doc;
      });
      this.ctx.ragChanges.kick(patientId);
      return documentView(row);
    } catch (err) {
      await this.storage.delete(key).catch(() => undefined);
      if (pgErrorCode(err) === PG.foreignKeyViolation) throw notFound("Record", "RECORD_NOT_FOUND");
      throw err;
    }
  }

  async listDocuments(actor: Actor, requested: number | undefined): Promise<DocumentView[]> {
    const patientId = await this.scope(actor, requested, "list", DOCUMENT);
    const rows = await this.repo.listDocuments(patientId);
    await this.audit(actor, { patientId, action: "list", resourceType: DOCUMENT, outcome: "allowed" });
    return rows.map(documentView);
  }

  /** The decrypted bytes, for the patient, their care-team doctors and assigned nurses. */
  async downloadDocument(actor: Actor, id: number): Promise<DownloadedDocument> {
    const doc = await this.repo.findDocument(id);
    const entry = { action: "download", resourceType: DOCUMENT, resourceId: id };
    const patientId = await this.scopeOf(actor, doc?.patientId, entry, "Document");
    const sealed = await this.storage.get(doc!.storageKey);
    if (!sealed) {
      await this.audit(actor, { ...entry, patientId, outcome: "error" });
      throw new DomainError(
        "unavailable",
        "DOCUMENT_UNAVAILABLE",
        "The document's content is not available.",
      );
    }
    let bytes: Buffer;
    try {
      bytes = decrypt(this.ctx.config.storage.encryptionKey, sealed, doc!.storageKey);
    } catch (err) {
      await this.audit(actor, { ...entry, patientId, outcome: "error" });
      throw err;
    }
    await this.audit(actor, { ...entry, patientId, outcome: "allowed" });
    return { filename: doc!.filename, contentType: doc!.contentType, bytes };
  }

  /** Soft delete by the uploader; the encrypted bytes are kept with the row for the record's retention. */
  async deleteDocument(actor: Actor, id: number): Promise<void> {
    const doc = await this.repo.findDocument(id);
    const entry = { action: "delete", resourceType: DOCUMENT, resourceId: id };
    const patientId = await this.scopeOf(actor, doc?.patientId, entry, "Document");
    if (doc!.uploadedByUserId !== actor.userId) {
      await this.deny(
        actor,
        { ...entry, patientId },
        forbidden("DOCUMENT_READ_ONLY", "Only the person who uploaded this document can delete it."),
      );
    }
    const now = this.ctx.clock.now();
    await this.ctx.db.transaction(async (tx) => {
      await this.repo.softDeleteDocument(tx, id, now);
      await this.ctx.ragChanges.removed(tx, patientId, "document", id);
      await this.audit(actor, { ...entry, patientId, outcome: "allowed" }, tx);
    });
    this.ctx.ragChanges.kick(patientId);
  }
}
